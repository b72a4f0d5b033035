// Differential and property tests: every core gives identical events on
// random and mutated input; chunked decoding equals whole-buffer decoding;
// every input byte is accounted for exactly once.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CORES, brief, cat, decodeWith, fixtureBytes, fixtures, joinBytes, rng } from './helpers.js';
import { deepStrictEqual } from 'node:assert';
import { check, expectAccounted, expectChatterBound, randomChunks, shape } from './invariants.js';
import { Decoder, RoutePrefixer, encode, Timestamp, STATUSES, type EventInit, type SubunitEvent } from '../bindings/index.js';
import { RECORD_STRIDE, R_TESTID_TEXT, S_TEXT_LEN, TEXT_CAPACITY } from '../assembly/layout.js';
import { jsCore } from '../bindings/js/core.js';

// ---- generators -------------------------------------------------------------
const text = fc.string({ maxLength: 12 });
const eventArb: fc.Arbitrary<EventInit> = fc.record(
  {
    testId: text,
    status: fc.constantFrom(...STATUSES),
    tags: fc.array(text, { maxLength: 3 }),
    runnable: fc.boolean(),
    mimeType: text,
    fileName: text,
    fileBytes: fc.uint8Array({ maxLength: 80 }),
    eof: fc.boolean(),
    routeCode: text,
    timestamp: fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 999999999 })).map(([s, n]) => new Timestamp(s, n)),
  },
  { requiredKeys: [] },
).filter((e) => ![e.testId, e.mimeType, e.fileName, e.routeCode, ...(e.tags ?? [])].some((s) => s?.includes('\0')));

const piece = fc.oneof(
  eventArb.map((e) => encode(e, { backend: 'js' })),
  fc.uint8Array({ maxLength: 40 }),
  fc.constantFrom(new Uint8Array([0xb3]), new Uint8Array([0xc3, 0xb3]), new Uint8Array([0xc3]), new TextEncoder().encode('line\n')),
  // fake headers: right version, random flags and lengths
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([f, l]) => new Uint8Array([0xb3, 0x20 | (f & 0x0f), f & 0xf7, l])),
);

const streamArb = fc.array(piece, { maxLength: 30 }).map(joinBytes);

/** Mutations of real streams: bit flips, inserted/deleted/duplicated spans, truncation, fake headers. */
function mutate(src: Uint8Array, next: () => number): Uint8Array {
  let b = src.slice();
  const ops = 1 + Math.floor(next() * 4);
  for (let i = 0; i < ops && b.length > 0; i++) {
    const at = Math.floor(next() * b.length);
    const span = 1 + Math.floor(next() * 64);
    switch (Math.floor(next() * 6)) {
      case 0:
        b[at] ^= 1 << Math.floor(next() * 8);
        break;
      case 1:
        b = joinBytes([b.subarray(0, at), new Uint8Array(span).map(() => (next() < 0.2 ? 0xb3 : next() * 256)), b.subarray(at)]);
        break;
      case 2:
        b = joinBytes([b.subarray(0, at), b.subarray(at + span)]);
        break;
      case 3:
        b = joinBytes([b.subarray(0, at + span), b.subarray(at, at + span), b.subarray(at + span)]);
        break;
      case 4:
        b = b.slice(0, at);
        break;
      default:
        b = joinBytes([b.subarray(0, at), new Uint8Array([0xb3, 0x29, 0x01, Math.floor(next() * 256)]), b.subarray(at)]);
    }
  }
  return b;
}

describe('differential: wasm (scalar, SIMD) and js cores agree', () => {
  it('on random streams of packets, junk, fake headers and UTF-8 text', () => {
    fc.assert(fc.property(streamArb, fc.integer(), (input, seed) => check(input, seed)), { numRuns: 300, seed: 20261125 });
  });

  const small = fixtures().filter((f) => fixtureBytes(f.name).length < 40_000);
  it.each(small)('on 200 mutations of $name', ({ name }) => {
    const src = fixtureBytes(name);
    const next = rng(name.length * 7919);
    for (let i = 0; i < 200; i++) check(mutate(src, next), i);
  });
});

