// Issue 20's shortcuts keep what they skip: tags shared between packets only
// when their bytes are equal, json lines equal to JSON.stringify(eventToJSON),
// unfinished tests in order of first event across route codes; json lines
// written from the core's records equal to eventToJsonLine's.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { encode, concat, decodeAll, eventToJSON, eventToJsonLine, TestResults, Timestamp, type EventInit } from '../bindings/index.js';
import { JsonLines } from '../cli/jsonlines.js';
import { Decoder } from '../bindings/index.js';
import { coreFor, init } from '../bindings/codec/backend.js';
import { F_TIMESTAMP } from '../assembly/layout.js';
import { raw } from './helpers.js';

const decodeBoth = (events: EventInit[]) =>
  (['wasm', 'js'] as const).map((backend) => decodeAll(concat(events.map((e) => encode(e))), { backend }));

describe('shortcuts of issue 20', () => {
  it('tags of the same length but other bytes are read afresh; equal bytes give equal tags', () => {
    const sent: EventInit[] = [
      { testId: 'a', tags: ['x', 'yy'] },
      { testId: 'a', tags: ['x', 'zz'] },
      { testId: 'a', tags: ['xy', 'z'] },
      { testId: 'a', tags: ['xy', 'z'] },
      { testId: 'a', tags: ['é', 'worker-1'] },
    ];
    for (const events of decodeBoth(sent)) expect(events.map((e) => e.tags)).toEqual(sent.map((e) => e.tags));
  });

  it('a json line is JSON.stringify(eventToJSON(e)) for every field and odd strings', () => {
    const sent: EventInit[] = [
      { testId: 'q"\\\n\u0001\u2028é', status: 'fail', tags: ['a"b'], mimeType: 'text/plain', fileName: 'tb', fileBytes: new Uint8Array([0, 255, 1, 2]), eof: true, routeCode: 'r/0', timestamp: new Timestamp(1_700_000_000, 5) },
      { testId: 'b', runnable: false, fileName: 'empty', timestamp: new Timestamp(1_700_000_000, 999_999_999) },
      { fileName: 'stdout', fileBytes: new Uint8Array([104, 105]), timestamp: new Timestamp(1_700_000_001, 0) },
      { status: 'success' },
    ];
    for (const events of decodeBoth(sent)) for (const e of events) expect(eventToJsonLine(e)).toBe(JSON.stringify(eventToJSON(e)));
  });

  it('tests left unfinished come out in order of first event across route codes', () => {
    const sent: EventInit[] = [
      { testId: 't1', routeCode: '1', status: 'inprogress' },
      { testId: 't2', status: 'inprogress' },
      { testId: 't3', routeCode: '0', status: 'inprogress' },
      { testId: 't4', routeCode: '1', status: 'inprogress' },
      { testId: 't5', routeCode: '', status: 'inprogress' },
    ];
    for (const events of decodeBoth(sent)) {
      const results = new TestResults();
      for (const e of events) results.add(e);
      expect(results.pending).toBe(5);
      expect(results.end().map((r) => r.id)).toEqual(['t1', 't2', 't3', 't4', 't5']);
      expect(results.pending).toBe(0);
    }
  });
});

