// Streams written by python-subunit come back byte for byte through
// decode → (JSON Lines) → encode, on both backends.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CORES, decodeWith, fixtureBytes, fixtures } from './helpers.js';
import { Encoder, Decoder, eventFromJsonLine, eventToJsonLine, decodeAll, fromBase64, Timestamp, InputError, SubunitError, type EventInit } from '../bindings/index.js';

// fixtures of packets only, all written by the reference encoder
const pure = fixtures().filter((f) => f.kind === 'clean' || f.kind === 'real-run').map((f) => f.name);

describe.each(CORES)('round trip (%s)', (_n, core) => {
  const encoder = new Encoder({ backend: core });
  it.each(pure)('%s: events → packets gives the identical bytes', (name) => {
    const input = fixtureBytes(name);
    const events = decodeWith(core, input);
    expect(events.every((e) => e.source === 'packet')).toBe(true);
    expect(Buffer.from(encoder.encodeAll(events)).equals(Buffer.from(input))).toBe(true);
  });

  it.each(pure)('%s: through JSON Lines too', (name) => {
    const input = fixtureBytes(name);
    const lines = decodeWith(core, input).map(eventToJsonLine);
    expect(Buffer.from(encoder.encodeAll(lines.map(eventFromJsonLine))).equals(Buffer.from(input))).toBe(true);
  });
});

describe('random events survive encode → decode → JSON → encode', () => {
  const s = fc.string({ maxLength: 20 }).filter((x) => !x.includes('\0'));
  const ev: fc.Arbitrary<EventInit> = fc.record(
    {
      testId: s, status: fc.constantFrom('exists', 'inprogress', 'success', 'uxsuccess', 'skip', 'fail', 'xfail'),
      tags: fc.array(s, { minLength: 1, maxLength: 4 }), runnable: fc.boolean(), mimeType: s.filter((x) => x !== ''), fileName: s,
      fileBytes: fc.uint8Array({ maxLength: 300 }), eof: fc.boolean(), routeCode: s,
      timestamp: fc.tuple(fc.nat(0xffffffff), fc.nat(999999999)).map(([a, b]) => new Timestamp(a, b)),
    },
    { requiredKeys: [] },
  );
  it('identical bytes and JSON on both backends', () => {
    const wasm = new Encoder({ backend: 'wasm' });
    const js = new Encoder({ backend: 'js' });
    fc.assert(
      fc.property(fc.array(ev, { maxLength: 10 }), (events) => {
        const bytes = wasm.encodeAll(events);
        expect(Buffer.from(js.encodeAll(events)).equals(Buffer.from(bytes))).toBe(true);
        const lines = decodeAll(bytes).map(eventToJsonLine);
        expect(lines.length).toBe(events.length);
        expect(Buffer.from(wasm.encodeAll(lines.map(eventFromJsonLine))).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});

describe('JSON Lines input is checked', () => {
  it.each([
    ['[]', /not a JSON object/],
    ['{"status":"passed"}', /status/],
    ['{"tags":"a"}', /tags/],
    ['{"fileBytes":"AA=="}', /without "fileName"/],
    ['{"fileName":"x","fileBytes":"A"}', /base64/],
    ['{"timestamp":"yesterday"}', /timestamp/],
    ['{"testid":"x"}', /unknown key/],
    ['{"runnable":"yes"}', /runnable/],
    ['{"testId":', /^not JSON \(/],
  ])('%s', (line, message) => {
    expect(() => eventFromJsonLine(line)).toThrow(message);
    expect(() => eventFromJsonLine(line)).toThrow(InputError); // typed, as every error of the package
  });
});

describe('library errors are typed', () => {
  it('push() after end(), bad base64, a bad timestamp, an unknown backend', () => {
    const d = new Decoder();
    d.end();
    expect(() => d.push(new Uint8Array(1))).toThrow(SubunitError);
    expect(() => d.push(new Uint8Array(1))).toThrow(/^push\(\) after end\(\)/);
    expect(() => fromBase64('AA$=')).toThrow(InputError);
    try {
      fromBase64('AA$=');
    } catch (e) {
      expect((e as InputError).position).toBe(2);
    }
    expect(() => Timestamp.parse('yesterday')).toThrow(InputError);
    expect(() => new Decoder({ backend: 'gpu' as never })).toThrow(SubunitError);
  });
});
