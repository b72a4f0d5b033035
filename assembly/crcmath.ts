// CRC arithmetic over GF(2) (bit-reflected, polynomial 0xEDB88320): what lets
// the rewriter change a route code without re-hashing the payload, and the
// scanner check a CRC over any range in constant time from checkpoints.
import { crcTable } from './crc32';

const POLY: u32 = 0xedb88320;
const INV: usize = memory.data(256, 16); // table index by the top byte of its entry
// x^(8k) mod P for k = a, 256·b, 65536·c: any k < 2^22 in three products
const XA: usize = memory.data(256 * 4, 16);
const XB: usize = memory.data(256 * 4, 16);
const XC: usize = memory.data(64 * 4, 16);

/** a(x)·b(x) mod P(x). */
export function multModP(a: u32, b: u32): u32 {
  if (a == 0) return 0;
  let m: u32 = 1 << 31;
  let p: u32 = 0;
  while (true) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) == 0) break;
    }
    m >>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p;
}

function fillPowers(table: usize, count: i32, step: u32): void {
  let p: u32 = 1 << 31; // x^0
  for (let i = 0; i < count; i++) {
    store<u32>(table + (<usize>i << 2), p);
    p = multModP(p, step);
  }
}

function init(): void {
  for (let k: u32 = 0; k < 256; k++) store<u8>(INV + <usize>(crcTable(k) >>> 24), <u8>k);
  let x8: u32 = 1 << 23; // x^8
  fillPowers(XA, 256, x8);
  let x2048: u32 = 1 << 31;
  for (let i = 0; i < 256; i++) x2048 = multModP(x2048, x8);
  fillPowers(XB, 256, x2048);
  let x524288: u32 = 1 << 31;
  for (let i = 0; i < 256; i++) x524288 = multModP(x524288, x2048);
  fillPowers(XC, 64, x524288);
}
init();

/** The register s after running `bytes` zero bytes (< 2^22) through it: s·x^(8·bytes) mod P. */
export function shift(s: u32, bytes: i32): u32 {
  const k = <u32>bytes;
  const x = multModP(
    multModP(load<u32>(XA + (<usize>(k & 255) << 2)), load<u32>(XB + (<usize>((k >> 8) & 255) << 2))),
    load<u32>(XC + (<usize>((k >> 16) & 63) << 2)),
  );
  return multModP(x, s);
}

/** The register before `len` bytes at ptr were run into it (each step is invertible). */
export function unrun(reg: u32, ptr: usize, len: i32): u32 {
  for (let i = len - 1; i >= 0; i--) {
    const k = <u32>load<u8>(INV + <usize>(reg >>> 24));
    reg = ((reg ^ crcTable(k)) << 8) | (k ^ <u32>load<u8>(ptr + <usize>i));
  }
  return reg;
}
