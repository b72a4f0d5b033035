// Packet scanner + validator. One call indexes a whole window: every packet,
// every run of chatter and every damaged span becomes one record in RECORDS.
// The damage rules (README, "Decoder contract") live here and in the
// TypeScript twin bindings/js/scanner.ts, which must stay line-for-line equal
// in what they decide. Only here: speed paths with the same results (the
// text area, SIMD and one-word string checks, the skipped search).
import {
  SCAN_EOF, SCAN_APPENDED, SCAN_VERIFIED, V_RUNS, V_SYNC, VERIFY_SLOTS, RUN_CAPACITY,
  MAX_PACKET, RECORD_STRIDE, RECORD_CAPACITY, KIND_PACKET, KIND_CHATTER, KIND_ERROR,
  R_KIND, R_START, R_LENGTH, R_FLAGS, R_SECONDS, R_NANOS, R_TESTID_OFF, R_TESTID_LEN,
  R_TAGS_OFF, R_TAGS_COUNT, R_MIME_OFF, R_MIME_LEN, R_NAME_OFF, R_NAME_LEN, R_FILE_OFF,
  R_FILE_LEN, R_ROUTE_OFF, R_ROUTE_LEN, R_TESTID_TEXT, TEXT_CAPACITY, TEXT_CHUNK, S_NEXT, S_NEED, S_CTX, S_CTX_LEN, S_TEXT_LEN, STATE_SLOTS,
  F_TEST_ID, F_ROUTE_CODE, F_TIMESTAMP, F_TAGS, F_FILE, F_MIME,
  ERR_TRUNCATED, ERR_CRC, ERR_OVERRUN, ERR_UTF8, ERR_NUL, ERR_TRAILING,
  FIELD_TIMESTAMP, FIELD_TEST_ID, FIELD_TAGS, FIELD_MIME, FIELD_FILE_NAME, FIELD_FILE_BYTES, FIELD_ROUTE_CODE,
} from './layout';
import { crc32 } from './crc32';
import { checkUtf8, asciiWord } from './utf8';
import { shift } from './crcmath';

/**
 * Window capacity: one maximum packet plus 1 MiB of new input. The shared
 * build's is 16 MiB: each window its CRC helper gets costs a wake-up and a
 * race from the window's start (~0.1–0.2 ms), so it takes big ones.
 */
export const INPUT_CAPACITY: i32 = ASC_FEATURE_THREADS ? (16 << 20) : (5 << 20);
const INPUT: usize = memory.data(INPUT_CAPACITY + 16, 16);
const RECORDS: usize = memory.data(RECORD_CAPACITY * RECORD_STRIDE * 4, 16);
const TEXT: usize = memory.data(TEXT_CAPACITY, 16);
const STATE: usize = memory.data(STATE_SLOTS * 4, 16);
/** Shared with a helper thread that checks CRCs (verify.ts, shared-memory build only): its control block and the runs it verified. */
export const CONTROL: usize = memory.data(VERIFY_SLOTS * 4, 16);
export const RUNS: usize = memory.data(ASC_FEATURE_THREADS ? RUN_CAPACITY * 8 : 8, 16);

export function inputPtr(): usize { return INPUT; }
export function recordsPtr(): usize { return RECORDS; }
export function statePtr(): usize { return STATE; }
export function textPtr(): usize { return TEXT; }

export const IMPLAUSIBLE = 0;
export const PLAUSIBLE = 1;
export const NEED = 2;

// per-call state
let n: i32 = 0;
let eof = false;
let trustVerified = false; // SCAN_VERIFIED
// the helper's runs: the cursor's run [vStart, vEnd) (-1: none), the runs
// read so far, and where the current chain of packets from a position on the
// helper's walk goes on (-1: broken)
let vRun: i32 = 0, vCount: i32 = 0, vStart: i32 = -1, vEnd: i32 = -1, chainAt: i32 = -1;
let vRecheck: i32 = 0; // no new look at the runs before this offset
const RECHECK = 8192;
let from: i32 = 0;
let ctx: u32 = 0;
let ctxLen: i32 = 0;
let runStart: i32 = 0; // first byte of the current chatter run (may be < from: ctx)
let count: i32 = 0;
let candLen: i32 = 0; // claimed length of the last plausible candidate, -1 if unknown
let candNeed: i32 = 0; // window length classify() needs to decide
let errA: i32 = 0, errB: i32 = 0, errC: i32 = 0, errD: i32 = 0;
let varWidth: i32 = 0;
let strAt: i32 = 0, strLen: i32 = 0; // the string readString() checked last
let textLen: i32 = 0; // bytes used in TEXT by this call
let strText: i32 = -1; // where readString() copied the string in TEXT, or -1
let lastText: i32 = -1, lastLen: i32 = 0; // the string this call copied to TEXT last

