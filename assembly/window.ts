// The window a call works on, and the rules every pass over it shares:
// scan() (scanner.ts), rewrite() (rewrite.ts) and the CRC helper's verify()
// (verify.ts). One home for the header check of a 0xB3 (classify), varints,
// the UTF-8 "text stays text" rule, CRC checkpoints over the window and the
// state a call hands back, so a resync rule is written once per language.
// Twin: bindings/js/window.ts.
import {
  SCAN_EOF, SCAN_APPENDED, MAX_PACKET, DEFAULT_INPUT_CAPACITY, IMPLAUSIBLE, HEADER_CUT,
  S_NEXT, S_NEED, S_CTX, S_CTX_LEN, STATE_SLOTS,
} from './layout';
import { crc32 } from './crc32';
import { shift } from './crcmath';
import { utf8Tail, utf8SecondOk } from './utf8';

/**
 * Window capacity: one maximum packet plus 1 MiB of new input. The shared
 * build's is 16 MiB: each window its CRC helper gets costs a wake-up and a
 * race from the window's start (~0.1–0.2 ms), so it takes big ones.
 */
export const INPUT_CAPACITY: i32 = ASC_FEATURE_THREADS ? (16 << 20) : DEFAULT_INPUT_CAPACITY;
export const INPUT: usize = memory.data(INPUT_CAPACITY + 16, 16);
const STATE: usize = memory.data(STATE_SLOTS * 4, 16);

export function inputPtr(): usize { return INPUT; }
export function statePtr(): usize { return STATE; }

// the current call's window: input[0, winLen), resolved from `from` on
export let winLen: i32 = 0;
export let eof = false;
let from: i32 = 0;
let ctx: u32 = 0; // chatter bytes just before `from` (S_CTX)
let ctxLen: i32 = 0;
/** First byte of the current chatter run (may be < from: ctx). */
export let runStart: i32 = 0;
/** Width of the varint readVarint() read last. */
export let varWidth: i32 = 0;

// @ts-ignore: decorator
@inline export function at(i: i32): u32 { return <u32>load<u8>(INPUT + <usize>i); }

