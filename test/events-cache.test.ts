// Decoded packets find their route codes, MIME types, file names and tag sets
// again by their bytes (events.ts, ByteCache): the values read must be the
// ones on the wire however the cache's sets collide, overflow or are keyed.
import { describe, expect, it } from 'vitest';
import { CORES, decodeWith, rng } from './helpers.js';
import { Encoder, type EventInit } from '../bindings/index.js';

const encoder = new Encoder({ backend: 'js' });

/** Values that stress a byte-keyed cache: many distinct, equal lengths differing in the middle, past its width, non-ASCII. */
function tricky(next: () => number, i: number): string {
  switch (i % 6) {
    case 0:
      return `w-${Math.floor(next() * 3000)}-end`; // ~3000 distinct values: more than the cache holds
    case 1:
      return `prefix-${String(Math.floor(next() * 100)).padStart(2, '0')}-the-same-ending-bytes`; // differ only in the middle
    case 2:
      return `${'long value past the width '.repeat(3)}${Math.floor(next() * 5)}`; // 80+ bytes
    case 3:
      return `ó/${Math.floor(next() * 4)}`; // non-ASCII
    case 4:
      return `${Math.floor(next() * 4)}/${Math.floor(next() * 4)}`;
    default:
      return '';
  }
}

function events(seed: number, n: number): EventInit[] {
  const next = rng(seed);
  const out: EventInit[] = [];
  for (let i = 0; i < n; i++) {
    const tags = Array.from({ length: 1 + (i % 3) }, (_, k) => tricky(next, i + k + 1) || 'x');
    out.push({
      testId: `t${i}`,
      status: 'success',
      tags,
      routeCode: tricky(next, i),
      ...(i % 4 === 0 ? { mimeType: tricky(next, i + 2) || 'text/plain', fileName: tricky(next, i + 3), fileBytes: new Uint8Array([i & 255]) } : {}),
    });
  }
  return out;
}

describe.each(CORES)('byte-keyed field cache (%s)', (_n, core) => {
  it('reads every route code, MIME type, file name and tag as written', () => {
    const want = events(20, 6000);
    const got = decodeWith(core, encoder.encodeAll(want));
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) {
      const [w, e] = [want[i], got[i]];
      expect([e.routeCode, e.mimeType, e.fileName, e.tags]).toEqual([w.routeCode, w.mimeType, w.fileName, w.tags]);
    }
  });

  it('packets with the same tag bytes share one frozen array', () => {
    const got = decodeWith(core, encoder.encodeAll([
      { testId: 'a', tags: ['worker-1', 'slow'] },
      { testId: 'b', tags: ['worker-2'] },
      { testId: 'c', tags: ['worker-1', 'slow'] },
    ]));
    expect(got[0].tags).toEqual(['worker-1', 'slow']);
    expect(got[2].tags).toBe(got[0].tags);
    expect(Object.isFrozen(got[0].tags)).toBe(true);
    expect(() => (got[0].tags as string[]).push('x')).toThrow(TypeError);
    expect(got[2].tags).toEqual(['worker-1', 'slow']);
  });

  it('a reused input buffer gives its new values (the cache keeps copies, not views)', () => {
    const bytes = encoder.encodeAll([{ testId: 't', routeCode: 'aa/1', tags: ['bb-1'], mimeType: 'text/cc', fileName: 'dd', fileBytes: new Uint8Array(1) }]);
    const first = decodeWith(core, bytes)[0];
    expect([first.routeCode, first.tags, first.mimeType, first.fileName]).toEqual(['aa/1', ['bb-1'], 'text/cc', 'dd']);
    const again = encoder.encodeAll([{ testId: 't', routeCode: 'aa/2', tags: ['bb-2'], mimeType: 'text/cx', fileName: 'dx', fileBytes: new Uint8Array(1) }]);
    expect(again.length).toBe(bytes.length);
    bytes.set(again);
    const second = decodeWith(core, bytes)[0];
    expect([second.routeCode, second.tags, second.mimeType, second.fileName]).toEqual(['aa/2', ['bb-2'], 'text/cx', 'dx']);
  });
});
