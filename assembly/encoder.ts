// Packet encoder: JS stages the UTF-8 strings and file bytes in STAGE and fills
// the descriptor ENC; `encode` writes one packet to OUT with the shortest
// length form (as the reference encoder chooses it) and its CRC.
import {
  MAX_PACKET, ENCODE_SLOTS, E_FLAGS, E_SECONDS, E_NANOS, E_TESTID_OFF, E_TESTID_LEN, E_TAGS_COUNT,
  E_MIME_OFF, E_MIME_LEN, E_NAME_OFF, E_NAME_LEN, E_FILE_OFF, E_FILE_LEN, E_ROUTE_OFF, E_ROUTE_LEN,
  E_TAGS, E_OUT_AT, F_TEST_ID, F_ROUTE_CODE, F_TIMESTAMP, F_TAGS, F_FILE, F_MIME, ENC_TOO_LONG, ENC_NO_ROOM,
} from './layout';
import { crc32 } from './crc32';

export const STAGE_CAPACITY: i32 = MAX_PACKET + 1;
const STAGE: usize = memory.data(STAGE_CAPACITY, 16);
const OUT_CAPACITY: i32 = MAX_PACKET + 1;
const OUT: usize = memory.data(OUT_CAPACITY, 16);
const ENC: usize = memory.data(ENCODE_SLOTS * 4, 16);

export function stagePtr(): usize { return STAGE; }
export function outPtr(): usize { return OUT; }
export function encodePtr(): usize { return ENC; }

// @ts-ignore: decorator
@inline function d(slot: i32): i32 { return load<i32>(ENC + (<usize>slot << 2)); }

/** Bytes of the shortest varint for v (shared with the rewriter). */
export function varintSize(v: u32): i32 {
  return v < 64 ? 1 : v < 16384 ? 2 : v < 4194304 ? 3 : 4;
}

export function putVarint(p: usize, v: u32): usize {
  if (v < 64) { store<u8>(p, <u8>v); return p + 1; }
  if (v < 16384) { store<u16>(p, bswap<u16>(<u16>(v | 0x4000))); return p + 2; }
  if (v < 4194304) {
    store<u8>(p, <u8>((v >> 16) | 0x80));
    store<u16>(p + 1, bswap<u16>(<u16>v));
    return p + 3;
  }
  store<u32>(p, bswap<u32>(v | 0xc0000000));
  return p + 4;
}

/** Packet length for `base` bytes besides the length field (the field's own width included), or -1 over MAX_PACKET. */
export function packetLength(base: i32): i32 {
  return base <= 62 ? base + 1 : base <= 16381 ? base + 2 : base <= MAX_PACKET - 3 ? base + 3 : -1;
}

function putBytes(p: usize, off: i32, len: i32): usize {
  memory.copy(p, STAGE + <usize>off, <usize>len);
  return p + <usize>len;
}

function putString(p: usize, off: i32, len: i32): usize {
  return putBytes(putVarint(p, <u32>len), off, len);
}

// @ts-ignore: decorator
@inline function stringSize(len: i32): i32 { return varintSize(<u32>len) + len; }

/** Encode the staged event at OUT + E_OUT_AT; returns the packet length, ENC_TOO_LONG or ENC_NO_ROOM. */
export function encode(): i32 {
  const flags = d(E_FLAGS);
  let body = 0;
  if (flags & F_TIMESTAMP) body += 4 + varintSize(<u32>d(E_NANOS));
  if (flags & F_TEST_ID) body += stringSize(d(E_TESTID_LEN));
  const tags = d(E_TAGS_COUNT);
  if (flags & F_TAGS) {
    body += varintSize(<u32>tags);
    for (let i = 0; i < tags; i++) body += stringSize(d(E_TAGS + 2 * i + 1));
  }
  if (flags & F_MIME) body += stringSize(d(E_MIME_LEN));
  if (flags & F_FILE) body += stringSize(d(E_NAME_LEN)) + stringSize(d(E_FILE_LEN));
  if (flags & F_ROUTE_CODE) body += stringSize(d(E_ROUTE_LEN));
  const base = 1 + 2 + body + 4;
  const total = packetLength(base);
  if (total < 0) return ENC_TOO_LONG;
  const at = d(E_OUT_AT);
  if (<u32>at > <u32>(OUT_CAPACITY - total)) return ENC_NO_ROOM;
  const start = OUT + <usize>at;
  store<u8>(start, 0xb3);
  store<u16>(start + 1, bswap<u16>(<u16>flags));
  let p = putVarint(start + 3, <u32>total);
  if (flags & F_TIMESTAMP) {
    store<u32>(p, bswap<u32>(<u32>d(E_SECONDS)));
    p = putVarint(p + 4, <u32>d(E_NANOS));
  }
  if (flags & F_TEST_ID) p = putString(p, d(E_TESTID_OFF), d(E_TESTID_LEN));
  if (flags & F_TAGS) {
    p = putVarint(p, <u32>tags);
    for (let i = 0; i < tags; i++) p = putString(p, d(E_TAGS + 2 * i), d(E_TAGS + 2 * i + 1));
  }
  if (flags & F_MIME) p = putString(p, d(E_MIME_OFF), d(E_MIME_LEN));
  if (flags & F_FILE) {
    p = putString(p, d(E_NAME_OFF), d(E_NAME_LEN));
    p = putString(p, d(E_FILE_OFF), d(E_FILE_LEN));
  }
  if (flags & F_ROUTE_CODE) p = putString(p, d(E_ROUTE_OFF), d(E_ROUTE_LEN));
  store<u32>(p, bswap<u32>(crc32(0, start, p - start)));
  return total;
}
