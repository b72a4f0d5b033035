// The per-test results layer (bindings/results.ts).
import { describe, expect, it } from 'vitest';
import { encode, decodeAll, Timestamp, TestResults, testResults, RunSummary, type EventInit, type TestResult } from '../bindings/index.js';
import { fixtureBytes, refEvents } from './helpers.js';

const t = (s: number, ns = 0) => new Timestamp(1_700_000_000 + s, ns);
const stream = (events: EventInit[]) => {
  const parts = events.map((e) => encode(e));
  return decodeAll(Buffer.concat(parts));
};
const utf8 = new TextDecoder();

function collect(events: EventInit[], opts?: { attachments?: boolean }): TestResult[] {
  const r = new TestResults(opts);
  const out: TestResult[] = [];
  for (const e of stream(events)) {
    const done = r.add(e);
    if (done) out.push(done);
  }
  return [...out, ...r.end()];
}

describe('TestResults', () => {
  it('joins attachments by (route code, test id, file name) across chunks, with the first MIME type', () => {
    const [a, b] = collect([
      { testId: 'x', status: 'inprogress', routeCode: '0', timestamp: t(0) },
      { testId: 'x', status: 'inprogress', routeCode: '1', timestamp: t(0, 5e8) },
      { testId: 'x', routeCode: '0', fileName: 'traceback', mimeType: 'text/plain', fileBytes: Buffer.from('line 1\n') },
      { testId: 'x', routeCode: '1', fileName: 'traceback', mimeType: 'text/x-other', fileBytes: Buffer.from('other worker') },
      { testId: 'x', routeCode: '0', fileName: 'log', fileBytes: Buffer.from('log') },
      { testId: 'x', routeCode: '0', fileName: 'traceback', fileBytes: Buffer.from('line 2\n'), eof: true },
      { testId: 'x', routeCode: '0', status: 'fail', timestamp: t(2, 250_000_000), tags: ['worker-3', 'slow'] },
      { testId: 'x', routeCode: '1', status: 'success', timestamp: t(1) },
    ]);
    expect(a.routeCode).toBe('0');
    expect(a.status).toBe('fail');
    expect(a.attachments.map((f) => [f.name, f.mimeType, utf8.decode(f.bytes)])).toEqual([
      ['traceback', 'text/plain', 'line 1\nline 2\n'],
      ['log', undefined, 'log'],
    ]);
    expect(a.start?.toISOString()).toBe(t(0).toISOString());
    expect(a.stop?.toISOString()).toBe(t(2, 250_000_000).toISOString());
    expect(a.duration).toBeCloseTo(2.25, 9);
    expect(a.worker).toBe('worker-3');
    expect(a.tags).toEqual(['worker-3', 'slow']);
    expect(a.complete).toBe(true);
    expect(b.routeCode).toBe('1');
    expect(b.worker).toBe('1'); // no worker tag: the route code
    expect(b.duration).toBeCloseTo(0.5, 9);
    expect(utf8.decode(b.attachments[0].bytes)).toBe('other worker');
  });

  it('holds only the tests in flight and reports unfinished ones at the end', () => {
    const r = new TestResults();
    const events = stream([
      { testId: 'a', status: 'inprogress', timestamp: t(0) },
      { testId: 'b', status: 'inprogress', timestamp: t(0) },
      { testId: 'a', status: 'success', timestamp: t(1) },
      { testId: 'c', fileName: 'stdout', fileBytes: Buffer.from('no status ever') },
      { fileName: 'stdout', fileBytes: Buffer.from('not a test') },
    ]);
    const pending: number[] = [];
    const done = events.map((e) => {
      const d = r.add(e);
      pending.push(r.pending);
      return d?.id;
    });
    expect(done).toEqual([undefined, undefined, 'a', undefined, undefined]);
    expect(pending).toEqual([1, 2, 1, 2, 2]);
    const rest = r.end();
    expect(rest.map((x) => [x.id, x.status, x.complete, x.stop])).toEqual([
      ['b', 'inprogress', false, undefined],
      ['c', 'unknown', false, undefined],
    ]);
    expect(r.pending).toBe(0);
  });

  it('copies attachment bytes (inputs may be reused) or keeps none when asked', () => {
    const first = encode({ testId: 'a', fileName: 'f', fileBytes: Buffer.from('abc') });
    const bytes = Buffer.concat([first, encode({ testId: 'a', status: 'fail' })]);
    const r = new TestResults();
    const events = decodeAll(bytes);
    r.add(events[0]);
    bytes.fill(0, 0, first.length); // the first packet's buffer is reused
    expect(utf8.decode(r.add(events[1])!.attachments[0].bytes)).toBe('abc');
    const [bare] = collect([{ testId: 'a', fileName: 'f', mimeType: 'text/plain', fileBytes: Buffer.from('abc') }, { testId: 'a', status: 'fail' }], { attachments: false });
    expect(bare.attachments).toEqual([{ name: 'f', mimeType: 'text/plain', bytes: new Uint8Array(0) }]);
  });

  it('gives the final status of every (route code, test id) python-subunit reports, in order', async () => {
    for (const name of ['sample-run-parallel', 'every-field', 'nested-routes']) {
      const want: string[] = [];
      const open = new Set<string>();
      for (const e of refEvents(name)) {
        if (typeof e.testId !== 'string') continue;
        const key = `${e.routeCode ?? ''}|${e.testId}`;
        if (e.status === undefined || e.status === 'inprogress') open.add(key);
        else {
          open.delete(key);
          want.push(`${key}=${e.status}`);
        }
      }
      const got: string[] = [];
      for await (const r of testResults([decodeAll(fixtureBytes(name))])) if (r.complete) got.push(`${r.routeCode ?? ''}|${r.id}=${r.status}`);
      expect(got).toEqual(want);
    }
  });
});

describe('RunSummary', () => {
  it('counts passed = success + xfail, failed = fail + uxsuccess + unfinished, and the wall time', () => {
    const s = new RunSummary();
    for (const e of stream([
      { testId: 'a', status: 'success', timestamp: t(1) },
      { testId: 'b', status: 'xfail', timestamp: t(2) },
      { testId: 'c', status: 'uxsuccess' },
      { testId: 'd', status: 'skip' },
      { testId: 'e', status: 'exists' },
      { testId: 'f', status: 'inprogress', timestamp: t(0, 5e8) },
      { testId: 'g', status: 'fail', timestamp: t(3) },
    ])) s.add(e);
    const r = s.result();
    expect([r.tests, r.passed, r.failed, r.skipped, r.incomplete]).toEqual([6, 2, 3, 1, 1]);
    expect(r.wallTime).toBeCloseTo(2.5, 9);
  });

  it('gives live totals without ending the run (a viewer asks after every batch)', () => {
    const s = new RunSummary();
    const [start, done, other] = stream([
      { testId: 'a', status: 'inprogress', timestamp: t(1) },
      { testId: 'a', status: 'success', timestamp: t(2) },
      { testId: 'b', status: 'fail', timestamp: t(3) },
    ]);
    s.add(start);
    expect([s.totals().tests, s.totals().incomplete]).toEqual([1, 1]);
    s.add(done);
    s.add(other);
    expect([s.totals().tests, s.totals().passed, s.totals().failed, s.totals().incomplete]).toEqual([2, 1, 1, 0]);
    expect(s.result()).toEqual(s.totals());
  });
});
