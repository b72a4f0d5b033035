// Strict UTF-8 check, as Python's decoder defines it (no overlongs, no
// surrogates, nothing above U+10FFFF, no truncated sequence), plus no NUL.

/** Whether 8 bytes are all ASCII and none is NUL (no byte >= 0x80, no zero byte). */
// @ts-ignore: decorator
@inline export function asciiWord(w: u64): bool {
  return (w & 0x8080808080808080) == 0 && ((w - 0x0101010101010101) & ~w & 0x8080808080808080) == 0;
}

/** Continuation bytes that lead byte b announces; 0 when b leads nothing (ASCII, a continuation, C0, C1, F5–FF). */
// @ts-ignore: decorator
@inline export function utf8Tail(b: u32): i32 {
  return b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
}

/** Whether c may follow lead byte b (no overlong, no surrogate, nothing above U+10FFFF). */
// @ts-ignore: decorator
@inline export function utf8SecondOk(b: u32, c: u32): bool {
  const lo: u32 = b == 0xe0 ? 0xa0 : b == 0xf0 ? 0x90 : 0x80;
  const hi: u32 = b == 0xed ? 0x9f : b == 0xf4 ? 0x8f : 0xbf;
  return c >= lo && c <= hi;
}

/** 0 when valid; otherwise the index of the first bad byte + 1, negated for NUL. */
export function checkUtf8(ptr: usize, len: usize): i32 {
  const end = ptr + len;
  let p = ptr;
  while (p < end) {
    // ASCII fast paths: 16 bytes at a time with SIMD, else 8
    if (ASC_FEATURE_SIMD && end - p >= 16) {
      const v = v128.load(p);
      if (i8x16.bitmask(v) == 0 && i8x16.all_true(v)) {
        p += 16;
        continue;
      }
    }
    if (end - p >= 8) {
      if (asciiWord(load<u64>(p))) {
        p += 8;
        continue;
      }
    }
    const b = <u32>load<u8>(p);
    if (b < 0x80) {
      if (b == 0) return -(<i32>(p - ptr) + 1);
      p++;
      continue;
    }
    const n = <usize>utf8Tail(b);
    if (n == 0) return <i32>(p - ptr) + 1;
    if (end - p <= n) return <i32>(p - ptr) + 1; // truncated sequence
    if (!utf8SecondOk(b, <u32>load<u8>(p + 1))) return <i32>(p - ptr) + 2;
    for (let k: usize = 2; k <= n; k++) {
      const c = <u32>load<u8>(p + k);
      if ((c & 0xc0) != 0x80) return <i32>(p - ptr + k) + 1;
    }
    p += n + 1;
  }
  return 0;
}
