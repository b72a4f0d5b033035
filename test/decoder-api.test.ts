import { describe, expect, it } from 'vitest';
import { Decoder, encode } from '../bindings/index.js';

describe('Decoder public surface', () => {
  it('exposes push, pushBatches, end and buffered, not the chunked-pass machinery', () => {
    const d = new Decoder({ backend: 'js' });
    for (const name of ['passes', 'fillArea', 'filled', 'batches', 'pushItems', 'pushLazily', 'endItems', 'step'])
      expect(name in d, name).toBe(false);
    const bytes = encode({ testId: 't', status: 'success' });
    expect(d.push(bytes.subarray(0, 5))).toEqual([]);
    expect(d.buffered).toBe(5);
    expect([...d.pushBatches(bytes.subarray(5))].flat().map((e) => e.testId)).toEqual(['t']);
    expect(d.end()).toEqual([]);
  });
});
