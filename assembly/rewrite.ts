// Route-code rewriter: prefix or strip the first route component of every
// packet in a window, without hashing the payload. The new CRC is derived
// from the stored one (CRC is affine over GF(2)): un-run the old route code
// off the register, swap the header's contribution, run the new route code.
// A wrong stored CRC therefore stays wrong. Twin: bindings/js/rewrite.ts.
import {
  F_TEST_ID, F_ROUTE_CODE, F_TIMESTAMP, F_TAGS, F_FILE, F_MIME, F_RUNNABLE, VERSION_2, IMPLAUSIBLE, HEADER_CUT,
  S_OUT_LEN, REWRITE_PREFIX, MAX_COMPONENT, WRAP_PIECE, SEG_STRIDE, SEG_CAPACITY,
  SEG_PACKET, SEG_CHATTER, SEG_UNCHANGED, G_KIND, G_OUT, G_OUT_LEN, G_IN, G_COMP_OFF, G_COMP_LEN,
  REWRITE_BY_REF, BY_REF_MIN, G_REF_IN, G_REF_LEN, G_REF_AT,
} from './layout';
import { crc32 } from './crc32';
import { varintSize, putVarint, packetLength } from './encoder';
import { shift, unrun } from './crcmath';
import {
  INPUT, INPUT_CAPACITY, eof, varWidth, at, beginWindow, endWindow, setState, startRun, crcMatches, findB3, classify,
  readVarint, continuesText, utf8Cut,
} from './window';

export const REWRITE_CAPACITY: i32 = INPUT_CAPACITY + (1 << 16);
const OUT: usize = memory.data(REWRITE_CAPACITY, 16);
const SEGS: usize = memory.data(SEG_CAPACITY * SEG_STRIDE * 4, 16);
const COMPONENT: usize = memory.data(MAX_COMPONENT + 1, 16);
export function rewriteOutPtr(): usize { return OUT; }
export function segmentsPtr(): usize { return SEGS; }
export function componentPtr(): usize { return COMPONENT; }

let mode: i32 = 0;
let byRef: bool = false;
let compLen: i32 = 0;
let outPos: i32 = 0;
let segs: i32 = 0;
let routeField: i32 = 0; // window offset of the route code field (its varint), or the CRC when absent
let routeStr: i32 = 0; // window offset of the route code's bytes
let routeLen: i32 = 0;

function segment(kind: i32, out: i32, outLen: i32, input: i32, compOff: i32, cLen: i32, refIn: i32 = 0, refLen: i32 = 0, refAt: i32 = 0): void {
  const b = SEGS + (<usize>(segs * SEG_STRIDE) << 2);
  store<i32>(b, refIn, G_REF_IN << 2);
  store<i32>(b, refLen, G_REF_LEN << 2);
  store<i32>(b, refAt, G_REF_AT << 2);
  store<i32>(b, kind, G_KIND << 2);
  store<i32>(b, out, G_OUT << 2);
  store<i32>(b, outLen, G_OUT_LEN << 2);
  store<i32>(b, input, G_IN << 2);
  store<i32>(b, compOff, G_COMP_OFF << 2);
  store<i32>(b, cLen, G_COMP_LEN << 2);
  segs++;
}

/** Skip a length-prefixed string; returns the position after it or -1. */
function skipString(p: i32, end: i32): i32 {
  const len = readVarint(p, end);
  if (len < 0 || len > end - p - varWidth) return -1;
  return p + varWidth + len;
}

/** Walk the fields of [q, q+len) (no CRC or UTF-8 check); sets routeField/Str/Len. */
function frame(q: i32, len: i32): bool {
  const flags = (at(q + 1) << 8) | at(q + 2);
  let p = q + 3 + <i32>(at(q + 3) >> 6) + 1;
  const end = q + len - 4;
  if (flags & F_TIMESTAMP) {
    if (end - p < 5 || readVarint(p + 4, end) < 0) return false;
    p += 4 + varWidth;
  }
  if (flags & F_TEST_ID) { p = skipString(p, end); if (p < 0) return false; }
  if (flags & F_TAGS) {
    const count = readVarint(p, end);
    if (count < 0) return false;
    p += varWidth;
    for (let i = 0; i < count && p >= 0; i++) p = skipString(p, end);
    if (p < 0) return false;
  }
  if (flags & F_MIME) { p = skipString(p, end); if (p < 0) return false; }
  if (flags & F_FILE) {
    p = skipString(p, end);
    if (p < 0) return false;
    p = skipString(p, end); // the content has the same shape: varint + bytes
    if (p < 0) return false;
  }
  routeField = p;
  routeStr = p;
  routeLen = 0;
  if (flags & F_ROUTE_CODE) {
    const rl = readVarint(p, end);
    if (rl < 0 || rl > end - p - varWidth) return false;
    routeStr = p + varWidth;
    routeLen = rl;
    p = routeStr + rl;
  }
  return p == end;
}

