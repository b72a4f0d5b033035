// python-subunit decodes what we encode (runs where /usr/bin/python3 has
// python-subunit; npm test installs it (scripts/test-deps.sh), so CI always runs this suite).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { PYTHON, hasReference, normalize } from './helpers.js';
import { Encoder, decodeAll, Timestamp, STATUSES, type EventInit } from '../bindings/index.js';

const SCRIPT = new URL('../scripts/ref_events.py', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'subunit-ref-'));

function reference(bytes: Uint8Array): Record<string, unknown>[] {
  const f = join(tmp, 'stream.subunit');
  writeFileSync(f, bytes);
  return execFileSync(PYTHON, [SCRIPT, f], { maxBuffer: 1 << 28 }).toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const s = fc.string({ maxLength: 16, unit: 'grapheme' }).filter((x) => !x.includes('\0'));
const event: fc.Arbitrary<EventInit> = fc.record(
  {
    testId: s, status: fc.constantFrom(...STATUSES), tags: fc.array(s, { maxLength: 3 }), runnable: fc.boolean(),
    mimeType: s, fileName: s, fileBytes: fc.uint8Array({ maxLength: 200 }), eof: fc.boolean(), routeCode: s,
    // the reference keeps microseconds: give it timestamps it can represent exactly
    timestamp: fc.tuple(fc.nat(0xfffffffe), fc.nat(999999)).map(([a, us]) => new Timestamp(a, us * 1000)),
  },
  { requiredKeys: [] },
);

describe.runIf(hasReference)('python-subunit decodes our encoder output', () => {
  it.each(['wasm', 'js'] as const)('random events (%s encoder)', (backend) => {
    const encoder = new Encoder({ backend });
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 40 }), (events) => {
        const bytes = encoder.encodeAll(events);
        expect(normalize(reference(bytes), { sortTags: true })).toEqual(normalize(decodeAll(bytes), { sortTags: true }));
      }),
      { numRuns: 25, seed: 7 },
    );
  });

  it('a maximum-size packet (4194303 bytes)', () => {
    const big = new Uint8Array(4194289).map((_, i) => i * 31);
    const bytes = new Encoder().encodeAll([{ fileName: '', fileBytes: big }, { testId: 't', status: 'success' }]);
    expect(bytes.length).toBe(4194303 + 10);
    expect(normalize(reference(bytes))).toEqual(normalize(decodeAll(bytes)));
  });
});
