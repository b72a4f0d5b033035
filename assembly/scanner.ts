// Packet scanner + validator. One call indexes a whole window: every packet,
// every run of chatter and every damaged span becomes one record in RECORDS.
// The damage rules (README, "Decoder contract") live here and in the
// TypeScript twin bindings/js/scanner.ts, which must stay line-for-line equal
// in what they decide; the window, the header check and the text rule they
// share with the rewriter are in window.ts. Only here: speed paths with the
// same results (the text area, SIMD and one-word string checks, the skipped
// search, the CRC helper's runs).
import {
  RECORD_STRIDE, RECORD_CAPACITY, KIND_PACKET, KIND_CHATTER, KIND_ERROR,
  R_KIND, R_START, R_LENGTH, R_FLAGS, R_SECONDS, R_NANOS, R_TESTID_OFF, R_TESTID_LEN,
  R_TAGS_OFF, R_TAGS_COUNT, R_MIME_OFF, R_MIME_LEN, R_NAME_OFF, R_NAME_LEN, R_FILE_OFF,
  R_FILE_LEN, R_ROUTE_OFF, R_ROUTE_LEN, R_TESTID_TEXT, R_VALUE_IDS, SCAN_VALUE_IDS, R_DETAIL_A, R_DETAIL_B, R_DETAIL_C, R_DETAIL_D,
  TEXT_CAPACITY, TEXT_CHUNK, S_TEXT_LEN, IMPLAUSIBLE, HEADER_CUT,
  F_TEST_ID, F_ROUTE_CODE, F_TIMESTAMP, F_TAGS, F_FILE, F_MIME,
  ERR_TRUNCATED, ERR_CRC, ERR_OVERRUN, ERR_UTF8, ERR_NUL, ERR_TRAILING,
  FIELD_TIMESTAMP, FIELD_TEST_ID, FIELD_TAGS, FIELD_MIME, FIELD_FILE_NAME, FIELD_FILE_BYTES, FIELD_ROUTE_CODE,
} from './layout';
import { checkUtf8, asciiWord } from './utf8';
import {
  INPUT, winLen as n, eof, varWidth, at, beginWindow, endWindow, setState, startRun, storedCrc,
  findB3, classify, readVarint, continuesText,
} from './window';
import { beginVerified, expectedCrc, packetValid } from './verified';
import { resetValues, valueId } from './values';

const RECORDS: usize = memory.data(RECORD_CAPACITY * RECORD_STRIDE * 4, 16);
const TEXT: usize = memory.data(TEXT_CAPACITY, 16);

export function recordsPtr(): usize { return RECORDS; }
export function textPtr(): usize { return TEXT; }

// per-call state
let count: i32 = 0;
let errA: i32 = 0, errB: i32 = 0, errC: i32 = 0, errD: i32 = 0;
let strAt: i32 = 0, strLen: i32 = 0; // the string readString() checked last
let textLen: i32 = 0; // bytes used in TEXT by this call
let strText: i32 = -1; // where readString() copied the string in TEXT, or -1
let lastText: i32 = -1, lastLen: i32 = 0; // the string this call copied to TEXT last
let valueIds = false; // SCAN_VALUE_IDS

// @ts-ignore: decorator
@inline function rec(slot: i32, field: i32, v: i32): void {
  store<i32>(RECORDS + ((<usize>(slot * RECORD_STRIDE + field)) << 2), v);
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
  const stored = storedCrc(q, len);
  const computed = expectedCrc(q, len, stored);
  if (stored != computed) { errA = <i32>computed; errB = <i32>stored; return ERR_CRC; }
  const flags = (at(q + 1) << 8) | at(q + 2);
  let p = q + 3 + <i32>(at(q + 3) >> 6) + 1;
  const end = crcPos;
  let seconds = 0, nanos = 0, idAt = 0, idLen = 0, tagsAt = 0, tagCount = 0, mimeAt = 0, mimeLen = 0;
  let nameAt = 0, nameLen = 0, fileAt = 0, fileLen = 0, routeAt = 0, routeLen = 0, idText = -1, tagsEnd = 0;
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
    tagsEnd = p;
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
  let ids = 0;
  if (valueIds) {
    // a tag set by its wire bytes (the tags' varints and text)
    if (flags & F_TAGS) ids = valueId(0, tagsAt, tagsEnd - tagsAt);
    if (flags & F_MIME) ids |= valueId(1, mimeAt, mimeLen) << 8;
    if (flags & F_FILE) ids |= valueId(2, nameAt, nameLen) << 16;
    if (flags & F_ROUTE_CODE) ids |= valueId(3, routeAt, routeLen) << 24;
  }
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
  rec(slot, R_VALUE_IDS, ids);
  if (idText >= 0) textLen = idText + idLen;
  packetValid(q, len);
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
  for (let k = 0; k < RECORD_STRIDE; k++) rec(count, k, 0);
  rec(count, R_KIND, KIND_ERROR);
  rec(count, R_START, start);
  rec(count, R_LENGTH, end - start);
  rec(count, R_FLAGS, code);
  rec(count, R_DETAIL_A, errA);
  rec(count, R_DETAIL_B, errB);
  rec(count, R_DETAIL_C, errC);
  rec(count, R_DETAIL_D, errD);
  count++;
}

/**
 * Index window [0, len) from `start`. ctxBytes/ctxLen: the chatter bytes just
 * before `start` (for the UTF-8 rule). Returns the number of records; the
 * continuation point, the bytes still needed and the new context are in STATE.
 */
export function scan(len: i32, start: i32, flags: i32, ctxBytes: u32, ctxBytesLen: i32): i32 {
  beginWindow(len, start, flags, ctxBytes, ctxBytesLen);
  beginVerified(flags);
  count = 0;
  textLen = 0;
  lastText = -1;
  lastLen = 0;
  valueIds = (flags & SCAN_VALUE_IDS) != 0;
  if (valueIds) resetValues();
  let pos = start; // first byte not yet covered by a record
  let q = start; // where the search for the next signature goes on
  let need = 0;
  while (count <= RECORD_CAPACITY - 2) {
    if (q >= n || at(q) != 0xb3) q = findB3(q, n); // a packet usually follows the last one
    if (q >= n) {
      emitChatter(pos, n);
      pos = n;
      break;
    }
    const cls = classify(q);
    if (cls < HEADER_CUT) { need = -cls; break; }
    if (cls == IMPLAUSIBLE) { q++; continue; }
    const len = cls;
    let code = 0;
    let spanEnd = 0;
    if (len > 0 && q + len <= n) {
      // the packet's record goes after the chatter before it, if any
      code = validate(q, len, pos < q ? count + 1 : count);
      if (code == 0) {
        emitChatter(pos, q);
        count++;
        pos = q = q + len;
        startRun(pos);
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
      if (c < HEADER_CUT) { need = -c; undecided = true; break; }
      if (c != IMPLAUSIBLE) { stop = r; break; }
      r++;
    }
    if (undecided) break;
    emitChatter(pos, q);
    emitError(q, stop, code);
    pos = q = stop;
    startRun(pos);
  }
  if (need > 0) { emitChatter(pos, q); pos = q; }
  endWindow(pos, need);
  setState(S_TEXT_LEN, textLen);
  return count;
}
