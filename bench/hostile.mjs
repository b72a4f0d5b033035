// Streams built to make a rescanning decoder slow (issue: hostile input).
// Shared by test/adversarial.test.ts and the benchmarks. `encode` is the
// caller's encoder (event → packet bytes), so this file needs no build.

/** Bytes of a header that claims a maximum-length (4194303 B) file packet with a valid field layout. */
function maxHeader() {
  const content = 4194303 - 4 - 6 - 1 - 4; // sig+flags+3-byte length, empty name, 4-byte varint, CRC
  return [0xb3, 0x20, 0x40, 0xbf, 0xff, 0xff, 0x00, 0xc0 | (content >>> 24), (content >> 16) & 255, (content >> 8) & 255, content & 255];
}

/** A fake header every 16 bytes, each claiming 4 MiB. */
export function fakeHeaders(size) {
  const b = new Uint8Array(size);
  const h = maxHeader();
  for (let at = 0; at + 16 <= size; at += 16) b.set(h, at);
  return b;
}

/** 0xB3 0x2? every 4 bytes (plausible signatures with random lengths everywhere). */
export function denseSignatures(size) {
  const b = new Uint8Array(size);
  let x = 0x9e3779b9;
  for (let at = 0; at < size; at++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    b[at] = at % 4 === 0 ? 0xb3 : at % 4 === 1 ? 0x20 | (x & 0x0f) : x & 255;
  }
  return b;
}

/** Packets with 1 MiB attachments whose CRC fails only at the last byte. */
export function crcFailsAtEnd(size, encode) {
  const packet = encode({ testId: 'big', fileName: 'log', fileBytes: new Uint8Array(1 << 20).fill(0x61) }).slice();
  packet[packet.length - 1] ^= 1;
  return repeat(packet, size);
}

/** Tiny valid packets, each followed by a fake header claiming 4 MiB. */
export function tinyBetweenDamaged(size, encode) {
  const ok = encode({ testId: 'tests.unit.test_one', status: 'success', routeCode: '3', tags: ['worker-3'] });
  return repeat(new Uint8Array([...ok, ...maxHeader()]), size);
}

function repeat(unit, size) {
  const out = new Uint8Array(Math.ceil(size / unit.length) * unit.length);
  for (let at = 0; at < out.length; at += unit.length) out.set(unit, at);
  return out;
}

export const HOSTILE = { fakeHeaders, denseSignatures, crcFailsAtEnd, tinyBetweenDamaged };
