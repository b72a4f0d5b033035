// Pure-TypeScript twin of assembly/scanner.ts: same algorithm, same record
// table (but no text area), same damage rules. Keep the two line-for-line
// equal in what they decide; the core's wasm-only speed paths are left out.
import {
  SCAN_EOF, SCAN_APPENDED,
  MAX_PACKET, RECORD_STRIDE, RECORD_CAPACITY, KIND_PACKET, KIND_CHATTER, KIND_ERROR,
  R_KIND, R_START, R_LENGTH, R_FLAGS, R_SECONDS, R_NANOS, R_TESTID_OFF, R_TESTID_LEN,
  R_TAGS_OFF, R_TAGS_COUNT, R_MIME_OFF, R_MIME_LEN, R_NAME_OFF, R_NAME_LEN, R_FILE_OFF,
  R_FILE_LEN, R_ROUTE_OFF, R_ROUTE_LEN, R_TESTID_TEXT, S_NEXT, S_NEED, S_CTX, S_CTX_LEN, S_TEXT_LEN, STATE_SLOTS,
  F_TEST_ID, F_ROUTE_CODE, F_TIMESTAMP, F_TAGS, F_FILE, F_MIME,
  ERR_TRUNCATED, ERR_CRC, ERR_OVERRUN, ERR_UTF8, ERR_NUL, ERR_TRAILING,
  FIELD_TIMESTAMP, FIELD_TEST_ID, FIELD_TAGS, FIELD_MIME, FIELD_FILE_NAME, FIELD_FILE_BYTES, FIELD_ROUTE_CODE,
} from '../../assembly/layout.js';
import { crc32 } from './crc32.js';
import { checkUtf8 } from './utf8.js';
import { shift } from './crcmath.js';

export const records = new Int32Array(RECORD_CAPACITY * RECORD_STRIDE);
export const state = new Int32Array(STATE_SLOTS);
// The twin leaves the text area empty (R_TESTID_TEXT = -1, which the ABI
// allows): in JS the copy costs more than the decoder call it saves.
export const text = new Uint8Array(0);

export const IMPLAUSIBLE = 0;
export const PLAUSIBLE = 1;
export const NEED = 2;

let w: Uint8Array = new Uint8Array(0);
let n = 0;
let eof = false;
let from = 0;
let ctx = 0;
let ctxLen = 0;
let runStart = 0;
let count = 0;
let candLen = 0;
let candNeed = 0;
let errA = 0, errB = 0, errC = 0, errD = 0;
let varWidth = 0;
let strAt = 0, strLen = 0; // the string readString() checked last

// ---- shared with the route-code rewriter (rewrite.ts) -----------------------
export function beginWindow(window: Uint8Array, len: number, start: number, flags: number, ctxBytes: number, ctxBytesLen: number): void {
  w = window;
  n = len;
  from = start;
  eof = (flags & SCAN_EOF) !== 0;
  ctx = ctxBytes;
  ctxLen = ctxBytesLen;
  runStart = from - ctxLen;
  if ((flags & SCAN_APPENDED) === 0) {
    ckHi = -1;
    ckLo = 0;
  }
}
export const setRunStart = (p: number) => void (runStart = p);
export const getRunStart = () => runStart;
export const candidateLength = () => candLen;
export const candidateNeed = () => candNeed;
export const varintWidth = () => varWidth;
export const windowByte = (j: number) => runByte(j);
export function crcMatches(q: number, len: number): boolean {
  const c = q + len - 4;
  return (((w[c] << 24) | (w[c + 1] << 16) | (w[c + 2] << 8) | w[c + 3]) >>> 0) === rangeCrc(q, c);
}
export { findB3, classify, continuesText, readVarint };

// CRC checkpoints every CK_BLOCK bytes in a ring spanning 8 MiB: see assembly/scanner.ts.
const CK_SHIFT = 7;
const CK_BLOCK = 1 << CK_SHIFT;
const CK_SIZE = 1 << 16;
const CK = new Int32Array(CK_SIZE);
let ckLo = 0;
let ckHi = -1;
const DIRECT_CRC = 256;

