// Both backends against the reference decoder's events on every fixture
// (fixtures/*.ref.jsonl, written by python-subunit via scripts/ref_events.py).
import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { CORES, FIXTURES, decodeWith, fixtureBytes, fixtures, normalize, refEvents, cat, raw, brief, joined, type Brief } from './helpers.js';
import { expectAccounted } from './invariants.js';
import { eventToJsonLine, decode, decodeAll, decodeStream, encode, Decoder, EncodeError, Timestamp, type SubunitEvent } from '../bindings/index.js';

type Json = Record<string, unknown>;

/** The reference keeps microseconds (nanos / 1000, half to even); compare at that resolution. */
function atMicroseconds(e: Json): Json {
  if (typeof e.timestamp !== 'string') return e;
  const m = /^(.*\.)(\d{6})(\d{3})Z$/.exec(e.timestamp)!;
  let us = Number(m[2]);
  const rest = Number(m[3]);
  if (rest > 500 || (rest === 500 && us % 2 === 1)) us++;
  if (us < 1e6) return { ...e, timestamp: `${m[1]}${String(us).padStart(6, '0')}000Z` };
  const d = new Date(Date.parse(m[1].slice(0, -1) + 'Z') + 1000);
  return { ...e, timestamp: d.toISOString().slice(0, 19) + '.000000000Z' };
}

const key = (e: Json) => JSON.stringify(atMicroseconds(e), Object.keys(e).sort());
const isTestEvent = (e: Json) => typeof e.testId === 'string' && e.testId !== 'subunit.parser';

/** Reference test events that do not appear, in order, among ours. */
function missingFromOurs(ref: Json[], ours: Json[]): string[] {
  const mine = ours.filter(isTestEvent).map(key);
  const missing: string[] = [];
  let at = 0;
  for (const e of ref.filter(isTestEvent)) {
    const k = key(e);
    const found = mine.indexOf(k, at);
    if (found < 0) missing.push(`${e.testId} ${e.status ?? ''}`.trim());
    else at = found + 1;
  }
  return missing;
}

// Where we deliberately differ from python-subunit (README, "Differences from
// python-subunit"): the reference test events we do not report, per fixture.
const DEVIATIONS: Record<string, string[]> = {
  // version nibble other than 2, or reserved bit 3 set: not packets for us
  'damaged-version-bits': ['pkg.version.v0 success', 'pkg.version.v1 success', 'pkg.version.v3 success', 'pkg.version.v15 success', 'pkg.version fail', 'pkg.version success'],
  // bytes between the last field and the CRC: a damaged packet for us
  'nonminimal-encodings': ['pkg.trailing success'],
};

const all = fixtures();

describe('fixtures', () => {
  it('cover every kind the conformance suite needs', () => {
    const kinds = new Set(all.map((f) => f.kind));
    expect([...kinds].sort()).toEqual(['chatter', 'clean', 'damaged', 'real-run']);
    for (const f of all) expect(existsSync(`${FIXTURES}${f.name}.ref.jsonl`)).toBe(true);
  });
});

describe.each(CORES)('conformance (%s)', (_name, core) => {
  describe.each(all.filter((f) => f.kind !== 'damaged'))('$name ($kind)', ({ name }) => {
    it('gives exactly the events python-subunit reports', () => {
      const ours = normalize(decodeWith(core, fixtureBytes(name)), { sortTags: true });
      expect(ours).toEqual(normalize(refEvents(name), { sortTags: true }));
    });
  });

  describe.each(all.filter((f) => f.kind === 'damaged'))('$name (damaged)', ({ name }) => {
    const ours = decodeWith(core, fixtureBytes(name));
    it('reports every test event python-subunit reports, in order, except the documented differences', () => {
      expect(missingFromOurs(refEvents(name), normalize(ours, { sortTags: true }))).toEqual(DEVIATIONS[name] ?? []);
    });
    it('matches its checked-in expected events (our contract, reviewed)', () => {
      const expected = readFileSync(`${FIXTURES}${name}.expected.jsonl`, 'utf8');
      expect(ours.map((e) => eventToJsonLine(e) + '\n').join('')).toBe(expected);
    });
  });

  // decode() makes its events one by one (not through Decoder's batches): the same events, offsets included
  it.each(all.map((f) => f.name))('decode() gives what the push decoder gives: %s', (name) => {
    const line = (e: SubunitEvent) => `${e.source} ${e.offset} ${e.length} ${eventToJsonLine(e)}`;
    const bytes = fixtureBytes(name);
    expect([...decode(bytes, { backend: core })].map(line)).toEqual(decodeWith(core, bytes).map(line));
  });
});

