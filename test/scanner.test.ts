// The decoder contract (README "Decoder contract"), case by case, with
// expectations written by hand. Every case runs on every core, whole and
// byte by byte.
import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { CORES, decodeWith, cat, raw, brief, joined, type Brief } from './helpers.js';
import { encode, type SubunitEvent } from '../bindings/index.js';

const good = (id: string) => encode({ testId: id, status: 'success' }, { backend: 'js' });

/** Every input byte is in exactly one event: packets, chatter, Packet data; in order. */
function expectAccounted(events: SubunitEvent[], input: Uint8Array) {
  let at = 0;
  for (const e of events) {
    if (e.fileName === 'Parser Error') continue;
    expect(e.offset).toBe(at);
    if (e.source !== 'packet') expect(Buffer.from(e.fileBytes!).equals(input.subarray(at, at + e.length))).toBe(true);
    at += e.length;
  }
  expect(at).toBe(input.length);
}

const A = good('a');
const B = good('b');

const CASES: [string, Uint8Array, Brief[]][] = [
  ['text, packet, text', cat('make: ok\n', A, 'more'), [['chatter', 'make: ok\n', 0, 9], ['packet', 'a', 9, A.length], ['chatter', 'more', 9 + A.length, 4]]],
  ['a packet in the middle of a line', cat('no newline ', A, B), [['chatter', 'no newline ', 0, 11], ['packet', 'a', 11, A.length], ['packet', 'b', 11 + A.length, B.length]]],
  [
    'bad CRC: one error holding the packet, the rest decoded',
    cat(A, raw(0x2903, [1, 0x78], false), B),
    [['packet', 'a', 0, A.length], ['error', 'data', A.length, 10], ['error', 'Bad', A.length, 0], ['packet', 'b', A.length + 10, B.length]],
  ],
  [
    'a damaged span ends where a plausible packet starts inside it',
    cat([0xb3, 0x21, 0x40, 40], A, 'tail of the span and more text ......'),
    [['error', 'data', 0, 4], ['error', 'Bad', 0, 0], ['packet', 'a', 4, A.length], ['chatter', 'tail of the span and more text ......', 4 + A.length, 37]],
  ],
  ['Latin-1 ³ before text that is no header stays text', cat([0x78, 0xb3, 0x2b, 0x79]), [['chatter', 'x³+y', 0, 4]]],
  ["UTF-8 'ó' followed by a plausible header is text", cat('ó a b c d e f g h i j k l m n o p q r s t u v'), [['chatter', 'Ã³ a b c d e f g h i j k l m n o p q r s t u v', 0, 46]]],
  ['a dangling UTF-8 lead byte does not hide a valid packet', cat('ab', [0xc3], A), [['chatter', 'abÃ', 0, 3], ['packet', 'a', 3, A.length]]],
  ['truncated packet at end of stream', cat(A, B.subarray(0, 7)), [['packet', 'a', 0, A.length], ['error', 'data', A.length, 7], ['error', 'Truncated', A.length, 0]]],
  ['truncated header at end of stream', cat(A, [0xb3, 0x29]), [['packet', 'a', 0, A.length], ['error', 'data', A.length, 2], ['error', 'Truncated', A.length, 0]]],
  ['a lone 0xB3 ending the stream is text', cat('x', [0xb3]), [['chatter', 'x³', 0, 2]]],
  ['version 3 is not a packet', cat(raw(0x3903, [1, 0x78])), [['chatter', '³9\x03\x0A\x01x' + String.fromCharCode(...raw(0x3903, [1, 0x78]).subarray(6)), 0, 10]]],
  ['reserved bit set is not a packet', cat([0xb3, 0x29, 0x0b, 0x30], 'x'), [['chatter', '³)\x0B0x', 0, 5]]],
  ['a 4-byte length form is not a packet', cat([0xb3, 0x29, 0x01, 0xc0, 0, 0, 9]), [['chatter', '³)\x01À\x00\x00\t', 0, 7]]],
  ['a length below 8 is not a packet', cat([0xb3, 0x29, 0x01, 0x05, 0x41], B), [['chatter', '³)\x01\x05A', 0, 5], ['packet', 'b', 5, B.length]]],
  ['test id running past the packet (CRC valid)', cat(raw(0x2903, [9, 0x78]), B), [['error', 'data', 0, 10], ['error', 'test', 0, 0], ['packet', 'b', 10, B.length]]],
  ['timestamp flag without room for it', cat(raw(0x2203, [1, 2]), B), [['error', 'data', 0, 10], ['error', 'timestamp', 0, 0], ['packet', 'b', 10, B.length]]],
  ['bytes left between the last field and the CRC', cat(raw(0x2903, [1, 0x78, 0x79]), B), [['error', 'data', 0, 11], ['error', '1', 0, 0], ['packet', 'b', 11, B.length]]],
  ['test id that is not UTF-8', cat(raw(0x2903, [2, 0xc0, 0x80]), B), [['error', 'data', 0, 11], ['error', 'test', 0, 0], ['packet', 'b', 11, B.length]]],
  ['test id with a NUL', cat(raw(0x2903, [2, 0x61, 0]), B), [['error', 'data', 0, 11], ['error', 'test', 0, 0], ['packet', 'b', 11, B.length]]],
  ['tag count larger than the tags present', cat(raw(0x2980, [1, 0x78, 3, 1, 0x61]), B), [['error', 'data', 0, 13], ['error', 'tags', 0, 0], ['packet', 'b', 13, B.length]]],
  ['non-minimal varints are accepted', cat(raw(0x2903, [0x40, 1, 0x78])), [['packet', 'x', 0, 11]]],
  ['an empty stream has no events', new Uint8Array(0), []],
];

describe.each(CORES)('decoder contract (%s)', (_name, core) => {
  it.each(CASES)('%s', (_t, input, expected) => {
    const whole = decodeWith(core, input);
    expect(brief(whole)).toEqual(expected);
    expectAccounted(whole, input);
    const bytewise = decodeWith(core, input, Array(input.length).fill(1));
    expect(joined(brief(bytewise))).toEqual(joined(expected));
    expectAccounted(bytewise, input);
  });

  it('reports the reference message for a bad checksum', () => {
    const bad = raw(0x2903, [1, 0x78], false);
    const [, err] = decodeWith(core, bad);
    expect(new TextDecoder().decode(err.fileBytes)).toBe(`Bad checksum - calculated (0x${crc32(bad.subarray(0, 6)).toString(16)}), stored (0x12345678) (at byte 0)`);
    expect(err).toMatchObject({ testId: 'subunit.parser', status: 'fail', eof: true, mimeType: 'text/plain;charset=utf8' });
  });

  it('keeps a packet split across chunks at every byte identical', () => {
    const input = cat('x', A, 'y', B);
    const whole = brief(decodeWith(core, input));
    for (let cut = 0; cut <= input.length; cut++) {
      expect(joined(brief(decodeWith(core, input, [cut])))).toEqual(joined(whole));
    }
  });
});
