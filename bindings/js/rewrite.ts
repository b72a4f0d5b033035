// Pure-TypeScript twin of assembly/rewrite.ts (keep them line-for-line equal).
import {
  SCAN_EOF, F_TEST_ID, F_ROUTE_CODE, F_TIMESTAMP, F_TAGS, F_FILE, F_MIME, F_RUNNABLE, VERSION_2, IMPLAUSIBLE, HEADER_CUT, DEFAULT_INPUT_CAPACITY,
  S_OUT_LEN, REWRITE_PREFIX, MAX_COMPONENT, WRAP_PIECE, SEG_STRIDE, SEG_CAPACITY,
  SEG_PACKET, SEG_CHATTER, SEG_UNCHANGED, G_KIND, G_OUT, G_OUT_LEN, G_IN, G_COMP_OFF, G_COMP_LEN,
  REWRITE_BY_REF, BY_REF_MIN, G_REF_IN, G_REF_LEN, G_REF_AT,
} from '../../assembly/layout.js';
import { crc32 } from './crc32.js';
import { putVarint } from './encoder.js';
import { varintSize, frameLength } from '../codec/size.js';
import { shift, unrun } from './crcmath.js';
import {
  varWidth, state, beginWindow, endWindow, startRun, crcMatches, findB3, classify, readVarint, continuesText, utf8Cut,
} from './window.js';

export const REWRITE_CAPACITY = DEFAULT_INPUT_CAPACITY + (1 << 16);
export const out = new Uint8Array(REWRITE_CAPACITY);
export const segments = new Int32Array(SEG_CAPACITY * SEG_STRIDE);
export const component = new Uint8Array(MAX_COMPONENT + 1);

// the window, module-local as in window.ts: V8 reads an imported binding through a cell
let w: Uint8Array = new Uint8Array(0);
let mode = 0;
let byRef = false;
let compLen = 0;
let outPos = 0;
let segs = 0;
let routeField = 0;
let routeStr = 0;
let routeLen = 0;

function segment(kind: number, o: number, outLen: number, input: number, compOff: number, cLen: number, refIn = 0, refLen = 0, refAt = 0): void {
  const b = segs * SEG_STRIDE;
  segments[b + G_REF_IN] = refIn;
  segments[b + G_REF_LEN] = refLen;
  segments[b + G_REF_AT] = refAt;
  segments[b + G_KIND] = kind;
  segments[b + G_OUT] = o;
  segments[b + G_OUT_LEN] = outLen;
  segments[b + G_IN] = input;
  segments[b + G_COMP_OFF] = compOff;
  segments[b + G_COMP_LEN] = cLen;
  segs++;
}

function skipString(p: number, end: number): number {
  const len = readVarint(p, end);
  if (len < 0 || len > end - p - varWidth) return -1;
  return p + varWidth + len;
}

