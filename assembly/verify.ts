// The helper thread's half of the scanner's work (shared-memory build only):
// the CRC checks, half the scan time of a real run. The helper walks window
// [from, to) as the scanner does (a packet with a right CRC: step over it;
// anything else: the next byte) and reports each run of back-to-back packets
// with right CRCs in RUNS, the end of the last one as it grows. The scanner
// (SCAN_VERIFIED) skips hashing the packets it finds there.
import { INPUT, beginWindow, classify, findB3 } from './window';
import { CONTROL, RUNS } from './verified';
import { crc32 } from './crc32';
import { V_ABORT, V_RUNS, RUN_CAPACITY } from './layout';

/** How far (bytes) the walk goes between two publications of its runs. */
const PUBLISH = 8192;
/** Packets this long are left to the scanner. */
const BIG_PACKET = 65536;

/** Show the runs so far (entries before the count that shows them; the last run's end first). */
function publish(run: usize, end: i32, runs: i32): void {
  atomic.store<i32>(run + 4, end);
  atomic.store<i32>(CONTROL + (<usize>V_RUNS << 2), runs);
}

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
  let shown = from; // walk position at the last publication
  let checked = 0;
  let q = from;
  while (q < to) {
    if (load<u8>(INPUT + <usize>q) != 0xb3) {
      q = findB3(q, to);
      if (q >= to) break;
    }
    if (atomic.load<i32>(CONTROL + (<usize>V_ABORT << 2)) != 0) break;
    const len = classify(q);
    if (len > 0) {
      if (q + len <= to) {
        // a big packet is left to the scanner: hashing it here while the
        // scanner hashes it too (it catches up on big packets) helps no one.
        // Stepping over it unchecked is safe: the next run starts after it.
        if (len >= BIG_PACKET) {
          q += len;
          continue;
        }
        if (len > budget) break;
        budget -= len;
        // hashed directly, not by the scanner's rangeCrc: its checkpoint
        // ring is in the shared memory, and only the scanner may write it
        if (bswap<u32>(load<u32>(INPUT + <usize>(q + len - 4))) == crc32(0, INPUT + <usize>q, <usize>(len - 4))) {
          if (q != runEnd) {
            // a new run: the old one's end is final now
            if (run != 0) atomic.store<i32>(run + 4, runEnd);
            if (runs == RUN_CAPACITY) break;
            run = RUNS + (<usize>runs << 3);
            runs++;
            store<i32>(run, q);
            store<i32>(run + 4, q);
          }
          runEnd = q + len;
          checked++;
          q = runEnd;
          // published every PUBLISH bytes, not every packet: the scanner reads
          // these lines, and a line both threads touch per packet bounces
          // between their caches
          if (q - shown >= PUBLISH) {
            publish(run, runEnd, runs);
            shown = q;
          }
          continue;
        }
      }
    }
    q++;
  }
  if (run != 0) publish(run, runEnd, runs);
  return checked;
}
