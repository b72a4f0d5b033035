// Decoded packets find their route codes, MIME types, file names and tag sets
// again by their bytes (events.ts, ByteCache), or by the wasm core's per-call
// value ids (R_VALUE_IDS): the values read must be the ones on the wire
// however the cache's sets collide, overflow or are keyed.
import { describe, expect, it } from 'vitest';
import { CORES, decodeWith, rng } from './helpers.js';
import { Encoder, eventToJSON, type EventInit } from '../bindings/index.js';
import {
  RECORD_STRIDE, KIND_PACKET, R_KIND, R_FLAGS, R_TAGS_OFF, R_TAGS_COUNT, R_MIME_OFF, R_MIME_LEN, R_NAME_OFF, R_NAME_LEN,
  R_ROUTE_OFF, R_ROUTE_LEN, R_VALUE_IDS, S_NEXT, F_TAGS, F_MIME, F_FILE, F_ROUTE_CODE, VALUE_ID_MAX, VALUE_KEY_MAX,
} from '../assembly/layout.js';

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

/** The bytes a record's value id stands for, per field (tag set: from R_TAGS_OFF to the last tag's end), or null when absent. */
function idKeys(bytes: Uint8Array, rec: Int32Array, at: number): (string | null)[] {
  const flags = rec[at + R_FLAGS];
  const str = (off: number, len: number) => Buffer.from(bytes.subarray(off, off + len)).toString('latin1');
  let end = rec[at + R_TAGS_OFF];
  for (let i = 0; i < rec[at + R_TAGS_COUNT]; i++) {
    const w = (bytes[end] >> 6) + 1;
    let len = bytes[end] & 0x3f;
    for (let k = 1; k < w; k++) len = (len << 8) | bytes[end + k];
    end += w + len;
  }
  return [
    flags & F_TAGS ? str(rec[at + R_TAGS_OFF], end - rec[at + R_TAGS_OFF]) : null,
    flags & F_MIME ? str(rec[at + R_MIME_OFF], rec[at + R_MIME_LEN]) : null,
    flags & F_FILE ? str(rec[at + R_NAME_OFF], rec[at + R_NAME_LEN]) : null,
    flags & F_ROUTE_CODE ? str(rec[at + R_ROUTE_OFF], rec[at + R_ROUTE_LEN]) : null,
  ];
}

describe.each(CORES.filter(([name]) => name !== 'js'))('value ids (%s, SCAN_VALUE_IDS)', (_n, core) => {
  const bytes = encoder.encodeAll(events(21, 6000));

  it('give packets of one call the same id exactly when their field bytes are the same', () => {
    let pos = 0;
    let calls = 0;
    let withId = 0;
    while (pos < bytes.length) {
      const count = core.scan(bytes, pos, true, 0, 0, true);
      calls++;
      const rec = core.records;
      // per field: key → id and id → key, for this call only (ids start again at 1)
      const byKey = [new Map<string, number>(), new Map<string, number>(), new Map<string, number>(), new Map<string, number>()];
      const byId = [new Map<number, string>(), new Map<number, string>(), new Map<number, string>(), new Map<number, string>()];
      for (let r = 0; r < count; r++) {
        const at = r * RECORD_STRIDE;
        expect(rec[at + R_KIND]).toBe(KIND_PACKET);
        const keys = idKeys(bytes.subarray(core.base), rec, at);
        for (let f = 0; f < 4; f++) {
          const id = (rec[at + R_VALUE_IDS] >>> (8 * f)) & 0xff;
          const key = keys[f];
          if (key === null) {
            expect(id).toBe(0);
            continue;
          }
          if (id === 0) {
            // no id only past the key width or once the field's ids are used up
            expect(key.length > VALUE_KEY_MAX || (byId[f].size === VALUE_ID_MAX && !byKey[f].has(key))).toBe(true);
            continue;
          }
          withId++;
          expect(id).toBeLessThanOrEqual(VALUE_ID_MAX);
          expect(byKey[f].get(key) ?? id).toBe(id);
          expect(byId[f].get(id) ?? key).toBe(key);
          byKey[f].set(key, id);
          byId[f].set(id, key);
        }
      }
      expect(byId[3].size).toBe(VALUE_ID_MAX); // the route codes' ~3000 distinct values fill the table
      pos = core.base + core.state[S_NEXT];
    }
    expect(calls).toBe(2);
    expect(withId).toBeGreaterThan(5000); // 8,872 of the 6,000 packets × 2–4 fields
  });

  it('are 0 when not asked for', () => {
    const count = core.scan(bytes, 0, true, 0, 0, false);
    for (let r = 0; r < count; r++) expect(core.records[r * RECORD_STRIDE + R_VALUE_IDS]).toBe(0);
  });

  it('give the events the values on the wire (the same as the js core)', () => {
    // reading a tag makes later scans ask for ids (before, id + status readers pay nothing)
    expect(decodeWith(core, encoder.encodeAll([{ testId: 'a', tags: ['x'] }]))[0].tags).toEqual(['x']);
    const want = events(21, 6000);
    const got = decodeWith(core, bytes);
    const js = decodeWith(CORES[0][1], bytes);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) {
      const [w, e] = [want[i], got[i]];
      expect([e.routeCode, e.mimeType, e.fileName, e.tags]).toEqual([w.routeCode, w.mimeType, w.fileName, w.tags]);
      expect(eventToJSON(e)).toEqual(eventToJSON(js[i]));
    }
  });
});