function frame(q: number, len: number): boolean {
  const flags = (w[q + 1] << 8) | w[q + 2];
  let p = q + 3 + (w[q + 3] >> 6) + 1;
  const end = q + len - 4;
  if (flags & F_TIMESTAMP) {
    if (end - p < 5 || readVarint(p + 4, end) < 0) return false;
    p += 4 + varWidth;
  }
  if (flags & F_TEST_ID) {
    p = skipString(p, end);
    if (p < 0) return false;
  }
  if (flags & F_TAGS) {
    const count = readVarint(p, end);
    if (count < 0) return false;
    p += varWidth;
    for (let i = 0; i < count && p >= 0; i++) p = skipString(p, end);
    if (p < 0) return false;
  }
  if (flags & F_MIME) {
    p = skipString(p, end);
    if (p < 0) return false;
  }
  if (flags & F_FILE) {
    p = skipString(p, end);
    if (p < 0) return false;
    p = skipString(p, end);
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
  return p === end;
}

function copyPacket(q: number, len: number, cOff: number, cLen: number, kind: number): void {
  if (byRef && len >= BY_REF_MIN) return segment(kind, outPos, 0, q, cOff, cLen, q, len, 0);
  out.set(w.subarray(q, q + len), outPos);
  segment(kind, outPos, len, q, cOff, cLen);
  outPos += len;
}

function rewritePacket(q: number, len: number): boolean {
  if (segs >= SEG_CAPACITY) return false;
  const flags = (w[q + 1] << 8) | w[q + 2];
  const hasRoute = (flags & F_ROUTE_CODE) !== 0;
  const oldHeader = 3 + (w[q + 3] >> 6) + 1;
  const body = routeField - q - oldHeader;
  const crcPos = q + len - 4;
  let keepFrom = routeStr;
  let newRouteLen = 0;
  let newFlags = flags | F_ROUTE_CODE;
  let cOff = 0;
  let cLen = 0;
  if (mode === REWRITE_PREFIX) {
    newRouteLen = compLen + (hasRoute ? 1 + routeLen : 0);
  } else {
    if (!hasRoute) {
      if (outPos + len > REWRITE_CAPACITY) return false;
      copyPacket(q, len, 0, 0, SEG_UNCHANGED);
      return true;
    }
    let slash = routeStr;
    while (slash < routeStr + routeLen && w[slash] !== 0x2f) slash++;
    cOff = routeStr;
    cLen = slash - routeStr;
    if (slash < routeStr + routeLen) {
      keepFrom = slash + 1;
      newRouteLen = routeStr + routeLen - keepFrom;
    } else {
      newFlags = flags & ~F_ROUTE_CODE;
    }
  }
  const hasNew = (newFlags & F_ROUTE_CODE) !== 0;
  const routeFieldLen = hasNew ? varintSize(newRouteLen) + newRouteLen : 0;
  const total = frameLength(1 + 2 + body + routeFieldLen + 4);
  if (total < 0) {
    if (outPos + len > REWRITE_CAPACITY) return false;
    copyPacket(q, len, cOff, cLen, SEG_UNCHANGED);
    return true;
  }
  if (outPos + total > REWRITE_CAPACITY) return false;
  const o = outPos;
  out[o] = 0xb3;
  out[o + 1] = newFlags >> 8;
  out[o + 2] = newFlags;
  const bodyOut = putVarint(out, o + 3, total);
  const newHeader = bodyOut - o;
  const ref = byRef && body >= BY_REF_MIN; // the body stays in the window
  if (!ref) out.set(w.subarray(q + oldHeader, q + oldHeader + body), bodyOut);
  let r = ref ? bodyOut : bodyOut + body;
  const routeOut = r;
  if (hasNew) {
    r = putVarint(out, r, newRouteLen);
    if (mode === REWRITE_PREFIX) {
      out.set(component.subarray(0, compLen), r);
      r += compLen;
      if (hasRoute) {
        out[r] = 0x2f;
        out.set(w.subarray(routeStr, routeStr + routeLen), r + 1);
        r += 1 + routeLen;
      }
    } else {
      out.set(w.subarray(keepFrom, keepFrom + newRouteLen), r);
      r += newRouteLen;
    }
  }
  const regOld = ~crc32(0, w, q, q + oldHeader) >>> 0;
  const regNew = ~crc32(0, out, o, o + newHeader) >>> 0;
  const stored = ((w[crcPos] << 24) | (w[crcPos + 1] << 16) | (w[crcPos + 2] << 8) | w[crcPos + 3]) >>> 0;
  const beforeRoute = unrun(~stored >>> 0, w, routeField, crcPos - routeField);
  const reg = (beforeRoute ^ shift((regOld ^ regNew) >>> 0, body)) >>> 0;
  const c = crc32(~reg >>> 0, out, routeOut, r);
  out[r] = c >>> 24;
  out[r + 1] = c >>> 16;
  out[r + 2] = c >>> 8;
  out[r + 3] = c;
  const size = ref ? total - body : total;
  segment(SEG_PACKET, outPos, size, q, cOff, cLen, ref ? q + oldHeader : 0, ref ? body : 0, newHeader);
  outPos += size;
  return true;
}

function emitChatter(start: number, end: number): number {
  let p = start;
  while (p < end) {
    if (mode === REWRITE_PREFIX) {
      let stop = end - p > WRAP_PIECE ? utf8Cut(p, p + WRAP_PIECE) : end;
      if (stop === p) stop = end - p > WRAP_PIECE ? p + WRAP_PIECE : end;
      const n = stop - p;
      const base = 1 + 2 + 7 + varintSize(n) + n + varintSize(compLen) + compLen + 4;
      const total = frameLength(base);
      if (outPos + total > REWRITE_CAPACITY || segs >= SEG_CAPACITY) return p;
      const o = outPos;
      const flags = VERSION_2 | F_RUNNABLE | F_FILE | F_ROUTE_CODE;
      out[o] = 0xb3;
      out[o + 1] = flags >> 8;
      out[o + 2] = flags;
      let x = putVarint(out, o + 3, total);
      out.set(STDOUT, x);
      x = putVarint(out, x + 7, n);
      out.set(w.subarray(p, stop), x);
      x = putVarint(out, x + n, compLen);
      out.set(component.subarray(0, compLen), x);
      x += compLen;
      const c = crc32(0, out, o, x);
      out[x] = c >>> 24;
      out[x + 1] = c >>> 16;
      out[x + 2] = c >>> 8;
      out[x + 3] = c;
      segment(SEG_CHATTER, outPos, total, p, 0, 0);
      outPos += total;
      p = stop;
    } else {
      const n = Math.min(end - p, REWRITE_CAPACITY - outPos);
      if (n <= 0 || segs >= SEG_CAPACITY) return p;
      out.set(w.subarray(p, p + n), outPos);
      segment(SEG_CHATTER, outPos, n, p, 0, 0);
      outPos += n;
      p += n;
    }
  }
  return p;
}

const STDOUT = new Uint8Array([6, 0x73, 0x74, 0x64, 0x6f, 0x75, 0x74]);

/** See assembly/rewrite.ts `rewrite`. */
export function rewrite(window: Uint8Array, len: number, start: number, flags: number, ctxBytes: number, ctxBytesLen: number, op: number, componentLen: number): number {
  beginWindow(window, len, start, flags, ctxBytes, ctxBytesLen);
  w = window;
  const eof = (flags & SCAN_EOF) !== 0;
  mode = op & 3;
  byRef = (op & REWRITE_BY_REF) !== 0;
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
      const end = eof ? len : utf8Cut(pos, len);
      pos = emitChatter(pos, end);
      if (pos === end && end < len) need = len + 1;
      break;
    }
    const cls = classify(q);
    if (cls < HEADER_CUT) {
      need = -cls;
      waiting = true;
      break;
    }
    if (cls === IMPLAUSIBLE) {
      q++;
      continue;
    }
    const plen = cls;
    if (plen < 0 || q + plen > len) {
      if (!eof) {
        need = q + plen;
        waiting = true;
        break;
      }
      q++;
      continue;
    }
    if (!frame(q, plen) || (continuesText(q) && !crcMatches(q, plen))) {
      q++;
      continue;
    }
    const reached = emitChatter(pos, q);
    if (reached < q) {
      pos = reached;
      break;
    }
    pos = q;
    if (!rewritePacket(q, plen)) break;
    pos = q = q + plen;
    startRun(pos);
  }
  if (waiting && pos < q) {
    pos = emitChatter(pos, continuesText(q) ? utf8Cut(pos, q) : q);
  }
  endWindow(pos, need);
  state[S_OUT_LEN] = outPos;
  return segs;
}
