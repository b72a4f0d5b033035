// Packet scanner + validator. One call indexes a whole window: every packet,
// every run of chatter and every damaged span becomes one record in RECORDS.
// The damage rules (README, "Decoder contract") live here and in the
// TypeScript twin bindings/js/scanner.ts, which must stay line-for-line equal.
import {
  MAX_PACKET, RECORD_STRIDE, RECORD_CAPACITY, KIND_PACKET, KIND_CHATTER, KIND_ERROR,
  R_KIND, R_START, R_LENGTH, R_FLAGS, R_SECONDS, R_NANOS, R_TESTID_OFF, R_TESTID_LEN,
  R_TAGS_OFF, R_TAGS_COUNT, R_MIME_OFF, R_MIME_LEN, R_NAME_OFF, R_NAME_LEN, R_FILE_OFF,
  R_FILE_LEN, R_ROUTE_OFF, R_ROUTE_LEN, S_NEXT, S_NEED, S_CTX, S_CTX_LEN, STATE_SLOTS,
  F_TEST_ID, F_ROUTE_CODE, F_TIMESTAMP, F_TAGS, F_FILE, F_MIME,
  ERR_TRUNCATED, ERR_CRC, ERR_OVERRUN, ERR_UTF8, ERR_NUL, ERR_TRAILING,
  FIELD_TIMESTAMP, FIELD_TEST_ID, FIELD_TAGS, FIELD_MIME, FIELD_FILE_NAME, FIELD_FILE_BYTES, FIELD_ROUTE_CODE,
} from './layout';
import { crc32 } from './crc32';
import { checkUtf8 } from './utf8';

/** Window capacity: one maximum packet plus 1 MiB of new input. */
export const INPUT_CAPACITY: i32 = (5 << 20);
const INPUT: usize = memory.data(INPUT_CAPACITY + 16, 16);
const RECORDS: usize = memory.data(RECORD_CAPACITY * RECORD_STRIDE * 4, 16);
const SCRATCH: usize = memory.data(RECORD_STRIDE * 4, 16);
const STATE: usize = memory.data(STATE_SLOTS * 4, 16);

export function inputPtr(): usize { return INPUT; }
export function recordsPtr(): usize { return RECORDS; }
export function statePtr(): usize { return STATE; }

export const IMPLAUSIBLE = 0;
export const PLAUSIBLE = 1;
export const NEED = 2;

// per-call state
let n: i32 = 0;
let eof = false;
let from: i32 = 0;
let ctx: u32 = 0;
let ctxLen: i32 = 0;
let runStart: i32 = 0; // first byte of the current chatter run (may be < from: ctx)
let count: i32 = 0;
let candLen: i32 = 0; // claimed length of the last plausible candidate, -1 if unknown
let candNeed: i32 = 0; // window length classify() needs to decide
let errA: i32 = 0, errB: i32 = 0, errC: i32 = 0, errD: i32 = 0;
let varWidth: i32 = 0;

// @ts-ignore: decorator
@inline function at(i: i32): u32 { return <u32>load<u8>(INPUT + <usize>i); }

// ---- shared with the route-code rewriter (rewrite.ts) -----------------------
/** Start a window pass: the same state scan() sets up. */
export function beginWindow(len: i32, start: i32, atEof: bool, ctxBytes: u32, ctxBytesLen: i32): void {
  n = len;
  from = start;
  eof = atEof;
  ctx = ctxBytes;
  ctxLen = ctxBytesLen;
  runStart = from - ctxLen;
}
export function setRunStart(p: i32): void { runStart = p; }
export function getRunStart(): i32 { return runStart; }
export function candidateLength(): i32 { return candLen; }
export function candidateNeed(): i32 { return candNeed; }
export function varintWidth(): i32 { return varWidth; }
export function windowByte(j: i32): u32 { return runByte(j); }
export function crcMatches(q: i32, len: i32): bool {
  return bswap<u32>(load<u32>(INPUT + <usize>(q + len - 4))) == crc32(0, INPUT + <usize>q, <usize>(len - 4));
}
export { findB3, classify, continuesText, readVarint, INPUT };

