// The Jest reporter (subunit-wasm/jest) on a real Jest run: two files in two
// workers, a pass, a failure, a skip, a todo, a retried flaky test, console
// output. One run serves every assertion; one more is killed halfway.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAll } from '../bindings/index.js';
import {
  BIN, attachment, count, expectValidPrefix, killedMidRun, lastOutcomes, mergedStats, ourStats, pythonStats, run, scratchProject, statuses, stestrLoad, text, type Run,
} from './reporter-runs.js';

const project = scratchProject('jest', {
  // the README's line, with the file from the environment so the killed run can use stdout
  'jest.config.js': `module.exports = { cacheDirectory: __dirname + '/.cache', maxWorkers: 2,
  reporters: ['default', ['subunit-wasm/jest', { output: process.env.SUBUNIT_FILE }]] };\n`,
  // each file's first test waits for the other's: the two run at once, in two workers
  'meet.js': `const { existsSync, writeFileSync } = require('fs');
module.exports = async (me, other) => {
  if (process.env.SUBUNIT_HANG) return;
  writeFileSync(__dirname + '/here-' + me, '');
  for (let i = 0; i < 400 && !existsSync(__dirname + '/here-' + other); i++) await new Promise((r) => setTimeout(r, 50));
};
`,
  'a.test.js': `test('meets b', () => require('./meet')('a', 'b'), 30000);
describe('math', () => {
  test('adds', () => { console.log('hello from adds'); expect(1 + 1).toBe(2); });
  test('fails', () => expect(1 + 1).toBe(3));
  test.skip('skipped', () => {});
  test.todo('later');
});
`,
  'b.test.js': `test('meets a', () => require('./meet')('b', 'a'), 30000);
jest.retryTimes(1);
let n = 0;
test('flaky', () => { n++; expect(n).toBe(2); });
test('slow', async () => { await new Promise((r) => setTimeout(r, 30)); });
if (process.env.SUBUNIT_HANG) test('hangs', () => new Promise(() => {}), 600000);
`,
  'c.test.js': `throw new Error('this file does not load');\n`,
});
const output = join(project, 'run.subunit');

describe('Jest reporter (subunit-wasm/jest)', () => {
  let result: Run;
  let stream: Uint8Array;
  beforeAll(async () => {
    result = await run(BIN('jest'), [], { cwd: project, env: { SUBUNIT_FILE: output } });
    stream = readFileSync(output);
  });

  it('reports every test with its status, file in the id', () => {
    expect(result.code).toBe(1);
    expect(statuses(stream).sort()).toEqual([
      'a.test.js::math > adds success', 'a.test.js::math > fails fail', 'a.test.js::math > later skip', 'a.test.js::math > skipped skip',
      'a.test.js::meets b success', 'b.test.js::flaky fail', 'b.test.js::flaky success', 'b.test.js::meets a success', 'b.test.js::slow success', 'c.test.js fail',
    ]);
  });

  it('agrees with Jest\'s summary: the last attempt decides; python-subunit, our stats and stestr count every attempt', () => {
    const m = /Tests:\s+(\d+) failed, (\d+) skipped, (\d+) todo, (\d+) passed, (\d+) total/.exec(result.stderr)!;
    expect(m, result.stderr).not.toBeNull();
    const [failed, skipped, todo, passed, total] = m.slice(1).map(Number);
    // a file that fails outside any test: Jest counts it under "Test Suites", the stream as a failing test named by the file
    expect(result.stderr).toMatch(/Test Suites:\s+2 failed, 1 passed, 3 total/);
    const fileErrors = 1;
    const last = lastOutcomes(stream);
    expect([last.size, count(last, 'success'), count(last, 'fail'), count(last, 'skip')]).toEqual([total + fileErrors, passed, failed + fileErrors, skipped + todo]);
    const retries = 1; // flaky's first attempt
    const py = pythonStats(stream);
    expect(py).toEqual({ total: total + fileErrors + retries, passed, failed: failed + fileErrors + retries, skipped: skipped + todo });
    expect(ourStats(stream)).toMatch(new RegExp(`Total tests:\\s+${py.total}\\nPassed tests:\\s+${py.passed}\\nFailed tests:\\s+${py.failed}\\nSkipped tests:\\s+${py.skipped}\\n`));
    expect(stestrLoad(stream)).toEqual({ ran: py.total, failures: py.failed, skips: py.skipped });
    // `subunit merge --retries` folds the attempts: then our stats say what Jest says
    expect(mergedStats(stream)).toEqual({ total: total + fileErrors, passed, failed: failed + fileErrors, skipped: skipped + todo });
  });

  it('writes inprogress when a test starts and the real duration', () => {
    const slow = decodeAll(stream).filter((e) => e.testId === 'b.test.js::slow' && e.status);
    expect(slow.map((e) => e.status)).toEqual(['inprogress', 'success']);
    const [start, stop] = slow.map((e) => e.timestamp!.seconds + e.timestamp!.nanos / 1e9);
    expect(stop - start).toBeGreaterThanOrEqual(0.025);
  });

  it('attaches failures as tracebacks, console output per file, the attempt of a retry, a flaky tag', () => {
    const tb = attachment(stream, 'a.test.js::math > fails', 'traceback');
    expect(tb[0].mimeType).toBe('text/x-traceback; charset="utf8"');
    expect(text(tb)).toMatch(/Expected: 3\s+Received: 2/);
    expect(text(tb)).not.toMatch(/\x1b\[/);
    const console = decodeAll(stream).filter((e) => e.fileName === 'a.test.js::console');
    expect(console[0].testId).toBeUndefined();
    expect(text(console)).toContain('log: hello from adds');
    expect(text(attachment(stream, 'b.test.js::flaky', 'attempt'))).toBe('attempt 2\n');
    const flaky = decodeAll(stream).filter((e) => e.testId === 'b.test.js::flaky' && e.status === 'success');
    expect(flaky[0].tags).toContain('flaky');
    expect(text(attachment(stream, 'c.test.js', 'traceback'))).toMatch(/this file does not load/);
  });

  it('tags tests with the worker lane their file ran in', () => {
    const workers = (id: string) => new Set(decodeAll(stream).filter((e) => e.testId?.startsWith(id)).flatMap((e) => e.tags ?? []));
    const lanes = ['a.test.js', 'b.test.js', 'c.test.js'].map((f) => [...workers(f)].filter((t) => t.startsWith('worker-')));
    for (const l of lanes) expect(l).toHaveLength(1);
    // two workers, a and b running at once: two lanes, no more
    expect(new Set(lanes.flat())).toEqual(new Set(['worker-0', 'worker-1']));
  });

  it('leaves a valid stream when Jest is killed halfway (written as tests run, here to stdout)', async () => {
    const stream = await killedMidRun(BIN('jest'), ['b.test'], project, join(project, 'killed.subunit'), 'b.test.js::hangs', { env: { SUBUNIT_HANG: '1' }, stdout: true });
    expectValidPrefix(stream, 'b.test.js::hangs', ['b.test.js::slow']);
  });
});
