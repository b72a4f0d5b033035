// Strict UTF-8 check (Python's rules: no overlongs, surrogates, > U+10FFFF or
// truncated sequences) that also rejects NUL. Twin of assembly/utf8.ts.

/** Continuation bytes that lead byte b announces; 0 when b leads nothing (ASCII, a continuation, C0, C1, F5–FF). */
export const utf8Tail = (b: number) => (b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0);

/** Whether c may follow lead byte b (no overlong, no surrogate, nothing above U+10FFFF). */
export function utf8SecondOk(b: number, c: number): boolean {
  const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
  const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
  return c >= lo && c <= hi;
}

/** 0 when valid; otherwise the index of the first bad byte + 1, negated for NUL. */
export function checkUtf8(b: Uint8Array, start: number, len: number): number {
  const end = start + len;
  let p = start;
  while (p < end) {
    const c0 = b[p];
    if (c0 < 0x80) {
      if (c0 === 0) return -(p - start + 1);
      p++;
      continue;
    }
    const n = utf8Tail(c0);
    if (n === 0) return p - start + 1;
    if (end - p <= n) return p - start + 1;
    if (!utf8SecondOk(c0, b[p + 1])) return p - start + 2;
    for (let k = 2; k <= n; k++) if ((b[p + k] & 0xc0) !== 0x80) return p - start + k + 1;
    p += n + 1;
  }
  return 0;
}
