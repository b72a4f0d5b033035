// Streams built to make a rescanning decoder slow. They finish in seconds
// only because a CRC over any range is checked from checkpoints kept across
// pushes (a naive decoder would hash 4 MiB per fake header: about a terabyte
// for the first stream). Times are printed, not asserted; bench/ compares
// them with a clean stream.
import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { createHash } from 'node:crypto';
import { CORES, decodeWith, rng } from './helpers.js';
import { expectAccounted, shape } from './invariants.js';
import { encode, type SubunitEvent } from '../bindings/index.js';
import { HOSTILE } from '../bench/hostile.mjs';

// fake headers need more than one maximum packet, so that candidates complete and fail
const SIZES: Record<string, number> = { fakeHeaders: 4.25 * 1048576, denseSignatures: 1 << 20, crcFailsAtEnd: 6 << 20, tinyBetweenDamaged: 1 << 20 };
const streams = Object.entries(HOSTILE).map(([name, make]) => ({ name, input: make(SIZES[name], encode) as Uint8Array }));
/** Events compared by digest: a million-entry deep equality costs more than the decoding. */
const digest = (events: SubunitEvent[]) => createHash('sha256').update(JSON.stringify(shape(events))).digest('hex');

describe.each(streams)('adversarial stream $name', ({ name, input }) => {
  let reference: string | undefined;
  it.each(CORES)('%s: decodes every byte exactly once, chunked as whole', (coreName, core) => {
    const t = performance.now();
    const chunked = decodeWith(core, input, Array(Math.ceil(input.length / 65536)).fill(65536));
    const ms = performance.now() - t;
    expectAccounted(chunked, input);
    const got = digest(chunked);
    expect(got).toBe(digest(decodeWith(core, input)));
    if (reference) expect(got).toBe(reference);
    reference ??= got;
    console.log(`${name} ${coreName}: ${(input.length / 1048576).toFixed(0)} MiB in 64 KiB chunks, ${ms.toFixed(0)} ms, ${chunked.length} events`);
  });
});

it('tiny valid packets between damaged ones are all decoded', () => {
  const input = HOSTILE.tinyBetweenDamaged(1 << 20, encode);
  for (const [name, core] of CORES) {
    const ok = decodeWith(core, input, Array(16).fill(65536)).filter((e) => e.source === 'packet');
    expect(ok.length, name).toBeGreaterThan(10000);
    expect(ok.every((e) => e.testId === 'tests.unit.test_one' && e.routeCode === '3'), name).toBe(true);
  }
});

describe.each(CORES)('CRC checkpoints (%s)', (_n, core) => {
  it('a long damaged packet reports the CRC zlib computes', () => {
    const good = encode({ testId: 't', fileName: 'f', fileBytes: new Uint8Array(5000).map((_, i) => i) });
    const bad = good.slice();
    bad[2000] ^= 0x40;
    const input = new Uint8Array([...new TextEncoder().encode('x'.repeat(77)), ...bad]);
    for (const chunks of [undefined, [100, 3000, 1], Array(input.length).fill(1)]) {
      const err = decodeWith(core, input, chunks).find((e) => e.fileName === 'Parser Error')!;
      const want = crc32(bad.subarray(0, bad.length - 4)).toString(16);
      expect(new TextDecoder().decode(err.fileBytes)).toMatch(new RegExp(`^Bad checksum - calculated \\(0x${want}\\)`));
    }
  });

  it('valid packets fed a byte at a time after a damaged one still validate (checkpoints follow appended bytes)', () => {
    const a = encode({ testId: 'a', fileName: 'f', fileBytes: new Uint8Array(3000).fill(7) }).slice();
    a[1500] ^= 1;
    const b = encode({ testId: 'b', status: 'success', fileName: 'g', fileBytes: new Uint8Array(3000).fill(9) });
    const input = new Uint8Array([...a, ...b, ...b]);
    const events = decodeWith(core, input, Array(input.length).fill(1));
    expect(events.filter((e) => e.source === 'packet').map((e) => e.testId)).toEqual(['b', 'b']);
  });
});

describe.each(CORES)('hostile text in pipe-sized chunks (%s)', (_n, core) => {
  // what a pipe delivers: 64 KiB reads. A run that is text whole stays about
  // one chatter event per read, however its bytes keep a candidate undecided
  const B3 = new Uint8Array(2_000_000).fill(0xb3);
  const next = rng(17);
  // non-subunit bytes with many 0xB3s, none starting a plausible header (a loop on them must end)
  const junk = new Uint8Array(1 << 20).map(() => (next() < 0.3 ? 0xb3 : 0x30 + Math.floor(next() * 0x50)));
  it.each([
    ['2 MB of 0xB3', B3],
    ['1 MiB of 0xB3 among implausible bytes', junk],
  ])('%s', (_what, input) => {
    const reads = Math.ceil(input.length / 65536);
    const events = decodeWith(core, input, Array(reads).fill(65536));
    expectAccounted(events, input);
    expect(events.every((e) => e.source === 'chatter')).toBe(true);
    expect(events.length).toBeLessThanOrEqual(2 * reads);
    expect(decodeWith(core, input).length).toBe(1);
  });
});