// @ts-ignore: decorator
@inline function rec(slot: i32, field: i32, v: i32): void {
  store<i32>(RECORDS + ((<usize>(slot * RECORD_STRIDE + field)) << 2), v);
}
// @ts-ignore: decorator
@inline function scr(field: i32, v: i32): void { store<i32>(SCRATCH + (<usize>field << 2), v); }

/** First 0xB3 in [p, end), or end. */
function findB3(p: i32, end: i32): i32 {
  if (ASC_FEATURE_SIMD) {
    const needle = i8x16.splat(<i8>0xb3);
    while (p + 16 <= end) {
      const m = i8x16.bitmask(i8x16.eq(v128.load(INPUT + <usize>p), needle));
      if (m != 0) return p + ctz(m);
      p += 16;
    }
  } else {
    // SWAR: 8 bytes at a time, exact zero-byte test on (word ^ 0xB3..)
    while (p + 8 <= end) {
      const x = load<u64>(INPUT + <usize>p) ^ 0xb3b3b3b3b3b3b3b3;
      const t = ((x & 0x7f7f7f7f7f7f7f7f) + 0x7f7f7f7f7f7f7f7f | x) | 0x7f7f7f7f7f7f7f7f;
      if (t != 0xffffffffffffffff) return p + <i32>(ctz(~t) >> 3);
      p += 8;
    }
  }
  while (p < end && at(p) != 0xb3) p++;
  return p;
}

/** Header check of a 0xB3 at q: PLAUSIBLE (candLen set), IMPLAUSIBLE, or NEED (candNeed set). */
function classify(q: i32): i32 {
  candLen = -1;
  if (q + 1 >= n) {
    if (eof) return IMPLAUSIBLE; // a lone 0xB3 ending the stream is text
    candNeed = q + 2;
    return NEED;
  }
  if ((at(q + 1) >> 4) != 2) return IMPLAUSIBLE;
  if (q + 2 >= n) {
    if (eof) return PLAUSIBLE;
    candNeed = q + 3;
    return NEED;
  }
  if (at(q + 2) & 0x08) return IMPLAUSIBLE;
  if (q + 3 >= n) {
    if (eof) return PLAUSIBLE;
    candNeed = q + 4;
    return NEED;
  }
  const b0 = at(q + 3);
  const w = <i32>(b0 >> 6) + 1;
  if (w == 4) return IMPLAUSIBLE;
  if (q + 3 + w > n) {
    if (eof) return PLAUSIBLE;
    candNeed = q + 3 + w;
    return NEED;
  }
  let v = b0 & 0x3f;
  for (let k = 1; k < w; k++) v = (v << 8) | at(q + 3 + k);
  if (<i32>v < 3 + w + 4 || v > <u32>MAX_PACKET) return IMPLAUSIBLE;
  candLen = <i32>v;
  return PLAUSIBLE;
}

/** Byte j of the current chatter run, looking back into ctx before `from`. */
function runByte(j: i32): u32 {
  if (j >= from) return at(j);
  return (ctx >> (<u32>(j - (from - ctxLen)) << 3)) & 0xff;
}

/** Would the 0xB3 at q continue a UTF-8 sequence left open by the chatter before it? */
function continuesText(q: i32): bool {
  for (let k = 1; k <= 3; k++) {
    const j = q - k;
    if (j < runStart) return false;
    const b = runByte(j);
    if ((b & 0xc0) == 0x80) continue;
    let len = 0;
    let lo: u32 = 0x80, hi: u32 = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b == 0xe0) lo = 0xa0;
      else if (b == 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b == 0xf0) lo = 0x90;
      else if (b == 0xf4) hi = 0x8f;
    }
    if (len <= k) return false;
    const second = k == 1 ? <u32>0xb3 : runByte(j + 1);
    return second >= lo && second <= hi;
  }
  return false;
}

