// Pure-TypeScript twin of assembly/window.ts: the window a call works on and
// the rules the scanner and the rewriter share (header check, varints, the
// UTF-8 "text stays text" rule, CRC checkpoints, the state a call hands back).
import {
  SCAN_EOF, SCAN_APPENDED, MAX_PACKET, IMPLAUSIBLE, HEADER_CUT, S_NEXT, S_NEED, S_CTX, S_CTX_LEN, STATE_SLOTS,
} from '../../assembly/layout.js';
import { crc32 } from './crc32.js';
import { shift } from './crcmath.js';
import { utf8Tail, utf8SecondOk } from './utf8.js';
import { utf8WholeEnd } from '../codec/utf8.js';

export const state = new Int32Array(STATE_SLOTS);

// the current call's window: w[0, winLen), resolved from `from` on
export let w: Uint8Array = new Uint8Array(0);
export let winLen = 0;
export let eof = false;
let from = 0;
let ctx = 0; // chatter bytes just before `from` (S_CTX)
let ctxLen = 0;
/** First byte of the current chatter run (may be < from: ctx). */
export let runStart = 0;
/** Width of the varint readVarint() read last. */
export let varWidth = 0;

/** Start a call on window[0, len) from `start`. */
export function beginWindow(window: Uint8Array, len: number, start: number, flags: number, ctxBytes: number, ctxBytesLen: number): void {
  w = window;
  winLen = len;
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

/** A packet or error ended at p: the next chatter run starts there. */
export function startRun(p: number): void {
  runStart = p;
}

/** End a call: see assembly/window.ts `endWindow`. */
export function endWindow(pos: number, need: number): void {
  let k = pos - runStart;
  if (k > 3) k = 3;
  let packed = 0;
  for (let i = 0; i < k; i++) packed |= runByte(pos - k + i) << (i << 3);
  state[S_NEXT] = pos;
  state[S_NEED] = need;
  state[S_CTX] = packed;
  state[S_CTX_LEN] = k;
}

// ---- CRC checkpoints every CK_BLOCK bytes in a ring spanning 8 MiB: see assembly/window.ts
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

/** CRC-32 of window bytes [q, e). */
export function rangeCrc(q: number, e: number): number {
  if (e - q <= DIRECT_CRC) return crc32(0, w, q, e);
  const pq = regAt(q, true);
  return ~(shift(~pq >>> 0, e - q) ^ regAt(e, false)) >>> 0;
}

/** The CRC stored at the end of the candidate [q, q+len). */
export function storedCrc(q: number, len: number): number {
  const c = q + len - 4;
  return ((w[c] << 24) | (w[c + 1] << 16) | (w[c + 2] << 8) | w[c + 3]) >>> 0;
}

/** Whether the candidate [q, q+len) ends with its CRC. */
export function crcMatches(q: number, len: number): boolean {
  return storedCrc(q, len) === rangeCrc(q, q + len - 4);
}

// ---- finding and checking candidates ----------------------------------------

/** First 0xB3 in [p, end), or end. */
export function findB3(p: number, end: number): number {
  const i = w.indexOf(0xb3, p);
  return i < 0 || i > end ? end : i;
}

/** Header check of a 0xB3 at q: see assembly/window.ts `classify`. */
export function classify(q: number): number {
  const n = winLen;
  if (q + 1 >= n) return eof ? IMPLAUSIBLE : -(q + 2);
  if (w[q + 1] >> 4 !== 2) return IMPLAUSIBLE;
  if (q + 2 >= n) return eof ? HEADER_CUT : -(q + 3);
  if (w[q + 2] & 0x08) return IMPLAUSIBLE;
  if (q + 3 >= n) return eof ? HEADER_CUT : -(q + 4);
  const b0 = w[q + 3];
  const width = (b0 >> 6) + 1;
  if (width === 4) return IMPLAUSIBLE;
  if (q + 3 + width > n) return eof ? HEADER_CUT : -(q + 3 + width);
  let v = b0 & 0x3f;
  for (let k = 1; k < width; k++) v = (v << 8) | w[q + 3 + k];
  if (v < 3 + width + 4 || v > MAX_PACKET) return IMPLAUSIBLE;
  return v;
}

/** Varint at p, all of it before end; sets varWidth, returns -1 if it runs past end. */
export function readVarint(p: number, end: number): number {
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

// ---- text -------------------------------------------------------------------

/** Byte j of the current chatter run, looking back into ctx before `from`. */
function runByte(j: number): number {
  if (j >= from) return w[j];
  return (ctx >>> ((j - (from - ctxLen)) << 3)) & 0xff;
}

/** Would the 0xB3 at q continue a UTF-8 sequence left open by the chatter before it? */
export function continuesText(q: number): boolean {
  for (let k = 1; k <= 3; k++) {
    const j = q - k;
    if (j < runStart) return false;
    const b = runByte(j);
    if ((b & 0xc0) === 0x80) continue;
    if (utf8Tail(b) < k) return false; // not a lead byte, or its character is complete before q
    return utf8SecondOk(b, k === 1 ? 0xb3 : runByte(j + 1));
  }
  return false;
}

/** Where to cut text [start, end) so that no UTF-8 character is split. */
export function utf8Cut(start: number, end: number): number {
  return utf8WholeEnd(w, start, end);
}
