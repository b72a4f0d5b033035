// Strict UTF-8 check (Python's rules: no overlongs, surrogates, > U+10FFFF or
// truncated sequences) that also rejects NUL. Twin of assembly/utf8.ts.

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
    let n = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (c0 >= 0xc2 && c0 <= 0xdf) n = 1;
    else if (c0 >= 0xe0 && c0 <= 0xef) {
      n = 2;
      if (c0 === 0xe0) lo = 0xa0;
      else if (c0 === 0xed) hi = 0x9f;
    } else if (c0 >= 0xf0 && c0 <= 0xf4) {
      n = 3;
      if (c0 === 0xf0) lo = 0x90;
      else if (c0 === 0xf4) hi = 0x8f;
    } else return p - start + 1;
    if (end - p <= n) return p - start + 1;
    const c1 = b[p + 1];
    if (c1 < lo || c1 > hi) return p - start + 2;
    for (let k = 2; k <= n; k++) if ((b[p + k] & 0xc0) !== 0x80) return p - start + k + 1;
    p += n + 1;
  }
  return 0;
}
