// The scanner's side of the CRC helper thread (shared-memory build only;
// SCAN_VERIFIED): the memory both threads share and the cursor over the runs
// the helper reports. The helper (verify.ts) walks the window from the job's
// start as the scanner does, and reports runs of back-to-back packets with
// right CRCs. A packet is one it checked when it starts on the helper's walk
// and ends inside a run. On the walk: a run's start, the job's start, or the
// end of a packet that started on the walk (both walks take the same step
// from a good packet). Anything else, or a packet the helper has not reached
// yet, the scanner hashes itself.
import { SCAN_VERIFIED, V_RUNS, V_SYNC, VERIFY_SLOTS, RUN_CAPACITY } from './layout';
import { rangeCrc } from './window';

/** The helper's control block and the runs it verified. */
export const CONTROL: usize = memory.data(VERIFY_SLOTS * 4, 16);
export const RUNS: usize = memory.data(ASC_FEATURE_THREADS ? RUN_CAPACITY * 8 : 8, 16);

let trusted = false; // this call passed SCAN_VERIFIED
// the cursor's run [vStart, vEnd) (-1: none), the runs read so far, and where
// the current chain of packets from a position on the helper's walk goes on
// (-1: broken)
let vRun: i32 = 0, vCount: i32 = 0, vStart: i32 = -1, vEnd: i32 = -1, chainAt: i32 = -1;
let vRecheck: i32 = 0; // no new look at the runs before this offset
const RECHECK = 8192;
let onWalk = false; // the packet expectedCrc() looked at last starts on the helper's walk

// @ts-ignore: decorator
@inline function loadShared(p: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.load<i32>(p);
  return load<i32>(p);
}
// @ts-ignore: decorator
@inline function runEnd(k: i32): i32 { return loadShared(RUNS + (<usize>k << 3) + 4); }

/** At a scan start: whether to trust the helper; a new job (or cleared runs) resets the cursor. */
export function beginVerified(flags: i32): void {
  trusted = ASC_FEATURE_THREADS && (flags & SCAN_VERIFIED) != 0;
  if (!trusted) return;
  const sync = load<i32>(CONTROL + (<usize>V_SYNC << 2));
  if (sync == -1) return;
  store<i32>(CONTROL + (<usize>V_SYNC << 2), -1);
  vRun = vCount = vRecheck = 0;
  vStart = vEnd = -1;
  chainAt = sync;
}

/**
 * Move the cursor to the first run that ends after q, reading how far the
 * last one reported has grown (the helper publishes it as it goes).
 */
function seekRun(q: i32): void {
  if (vRun + 1 >= vCount) vCount = loadShared(CONTROL + (<usize>V_RUNS << 2));
  if (vCount == 0) return;
  if (vStart < 0) {
    vStart = load<i32>(RUNS);
    vEnd = runEnd(0);
  }
  // a run that is not the last one is complete
  while (vEnd <= q && vRun + 1 < vCount) {
    vRun++;
    vStart = load<i32>(RUNS + (<usize>vRun << 3));
    vEnd = runEnd(vRun);
  }
  if (vRun + 1 == vCount) vEnd = runEnd(vRun);
}

/** The CRC the complete candidate [q, q+len) must store: `stored` itself when the helper checked it. */
export function expectedCrc(q: i32, len: i32, stored: u32): u32 {
  if (!ASC_FEATURE_THREADS || !trusted) return rangeCrc(q, q + len - 4);
  // the cursor's run does not hold this packet: look again, but at most
  // once per RECHECK bytes while the helper is behind (reading what it
  // writes costs a cache line from the other core)
  if (q + len > vEnd && q >= vRecheck) {
    seekRun(q);
    if (q + len > vEnd) vRecheck = q + RECHECK;
  }
  onWalk = q == chainAt || q == vStart;
  chainAt = -1;
  return onWalk && vStart >= 0 && q >= vStart && q + len <= vEnd ? stored : rangeCrc(q, q + len - 4);
}

/** The packet [q, q+len) is valid: if it started on the helper's walk, the walk goes on after it. */
// @ts-ignore: decorator
@inline export function packetValid(q: i32, len: i32): void {
  if (ASC_FEATURE_THREADS && trusted && onWalk) chainAt = q + len;
}