/** Copy [q, q+len) to the output unchanged. */
function copyPacket(q: i32, len: i32, cOff: i32, cLen: i32, kind: i32): void {
  if (byRef && len >= BY_REF_MIN) {
    segment(kind, outPos, 0, q, cOff, cLen, q, len, 0);
    return;
  }
  memory.copy(OUT + <usize>outPos, INPUT + <usize>q, <usize>len);
  segment(kind, outPos, len, q, cOff, cLen);
  outPos += len;
}

/** Rewrite the framed packet [q, q+len); false when the output area is full. */
function rewritePacket(q: i32, len: i32): bool {
  if (segs >= SEG_CAPACITY) return false;
  const flags = (at(q + 1) << 8) | at(q + 2);
  const hasRoute = (flags & F_ROUTE_CODE) != 0;
  const oldHeader = 3 + <i32>(at(q + 3) >> 6) + 1;
  const body = routeField - q - oldHeader; // fields before the route code
  const crcPos = q + len - 4;
  // the new route code: [COMPONENT "/"] old, or old minus its first component
  let keepFrom = routeStr; // part of the old route code kept
  let newRouteLen = 0;
  let newFlags = flags | F_ROUTE_CODE;
  let cOff = 0, cLen = 0;
  if (mode == REWRITE_PREFIX) {
    newRouteLen = compLen + (hasRoute ? 1 + routeLen : 0);
  } else {
    if (!hasRoute) {
      if (outPos + len > REWRITE_CAPACITY) return false;
      copyPacket(q, len, 0, 0, SEG_UNCHANGED);
      return true;
    }
    let slash = routeStr;
    while (slash < routeStr + routeLen && at(slash) != 0x2f) slash++;
    cOff = routeStr;
    cLen = slash - routeStr;
    if (slash < routeStr + routeLen) {
      keepFrom = slash + 1;
      newRouteLen = routeStr + routeLen - keepFrom;
    } else {
      newFlags = flags & ~F_ROUTE_CODE;
    }
  }
  const hasNew = (newFlags & F_ROUTE_CODE) != 0;
  const routeFieldLen = hasNew ? varintSize(newRouteLen) + newRouteLen : 0;
  const total = packetLength(1 + 2 + body + routeFieldLen + 4);
  if (total < 0) {
    // the grown packet would not fit the format: pass it on as it is
    if (outPos + len > REWRITE_CAPACITY) return false;
    copyPacket(q, len, cOff, cLen, SEG_UNCHANGED);
    return true;
  }
  if (outPos + total > REWRITE_CAPACITY) return false;
  const o = OUT + <usize>outPos;
  store<u8>(o, 0xb3);
  store<u16>(o + 1, bswap<u16>(<u16>newFlags));
  const bodyOut = putVarint(o + 3, <u32>total);
  const newHeader = <i32>(bodyOut - o);
  const ref = byRef && body >= BY_REF_MIN; // the body stays in the window
  if (!ref) memory.copy(bodyOut, INPUT + <usize>(q + oldHeader), <usize>body);
  let r = ref ? bodyOut : bodyOut + <usize>body;
  const routeOut = r;
  if (hasNew) {
    r = putVarint(r, <u32>newRouteLen);
    if (mode == REWRITE_PREFIX) {
      memory.copy(r, COMPONENT, <usize>compLen);
      r += <usize>compLen;
      if (hasRoute) {
        store<u8>(r, 0x2f);
        memory.copy(r + 1, INPUT + <usize>routeStr, <usize>routeLen);
        r += 1 + <usize>routeLen;
      }
    } else {
      memory.copy(r, INPUT + <usize>keepFrom, <usize>newRouteLen);
      r += <usize>newRouteLen;
    }
  }
  // registers (pre-inversion CRC state) after the old and the new header
  const regOld = ~crc32(0, INPUT + <usize>q, <usize>oldHeader);
  const regNew = ~crc32(0, o, <usize>newHeader);
  const stored = bswap<u32>(load<u32>(INPUT + <usize>crcPos));
  const beforeRoute = unrun(~stored, INPUT + <usize>routeField, crcPos - routeField);
  const reg = beforeRoute ^ shift(regOld ^ regNew, body);
  store<u32>(r, bswap<u32>(crc32(~reg, routeOut, r - routeOut)));
  const size = ref ? total - body : total;
  segment(SEG_PACKET, outPos, size, q, cOff, cLen, ref ? q + oldHeader : 0, ref ? body : 0, newHeader);
  outPos += size;
  return true;
}