function regAt(pos: number, startChain: boolean): number {
  const b = pos >> CK_SHIFT;
  if (startChain && (ckHi < ckLo || b < ckLo || b > ckHi)) {
    ckLo = ckHi = b;
    CK[b & (CK_SIZE - 1)] = 0;
  }
  while (ckHi < b) {
    const r = CK[ckHi & (CK_SIZE - 1)] >>> 0;
    CK[(ckHi + 1) & (CK_SIZE - 1)] = ~crc32(~r >>> 0, w, ckHi << CK_SHIFT, (ckHi + 1) << CK_SHIFT);
    ckHi++;
    if (ckHi - ckLo >= CK_SIZE) ckLo = ckHi - CK_SIZE + 1;
  }
  const at = b << CK_SHIFT;
  return ~crc32(~CK[b & (CK_SIZE - 1)] >>> 0, w, at, at + (pos & (CK_BLOCK - 1))) >>> 0;
}

function rangeCrc(q: number, e: number): number {
  if (e - q <= DIRECT_CRC) return crc32(0, w, q, e);
  const pq = regAt(q, true);
  return ~(shift(~pq >>> 0, e - q) ^ regAt(e, false)) >>> 0;
}

function findB3(p: number, end: number): number {
  const i = w.indexOf(0xb3, p);
  return i < 0 || i > end ? end : i;
}

function classify(q: number): number {
  candLen = -1;
  if (q + 1 >= n) {
    if (eof) return IMPLAUSIBLE;
    candNeed = q + 2;
    return NEED;
  }
  if (w[q + 1] >> 4 !== 2) return IMPLAUSIBLE;
  if (q + 2 >= n) {
    if (eof) return PLAUSIBLE;
    candNeed = q + 3;
    return NEED;
  }
  if (w[q + 2] & 0x08) return IMPLAUSIBLE;
  if (q + 3 >= n) {
    if (eof) return PLAUSIBLE;
    candNeed = q + 4;
    return NEED;
  }
  const b0 = w[q + 3];
  const width = (b0 >> 6) + 1;
  if (width === 4) return IMPLAUSIBLE;
  if (q + 3 + width > n) {
    if (eof) return PLAUSIBLE;
    candNeed = q + 3 + width;
    return NEED;
  }
  let v = b0 & 0x3f;
  for (let k = 1; k < width; k++) v = (v << 8) | w[q + 3 + k];
  if (v < 3 + width + 4 || v > MAX_PACKET) return IMPLAUSIBLE;
  candLen = v;
  return PLAUSIBLE;
}

function runByte(j: number): number {
  if (j >= from) return w[j];
  return (ctx >>> ((j - (from - ctxLen)) << 3)) & 0xff;
}

function continuesText(q: number): boolean {
  for (let k = 1; k <= 3; k++) {
    const j = q - k;
    if (j < runStart) return false;
    const b = runByte(j);
    if ((b & 0xc0) === 0x80) continue;
    let len = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    }
    if (len <= k) return false;
    const second = k === 1 ? 0xb3 : runByte(j + 1);
    return second >= lo && second <= hi;
  }
  return false;
}

function readVarint(p: number, end: number): number {
  if (p >= end) {
    varWidth = 1;
    return -1;
  }
  const b0 = w[p];
  const width = (b0 >> 6) + 1;
  varWidth = width;
  if (p + width > end) return -1;
  let v = b0 & 0x3f;
  for (let k = 1; k < width; k++) v = (v << 8) | w[p + k];
  return v >>> 0;
}

