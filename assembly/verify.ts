// The helper thread's half of the scanner's work (shared-memory build only):
// the CRC checks, half the scan time of a real run. The helper walks window
// [from, to) as the scanner does (a packet with a right CRC: step over it;
// anything else: the next byte) and reports each run of back-to-back packets
// with right CRCs in RUNS, the end of the last one as it grows. The scanner
// (SCAN_VERIFIED) skips hashing the packets it finds there.
import { INPUT, CONTROL, RUNS, beginWindow, classify, findB3, candidateLength, PLAUSIBLE } from './scanner';
import { crc32 } from './crc32';
import { V_ABORT, V_RUNS, RUN_CAPACITY } from './layout';

/** How far (bytes) a run grows between two publications of its end. */
const PUBLISH = 8192;

export function verifyControlPtr(): usize { return CONTROL; }
export function verifyRunsPtr(): usize { return RUNS; }

/** Report the runs of packets with right CRCs in window [from, to); returns how many packets. */
export function verify(from: i32, to: i32): i32 {
  beginWindow(to, from, 0, 0, 0);
  // hostile input (headers claiming 4 MiB, each damaged) must not make the
  // helper hash quadratically: it gives up after twice the window's bytes
  let budget = 2 * (to - from) + (1 << 20);
  let runs = atomic.load<i32>(CONTROL + (<usize>V_RUNS << 2));
  let run: usize = 0; // the current run's entry (0: none yet)
  let runEnd = -1; // its end
  let shown = -1; // its end as last published
  let checked = 0;
  let q = from;
  while (q < to) {
    if (load<u8>(INPUT + <usize>q) != 0xb3) {
      q = findB3(q, to);
      if (q >= to) break;
    }
    if (atomic.load<i32>(CONTROL + (<usize>V_ABORT << 2)) != 0) break;
    if (classify(q) == PLAUSIBLE) {
      const len = candidateLength();
      if (len > 0 && q + len <= to) {
        if (len > budget) break;
        budget -= len;
        if (bswap<u32>(load<u32>(INPUT + <usize>(q + len - 4))) == crc32(0, INPUT + <usize>q, <usize>(len - 4))) {
          if (q != runEnd) {
            // a new run: the old one's end, then the new start, before the count that shows it
            if (run != 0 && shown != runEnd) atomic.store<i32>(run + 4, runEnd);
            if (runs == RUN_CAPACITY) break;
            run = RUNS + (<usize>runs << 3);
            store<i32>(run, q);
            atomic.store<i32>(run + 4, q);
            atomic.store<i32>(CONTROL + (<usize>V_RUNS << 2), ++runs);
            shown = q;
          }
          runEnd = q + len;
          // the end is published every PUBLISH bytes, not every packet: the
          // scanner reads it, and a line both threads touch per packet would
          // bounce between their caches
          if (runEnd - shown >= PUBLISH) {
            atomic.store<i32>(run + 4, runEnd);
            shown = runEnd;
          }
          checked++;
          q = runEnd;
          continue;
        }
      }
    }
    q++;
  }
  if (run != 0 && shown != runEnd) atomic.store<i32>(run + 4, runEnd);
  return checked;
}