/** Varint at p, all of it before end; sets varWidth, returns -1 if it runs past end. */
function readVarint(p: i32, end: i32): i32 {
  if (p >= end) { varWidth = 1; return -1; }
  const b0 = at(p);
  const w = <i32>(b0 >> 6) + 1;
  varWidth = w;
  if (p + w > end) return -1;
  let v = b0 & 0x3f;
  for (let k = 1; k < w; k++) v = (v << 8) | at(p + k);
  return <i32>v;
}

/** Validate the string at p (length-prefixed); returns the position after it or -1 (errors set). */
function readString(q: i32, p: i32, end: i32, field: i32, offSlot: i32): i32 {
  const len = readVarint(p, end);
  if (len < 0) return overrun(field, q, p, varWidth, end - p);
  const s = p + varWidth;
  if (len > end - s) return overrun(field, q, s, len, end - s);
  const bad = checkUtf8(INPUT + <usize>s, <usize>len);
  if (bad != 0) {
    errA = field;
    if (bad < 0) { errB = s - bad - 1 - q; return -ERR_NUL; }
    errB = s + bad - 1 - q;
    return -ERR_UTF8;
  }
  if (offSlot >= 0) { scr(offSlot, s); scr(offSlot + 1, len); }
  return s + len;
}

function overrun(field: i32, q: i32, p: i32, claimed: i32, avail: i32): i32 {
  errA = field; errB = p - q; errC = claimed; errD = avail;
  return -ERR_OVERRUN;
}

/** Full check of the complete candidate [q, q+len): 0 and SCRATCH filled, or an ERR_* code. */
function validate(q: i32, len: i32): i32 {
  const crcPos = q + len - 4;
  const stored = bswap<u32>(load<u32>(INPUT + <usize>crcPos));
  const computed = crc32(0, INPUT + <usize>q, <usize>(len - 4));
  if (stored != computed) { errA = <i32>computed; errB = <i32>stored; return ERR_CRC; }
  const flags = (at(q + 1) << 8) | at(q + 2);
  let p = q + 3 + <i32>(at(q + 3) >> 6) + 1;
  const end = crcPos;
  memory.fill(SCRATCH, 0, RECORD_STRIDE * 4);
  scr(R_KIND, KIND_PACKET);
  scr(R_START, q);
  scr(R_LENGTH, len);
  scr(R_FLAGS, <i32>flags);
  if (flags & F_TIMESTAMP) {
    if (end - p < 4) return -overrun(FIELD_TIMESTAMP, q, p, 4, end - p);
    scr(R_SECONDS, <i32>bswap<u32>(load<u32>(INPUT + <usize>p)));
    p += 4;
    const ns = readVarint(p, end);
    if (ns < 0) return -overrun(FIELD_TIMESTAMP, q, p, varWidth, end - p);
    scr(R_NANOS, ns);
    p += varWidth;
  }
  if (flags & F_TEST_ID) {
    p = readString(q, p, end, FIELD_TEST_ID, R_TESTID_OFF);
    if (p < 0) return -p;
  }
  if (flags & F_TAGS) {
    const count = readVarint(p, end);
    if (count < 0) return -overrun(FIELD_TAGS, q, p, varWidth, end - p);
    p += varWidth;
    scr(R_TAGS_OFF, p);
    scr(R_TAGS_COUNT, count);
    for (let i = 0; i < count; i++) {
      p = readString(q, p, end, FIELD_TAGS, -1);
      if (p < 0) return -p;
    }
  }
  if (flags & F_MIME) {
    p = readString(q, p, end, FIELD_MIME, R_MIME_OFF);
    if (p < 0) return -p;
  }
  if (flags & F_FILE) {
    p = readString(q, p, end, FIELD_FILE_NAME, R_NAME_OFF);
    if (p < 0) return -p;
    const size = readVarint(p, end);
    if (size < 0) return -overrun(FIELD_FILE_BYTES, q, p, varWidth, end - p);
    p += varWidth;
    if (size > end - p) return -overrun(FIELD_FILE_BYTES, q, p, size, end - p);
    scr(R_FILE_OFF, p);
    scr(R_FILE_LEN, size);
    p += size;
  }
  if (flags & F_ROUTE_CODE) {
    p = readString(q, p, end, FIELD_ROUTE_CODE, R_ROUTE_OFF);
    if (p < 0) return -p;
  }
  if (p != end) { errA = end - p; errB = p - q; return ERR_TRAILING; }
  return 0;
}