// @ts-ignore: decorator
@inline function at(i: i32): u32 { return <u32>load<u8>(INPUT + <usize>i); }

// ---- shared with the route-code rewriter (rewrite.ts) -----------------------
/** Start a window pass: the same state scan() sets up. */
export function beginWindow(len: i32, start: i32, flags: i32, ctxBytes: u32, ctxBytesLen: i32): void {
  n = len;
  from = start;
  eof = (flags & SCAN_EOF) != 0;
  ctx = ctxBytes;
  ctxLen = ctxBytesLen;
  runStart = from - ctxLen;
  if ((flags & SCAN_APPENDED) == 0) {
    ckHi = -1;
    ckLo = 0;
  }
}
export function setRunStart(p: i32): void { runStart = p; }
export function getRunStart(): i32 { return runStart; }
export function candidateLength(): i32 { return candLen; }
export function candidateNeed(): i32 { return candNeed; }
export function varintWidth(): i32 { return varWidth; }
export function windowByte(j: i32): u32 { return runByte(j); }
export function crcMatches(q: i32, len: i32): bool {
  return bswap<u32>(load<u32>(INPUT + <usize>(q + len - 4))) == rangeCrc(q, q + len - 4);
}
export { findB3, classify, continuesText, readVarint, INPUT };

// @ts-ignore: decorator
@inline function rec(slot: i32, field: i32, v: i32): void {
  store<i32>(RECORDS + ((<usize>(slot * RECORD_STRIDE + field)) << 2), v);
}

// CRC checkpoints: the register every CK_BLOCK bytes of the window, in a ring
// that spans 8 MiB (more than a packet). The CRC of any range then costs two
// short runs and one shift, so a stream of fake headers claiming 4 MiB each is
// checked in linear time instead of re-hashing 4 MiB per candidate. (128-byte
// blocks: long enough for the CRC kernel to run at speed between checkpoints.)
const CK_SHIFT = 7;
const CK_BLOCK = 1 << CK_SHIFT;
const CK_SIZE = 1 << 16;
const CK: usize = memory.data(CK_SIZE * 4, 16);
let ckLo: i32 = 0; // oldest block with a checkpoint
let ckHi: i32 = -1; // newest (ckHi < ckLo: none)
const DIRECT_CRC = 256; // shorter ranges are cheaper to hash directly

// @ts-ignore: decorator
@inline function ck(b: i32): usize { return CK + (<usize>(b & (CK_SIZE - 1)) << 2); }

/** The register after the window's bytes up to pos, in the current checkpoint chain. */
function regAt(pos: i32, startChain: bool): u32 {
  const b = pos >> CK_SHIFT;
  if (startChain && (ckHi < ckLo || b < ckLo || b > ckHi)) {
    ckLo = ckHi = b;
    store<u32>(ck(b), 0);
  }
  while (ckHi < b) {
    const r = load<u32>(ck(ckHi));
    store<u32>(ck(ckHi + 1), ~crc32(~r, INPUT + (<usize>ckHi << CK_SHIFT), CK_BLOCK));
    ckHi++;
    if (ckHi - ckLo >= CK_SIZE) ckLo = ckHi - CK_SIZE + 1;
  }
  return ~crc32(~load<u32>(ck(b)), INPUT + (<usize>b << CK_SHIFT), pos & (CK_BLOCK - 1));
}

