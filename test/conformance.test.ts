// Both backends against the reference decoder's events on every fixture
// (fixtures/*.ref.jsonl, written by python-subunit via scripts/ref_events.py).
import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { CORES, FIXTURES, decodeWith, fixtureBytes, fixtures, normalize, refEvents } from './helpers.js';
import { eventToJsonLine, decode, type SubunitEvent } from '../bindings/index.js';

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
