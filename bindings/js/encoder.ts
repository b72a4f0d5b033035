// Pure-TypeScript twin of assembly/encoder.ts: the same packet bytes from the
// same staged fields.
import { MAX_PACKET, F_TEST_ID, F_ROUTE_CODE, F_TIMESTAMP, F_TAGS, F_FILE, F_MIME, ENC_TOO_LONG, ENC_NO_ROOM } from '../../assembly/layout.js';
import { crc32 } from './crc32.js';
import type { StagedPacket } from '../stage.js';
import { writeUtf8 } from '../utf8.js';

/** Bytes of the shortest varint for v (shared with the rewriter). */
export function varintSize(v: number): number {
  return v < 64 ? 1 : v < 16384 ? 2 : v < 4194304 ? 3 : 4;
}

export function putVarint(out: Uint8Array, p: number, v: number): number {
  if (v < 64) {
    out[p] = v;
    return p + 1;
  }
  if (v < 16384) {
    out[p] = (v >> 8) | 0x40;
    out[p + 1] = v;
    return p + 2;
  }
  if (v < 4194304) {
    out[p] = (v >> 16) | 0x80;
    out[p + 1] = v >> 8;
    out[p + 2] = v;
    return p + 3;
  }
  out[p] = (v >>> 24) | 0xc0;
  out[p + 1] = v >> 16;
  out[p + 2] = v >> 8;
  out[p + 3] = v;
  return p + 4;
}

/** Packet length for `base` bytes besides the length field (the field's own width included), or -1 over MAX_PACKET. */
export const packetLength = (base: number) => (base <= 62 ? base + 1 : base <= 16381 ? base + 2 : base <= MAX_PACKET - 3 ? base + 3 : -1);

function putString(out: Uint8Array, p: number, s: string, len: number): number {
  return writeUtf8(out, putVarint(out, p, len), s);
}

const stringSize = (len: number) => varintSize(len) + len;

// reused for every call, like the wasm core's out area: one largest packet, or many small ones side by side
export const out = new Uint8Array(MAX_PACKET + 1);

/** Encode one staged event at out[at …]; returns the packet length, ENC_TOO_LONG or ENC_NO_ROOM (as the wasm core). */
export function encodePacket(e: StagedPacket, at: number): number {
  const flags = e.flags;
  let body = 0;
  if (flags & F_TIMESTAMP) body += 4 + varintSize(e.nanos);
  if (flags & F_TEST_ID) body += stringSize(e.testIdLen);
  if (flags & F_TAGS) {
    body += varintSize(e.tags.length);
    for (let i = 0; i < e.tags.length; i++) body += stringSize(e.tagLens[i]);
  }
  if (flags & F_MIME) body += stringSize(e.mimeLen);
  if (flags & F_FILE) body += stringSize(e.nameLen) + stringSize(e.fileBytes.length);
  if (flags & F_ROUTE_CODE) body += stringSize(e.routeLen);
  const base = 1 + 2 + body + 4;
  const total = packetLength(base);
  if (total < 0) return ENC_TOO_LONG;
  if (at > out.length - total) return ENC_NO_ROOM;
  out[at] = 0xb3;
  out[at + 1] = flags >> 8;
  out[at + 2] = flags;
  let p = putVarint(out, at + 3, total);
  if (flags & F_TIMESTAMP) {
    const s = e.seconds;
    out[p] = s >>> 24;
    out[p + 1] = s >>> 16;
    out[p + 2] = s >>> 8;
    out[p + 3] = s;
    p = putVarint(out, p + 4, e.nanos);
  }
  if (flags & F_TEST_ID) p = putString(out, p, e.testId, e.testIdLen);
  if (flags & F_TAGS) {
    p = putVarint(out, p, e.tags.length);
    for (let i = 0; i < e.tags.length; i++) p = putString(out, p, e.tags[i], e.tagLens[i]);
  }
  if (flags & F_MIME) p = putString(out, p, e.mimeType, e.mimeLen);
  if (flags & F_FILE) {
    p = putString(out, p, e.fileName, e.nameLen);
    p = putVarint(out, p, e.fileBytes.length);
    out.set(e.fileBytes, p);
    p += e.fileBytes.length;
  }
  if (flags & F_ROUTE_CODE) p = putString(out, p, e.routeCode, e.routeLen);
  const c = crc32(0, out, at, p);
  out[p] = c >>> 24;
  out[p + 1] = c >>> 16;
  out[p + 2] = c >>> 8;
  out[p + 3] = c;
  return total;
}