describe("the wasm core's text area (ASCII test ids copied for one decode per chunk)", () => {
  // ids of every length up to 700 bytes overflow the 1 MiB area and straddle
  // its 64 KiB chunks; non-ASCII, empty and over-a-chunk ids take the other path
  const ids: string[] = [];
  for (let i = 0; ids.length < 4000; i++) ids.push(`t${i}.`.padEnd(1 + ((i * 131) % 700), 'abcdefghij'[i % 10]));
  ids.push('', 'naïve.test_ó', 'x'.repeat(70_000), 'end');
  const input = joinBytes(ids.map((testId, i) => encode({ testId, status: 'success', routeCode: String(i % 3) }, { backend: 'js' })));

  it('fills the area, and gives the same test ids as the js core', () => {
    const [, wasm] = CORES.find(([n]) => n === 'wasm-scalar')!;
    wasm.reset();
    const count = wasm.scan(input, 0, true, 0, 0);
    const slots = Array.from({ length: count }, (_, i) => wasm.records[i * RECORD_STRIDE + R_TESTID_TEXT]);
    expect(slots.filter((t) => t >= 0).length).toBeGreaterThan(2500);
    expect(slots).toContain(-1); // the area filled up
    expect(wasm.state[S_TEXT_LEN]).toBeGreaterThan(TEXT_CAPACITY - 700);
    expect(decodeWith(wasm, input).map((e) => e.testId)).toEqual(ids);
    check(input, 7);
  });

  it('sees a non-ASCII byte or a NUL at any position of ids of 1–80 bytes', () => {
    const packets: Uint8Array[] = [];
    for (let len = 1; len <= 80; len++) {
      for (let at = 0; at < len; at++) {
        const id = 'a'.repeat(at) + '\x01' + 'b'.repeat(len - at - 1);
        packets.push(encode({ testId: id.slice(0, at) + 'é' + id.slice(at + 1), status: 'success' }, { backend: 'js' }));
        // the same id with a NUL (a damaged packet with a valid CRC): the encoder refuses NUL, so patch it in
        const p = encode({ testId: id, status: 'success' }, { backend: 'js' }).slice();
        p[p.length - 4 - len + at] = 0; // the id is the last field, just before the CRC
        new DataView(p.buffer).setUint32(p.length - 4, jsCore.crc32(p.subarray(0, p.length - 4)));
        packets.push(p);
      }
    }
    const input = joinBytes(packets);
    const events = decodeWith(CORES[1][1], input);
    const nul = events.filter((e) => e.fileName === 'Parser Error' && new TextDecoder().decode(e.fileBytes).includes('test id contains a NUL byte'));
    expect(nul.length).toBe((80 * 81) / 2);
    expect(events.filter((e) => e.testId?.includes('é')).length).toBe((80 * 81) / 2);
    check(input, 11);
  });

  it('shares one copy between packets in a row with the same id, and only then', () => {
    // each id twice in a row, then the same id with one byte changed: at every
    // position of ids of 1–70 bytes (the scalar build compares 8 bytes at a
    // time, the SIMD build 16), and after a packet whose id was not copied
    const ids: string[] = [];
    for (let len = 1; len <= 70; len++) {
      for (let at = 0; at < len; at++) {
        const id = `${len}:`.padEnd(len, 'k').slice(0, len);
        const other = id.slice(0, at) + (id[at] === 'z' ? 'y' : 'z') + id.slice(at + 1);
        ids.push(id, id, other, 'naïve', other);
      }
    }
    const input = joinBytes(ids.map((testId) => encode({ testId, status: 'success' }, { backend: 'js' })));
    for (const [name, wasm] of CORES.filter(([n]) => n !== 'js')) {
      wasm.reset();
      const slots: number[] = [];
      for (let pos = 0; pos < input.length; pos = wasm.base + wasm.state[0]) {
        const count = wasm.scan(input, pos, true, 0, 0);
        for (let i = 0; i < count; i++) slots.push(wasm.records[i * RECORD_STRIDE + R_TESTID_TEXT]);
      }
      for (let i = 0; i < ids.length; i += 5) {
        expect(slots[i + 1], `${name}: ${ids[i]} twice`).toBe(slots[i]);
        expect(slots[i + 2], `${name}: ${ids[i + 2]} after ${ids[i]}`).not.toBe(slots[i]);
        expect(slots[i + 3], name).toBe(-1); // not ASCII: no copy
        expect(slots[i + 4], `${name}: ${ids[i + 4]} after a packet without a copy`).toBe(slots[i + 2]);
      }
      expect(decodeWith(wasm, input).map((e) => e.testId)).toEqual(ids);
    }
    check(input, 13);
  });
});

