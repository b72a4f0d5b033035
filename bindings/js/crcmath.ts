// Twin of assembly/crcmath.ts: CRC arithmetic over GF(2).
import { crcTable } from './crc32.js';

const POLY = 0xedb88320;
const INV = new Uint8Array(256);
const XA = new Uint32Array(256);
const XB = new Uint32Array(256);
const XC = new Uint32Array(64);

export function multModP(a: number, b: number): number {
  if (a === 0) return 0;
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

function fillPowers(table: Uint32Array, step: number): void {
  let p = 0x80000000;
  for (let i = 0; i < table.length; i++) {
    table[i] = p;
    p = multModP(p, step);
  }
}

/** The tables, made on first use: every Node process that loads the package would pay for them at start. */
let ready = false;
function makeTables(): void {
  ready = true;
  for (let k = 0; k < 256; k++) INV[crcTable(k) >>> 24] = k;
  const x8 = 1 << 23;
  fillPowers(XA, x8);
  let x2048 = 0x80000000;
  for (let i = 0; i < 256; i++) x2048 = multModP(x2048, x8);
  fillPowers(XB, x2048);
  let x524288 = 0x80000000;
  for (let i = 0; i < 256; i++) x524288 = multModP(x524288, x2048);
  fillPowers(XC, x524288);
}

export function shift(s: number, bytes: number): number {
  if (!ready) makeTables();
  return multModP(multModP(multModP(XA[bytes & 255], XB[(bytes >> 8) & 255]), XC[(bytes >> 16) & 63]), s);
}

export function unrun(reg: number, b: Uint8Array, start: number, len: number): number {
  if (!ready) makeTables();
  for (let i = len - 1; i >= 0; i--) {
    const k = INV[reg >>> 24];
    reg = (((reg ^ crcTable(k)) << 8) | (k ^ b[start + i])) >>> 0;
  }
  return reg;
}
