// Packet-size arithmetic (SUBUNIT-V2.md §4), the one TypeScript copy: the js
// core's encoder and rewriter, the bindings' encoder (which splits file
// content over packets) and the wasm wrapper (which refuses an event that
// cannot fit before staging it) all use it. The wasm core's own copy is in
// assembly/encoder.ts.
import { MAX_PACKET, F_TIMESTAMP, F_TEST_ID, F_TAGS, F_MIME, F_FILE, F_ROUTE_CODE } from '../../assembly/layout.js';
import type { StagedPacket } from './stage.js';

/** Bytes of the shortest varint for v. */
export const varintSize = (v: number) => (v < 64 ? 1 : v < 16384 ? 2 : v < 4194304 ? 3 : 4);
/** Bytes of a length-prefixed string (or file content) of `len` bytes. */
export const stringSize = (len: number) => varintSize(len) + len;

/** Packet length for `base` bytes besides the length field (the field's own width included), or -1 over MAX_PACKET. */
export const frameLength = (base: number) => (base <= 62 ? base + 1 : base <= 16381 ? base + 2 : base <= MAX_PACKET - 3 ? base + 3 : -1);

/** Bytes of every field of a staged event except the file content. */
export function fixedFields(p: StagedPacket): number {
  const f = p.flags;
  let body = 0;
  if (f & F_TIMESTAMP) body += 4 + varintSize(p.nanos);
  if (f & F_TEST_ID) body += stringSize(p.testIdLen);
  if (f & F_TAGS) {
    body += varintSize(p.tags.length);
    for (let i = 0; i < p.tags.length; i++) body += stringSize(p.tagLens[i]);
  }
  if (f & F_MIME) body += stringSize(p.mimeLen);
  if (f & F_FILE) body += stringSize(p.nameLen);
  if (f & F_ROUTE_CODE) body += stringSize(p.routeLen);
  return body;
}

/** The packet length of a staged event with `fileLen` bytes of file content, or -1 when over MAX_PACKET. */
export function packetLength(p: StagedPacket, fileLen = p.fileBytes.length): number {
  return frameLength(1 + 2 + fixedFields(p) + (p.flags & F_FILE ? stringSize(fileLen) : 0) + 4);
}