/** CRC-32 of window bytes [q, e). */
function rangeCrc(q: i32, e: i32): u32 {
  if (e - q <= DIRECT_CRC) return crc32(0, INPUT + <usize>q, <usize>(e - q));
  const pq = regAt(q, true);
  return ~(shift(~pq, e - q) ^ regAt(e, false));
}

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
// @ts-ignore: decorator
@inline function classify(q: i32): i32 {
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
// @ts-ignore: decorator
@inline function readVarint(p: i32, end: i32): i32 {
  if (p >= end) { varWidth = 1; return -1; }
  const b0 = at(p);
  const w = <i32>(b0 >> 6) + 1;
  varWidth = w;
  if (p + w > end) return -1;
  let v = b0 & 0x3f;
  for (let k = 1; k < w; k++) v = (v << 8) | at(p + k);
  return <i32>v;
}

/**
 * Validate the string at p (length-prefixed); returns the position after it
 * (strAt/strLen set) or -(ERR_*) (errors set). `copy`: also copy it to TEXT
 * when it is non-empty ASCII (strText: where, or -1); ASCII needs no other check.
 */
function readString(q: i32, p: i32, end: i32, field: i32, copy: bool): i32 {
  const len = readVarint(p, end);
  if (len < 0) return overrun(field, q, p, varWidth, end - p);
  const s = p + varWidth;
  if (len > end - s) return overrun(field, q, s, len, end - s);
  strAt = s;
  strLen = len;
  strText = -1;
  if (copy && len > 0) {
    // a test's packets often follow each other: the same id as the last copy shares it
    // (its host makes one string for both, and the text area stays smaller)
    if (len == lastLen && sameBytes(TEXT + <usize>lastText, INPUT + <usize>s, len)) {
      strText = lastText;
      return s + len;
    }
    // inside one chunk, after this call's other copies
    let to = textLen;
    if ((to & (TEXT_CHUNK - 1)) + len > TEXT_CHUNK) to = (to + TEXT_CHUNK) & ~(TEXT_CHUNK - 1);
    if (len <= TEXT_CHUNK && len <= TEXT_CAPACITY - to && asciiCopy(INPUT + <usize>s, TEXT + <usize>to, len)) {
      strText = lastText = to;
      lastLen = len;
      return s + len;
    }
  }
  if (len <= 8) {
    // short strings (tags, route codes): one word, the bytes past the string
    // set to 0x01 (the input area has 16 bytes of padding to read into)
    const keep: u64 = len == 8 ? <u64>-1 : (<u64>1 << (<u64>len << 3)) - 1;
    if (asciiWord((load<u64>(INPUT + <usize>s) & keep) | (0x0101010101010101 & ~keep))) return s + len;
  }
  const bad = checkUtf8(INPUT + <usize>s, <usize>len);
  if (bad != 0) {
    errA = field;
    if (bad < 0) { errB = s - bad - 1 - q; return -ERR_NUL; }
    errB = s + bad - 1 - q;
    return -ERR_UTF8;
  }
  return s + len;
}

/** Whether [a, a+len) and [b, b+len) hold the same bytes. */
function sameBytes(a: usize, b: usize, len: i32): bool {
  let i = 0;
  if (ASC_FEATURE_SIMD && len >= 16) {
    // as asciiCopy: accumulate, test once, the last vector overlapping
    let diff = i8x16.splat(0);
    for (; i + 16 < len; i += 16) diff = v128.or(diff, v128.xor(v128.load(a + <usize>i), v128.load(b + <usize>i)));
    diff = v128.or(diff, v128.xor(v128.load(a + <usize>(len - 16)), v128.load(b + <usize>(len - 16))));
    return !v128.any_true(diff);
  }
  for (; i + 8 <= len; i += 8) if (load<u64>(a + <usize>i) != load<u64>(b + <usize>i)) return false;
  for (; i < len; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  return true;
}

/** Copy [src, src+len) to dst; whether all of it is ASCII without NUL (if not, dst holds junk). */
function asciiCopy(src: usize, dst: usize, len: i32): bool {
  let i = 0;
  if (ASC_FEATURE_SIMD && len >= 16) {
    // accumulate, test once: OR for high bits, unsigned min for a NUL; the
    // last vector overlaps the one before instead of a byte-by-byte tail
    let any = i8x16.splat(0);
    let low = i8x16.splat(-1);
    for (; i + 16 < len; i += 16) {
      const v = v128.load(src + <usize>i);
      any = v128.or(any, v);
      low = i8x16.min_u(low, v);
      v128.store(dst + <usize>i, v);
    }
    const v = v128.load(src + <usize>(len - 16));
    v128.store(dst + <usize>(len - 16), v);
    return i8x16.bitmask(v128.or(any, v)) == 0 && i8x16.all_true(i8x16.min_u(low, v));
  }
  for (; i + 8 <= len; i += 8) {
    const w = load<u64>(src + <usize>i);
    if (!asciiWord(w)) return false;
    store<u64>(dst + <usize>i, w);
  }
  for (; i < len; i++) {
    const c = load<u8>(src + <usize>i);
    if (c == 0 || c >= 0x80) return false;
    store<u8>(dst + <usize>i, c);
  }
  return true;
}

function overrun(field: i32, q: i32, p: i32, claimed: i32, avail: i32): i32 {
  errA = field; errB = p - q; errC = claimed; errD = avail;
  return -ERR_OVERRUN;
}

/**
 * Full check of the complete candidate [q, q+len): 0 with its record written
 * at `slot`, or an ERR_* code. Fields are kept in locals and the record is
 * written once, only for a valid packet.
 */
function validate(q: i32, len: i32, slot: i32): i32 {
  const crcPos = q + len - 4;
  const stored = bswap<u32>(load<u32>(INPUT + <usize>crcPos));
  let computed: u32;
  let onWalk = false;
  if (trustVerified) {
    // the cursor's run does not hold this packet: look again, but at most
    // once per RECHECK bytes while the helper is behind (reading what it
    // writes costs a cache line from the other core)
    if (q + len > vEnd && q >= vRecheck) {
      seekRun(q);
      if (q + len > vEnd) vRecheck = q + RECHECK;
    }
    onWalk = q == chainAt || q == vStart;
    chainAt = -1;
    computed = onWalk && vStart >= 0 && q >= vStart && q + len <= vEnd ? stored : rangeCrc(q, crcPos);
  } else computed = rangeCrc(q, crcPos);
  if (stored != computed) { errA = <i32>computed; errB = <i32>stored; return ERR_CRC; }
  const flags = (at(q + 1) << 8) | at(q + 2);
  let p = q + 3 + <i32>(at(q + 3) >> 6) + 1;
  const end = crcPos;
  let seconds = 0, nanos = 0, idAt = 0, idLen = 0, tagsAt = 0, tagCount = 0, mimeAt = 0, mimeLen = 0;
  let nameAt = 0, nameLen = 0, fileAt = 0, fileLen = 0, routeAt = 0, routeLen = 0, idText = -1;
  if (flags & F_TIMESTAMP) {
    if (end - p < 4) return -overrun(FIELD_TIMESTAMP, q, p, 4, end - p);
    seconds = <i32>bswap<u32>(load<u32>(INPUT + <usize>p));
    p += 4;
    nanos = readVarint(p, end);
    if (nanos < 0) return -overrun(FIELD_TIMESTAMP, q, p, varWidth, end - p);
    p += varWidth;
  }
  if (flags & F_TEST_ID) {
    p = readString(q, p, end, FIELD_TEST_ID, true);
    if (p < 0) return -p;
    idAt = strAt; idLen = strLen; idText = strText;
  }
  if (flags & F_TAGS) {
    tagCount = readVarint(p, end);
    if (tagCount < 0) return -overrun(FIELD_TAGS, q, p, varWidth, end - p);
    p += varWidth;
    tagsAt = p;
    for (let i = 0; i < tagCount; i++) {
      p = readString(q, p, end, FIELD_TAGS, false);
      if (p < 0) return -p;
    }
  }
  if (flags & F_MIME) {
    p = readString(q, p, end, FIELD_MIME, false);
    if (p < 0) return -p;
    mimeAt = strAt; mimeLen = strLen;
  }
  if (flags & F_FILE) {
    p = readString(q, p, end, FIELD_FILE_NAME, false);
    if (p < 0) return -p;
    nameAt = strAt; nameLen = strLen;
    fileLen = readVarint(p, end);
    if (fileLen < 0) return -overrun(FIELD_FILE_BYTES, q, p, varWidth, end - p);
    p += varWidth;
    if (fileLen > end - p) return -overrun(FIELD_FILE_BYTES, q, p, fileLen, end - p);
    fileAt = p;
    p += fileLen;
  }
  if (flags & F_ROUTE_CODE) {
    p = readString(q, p, end, FIELD_ROUTE_CODE, false);
    if (p < 0) return -p;
    routeAt = strAt; routeLen = strLen;
  }
  if (p != end) { errA = end - p; errB = p - q; return ERR_TRAILING; }
  rec(slot, R_KIND, KIND_PACKET);
  rec(slot, R_START, q);
  rec(slot, R_LENGTH, len);
  rec(slot, R_FLAGS, <i32>flags);
  rec(slot, R_SECONDS, seconds);
  rec(slot, R_NANOS, nanos);
  rec(slot, R_TESTID_OFF, idAt);
  rec(slot, R_TESTID_LEN, idLen);
  rec(slot, R_TAGS_OFF, tagsAt);
  rec(slot, R_TAGS_COUNT, tagCount);
  rec(slot, R_MIME_OFF, mimeAt);
  rec(slot, R_MIME_LEN, mimeLen);
  rec(slot, R_NAME_OFF, nameAt);
  rec(slot, R_NAME_LEN, nameLen);
  rec(slot, R_FILE_OFF, fileAt);
  rec(slot, R_FILE_LEN, fileLen);
  rec(slot, R_ROUTE_OFF, routeAt);
  rec(slot, R_ROUTE_LEN, routeLen);
  rec(slot, R_TESTID_TEXT, idText);
  if (idText >= 0) textLen = idText + idLen;
  if (onWalk) chainAt = q + len;
  return 0;
}

// ---- packets a helper thread checked (SCAN_VERIFIED) ------------------------
// The helper (verify.ts) walks the window from the job's start as this scanner
// does, and reports runs of back-to-back packets with right CRCs. A packet is
// one it checked when it starts on the helper's walk and ends inside a run.
// On the walk: a run's start, the job's start, or the end of a packet that
// started on the walk (both walks take the same step from a good packet).
// Anything else, or a packet the helper has not reached yet, is hashed here.

// @ts-ignore: decorator
@inline function loadShared(p: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.load<i32>(p);
  return load<i32>(p);
}
// @ts-ignore: decorator
@inline function runEnd(k: i32): i32 { return loadShared(RUNS + (<usize>k << 3) + 4); }

/** At a scan start: a new job (or cleared runs) resets the cursor. */
function beginVerified(): void {
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

function emitChatter(start: i32, end: i32): void {
  if (end <= start) return;
  rec(count, R_KIND, KIND_CHATTER);
  rec(count, R_START, start);
  rec(count, R_LENGTH, end - start);
  count++;
}

function emitError(start: i32, end: i32, code: i32): void {
  for (let k = 0; k < RECORD_STRIDE; k++) rec(count, k, 0);
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
export function scan(len: i32, start: i32, flags: i32, ctxBytes: u32, ctxBytesLen: i32): i32 {
  beginWindow(len, start, flags, ctxBytes, ctxBytesLen);
  trustVerified = ASC_FEATURE_THREADS && (flags & SCAN_VERIFIED) != 0;
  if (trustVerified) beginVerified();
  count = 0;
  textLen = 0;
  lastText = -1;
  lastLen = 0;
  let pos = from; // first byte not yet covered by a record
  let q = from; // where the search for the next signature goes on
  let need = 0;
  while (count <= RECORD_CAPACITY - 2) {
    if (q >= n || at(q) != 0xb3) q = findB3(q, n); // a packet usually follows the last one
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
      // the packet's record goes after the chatter before it, if any
      code = validate(q, len, pos < q ? count + 1 : count);
      if (code == 0) {
        emitChatter(pos, q);
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
  store<i32>(STATE + (<usize>S_TEXT_LEN << 2), textLen);
  return count;
}
