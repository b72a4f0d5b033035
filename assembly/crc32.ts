// CRC-32/ISO-HDLC (zlib's), slicing-by-16 over a 16 KiB table in static memory.
// wasm has no carry-less multiply, so table slicing is the fastest portable form.

const TABLE: usize = memory.data(16 * 256 * 4, 64);

function fillTable(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(TABLE + (<usize>n << 2), c);
  }
  for (let n: u32 = 0; n < 256; n++) {
    let c = load<u32>(TABLE + (<usize>n << 2));
    for (let t: u32 = 1; t < 16; t++) {
      c = load<u32>(TABLE + (<usize>(c & 0xff) << 2)) ^ (c >>> 8);
      store<u32>(TABLE + ((<usize>t << 10) | (<usize>n << 2)), c);
    }
  }
}
fillTable();

// @ts-ignore: decorator
@inline function T(t: u32, b: u32): u32 {
  return load<u32>(TABLE + ((<usize>t << 10) | (<usize>b << 2)));
}

/** Entry k of the byte-at-a-time table (for the rewriter's CRC arithmetic). */
export function crcTable(k: u32): u32 { return T(0, k); }

/** Continue a CRC (pass 0 to start) over [ptr, ptr+len). */
export function crc32(crc: u32, ptr: usize, len: usize): u32 {
  let c = ~crc;
  let end = ptr + len;
  while (end - ptr >= 16) {
    const a = load<u32>(ptr) ^ c;
    const b = load<u32>(ptr, 4);
    const d = load<u32>(ptr, 8);
    const e = load<u32>(ptr, 12);
    c =
      T(15, a & 0xff) ^ T(14, (a >>> 8) & 0xff) ^ T(13, (a >>> 16) & 0xff) ^ T(12, a >>> 24) ^
      T(11, b & 0xff) ^ T(10, (b >>> 8) & 0xff) ^ T(9, (b >>> 16) & 0xff) ^ T(8, b >>> 24) ^
      T(7, d & 0xff) ^ T(6, (d >>> 8) & 0xff) ^ T(5, (d >>> 16) & 0xff) ^ T(4, d >>> 24) ^
      T(3, e & 0xff) ^ T(2, (e >>> 8) & 0xff) ^ T(1, (e >>> 16) & 0xff) ^ T(0, e >>> 24);
    ptr += 16;
  }
  while (ptr < end) {
    c = T(0, (c ^ <u32>load<u8>(ptr)) & 0xff) ^ (c >>> 8);
    ptr++;
  }
  return ~c;
}