describe('chunking equivalence', () => {
  const small = fixtures().filter((f) => fixtureBytes(f.name).length < 3_000);
  describe.each(CORES)('%s', (_n, core) => {
    it.each(small)('$name split at every byte', ({ name }) => {
      const input = fixtureBytes(name);
      const want = shape(decodeWith(core, input));
      for (let cut = 1; cut < input.length; cut++) expect(shape(decodeWith(core, input, [cut]))).toEqual(want);
    });

    it.each(['sample-run', 'varint-boundaries', 'every-field'])('%s in random chunks and 1-byte chunks', (name) => {
      const input = fixtureBytes(name);
      const want = shape(decodeWith(core, input));
      const next = rng(7);
      expect(shape(decodeWith(core, input, randomChunks(input.length, next, 70_000)))).toEqual(want);
      expect(shape(decodeWith(core, input, randomChunks(input.length, next, 300)))).toEqual(want);
      const ones = name === 'sample-run' ? input.subarray(0, 200_000) : input;
      expect(shape(decodeWith(core, ones, Array(ones.length).fill(1)))).toEqual(shape(decodeWith(core, ones)));
    });
  });
});

describe('hostile text: chunking cuts chatter, it does not multiply it', () => {
  // text made to keep a candidate undecided across chunk boundaries: runs of
  // 0xB3, headers cut short or implausible, UTF-8 the rule keeps as text
  const hostile = fc.oneof(
    fc.integer({ min: 1, max: 60 }).map((n) => new Uint8Array(n).fill(0xb3)),
    fc.integer({ min: 0, max: 255 }).map((b) => Uint8Array.of(0xb3, b)), // mostly implausible: version nibble
    fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 255 })).map(([f, g]) => Uint8Array.of(0xb3, 0x20 | f, g)), // cut after the flags
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([g, l]) => Uint8Array.of(0xb3, 0x20, g, l)), // the length cut or out of range
    fc.integer({ min: 0, max: 7 }).map((l) => Uint8Array.of(0xb3, 0x20, 0x00, l)), // length too short: text
    // a plausible damaged header that completes "ó" (text stays text), claiming up to 2 KiB
    fc.integer({ min: 8, max: 2047 }).map((l) => Uint8Array.of(0xc3, 0xb3, 0x20, 0x00, 0x40 | (l >> 8), l & 0xff)),
    fc.constantFrom(Uint8Array.of(0xe3, 0xb3, 0x8a), Uint8Array.of(0xf0, 0x9f, 0xb3), Uint8Array.of(0xc3), Uint8Array.of(0xe3, 0xb3)),
    fc.integer({ min: 1, max: 40 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n, min: 0x80, max: 0xbf })), // continuation bytes
    fc.constant(new TextEncoder().encode('plain text\n')),
  );
  const hostileText = fc.array(hostile, { minLength: 1, maxLength: 40 }).map(joinBytes);

  it('a chunk boundary adds at most one chatter event (where the chunk or its held candidate starts: held bytes that turn out text join the text after them)', () => {
    const chunking = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(hostileText, chunking, (input, sizes) => {
        for (const [name, core] of CORES) {
          const whole = decodeWith(core, input);
          const chunked = decodeWith(core, input, sizes);
          expectAccounted(chunked, input);
          deepStrictEqual(shape(chunked), shape(whole), `${name}: chunked events differ from whole-buffer`);
          // the last push does not know the input ends: end() is one more boundary, with nothing after it
          expectChatterBound(chunked, whole, chunkCount(input.length, sizes), name);
        }
      }),
      { numRuns: 400, seed: 20261204 },
    );
  });

  const repeat = (unit: number[], times: number) => joinBytes(Array(times).fill(Uint8Array.from(unit)));
  // a plausible header after "Ã" (so damaged text) claiming 8 bytes: its span ends on the next unit's 0xB3
  const oUnit = [0xc3, 0xb3, 0x20, 0x00, 0x08, 0x41, 0x41];
  it.each([
    ['a held 0xB3, then 100,000 more', Uint8Array.of(0x41, 0xb3), new Uint8Array(100_000).fill(0xb3)],
    ['damaged "ó" headers, each span ending on the next 0xB3', Uint8Array.of(0xc3, 0xb3), repeat(oUnit, 15_000).subarray(2)],
    // held together in one chunk, each claiming one byte past the one before: each resolves only with one more byte
    ['damaged "ó" headers held together, each claiming one byte more', joinBytes(Array.from({ length: 30 }, (_, k) => Uint8Array.of(0xc3, 0xb3, 0x20, 0x00, 0x41, 0x2c - 6 * k, 0x41))), new Uint8Array(500).fill(0x78)],
    ['a held "ó" header, then continuation bytes', Uint8Array.of(0xc3, 0xb3, 0x20, 0x00), new Uint8Array(100_000).fill(0x80)],
  ])('%s: chatter events per push, not per candidate', (_what, first, second) => {
    const input = joinBytes([first, second]);
    for (const [name, core] of CORES) {
      const d = new Decoder({ backend: core });
      const events = [...d.push(first), ...d.push(second), ...d.end()];
      expectAccounted(events, input);
      expect(events.every((e) => e.source === 'chatter'), name).toBe(true);
      // one event whole, and at most one more per boundary (between the pushes, and end())
      expect(events.length, name).toBeLessThanOrEqual(3);
      // the route rewriter feeds chunks the same way: its output is a few stdout packets, not one per byte
      const rw = new RoutePrefixer('7', { backend: core });
      const out = joinBytes([...rw.pushParts(first), ...rw.pushParts(second), ...rw.endParts()]);
      expect(decodeWith(core, out).length, name).toBeLessThanOrEqual(3);
    }
  });
});

