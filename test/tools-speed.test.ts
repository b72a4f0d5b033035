// Issue 20's shortcuts keep what they skip: tags shared between packets only
// when their bytes are equal, json lines equal to JSON.stringify(eventToJSON),
// unfinished tests in order of first event across route codes.
import { describe, it, expect } from 'vitest';
import { encode, concat, decodeAll, eventToJSON, eventToJsonLine, TestResults, Timestamp, type EventInit } from '../bindings/index.js';

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