function readString(q: number, p: number, end: number, field: number): number {
  const len = readVarint(p, end);
  if (len < 0) return overrun(field, q, p, varWidth, end - p);
  const s = p + varWidth;
  if (len > end - s) return overrun(field, q, s, len, end - s);
  const bad = checkUtf8(w, s, len);
  if (bad !== 0) {
    errA = field;
    if (bad < 0) {
      errB = s - bad - 1 - q;
      return -ERR_NUL;
    }
    errB = s + bad - 1 - q;
    return -ERR_UTF8;
  }
  strAt = s;
  strLen = len;
  return s + len;
}

function overrun(field: number, q: number, p: number, claimed: number, avail: number): number {
  errA = field;
  errB = p - q;
  errC = claimed;
  errD = avail;
  return -ERR_OVERRUN;
}

function validate(q: number, len: number, slot: number): number {
  const crcPos = q + len - 4;
  const stored = ((w[crcPos] << 24) | (w[crcPos + 1] << 16) | (w[crcPos + 2] << 8) | w[crcPos + 3]) >>> 0;
  const computed = rangeCrc(q, crcPos);
  if (stored !== computed) {
    errA = computed | 0;
    errB = stored | 0;
    return ERR_CRC;
  }
  const flags = (w[q + 1] << 8) | w[q + 2];
  let p = q + 3 + (w[q + 3] >> 6) + 1;
  const end = crcPos;
  let seconds = 0, nanos = 0, idAt = 0, idLen = 0, tagsAt = 0, tagCount = 0, mimeAt = 0, mimeLen = 0;
  let nameAt = 0, nameLen = 0, fileAt = 0, fileLen = 0, routeAt = 0, routeLen = 0;
  if (flags & F_TIMESTAMP) {
    if (end - p < 4) return -overrun(FIELD_TIMESTAMP, q, p, 4, end - p);
    seconds = (w[p] << 24) | (w[p + 1] << 16) | (w[p + 2] << 8) | w[p + 3];
    p += 4;
    nanos = readVarint(p, end);
    if (nanos < 0) return -overrun(FIELD_TIMESTAMP, q, p, varWidth, end - p);
    p += varWidth;
  }
  if (flags & F_TEST_ID) {
    p = readString(q, p, end, FIELD_TEST_ID);
    if (p < 0) return -p;
    idAt = strAt;
    idLen = strLen;
  }
  if (flags & F_TAGS) {
    tagCount = readVarint(p, end);
    if (tagCount < 0) return -overrun(FIELD_TAGS, q, p, varWidth, end - p);
    p += varWidth;
    tagsAt = p;
    for (let i = 0; i < tagCount; i++) {
      p = readString(q, p, end, FIELD_TAGS);
      if (p < 0) return -p;
    }
  }
  if (flags & F_MIME) {
    p = readString(q, p, end, FIELD_MIME);
    if (p < 0) return -p;
    mimeAt = strAt;
    mimeLen = strLen;
  }
  if (flags & F_FILE) {
    p = readString(q, p, end, FIELD_FILE_NAME);
    if (p < 0) return -p;
    nameAt = strAt;
    nameLen = strLen;
    fileLen = readVarint(p, end);
    if (fileLen < 0) return -overrun(FIELD_FILE_BYTES, q, p, varWidth, end - p);
    p += varWidth;
    if (fileLen > end - p) return -overrun(FIELD_FILE_BYTES, q, p, fileLen, end - p);
    fileAt = p;
    p += fileLen;
  }
  if (flags & F_ROUTE_CODE) {
    p = readString(q, p, end, FIELD_ROUTE_CODE);
    if (p < 0) return -p;
    routeAt = strAt;
    routeLen = strLen;
  }
  if (p !== end) {
    errA = end - p;
    errB = p - q;
    return ERR_TRAILING;
  }
  const b = slot * RECORD_STRIDE;
  records[b + R_KIND] = KIND_PACKET;
  records[b + R_START] = q;
  records[b + R_LENGTH] = len;
  records[b + R_FLAGS] = flags;
  records[b + R_SECONDS] = seconds;
  records[b + R_NANOS] = nanos;
  records[b + R_TESTID_OFF] = idAt;
  records[b + R_TESTID_LEN] = idLen;
  records[b + R_TAGS_OFF] = tagsAt;
  records[b + R_TAGS_COUNT] = tagCount;
  records[b + R_MIME_OFF] = mimeAt;
  records[b + R_MIME_LEN] = mimeLen;
  records[b + R_NAME_OFF] = nameAt;
  records[b + R_NAME_LEN] = nameLen;
  records[b + R_FILE_OFF] = fileAt;
  records[b + R_FILE_LEN] = fileLen;
  records[b + R_ROUTE_OFF] = routeAt;
  records[b + R_ROUTE_LEN] = routeLen;
  records[b + R_TESTID_TEXT] = -1;
  return 0;
}