describe('a candidate held over a chunk boundary', () => {
  const packet = encode({ testId: 'held.test', status: 'success' }, { backend: 'js' });
  // source and text (latin1) or test id of each event, in order
  const what = (events: SubunitEvent[]) => brief(events).map(([source, text]) => [source, text]);
  it.each([
    ['text + 0xB3 | text', [cat('abc', [0xb3]), cat('def')], [['chatter', 'abc'], ['chatter', '\xb3def']]],
    // 'h' = 0x68 sets the flags' reserved bit 3
    ['text + a header cut after its first flags byte | text that makes it implausible', [cat('abc', [0xb3, 0x20]), cat('hello')], [['chatter', 'abc'], ['chatter', '\xb3 hello']]],
    ['text + a header cut before its length | a length too short, then text', [cat('abc', [0xb3, 0x20, 0x00]), cat([0x05], 'def')], [['chatter', 'abc'], ['chatter', '\xb3 \0\x05def']]],
    ['text + 0xB3 | 0xB3 and text (the held byte starts no candidate, the next one does)', [cat('abc', [0xb3]), cat([0xb3], 'def')], [['chatter', 'abc'], ['chatter', '\xb3\xb3def']]],
    ['text + a packet cut in its header | the rest of it, then text', [cat('abc', packet.subarray(0, 2)), cat(packet.subarray(2), 'def')], [['chatter', 'abc'], ['packet', 'held.test'], ['chatter', 'def']]],
    ['text + a packet\'s first byte | two more | the rest, then text', [cat('abc', packet.subarray(0, 1)), packet.subarray(1, 3), cat(packet.subarray(3), 'def')], [['chatter', 'abc'], ['packet', 'held.test'], ['chatter', 'def']]],
  ] as [string, Uint8Array[], string[][]][])('%s', (_case, chunks, want) => {
    const input = joinBytes(chunks);
    for (const [name, core] of CORES) {
      const d = new Decoder({ backend: core });
      const events = [...chunks.flatMap((c) => d.push(c)), ...d.end()];
      expectAccounted(events, input);
      expect(what(events), name).toEqual(want);
      deepStrictEqual(shape(events), shape(decodeWith(core, input)), `${name}: chunked events differ from whole-buffer`);
    }
  });

  it('a run of 0xB3 in many small chunks: at most one chatter event per chunk, plus one at the end; each byte scanned a bounded number of times', () => {
    const input = cat('A', new Uint8Array(30_000).fill(0xb3), 'z');
    const next = rng(17);
    const sizes = randomChunks(input.length, next, 7);
    for (const [name, core] of CORES) {
      let scanned = 0;
      // the core, counting the bytes each scan call is given
      const counting = new Proxy(core, {
        get(target, key) {
          if (key === 'scan') {
            return (window: Uint8Array, from: number, eof: boolean, ctx: number, ctxLen: number) => {
              scanned += window.length - from;
              return target.scan(window, from, eof, ctx, ctxLen);
            };
          }
          const v = Reflect.get(target, key, target);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
      const events = decodeWith(counting, input, sizes);
      expectAccounted(events, input);
      expect(events.every((e) => e.source === 'chatter'), name).toBe(true);
      expect(events.length, name).toBeLessThanOrEqual(sizes.length + 1);
      expect(scanned, name).toBeLessThanOrEqual(4 * input.length);
    }
  });
});

/** How many pushes decodeWith makes of `len` bytes cut at `sizes` (the rest is one more). */
function chunkCount(len: number, sizes: number[]): number {
  let at = 0;
  let chunks = 0;
  for (const s of sizes) {
    if (at >= len) break;
    at += s;
    chunks++;
  }
  return at < len ? chunks + 1 : chunks;
}