describe('subunit json writes bytes straight from the records', () => {
  const fixtures = new URL('../fixtures/', import.meta.url).pathname;
  const odd: EventInit[] = [
    { testId: 'q"\\\n\u0001\u2028é\u007f😀', status: 'fail', tags: ['a"b', 'ü', ''], mimeType: 'text/plain; charset="utf8"', fileName: 'tb\t', fileBytes: new Uint8Array([0, 255, 1, 2]), eof: true, routeCode: 'r/0', timestamp: new Timestamp(1_700_000_000, 5) },
    { testId: '', runnable: false, fileName: '', tags: [], timestamp: new Timestamp(0, 999_999_999) },
    { fileName: 'stdout', fileBytes: new Uint8Array([104, 105]), timestamp: new Timestamp(4_294_967_295, 0) },
    { status: 'success', testId: 'x'.repeat(300), tags: ['t'.repeat(70), 'worker-1'], routeCode: '\\' },
    { testId: 'day', timestamp: new Timestamp(951_782_399, 1) }, // 2000-02-28T23:59:59
    { testId: 'day', timestamp: new Timestamp(951_868_800, 123_456_789) }, // 2000-03-01T00:00:00
    // the stamp kept per second: the same second again, then the next of the same day
    { testId: 'day', timestamp: new Timestamp(951_868_800, 7) },
    { testId: 'day', timestamp: new Timestamp(951_872_461, 0) }, // 01:01:01
    // strings go four bytes at a time until a byte needs a look: one at every place in and past the first words
    ...['"', '\\', '\u0001', '\u001f', '\u007f', 'é', ' ', '~'].flatMap((odd) =>
      [0, 1, 2, 3, 4, 5, 7, 8, 9].map((at): EventInit => ({ testId: `${'abcdefghij'.slice(0, at)}${odd}xyzw`, tags: [`${'t'.repeat(at)}${odd}`], routeCode: `${odd}${'r'.repeat(at)}` })),
    ),
  ];
  // nanoseconds of a second or more (the wire allows up to 2^30 - 1): they carry into the seconds
  const carried = raw(0x2000 | F_TIMESTAMP, [0x65, 0x53, 0xf1, 0x00, 0xfb, 0x9a, 0xca, 0x05]);
  // the tags text is reused per core value id within a call: sets of equal length that differ, ones that need
  // escaping, sets over 64 bytes (no id), and more distinct sets than the core numbers (192), repeated in turn
  const tagSets: string[][] = [['ab', 'cd'], ['ab', 'ce'], ['ba', 'cd'], ['a"', 'cd'], ['é', 'cd'], ['x'.repeat(70)], [],
    ...Array.from({ length: 260 }, (_, i) => [`w${i}`, 'same'])];
  const tagged = Array.from({ length: 3 * tagSets.length }, (_, i): EventInit => ({ testId: `t${i}`, status: 'success', tags: tagSets[(i * 7) % tagSets.length], routeCode: i % 2 ? '0' : undefined }));
  // lines are copied from an earlier line of the call with the same flags, tag set and route code: every
  // combination of statuses, runnable, eof, timestamps, tags and more route codes than the core numbers (192)
  const statuses = [undefined, 'exists', 'inprogress', 'success', 'uxsuccess', 'skip', 'fail', 'xfail'] as const;
  const templated = Array.from({ length: 2400 }, (_, i): EventInit => ({
    testId: i % 11 ? `pkg.T${i % 97}.test_${i}` : undefined,
    status: statuses[i % 8],
    runnable: i % 3 !== 0,
    eof: i % 5 === 0,
    tags: i % 4 ? [`worker-${i % 13}`] : undefined,
    routeCode: i % 6 ? `${i % 250}/${i % 7}` : undefined,
    timestamp: i % 9 ? new Timestamp(1_700_000_000 + (i >> 4), (i * 7919) % 1e9) : undefined,
  }));
  const streams: [string, Uint8Array][] = [
    ['tag sets', concat(tagged.map((e) => encode(e)))],
    ['line templates', concat(templated.map((e) => encode(e)))],
    ['odd strings', concat([...odd.map((e) => encode(e)), carried, new TextEncoder().encode('chatter ü over the edge\n'), encode({ testId: 'last' })])],
    ...readdirSync(fixtures)
      .filter((f) => f.endsWith('.subunit'))
      .map((f): [string, Uint8Array] => [f, new Uint8Array(readFileSync(fixtures + f))]),
  ];

  /** The lines of `bytes` fed in pieces of `size`, each piece in the same reused buffer (the lines must not view it). */
  function lines(bytes: Uint8Array, size: number, backend: 'wasm' | 'js'): string {
    const pass = new JsonLines(coreFor(backend), Buffer.alloc(16)); // grows as it goes
    const piece = new Uint8Array(size);
    const out: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += size) {
      const n = Math.min(size, bytes.length - at);
      piece.set(bytes.subarray(at, at + n));
      for (const _ of pass.push(piece.subarray(0, n))) if (pass.at > 100) out.push(Buffer.from(pass.take()));
      out.push(Buffer.from(pass.take()));
    }
    pass.end();
    out.push(Buffer.from(pass.take()));
    return Buffer.concat(out).toString('utf8');
  }

  /** eventToJsonLine of the events the decoder gives for the same pieces. */
  function expected(bytes: Uint8Array, size: number, backend: 'wasm' | 'js'): string {
    const decoder = new Decoder({ backend });
    const events = [];
    for (let at = 0; at < bytes.length; at += size) events.push(...decoder.push(bytes.slice(at, at + size)));
    events.push(...decoder.end());
    return events.map((e) => eventToJsonLine(e) + '\n').join('');
  }

  it('its lines are eventToJsonLine\'s for odd strings and every fixture, in pieces of 1, 7, 64 KiB and whole, both backends', { timeout: 120_000 }, async () => {
    await init('wasm');
    let timestamps = 0;
    for (const [name, bytes] of streams) {
      for (const backend of ['wasm', 'js'] as const) {
        // 1- and 7-byte pieces of the three large fixtures (1–4 MB) take minutes: 4099 there
        const small = bytes.length <= 32768 ? [1, 7] : [4099];
        for (const size of [...small, 65536, Math.max(bytes.length, 1)]) {
          const want = expected(bytes, size, backend);
          expect(lines(bytes, size, backend), `${name}, ${backend}, pieces of ${size}`).toBe(want);
          if (name === 'odd strings') timestamps += want.split('"timestamp"').length - 1;
        }
      }
    }
    expect(timestamps).toBeGreaterThan(0);
    // the carried nanoseconds: 1_700_000_000 s and 1_000_000_005 ns is a second later and 5 ns
    expect(expected(carried, carried.length, 'js')).toContain('"timestamp":"2023-11-14T22:13:21.000000005Z"');
  });
});