/** Start a call on window [0, len) from `start`. */
export function beginWindow(len: i32, start: i32, flags: i32, ctxBytes: u32, ctxBytesLen: i32): void {
  winLen = len;
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

/** A packet or error ended at p: the next chatter run starts there. */
export function startRun(p: i32): void { runStart = p; }

/**
 * End a call: hand back where the next one goes on, the bytes it needs, and
 * the last <= 3 bytes of an open chatter run (for continuesText across calls).
 */
export function endWindow(pos: i32, need: i32): void {
  let k = pos - runStart;
  if (k > 3) k = 3;
  let packed: u32 = 0;
  for (let i = 0; i < k; i++) packed |= runByte(pos - k + i) << (<u32>i << 3);
  store<i32>(STATE + (<usize>S_NEXT << 2), pos);
  store<i32>(STATE + (<usize>S_NEED << 2), need);
  store<u32>(STATE + (<usize>S_CTX << 2), packed);
  store<i32>(STATE + (<usize>S_CTX_LEN << 2), k);
}

/** Write state slot `slot` (the per-call extras: S_TEXT_LEN, S_OUT_LEN). */
export function setState(slot: i32, v: i32): void {
  store<i32>(STATE + (<usize>slot << 2), v);
}

// ---- CRC checkpoints ---------------------------------------------------------
// The register every CK_BLOCK bytes of the window, in a ring that spans 8 MiB
// (more than a packet). The CRC of any range then costs two short runs and one
// shift, so a stream of fake headers claiming 4 MiB each is checked in linear
// time instead of re-hashing 4 MiB per candidate. (128-byte blocks: long
// enough for the CRC kernel to run at speed between checkpoints.)
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
export function rangeCrc(q: i32, e: i32): u32 {
  if (e - q <= DIRECT_CRC) return crc32(0, INPUT + <usize>q, <usize>(e - q));
  const pq = regAt(q, true);
  return ~(shift(~pq, e - q) ^ regAt(e, false));
}

/** The CRC stored at the end of the candidate [q, q+len). */
// @ts-ignore: decorator
@inline export function storedCrc(q: i32, len: i32): u32 {
  return bswap<u32>(load<u32>(INPUT + <usize>(q + len - 4)));
}

/** Whether the candidate [q, q+len) ends with its CRC. */
export function crcMatches(q: i32, len: i32): bool {
  return storedCrc(q, len) == rangeCrc(q, q + len - 4);
}

// ---- finding and checking candidates ----------------------------------------

/** First 0xB3 in [p, end), or end. */
export function findB3(p: i32, end: i32): i32 {
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

/**
 * Header check of a 0xB3 at q (README "Decoder contract" rule 2): its claimed
 * length (> 0) when plausible, IMPLAUSIBLE, HEADER_CUT, or -(the window
 * length needed to decide) below HEADER_CUT.
 */
// @ts-ignore: decorator
@inline export function classify(q: i32): i32 {
  const n = winLen;
  if (q + 1 >= n) return eof ? IMPLAUSIBLE : -(q + 2); // a lone 0xB3 ending the stream is text
  if ((at(q + 1) >> 4) != 2) return IMPLAUSIBLE;
  if (q + 2 >= n) return eof ? HEADER_CUT : -(q + 3);
  if (at(q + 2) & 0x08) return IMPLAUSIBLE;
  if (q + 3 >= n) return eof ? HEADER_CUT : -(q + 4);
  const b0 = at(q + 3);
  const w = <i32>(b0 >> 6) + 1;
  if (w == 4) return IMPLAUSIBLE;
  if (q + 3 + w > n) return eof ? HEADER_CUT : -(q + 3 + w);
  let v = b0 & 0x3f;
  for (let k = 1; k < w; k++) v = (v << 8) | at(q + 3 + k);
  if (<i32>v < 3 + w + 4 || v > <u32>MAX_PACKET) return IMPLAUSIBLE;
  return <i32>v;
}

/** Varint at p, all of it before end; sets varWidth, returns -1 if it runs past end. */
// @ts-ignore: decorator
@inline export function readVarint(p: i32, end: i32): i32 {
  if (p >= end) { varWidth = 1; return -1; }
  const b0 = at(p);
  const w = <i32>(b0 >> 6) + 1;
  varWidth = w;
  if (p + w > end) return -1;
  let v = b0 & 0x3f;
  for (let k = 1; k < w; k++) v = (v << 8) | at(p + k);
  return <i32>v;
}

// ---- text -------------------------------------------------------------------

/** Byte j of the current chatter run, looking back into ctx before `from`. */
export function runByte(j: i32): u32 {
  if (j >= from) return at(j);
  return (ctx >> (<u32>(j - (from - ctxLen)) << 3)) & 0xff;
}

/** Would the 0xB3 at q continue a UTF-8 sequence left open by the chatter before it? */
export function continuesText(q: i32): bool {
  for (let k = 1; k <= 3; k++) {
    const j = q - k;
    if (j < runStart) return false;
    const b = runByte(j);
    if ((b & 0xc0) == 0x80) continue;
    if (utf8Tail(b) < k) return false; // not a lead byte, or its character is complete before q
    return utf8SecondOk(b, k == 1 ? <u32>0xb3 : runByte(j + 1));
  }
  return false;
}

/** Where to cut text [start, end) so that no UTF-8 character is split. */
export function utf8Cut(start: i32, end: i32): i32 {
  for (let k = 1; k <= 3 && end - k >= start; k++) {
    const b = at(end - k);
    if ((b & 0xc0) == 0x80) continue;
    return utf8Tail(b) >= k ? end - k : end; // the lead-byte rule validation uses
  }
  return end;
}
