// The per-test results layer (bindings/results/results.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import {
  encode, decodeAll, Timestamp, TestResults, TestAggregator, testResults, RunSummary, testKey, isFailed, isUnfinished, finalStatus,
  STATUSES, type EventInit, type TestResult, type FinalStatus,
} from '../bindings/index.js';
import { RunModel } from '../web/model.js';
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

describe('one key and one failure rule for every consumer', () => {
  it('testKey: the same id on two workers is two tests; no route code and an empty one are one', () => {
    expect(testKey('a', undefined)).toBe(testKey('a', ''));
    expect(testKey('a', '0')).not.toBe(testKey('a', '1'));
    expect(testKey('a', '0')).not.toBe(testKey('a', undefined));
    // no separator trick makes two different (route, id) pairs one key
    expect(testKey('b', 'a')).not.toBe(testKey('a\0b', ''));
    const [unrouted, emptyRoute] = collect([
      { testId: 'x', status: 'inprogress' },
      { testId: 'x', routeCode: '', status: 'success' },
    ]);
    expect([unrouted.status, emptyRoute]).toEqual(['success', undefined]);
  });

  it('isFailed: fail, uxsuccess and never finished; the totals count the same tests', () => {
    const all: FinalStatus[] = [...STATUSES.filter((x) => x !== 'inprogress'), 'inprogress', 'unknown'];
    expect(all.filter(isFailed)).toEqual(['uxsuccess', 'fail', 'inprogress', 'unknown']);
    const events: EventInit[] = all.map((status, i) => (status === 'unknown' ? { testId: `t${i}`, fileName: 'log', fileBytes: Buffer.from('x') } : { testId: `t${i}`, status }));
    const s = new RunSummary();
    for (const e of stream(events)) s.add(e);
    expect(s.result().failed).toBe(collect(events).filter((r) => isFailed(r.status)).length);
    expect(s.result().failed).toBe(4);
  });
});

describe('TestAggregator', () => {
  const run: EventInit[] = [
    { testId: 'a', status: 'exists' },
    { testId: 'a', routeCode: '0', status: 'inprogress', timestamp: t(0) },
    { testId: 'b', routeCode: '1', status: 'inprogress', timestamp: t(0) },
    { testId: 'a', routeCode: '0', fileName: 'out', fileBytes: Buffer.from('1') },
    { testId: 'a', routeCode: '0', status: 'fail', timestamp: t(1) },
    { testId: 'a', routeCode: '0', status: 'inprogress', timestamp: t(2) }, // run again: a new test
    { testId: 'a', routeCode: '0', status: 'success', timestamp: t(3) },
    { testId: 'c', fileName: 'log', fileBytes: Buffer.from('no status ever') },
  ];

  it('retaining: every test kept in order of first event, the same tests TestResults gives', () => {
    const tests = new TestAggregator({ retain: true });
    const touched = stream(run).map((e) => tests.add(e)?.index);
    expect(touched).toEqual([0, 1, 2, 1, 1, 3, 3, 4]);
    expect(tests.pending).toBe(2);
    expect(tests.tests.map((x) => [x.index, x.routeCode, x.id, finalStatus(x), x.finished])).toEqual([
      [0, undefined, 'a', 'exists', true],
      [1, '0', 'a', 'fail', true],
      [2, '1', 'b', 'inprogress', false],
      [3, '0', 'a', 'success', true],
      [4, undefined, 'c', 'unknown', false],
    ]);
    expect(collect(run).map((r) => [r.routeCode, r.id, r.status])).toEqual([
      [undefined, 'a', 'exists'],
      ['0', 'a', 'fail'],
      ['0', 'a', 'success'],
      ['1', 'b', 'inprogress'],
      [undefined, 'c', 'unknown'],
    ]);
    expect(tests.end().map((x) => x.index)).toEqual([2, 4]);
    expect(tests.tests.length).toBe(5); // ending keeps them
  });

  it('not retaining: holds only the tests in flight', () => {
    const tests = new TestAggregator();
    for (const e of stream(run)) tests.add(e);
    expect(tests.tests).toEqual([]);
    expect(tests.pending).toBe(2);
  });

  it('joins a file when asked, and only once until more arrives', () => {
    const tests = new TestAggregator({ retain: true });
    const chunk = (s: string) => ({ testId: 'a', fileName: 'f', mimeType: 'text/plain', fileBytes: Buffer.from(s) });
    const [one, two, three] = stream([chunk('ab'), chunk('cd'), chunk('ef')]);
    tests.add(one);
    tests.add(two);
    const [a] = tests.tests;
    const first = tests.attachments(a)[0].bytes;
    expect(utf8.decode(first)).toBe('abcd');
    expect(tests.attachments(a)[0].bytes).toBe(first); // not joined again
    tests.add(three);
    expect(tests.attachments(a).map((f) => [f.name, f.mimeType, utf8.decode(f.bytes)])).toEqual([['f', 'text/plain', 'abcdef']]);
  });
});

