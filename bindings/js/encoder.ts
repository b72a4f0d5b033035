// Pure-TypeScript twin of assembly/encoder.ts: the same packet bytes from the
// same staged fields.
import { MAX_PACKET, F_TEST_ID, F_ROUTE_CODE, F_TIMESTAMP, F_TAGS, F_FILE, F_MIME, ENC_TOO_LONG, ENC_NO_ROOM } from '../../assembly/layout.js';
import { packetLength } from '../codec/size.js';
import { crc32 } from './crc32.js';
import type { StagedPacket } from '../codec/stage.js';
import { writeUtf8 } from '../codec/utf8.js';

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

function putString(out: Uint8Array, p: number, s: string, len: number): number {
  return writeUtf8(out, putVarint(out, p, len), s);
}

// reused for every call, like the wasm core's out area: one largest packet, or many small ones side by side
export const out = new Uint8Array(MAX_PACKET + 1);

/** Encode one staged event at out[at …]; returns the packet length, ENC_TOO_LONG or ENC_NO_ROOM (as the wasm core). */
export function encodePacket(e: StagedPacket, at: number): number {
  const flags = e.flags;
  const total = packetLength(e);
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
