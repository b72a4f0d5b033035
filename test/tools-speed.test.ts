// Issue 20's shortcuts keep what they skip: tags shared between packets only
// when their bytes are equal, json lines equal to JSON.stringify(eventToJSON),
// unfinished tests in order of first event across route codes.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { encode, concat, decodeAll, eventToJSON, eventToJsonLine, TestResults, Timestamp, type EventInit } from '../bindings/index.js';
import { JsonLinesWriter } from '../cli/commands/json.js';

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

describe('subunit json writes bytes', () => {
  const fixtures = new URL('../fixtures/', import.meta.url).pathname;
  it('its lines are eventToJsonLine\'s, for odd strings and every event of every fixture, both backends', () => {
    const odd: EventInit[] = [
      { testId: 'q"\\\n\u0001\u2028é\u007f😀', status: 'fail', tags: ['a"b', 'ü', ''], mimeType: 'text/plain; charset="utf8"', fileName: 'tb\t', fileBytes: new Uint8Array([0, 255, 1, 2]), eof: true, routeCode: 'r/0', timestamp: new Timestamp(1_700_000_000, 5) },
      { testId: '', runnable: false, fileName: '', tags: [], timestamp: new Timestamp(0, 999_999_999) },
      { fileName: 'stdout', fileBytes: new Uint8Array([104, 105]), timestamp: new Timestamp(4_294_967_295, 0) },
      { status: 'success' },
    ];
    const streams = [concat(odd.map((e) => encode(e))), ...readdirSync(fixtures).filter((f) => f.endsWith('.subunit')).map((f) => new Uint8Array(readFileSync(fixtures + f)))];
    for (const bytes of streams) {
      for (const backend of ['wasm', 'js'] as const) {
        const events = decodeAll(bytes, { backend });
        const lines = new JsonLinesWriter();
        lines.buf = Buffer.alloc(16); // grows as it goes
        for (const e of events) lines.add(e);
        expect(lines.buf.subarray(0, lines.at).toString('utf8')).toBe(events.map((e) => eventToJsonLine(e) + '\n').join(''));
      }
    }
  });
});
