// cli/format.ts: the formatting the python-subunit tools' outputs are compared on.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Timestamp } from '../bindings/index.js';
import { fixed3Into, integerInto, micros, printableInto, pyDatetime, pyDatetimeInto, pySeconds, secondsFixed3, sixInto } from '../cli/format.js';

/** str(datetime) by way of a Date per call: what pyDatetime must give. */
function slowDatetime(t: Timestamp): string {
  const us = micros(t);
  const s = Math.floor(us / 1e6);
  const frac = us - s * 1e6;
  const text = new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return frac ? `${text}.${String(frac).padStart(6, '0')}+00:00` : `${text}+00:00`;
}

describe('pyDatetime', () => {
  it('matches a Date per call for any u32 second and nanosecond, in any order', () => {
    const stamp = fc.record({ seconds: fc.nat({ max: 0xffffffff }), nanos: fc.integer({ min: 0, max: 999_999_999 }) });
    // near neighbours too: the same second, day and minute as the last call
    const near = fc.tuple(stamp, fc.integer({ min: -90_000, max: 90_000 }), fc.constantFrom(0, 499, 500, 501, 999_999_500));
    fc.assert(
      fc.property(fc.array(near, { maxLength: 30 }), (stamps) => {
        for (const [a, step, nanos] of stamps) {
          for (const t of [new Timestamp(a.seconds, a.nanos), new Timestamp(Math.max(0, Math.min(0xffffffff, a.seconds + step)), nanos)]) {
            expect(pyDatetime(t)).toBe(slowDatetime(t));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('secondsFixed3', () => {
  it('is pySeconds(us).toFixed(3) for any span: ties, carries, negatives, huge', () => {
    const us = fc.oneof(
      fc.integer({ min: -5e9, max: 5e9 }),
      fc.integer({ min: -1e6, max: 1e7 }).map((n) => n - (n % 1000) + 500), // ties
      fc.integer({ min: 0, max: 1e7 }).map((n) => n - (n % 1000) + 999), // carries
      fc.maxSafeInteger(),
    );
    fc.assert(fc.property(us, (n) => secondsFixed3(n) === pySeconds(n).toFixed(3)), { numRuns: 20_000 });
    for (const n of [0, 499, 500, 501, 999_499, 999_500, 999_501, 1_000_000, -500, -1, 2 ** 53 - 1]) expect(secondsFixed3(n)).toBe(pySeconds(n).toFixed(3));
  });

  it('fixed3Into writes its bytes: negatives (sign, "-0.000", carries) too', () => {
    const buf = Buffer.alloc(64);
    const into = (n: number) => buf.toString('latin1', 5, fixed3Into(buf, 5, n));
    const us = fc.oneof(
      fc.integer({ min: -5e9, max: 5e9 }),
      fc.integer({ min: -1e7, max: 1e7 }).map((n) => n - (n % 1000) + 500), // ties
      fc.integer({ min: -1e7, max: 1e7 }).map((n) => n - (n % 1000) + 999), // carries
      fc.integer({ min: -1e7, max: 1e7 }).map((n) => n - (n % 1000) - 999),
      fc.integer({ min: -2e15, max: 2e15 }), // past 1e9 seconds: toFixed's text
      fc.maxSafeInteger(),
    );
    fc.assert(fc.property(us, (n) => into(n) === secondsFixed3(n)), { numRuns: 20_000 });
    for (const n of [0, 1, 499, 500, 501, 999_499, 999_500, 999_501, 1_000_000, -1, -499, -500, -501, -999_500, -999_501, -1_000_000, 2 ** 53 - 1, -(2 ** 53 - 1)])
      expect(into(n)).toBe(secondsFixed3(n));
    expect(into(-1)).toBe('-0.000');
    expect(into(-999_501)).toBe('-1.000');
  });
});

describe('the bytes writers', () => {
  const buf = Buffer.alloc(256);
  const written = (end: number, from = 3) => Buffer.from(buf.subarray(from, end)).toString('latin1');

  it('pyDatetimeInto writes pyDatetime\'s text for any u32 second and nanosecond', () => {
    const stamp = fc.record({ seconds: fc.nat({ max: 0xffffffff }), nanos: fc.constantFrom(0, 499, 500, 999_999_500, 123_456_789) });
    fc.assert(
      fc.property(fc.array(stamp, { maxLength: 20 }), (stamps) => {
        for (const { seconds, nanos } of stamps) {
          const t = new Timestamp(seconds, nanos);
          expect(written(pyDatetimeInto(buf, 3, t))).toBe(pyDatetime(t));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('integerInto is String(n) for whole numbers; sixInto pads to six digits', () => {
    const n = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -100, max: 100 }));
    fc.assert(fc.property(n, (k) => written(integerInto(buf, 3, k)) === String(k)), { numRuns: 5_000 });
    for (const k of [0, 9, 10, -1, -10, 2 ** 53 - 1, -(2 ** 53 - 1)]) expect(written(integerInto(buf, 3, k))).toBe(String(k));
    for (const k of [0, 7, 123_456, 999_999, 50_000]) expect(written(sixInto(buf, 3, k))).toBe(String(k).padStart(6, '0'));
  });

  it('printableInto copies printable ASCII and refuses anything else, or the characters it is told to', () => {
    expect(written(printableInto(buf, 3, 'a.b[1] ~'))).toBe('a.b[1] ~');
    expect(printableInto(buf, 3, '')).toBe(3);
    for (const s of ['é', 'a\x07', 'tab\t', '\x7f', '\u2028', '😀']) expect(printableInto(buf, 3, s)).toBe(-1);
    expect(printableInto(buf, 3, 'a,b', 0x22, 0x2c)).toBe(-1);
    expect(printableInto(buf, 3, 'a"b', 0x22, 0x2c)).toBe(-1);
    expect(printableInto(buf, 3, 'a"b')).toBe(6);
    // past 40 characters: copied natively, then looked at
    const long = 'pkg.mod.Test.test_x'.repeat(3);
    expect(written(printableInto(buf, 3, long))).toBe(long);
    for (const s of [long + 'é', 'é' + long, long + '\x07', long + '\ud800', '\u0141' + long]) expect(printableInto(buf, 3, s)).toBe(-1);
    expect(printableInto(buf, 3, long + ',', 0x22, 0x2c)).toBe(-1);
  });
});