function emitChatter(start: number, end: number): void {
  if (end <= start) return;
  const b = count * RECORD_STRIDE;
  records[b + R_KIND] = KIND_CHATTER;
  records[b + R_START] = start;
  records[b + R_LENGTH] = end - start;
  count++;
}

function emitError(start: number, end: number, code: number): void {
  const b = count * RECORD_STRIDE;
  records.fill(0, b, b + RECORD_STRIDE);
  records[b + R_KIND] = KIND_ERROR;
  records[b + R_START] = start;
  records[b + R_LENGTH] = end - start;
  records[b + R_FLAGS] = code;
  records[b + R_SECONDS] = errA;
  records[b + R_NANOS] = errB;
  records[b + R_TESTID_OFF] = errC;
  records[b + R_TESTID_LEN] = errD;
  count++;
}

/** Index window[0, len) from `start`; see assembly/scanner.ts `scan`. */
export function scan(window: Uint8Array, len: number, start: number, flags: number, ctxBytes: number, ctxBytesLen: number): number {
  beginWindow(window, len, start, flags, ctxBytes, ctxBytesLen);
  count = 0;
  let pos = from;
  let q = from;
  let need = 0;
  while (count <= RECORD_CAPACITY - 2) {
    q = findB3(q, n);
    if (q >= n) {
      emitChatter(pos, n);
      pos = n;
      break;
    }
    const cls = classify(q);
    if (cls === NEED) {
      need = candNeed;
      break;
    }
    if (cls === IMPLAUSIBLE) {
      q++;
      continue;
    }
    const plen = candLen;
    let code = 0;
    let spanEnd = 0;
    if (plen > 0 && q + plen <= n) {
      // the packet's record goes after the chatter before it, if any
      code = validate(q, plen, pos < q ? count + 1 : count);
      if (code === 0) {
        emitChatter(pos, q);
        count++;
        pos = q = runStart = q + plen;
        continue;
      }
      spanEnd = q + plen;
    } else if (!eof) {
      need = q + plen;
      break;
    } else {
      code = ERR_TRUNCATED;
      errA = n - q;
      errB = plen;
      errC = 0;
      errD = 0;
      spanEnd = n;
    }
    if (continuesText(q)) {
      q++;
      continue;
    }
    let stop = spanEnd;
    let r = q + 1;
    let undecided = false;
    for (;;) {
      r = findB3(r, spanEnd);
      if (r >= spanEnd) break;
      const c = classify(r);
      if (c === PLAUSIBLE) {
        stop = r;
        break;
      }
      if (c === NEED) {
        need = candNeed;
        undecided = true;
        break;
      }
      r++;
    }
    if (undecided) break;
    emitChatter(pos, q);
    emitError(q, stop, code);
    pos = q = runStart = stop;
  }
  if (need > 0) {
    emitChatter(pos, q);
    pos = q;
  }
  let k = pos - runStart;
  if (k > 3) k = 3;
  let packed = 0;
  for (let i = 0; i < k; i++) packed |= runByte(pos - k + i) << (i << 3);
  state[S_NEXT] = pos;
  state[S_NEED] = need;
  state[S_CTX] = packed;
  state[S_CTX_LEN] = k;
  state[S_TEXT_LEN] = 0;
  return count;
}