describe('TestAggregator against a plain map by testKey', () => {
  // The aggregator checks the last test touched before its map; this model
  // keys every event by testKey. Few ids and route codes, so events of open
  // tests interleave, finished keys restart, and '' meets no route code.
  interface Model { index: number; start?: number; stop?: number; status?: string; tags: readonly string[]; files: string[]; finished: boolean }
  function model(events: EventInit[]) {
    const open = new Map<string, Model>();
    const all: Model[] = [];
    const touched: (number | undefined)[] = [];
    for (const e of events) {
      if (e.testId === undefined) { touched.push(undefined); continue; }
      const key = testKey(e.testId, e.routeCode);
      let m = open.get(key);
      if (!m) {
        open.set(key, (m = { index: all.length, tags: [], files: [], finished: false }));
        all.push(m);
      }
      const final = e.status !== undefined && e.status !== 'inprogress';
      const ts = (e.timestamp as Timestamp | undefined)?.seconds;
      if (m.start === undefined) m.start = ts;
      if (e.tags) m.tags = e.tags;
      if (e.fileName !== undefined && !m.files.includes(e.fileName)) m.files.push(e.fileName);
      if (e.status !== undefined) m.status = e.status;
      if (final) {
        m.finished = true;
        m.stop = ts;
        open.delete(key);
      }
      touched.push(m.index);
    }
    return { all, touched, pending: open.size, ended: [...open.values()].map((m) => m.index).sort((a, b) => a - b) };
  }
  const eventArb: fc.Arbitrary<EventInit> = fc.record(
    {
      testId: fc.constantFrom('a', 'b', 'c'),
      routeCode: fc.constantFrom(undefined, '', '0', '1'),
      status: fc.constantFrom(undefined, undefined, ...STATUSES),
      timestamp: fc.option(fc.integer({ min: 0, max: 99 }).map((s) => t(s)), { nil: undefined }),
      tags: fc.option(fc.constantFrom(['worker-0'], ['worker-1', 'x']), { nil: undefined }),
      fileName: fc.option(fc.constantFrom('log', 'traceback'), { nil: undefined }),
    },
    { requiredKeys: ['testId'] },
  ).map((e) => (e.fileName === undefined ? e : { ...e, fileBytes: Buffer.from('x') }));
  // a few events of no test (run-level files) between the tests'
  const streamArb = fc.array(fc.oneof({ weight: 9, arbitrary: eventArb }, { weight: 1, arbitrary: fc.constant<EventInit>({ fileName: 'stdout', fileBytes: Buffer.from('c') }) }), { maxLength: 60 });

  for (const backend of ['wasm', 'js'] as const) {
    it(`touches, finishes and ends the same tests (${backend})`, () => {
      fc.assert(
        fc.property(streamArb, (events) => {
          const want = model(events);
          const tests = new TestAggregator({ retain: true });
          const decoded = decodeAll(Buffer.concat(events.map((e) => encode(e))), { backend });
          expect(decoded.map((e) => tests.add(e)?.index)).toEqual(want.touched);
          expect(tests.pending).toBe(want.pending);
          expect(tests.tests.map((x) => ({
            index: x.index, start: x.start?.seconds, stop: x.stop?.seconds, status: x.status, tags: [...x.tags],
            files: tests.attachments(x).map((f) => f.name), finished: x.finished,
          }))).toEqual(want.all.map((m) => ({ ...m, tags: [...m.tags] })));
          expect(tests.end().map((x) => x.index)).toEqual(want.ended);
          expect(tests.pending).toBe(0);
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe('the viewer model (web/model.ts)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('takes a 50 MiB attachment in 64 KiB chunks with linear copying', () => {
    const CHUNK = 64 * 1024;
    const CHUNKS = 800; // 50 MiB
    const payload = new Uint8Array(CHUNK);
    const packets: Uint8Array[] = [encode({ testId: 'big', routeCode: '0', status: 'inprogress', timestamp: t(0) })];
    for (let i = 0; i < CHUNKS; i++) {
      payload.fill(i & 0xff);
      packets.push(encode({ testId: 'big', routeCode: '0', fileName: 'core', mimeType: 'application/octet-stream', fileBytes: payload }));
    }
    packets.push(encode({ testId: 'big', routeCode: '0', status: 'fail', timestamp: t(1) }));
    const events = decodeAll(Buffer.concat(packets));
    const model = new RunModel();
    let copied = 0;
    const set = Uint8Array.prototype.set;
    vi.spyOn(Uint8Array.prototype, 'set').mockImplementation(function (this: Uint8Array, source: ArrayLike<number>, offset?: number) {
      copied += source.length;
      return set.call(this, source, offset);
    });
    events.forEach((e, i) => {
      model.add(e);
      if (i % 16 === 0) model.takeChanges(4000); // as the Worker flushes while reading
    });
    const [core] = model.attachments(0);
    const total = CHUNK * CHUNKS;
    // each byte copied once from the decoder's buffer and once when joined; not once per later chunk
    expect(copied).toBeLessThanOrEqual(2 * total);
    vi.restoreAllMocks();
    expect(core.bytes.length).toBe(total);
    for (let i = 0; i < CHUNKS; i++) expect([i, core.bytes[i * CHUNK], core.bytes[(i + 1) * CHUNK - 1]]).toEqual([i, i & 0xff, i & 0xff]);
    expect(model.summary.totals().failed).toBe(1);
  });

  it('rows: one per test as the aggregator keys them, with final status, times and attachment count', () => {
    const model = new RunModel();
    for (const e of stream([
      { testId: 'a', routeCode: '0', status: 'inprogress', timestamp: t(0), tags: ['worker-0'] },
      { testId: 'a', routeCode: '1', status: 'inprogress', timestamp: t(0, 5e8) },
      { fileName: 'stdout', routeCode: '0', fileBytes: Buffer.from('chatter é').subarray(0, 9) },
      { testId: 'a', routeCode: '0', fileName: 'traceback', fileBytes: Buffer.from('boom') },
      { testId: 'a', routeCode: '0', status: 'fail', timestamp: t(2) },
    ])) model.add(e);
    const { rows, chatter } = model.takeChanges(10);
    expect(rows.map((r) => [r.index, r.route, r.id, r.status, r.end - r.start, r.tags, r.attachments])).toEqual([
      [0, '0', 'a', 'fail', 2000, ['worker-0'], 1],
      [1, '1', 'a', 'inprogress', NaN, [], 0],
    ]);
    expect(chatter).toEqual({ '0': 'chatter ' });
    expect(model.takeChanges(10).rows).toEqual([]);
    expect(utf8.decode(model.attachments(0)[0].bytes)).toBe('boom');
    expect(model.attachments(5)).toEqual([]);
  });

  it('a test\'s run takes over the row of its enumeration (exists); a rerun gets its own', () => {
    const model = new RunModel();
    for (const e of stream([
      { testId: 'a', routeCode: '0', status: 'exists' },
      { testId: 'b', routeCode: '0', status: 'exists' },
      { testId: 'a', routeCode: '1', status: 'inprogress', timestamp: t(0) }, // another worker: another test
      { testId: 'a', routeCode: '0', status: 'inprogress', timestamp: t(0) },
      { testId: 'a', routeCode: '0', fileName: 'log', fileBytes: Buffer.from('first run') },
      { testId: 'a', routeCode: '0', status: 'fail', timestamp: t(1) },
      { testId: 'a', routeCode: '0', status: 'inprogress', timestamp: t(2) },
      { testId: 'a', routeCode: '0', status: 'success', timestamp: t(3) },
    ])) model.add(e);
    const rows = model.takeChanges(10).rows.sort((x, y) => x.index - y.index);
    expect(rows.map((r) => [r.index, r.route, r.id, r.status])).toEqual([
      [0, '0', 'a', 'fail'],
      [1, '0', 'b', 'exists'],
      [2, '1', 'a', 'inprogress'],
      [3, '0', 'a', 'success'],
    ]);
    expect(utf8.decode(model.attachments(0)[0].bytes)).toBe('first run');
    expect(model.attachments(3)).toEqual([]);
  });

  it('counts exactly what RunSummary and the tools count, on every real run', () => {
    for (const name of ['sample-run-parallel', 'every-field', 'nested-routes', 'chatter']) {
      const model = new RunModel();
      const alone = new RunSummary();
      const finals: string[] = [];
      const results = new TestResults();
      for (const e of decodeAll(fixtureBytes(name))) {
        model.add(e);
        alone.add(e);
        const r = results.add(e);
        if (r) finals.push(`${r.routeCode ?? ''}|${r.id}=${r.status}`);
      }
      expect(model.summary.totals()).toEqual(alone.totals());
      // every run of a test has its own row (an enumeration, exists, may share its run's)
      const ran = (list: string[]) => list.filter((f) => !f.endsWith('=exists')).sort();
      const rows = model.takeChanges(Infinity).rows;
      expect(ran(rows.filter((r) => !isUnfinished(r.status)).map((r) => `${r.route}|${r.id}=${r.status}`))).toEqual(ran(finals));
    }
  });
});
