// Pure-TypeScript twin of assembly/scanner.ts: same algorithm, same record
// table (but no text area), same damage rules. Keep the two line-for-line
// equal in what they decide; the core's wasm-only speed paths are left out.
// The window and the rules shared with the rewriter are in window.ts.
import {
  RECORD_STRIDE, RECORD_CAPACITY, KIND_PACKET, KIND_CHATTER, KIND_ERROR,
  R_KIND, R_START, R_LENGTH, R_FLAGS, R_SECONDS, R_NANOS, R_TESTID_OFF, R_TESTID_LEN,
  R_TAGS_OFF, R_TAGS_COUNT, R_MIME_OFF, R_MIME_LEN, R_NAME_OFF, R_NAME_LEN, R_FILE_OFF,
  R_FILE_LEN, R_ROUTE_OFF, R_ROUTE_LEN, R_TESTID_TEXT, R_VALUE_IDS, R_DETAIL_A, R_DETAIL_B, R_DETAIL_C, R_DETAIL_D,
  S_TEXT_LEN, SCAN_EOF, IMPLAUSIBLE, HEADER_CUT,
  F_TEST_ID, F_ROUTE_CODE, F_TIMESTAMP, F_TAGS, F_FILE, F_MIME,
  ERR_TRUNCATED, ERR_CRC, ERR_OVERRUN, ERR_UTF8, ERR_NUL, ERR_TRAILING,
  FIELD_TIMESTAMP, FIELD_TEST_ID, FIELD_TAGS, FIELD_MIME, FIELD_FILE_NAME, FIELD_FILE_BYTES, FIELD_ROUTE_CODE,
} from '../../assembly/layout.js';
import { checkUtf8 } from './utf8.js';
import {
  varWidth, state, beginWindow, endWindow, startRun, rangeCrc, storedCrc, findB3, classify,
  readVarint, continuesText,
} from './window.js';

export const records = new Int32Array(RECORD_CAPACITY * RECORD_STRIDE);
export { state };
// The twin leaves the text area empty (R_TESTID_TEXT = -1, which the ABI
// allows): in JS the copy costs more than the decoder call it saves.
export const text = new Uint8Array(0);

// the window, module-local as in window.ts: V8 reads an imported binding through a cell
let w: Uint8Array = new Uint8Array(0);
let count = 0;
let errA = 0, errB = 0, errC = 0, errD = 0;
let strAt = 0, strLen = 0; // the string readString() checked last

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
  const stored = storedCrc(q, len);
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
  records[b + R_VALUE_IDS] = 0; // no value ids (SCAN_VALUE_IDS is a wasm speed path)
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
  records[b + R_DETAIL_A] = errA;
  records[b + R_DETAIL_B] = errB;
  records[b + R_DETAIL_C] = errC;
  records[b + R_DETAIL_D] = errD;
  count++;
}

/** Index window[0, len) from `start`; see assembly/scanner.ts `scan`. */
export function scan(window: Uint8Array, len: number, start: number, flags: number, ctxBytes: number, ctxBytesLen: number): number {
  beginWindow(window, len, start, flags, ctxBytes, ctxBytesLen);
  w = window;
  const n = len;
  const eof = (flags & SCAN_EOF) !== 0;
  count = 0;
  let pos = start;
  let q = start;
  let need = 0;
  while (count <= RECORD_CAPACITY - 2) {
    q = findB3(q, n);
    if (q >= n) {
      emitChatter(pos, n);
      pos = n;
      break;
    }
    const cls = classify(q);
    if (cls < HEADER_CUT) {
      need = -cls;
      break;
    }
    if (cls === IMPLAUSIBLE) {
      q++;
      continue;
    }
    const plen = cls;
    let code = 0;
    let spanEnd = 0;
    if (plen > 0 && q + plen <= n) {
      // the packet's record goes after the chatter before it, if any
      code = validate(q, plen, pos < q ? count + 1 : count);
      if (code === 0) {
        emitChatter(pos, q);
        count++;
        pos = q = q + plen;
        startRun(pos);
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
      if (c < HEADER_CUT) {
        need = -c;
        undecided = true;
        break;
      }
      if (c !== IMPLAUSIBLE) {
        stop = r;
        break;
      }
      r++;
    }
    if (undecided) break;
    emitChatter(pos, q);
    emitError(q, stop, code);
    pos = q = stop;
    startRun(pos);
  }
  if (need > 0) {
    emitChatter(pos, q);
    pos = q;
  }
  endWindow(pos, need);
  state[S_TEXT_LEN] = 0;
  return count;
}