// Bugs the Rust `subunit` crate fixed in 2025–26, as vectors: each runs on
// every core whole, split at every byte, a byte at a time with an empty push
// before each byte (so the first push is empty), and through decode().
describe.each(CORES)('regression vectors from other implementations (%s)', (_name, core) => {
  const A = encode({ testId: 'a', status: 'success' }, { backend: 'js' });
  const B = encode({ testId: 'b', status: 'fail', tags: ['x'] }, { backend: 'js' });
  const C = encode({ testId: 'c', fileName: 'log', fileBytes: new Uint8Array(40).fill(0x6c) }, { backend: 'js' });
  const EMPTY = new Uint8Array(0);

  function holds(input: Uint8Array, expected: Brief[]): SubunitEvent[] {
    const whole = decodeWith(core, input);
    expect(brief(whole)).toEqual(expected);
    expectAccounted(whole, input);
    for (let cut = 0; cut <= input.length; cut++) expect(joined(brief(decodeWith(core, input, [cut]))), `split at ${cut}`).toEqual(joined(expected));
    const emptyFirst = decodeWith(core, input, Array.from({ length: 2 * input.length }, (_, i) => i % 2));
    expect(joined(brief(emptyFirst)), 'a byte at a time, each after an empty push').toEqual(joined(expected));
    expectAccounted(emptyFirst, input);
    expect(brief([...decode(input, { backend: core })])).toEqual(expected);
    return whole;
  }

  it('bounds checked against the whole buffer skipped events: every packet after the first is decoded, a truncated last one waits', () => {
    const cut = C.subarray(0, C.length - 3); // claims fewer bytes than the buffer holds, more than are left after it
    const input = cat('x'.repeat(20), A, B, cut);
    expect(cut[3] + 0).toBeLessThan(input.length);
    const at = 20 + A.length + B.length;
    holds(input, [['chatter', 'x'.repeat(20), 0, 20], ['packet', 'a', 20, A.length], ['packet', 'b', 20 + A.length, B.length], ['error', 'data', at, cut.length], ['error', 'Truncated', at, 0]]);
    const d = new Decoder({ backend: core });
    expect(brief(d.push(input)).map((b) => b[1])).toEqual(['x'.repeat(20), 'a', 'b']);
    expect(d.buffered).toBe(cut.length);
    expect(brief(d.end()).map((b) => b[1])).toEqual(['data', 'Truncated']);
  });

  it('a buffer that starts empty: nothing is lost', async () => {
    holds(cat(A, B), [['packet', 'a', 0, A.length], ['packet', 'b', A.length, B.length]]);
    const d = new Decoder({ backend: core });
    expect(d.push(EMPTY)).toEqual([]);
    expect(d.push(EMPTY)).toEqual([]);
    expect(brief(d.push(cat(A, B))).map((b) => b[1])).toEqual(['a', 'b']);
    expect(d.end()).toEqual([]);
    const batches: SubunitEvent[][] = [];
    for await (const batch of decodeStream([EMPTY, A, EMPTY, B, EMPTY], { backend: core })) batches.push(batch);
    expect(batches.flat().map((e) => e.testId)).toEqual(['a', 'b']);
    expect(decodeAll(EMPTY, { backend: core })).toEqual([]);
  });

  it('non-subunit bytes end (no loop): all of them chatter', () => {
    const junk = cat('not subunit at all\n', [0xb3, 0x00, 0xb3, 0xff, 0xff, 0xb3, 0x2f, 0x08, 0xb3, 0x20, 0x00, 0xc0, 0, 0, 0, 0x00, 0xff, 0xb3]);
    holds(junk, [['chatter', new TextDecoder('latin1').decode(junk), 0, junk.length]]);
  });

  it('invalid UTF-8 in interleaved output comes out as the raw bytes', () => {
    const bad = [0xff, 0xfe, 0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0xe2, 0x82, 0x0a];
    const input = cat(A, bad, B);
    const events = holds(input, [['packet', 'a', 0, A.length], ['chatter', new TextDecoder('latin1').decode(Uint8Array.from(bad)), A.length, bad.length], ['packet', 'b', A.length + bad.length, B.length]]);
    expect([...events[1].fileBytes!]).toEqual(bad);
    expect(JSON.parse(eventToJsonLine(events[1])).fileBytes).toBe(Buffer.from(bad).toString('base64'));
  });

  it('timestamps up to 2106-02-07 decode as unsigned seconds; later ones are refused by the encoder', () => {
    // seconds 2^31 (2038) and 2^32-1 (the last second the format holds), nanos in the 4-byte varint form
    const y2038 = raw(0x2a03, [0x80, 0, 0, 0, 0, 1, 0x74]);
    const y2106 = raw(0x2a03, [0xff, 0xff, 0xff, 0xff, 0xfb, 0x9a, 0xc9, 0xff, 1, 0x75]);
    const events = holds(cat(y2038, y2106), [['packet', 't', 0, y2038.length], ['packet', 'u', y2038.length, y2106.length]]);
    expect(events.map((e) => e.timestamp!.toISOString())).toEqual(['2038-01-19T03:14:08.000000000Z', '2106-02-07T06:28:15.999999999Z']);
    expect(decodeAll(encode({ testId: 'u', timestamp: Timestamp.parse('2106-02-07T06:28:15.999999999Z') }), { backend: core })[0].timestamp!.seconds).toBe(0xffffffff);
    expect(() => encode({ testId: 'v', timestamp: Timestamp.parse('2106-02-07T06:28:16Z') })).toThrow(EncodeError);
    expect(() => encode({ testId: 'v', timestamp: Timestamp.parse('1969-12-31T23:59:59Z') })).toThrow(EncodeError);
  });

  it('a packet length shorter than header + CRC is text, in every length form', () => {
    const short = [
      ...[0, 1, 5, 6, 7].map((l) => [0xb3, 0x20, 0x00, l]), // 1-byte form: header 4 + CRC 4 = 8
      ...[0, 7, 8].map((l) => [0xb3, 0x20, 0x00, 0x40, l]), // 2-byte form: 9
      ...[0, 9].map((l) => [0xb3, 0x20, 0x00, 0x80, 0x00, l]), // 3-byte form: 10
    ];
    for (const header of short) holds(cat(header, B), [['chatter', new TextDecoder('latin1').decode(Uint8Array.from(header)), 0, header.length], ['packet', 'b', header.length, B.length]]);
    // exactly header + CRC: a valid packet without fields
    const bare = raw(0x2000, []);
    expect(bare.length).toBe(8);
    holds(cat(bare, B), [['packet', '', 0, 8], ['packet', 'b', 8, B.length]]);
  });
});
