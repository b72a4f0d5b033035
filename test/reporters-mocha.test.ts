// The Mocha reporter (subunit-wasm/mocha) on a real Mocha run, its stream on
// stdout: a pass with console output, a failure, a pending test, a retried
// flaky test, a failing hook. One run serves every assertion; one more is
// killed halfway.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAll, TestResults } from '../bindings/index.js';
import {
  BIN, attachment, count, expectValidPrefix, killedMidRun, lastOutcomes, mergedStats, ourStats, pythonStats, run, scratchProject, statuses, stestrLoad, text, type Run,
} from './reporter-runs.js';

const project = scratchProject('mocha', {
  'test/a.spec.js': `describe('math', function () {
  it('adds', function () { console.log('hello from adds'); if (1 + 1 !== 2) throw new Error('no'); });
  it('fails', function () { throw new Error('1 + 1 is not 3'); });
  it.skip('skipped', function () {});
  let n = 0;
  it('flaky', function () { this.retries(1); n++; if (n < 2) throw new Error('first try fails'); });
  it('slow', async function () { await new Promise((r) => setTimeout(r, 30)); });
  if (process.env.SUBUNIT_HANG) it('hangs', function () { this.timeout(0); return new Promise(() => {}); });
});
describe('broken setup', function () {
  before(function () { throw new Error('setup failed'); });
  it('never runs', function () {});
});
`,
});
// mocha finds a reporter with require.resolve from its own folder: NODE_PATH
// stands for the user's node_modules, where subunit-wasm would sit beside mocha
const env = { NODE_PATH: join(project, 'node_modules') };
const HOOK = 'test/a.spec.js::broken setup > "before all" hook for "never runs"';

describe('Mocha reporter (subunit-wasm/mocha)', () => {
  let result: Run;
  let stream: Uint8Array;
  let summary: Run;
  beforeAll(async () => {
    [result, summary] = await Promise.all([
      run(BIN('mocha'), ['--reporter', 'subunit-wasm/mocha', 'test/a.spec.js'], { cwd: project, env }),
      run(BIN('mocha'), ['--reporter', 'dot', 'test/a.spec.js'], { cwd: project }), // Mocha's own count of the same suite
    ]);
    stream = result.bytes;
  });

  it('writes only packets to stdout, one test per attempt, hooks as tests of their own', () => {
    expect(result.code).toBe(2);
    expect(decodeAll(stream).filter((e) => e.source !== 'packet')).toEqual([]);
    expect(statuses(stream)).toEqual([
      'test/a.spec.js::math > adds success', 'test/a.spec.js::math > fails fail', 'test/a.spec.js::math > skipped skip',
      'test/a.spec.js::math > flaky fail', 'test/a.spec.js::math > flaky success', 'test/a.spec.js::math > slow success', `${HOOK} fail`,
    ]);
    expect(decodeAll(stream).find((e) => e.testId === HOOK && e.status === 'fail')!.tags).toEqual(['hook']);
  });

  it('agrees with Mocha\'s summary: the last attempt decides; python-subunit, our stats and stestr count every attempt', () => {
    const n = (label: string) => Number(new RegExp(`(\\d+) ${label}`).exec(summary.stdout)?.[1] ?? 0);
    const [passing, failing, pending] = [n('passing'), n('failing'), n('pending')];
    expect([passing, failing, pending]).toEqual([3, 2, 1]);
    const last = lastOutcomes(stream);
    expect([count(last, 'success'), count(last, 'fail'), count(last, 'skip')]).toEqual([passing, failing, pending]);
    const retries = 1;
    const py = pythonStats(stream);
    expect(py).toEqual({ total: passing + failing + pending + retries, passed: passing, failed: failing + retries, skipped: pending });
    expect(ourStats(stream)).toMatch(new RegExp(`Total tests:\\s+${py.total}\\nPassed tests:\\s+${py.passed}\\nFailed tests:\\s+${py.failed}\\nSkipped tests:\\s+${py.skipped}\\n`));
    expect(stestrLoad(stream)).toEqual({ ran: py.total, failures: py.failed, skips: py.skipped });
    // `subunit merge --retries` folds the attempts: then our stats say what Mocha says
    expect(mergedStats(stream)).toEqual({ total: passing + failing + pending, passed: passing, failed: failing, skipped: pending });
  });

  it('captures console output into the test, stacks as tracebacks, the attempt of a retry', () => {
    expect(text(attachment(stream, 'test/a.spec.js::math > adds', 'stdout'))).toBe('hello from adds\n');
    expect(text(attachment(stream, 'test/a.spec.js::math > fails', 'traceback'))).toMatch(/^Error: 1 \+ 1 is not 3\n\s+at .*a\.spec\.js:3/);
    expect(text(attachment(stream, HOOK, 'traceback'))).toMatch(/setup failed/);
    expect(text(attachment(stream, 'test/a.spec.js::math > flaky', 'attempt'))).toBe('attempt 2\n');
    const slow = decodeAll(stream).filter((e) => e.testId === 'test/a.spec.js::math > slow' && e.status);
    const [start, stop] = slow.map((e) => e.timestamp!.seconds + e.timestamp!.nanos / 1e9);
    expect(stop - start).toBeGreaterThanOrEqual(0.025);
    // no attempt ends before it starts (`subunit trace` would print a negative time)
    const tr = new TestResults();
    for (const e of decodeAll(stream)) {
      const r = tr.add(e);
      if (r) expect(r.duration, r.id).toBeGreaterThanOrEqual(0);
    }
  });

  it('writes to a file with --reporter-option output=, showing the output too', async () => {
    const r = await run(BIN('mocha'), ['--reporter', 'subunit-wasm/mocha', '--reporter-option', 'output=file.subunit', 'test/a.spec.js'], { cwd: project, env });
    expect(r.stdout).toBe('hello from adds\n');
    expect(statuses(readFileSync(join(project, 'file.subunit')))).toEqual(statuses(stream));
  });

  it('works in --parallel mode (each event brings a new copy of its test): one inprogress per attempt, the same results, output as chatter', async () => {
    writeFileSync(join(project, 'test/b.spec.js'), readFileSync(join(project, 'test/a.spec.js')));
    const r = await run(BIN('mocha'), ['--parallel', '--jobs', '2', '--reporter', 'subunit-wasm/mocha', 'test/a.spec.js', 'test/b.spec.js'], { cwd: project, env });
    const events = decodeAll(r.bytes);
    // worker processes write to the inherited stdout themselves, out of the reporter's reach: chatter between packets
    expect(text(events.filter((e) => e.source !== 'packet'))).toBe('hello from adds\n'.repeat(2));
    const both = [...statuses(stream), ...statuses(stream).map((s) => s.replace('test/a.spec.js', 'test/b.spec.js'))];
    expect(statuses(r.bytes).sort()).toEqual(both.sort());
    expect(events.filter((e) => e.status === 'inprogress').length).toBe(both.length);
  });

  it('leaves a valid stream when Mocha is killed halfway (written as tests run)', async () => {
    const killed = await killedMidRun(BIN('mocha'), ['--reporter', 'subunit-wasm/mocha', 'test/a.spec.js'], project, join(project, 'killed.subunit'), 'test/a.spec.js::math > hangs', { env: { ...env, SUBUNIT_HANG: '1' }, stdout: true });
    expectValidPrefix(killed, 'test/a.spec.js::math > hangs', ['test/a.spec.js::math > adds', 'test/a.spec.js::math > slow']);
  });
});
