import { describe, expect, it } from 'vitest';
import { utf8WholeEnd, utf8Bytes } from '../bindings/codec/utf8.js';
import { checkUtf8 } from '../bindings/js/utf8.js';

describe('utf8WholeEnd', () => {
  it('holds back the start of an unfinished character', () => {
    const euro = utf8Bytes('a€'); // 61 e2 82 ac
    expect(utf8WholeEnd(euro)).toBe(4);
    expect(utf8WholeEnd(euro.subarray(0, 3))).toBe(1);
    expect(utf8WholeEnd(euro.subarray(0, 2))).toBe(1);
    expect(utf8WholeEnd(utf8Bytes('x😀').subarray(0, 4))).toBe(1);
  });

  it('never holds a byte that leads no valid character (C0, C1, F5-FF)', () => {
    for (const b of [0xc0, 0xc1, 0xf5, 0xf8, 0xff]) expect(utf8WholeEnd(Uint8Array.of(0x61, b))).toBe(2);
    expect(utf8WholeEnd(Uint8Array.of(0x61, 0xf8, 0x80))).toBe(3);
  });

  it('cuts only where the text before the cut is valid, for every cut of valid text', () => {
    const text = utf8Bytes('aé€😀b\u07ff\uffff\u{10ffff}');
    for (let end = 0; end <= text.length; end++) {
      const cut = utf8WholeEnd(text, 0, end);
      expect(checkUtf8(text, 0, cut)).toBe(0);
      expect(end - cut).toBeLessThan(4);
    }
  });

  it('respects start', () => {
    expect(utf8WholeEnd(Uint8Array.of(0xe2, 0x82), 1, 2)).toBe(2);
  });
});