function emitChatter(start: i32, end: i32): void {
  if (end <= start) return;
  rec(count, R_KIND, KIND_CHATTER);
  rec(count, R_START, start);
  rec(count, R_LENGTH, end - start);
  count++;
}

function emitError(start: i32, end: i32, code: i32): void {
  const base = RECORDS + (<usize>(count * RECORD_STRIDE) << 2);
  memory.fill(base, 0, RECORD_STRIDE * 4);
  rec(count, R_KIND, KIND_ERROR);
  rec(count, R_START, start);
  rec(count, R_LENGTH, end - start);
  rec(count, R_FLAGS, code);
  rec(count, R_SECONDS, errA);
  rec(count, R_NANOS, errB);
  rec(count, R_TESTID_OFF, errC);
  rec(count, R_TESTID_LEN, errD);
  count++;
}

/**
 * Index window [0, len) from `start`. ctxBytes/ctxLen: the chatter bytes just
 * before `start` (for the UTF-8 rule). Returns the number of records; the
 * continuation point, the bytes still needed and the new context are in STATE.
 */
export function scan(len: i32, start: i32, atEof: i32, ctxBytes: u32, ctxBytesLen: i32): i32 {
  n = len;
  from = start;
  eof = atEof != 0;
  ctx = ctxBytes;
  ctxLen = ctxBytesLen;
  runStart = from - ctxLen;
  count = 0;
  let pos = from; // first byte not yet covered by a record
  let q = from; // where the search for the next signature goes on
  let need = 0;
  while (count <= RECORD_CAPACITY - 2) {
    q = findB3(q, n);
    if (q >= n) {
      emitChatter(pos, n);
      pos = n;
      break;
    }
    const cls = classify(q);
    if (cls == NEED) { need = candNeed; break; }
    if (cls == IMPLAUSIBLE) { q++; continue; }
    const len = candLen;
    let code = 0;
    let spanEnd = 0;
    if (len > 0 && q + len <= n) {
      code = validate(q, len);
      if (code == 0) {
        emitChatter(pos, q);
        memory.copy(RECORDS + (<usize>(count * RECORD_STRIDE) << 2), SCRATCH, RECORD_STRIDE * 4);
        count++;
        pos = q = runStart = q + len;
        continue;
      }
      spanEnd = q + len;
    } else if (!eof) {
      need = q + len;
      break;
    } else {
      code = ERR_TRUNCATED;
      errA = n - q; errB = len; errC = 0; errD = 0;
      spanEnd = n;
    }
    // damaged: text if it continues a UTF-8 character, else an error that
    // stops at the first plausible signature inside its claimed span
    if (continuesText(q)) { q++; continue; }
    let stop = spanEnd;
    let r = q + 1;
    let undecided = false;
    while (true) {
      r = findB3(r, spanEnd);
      if (r >= spanEnd) break;
      const c = classify(r);
      if (c == PLAUSIBLE) { stop = r; break; }
      if (c == NEED) { need = candNeed; undecided = true; break; }
      r++;
    }
    if (undecided) break;
    emitChatter(pos, q);
    emitError(q, stop, code);
    pos = q = runStart = stop;
  }
  if (need > 0) { emitChatter(pos, q); pos = q; }
  // context for the next call: the last <= 3 bytes of an open chatter run
  let k = pos - runStart;
  if (k > 3) k = 3;
  let packed: u32 = 0;
  for (let i = 0; i < k; i++) packed |= runByte(pos - k + i) << (<u32>i << 3);
  store<i32>(STATE + (<usize>S_NEXT << 2), pos);
  store<i32>(STATE + (<usize>S_NEED << 2), need);
  store<u32>(STATE + (<usize>S_CTX << 2), packed);
  store<i32>(STATE + (<usize>S_CTX_LEN << 2), k);
  return count;
}