/** Emit chatter [start, end); returns how far it got (the output area may fill up). */
function emitChatter(start: i32, end: i32): i32 {
  let p = start;
  while (p < end) {
    if (mode == REWRITE_PREFIX) {
      let stop = end - p > WRAP_PIECE ? utf8Cut(p, p + WRAP_PIECE) : end;
      if (stop == p) stop = end - p > WRAP_PIECE ? p + WRAP_PIECE : end; // not text: cut anywhere
      const n = stop - p;
      // B3, flags, length, "stdout", content, route code, CRC
      const base = 1 + 2 + 7 + varintSize(n) + n + varintSize(compLen) + compLen + 4;
      const total = packetLength(base);
      if (outPos + total > REWRITE_CAPACITY || segs >= SEG_CAPACITY) return p;
      const o = OUT + <usize>outPos;
      store<u8>(o, 0xb3);
      store<u16>(o + 1, bswap<u16>(<u16>(VERSION_2 | F_RUNNABLE | F_FILE | F_ROUTE_CODE)));
      let w = putVarint(o + 3, <u32>total);
      store<u8>(w, 6);
      store<u32>(w + 1, 0x6f647473); // "stdo"
      store<u16>(w + 5, 0x7475); // "ut"
      w = putVarint(w + 7, <u32>n);
      memory.copy(w, INPUT + <usize>p, <usize>n);
      w = putVarint(w + <usize>n, <u32>compLen);
      memory.copy(w, COMPONENT, <usize>compLen);
      w += <usize>compLen;
      store<u32>(w, bswap<u32>(crc32(0, o, w - o)));
      segment(SEG_CHATTER, outPos, total, p, 0, 0);
      outPos += total;
      p = stop;
    } else {
      const n = min(end - p, REWRITE_CAPACITY - outPos);
      if (n <= 0 || segs >= SEG_CAPACITY) return p;
      memory.copy(OUT + <usize>outPos, INPUT + <usize>p, <usize>n);
      segment(SEG_CHATTER, outPos, n, p, 0, 0);
      outPos += n;
      p += n;
    }
  }
  return p;
}

/**
 * Rewrite window [0, len) from `start` into the output area: packets get their
 * route code prefixed with the staged component (REWRITE_PREFIX) or their first
 * component removed (REWRITE_STRIP). Packets are framed by header and fields
 * (no CRC check: a wrong CRC passes on, still wrong); anything else is chatter.
 * Returns the segment count; STATE holds next/need/ctx like scan(), plus the
 * output length.
 */
export function rewrite(len: i32, start: i32, flags: i32, ctxBytes: u32, ctxBytesLen: i32, op: i32, componentLen: i32): i32 {
  beginWindow(len, start, flags, ctxBytes, ctxBytesLen);
  mode = op & 3;
  byRef = (op & REWRITE_BY_REF) != 0;
  compLen = componentLen;
  outPos = 0;
  segs = 0;
  let pos = start;
  let q = start;
  let need = 0;
  let waiting = false; // a candidate at q needs more bytes
  while (segs < SEG_CAPACITY - 1) {
    q = findB3(q, len);
    if (q >= len) {
      // hold back an unfinished UTF-8 character: its end may come in the next chunk
      const end = eof ? len : utf8Cut(pos, len);
      pos = emitChatter(pos, end);
      if (pos == end && end < len) need = len + 1;
      break;
    }
    const cls = classify(q);
    if (cls < HEADER_CUT) { need = -cls; waiting = true; break; }
    if (cls == IMPLAUSIBLE) { q++; continue; }
    const plen = cls;
    if (plen < 0 || q + plen > len) {
      if (!eof) { need = q + plen; waiting = true; break; }
      q++; // truncated by the end of the stream: it is chatter
      continue;
    }
    if (!frame(q, plen) || (continuesText(q) && !crcMatches(q, plen))) { q++; continue; }
    const reached = emitChatter(pos, q);
    if (reached < q) { pos = reached; break; }
    pos = q;
    if (!rewritePacket(q, plen)) break;
    pos = q = q + plen;
    startRun(pos);
  }
  if (waiting && pos < q) {
    // chatter before a pending candidate; if the candidate's 0xB3 may finish a
    // character, keep that character's start back with it
    pos = emitChatter(pos, continuesText(q) ? utf8Cut(pos, q) : q);
  }
  endWindow(pos, need);
  setState(S_OUT_LEN, outPos);
  return segs;
}
