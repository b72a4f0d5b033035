// subunit trace: live output, exit status, colour, failure details.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, PYTHON, hasReference } from './helpers.js';
import { encode, Timestamp } from '../bindings/index.js';
import { runBytes, subunit, type FakeTest } from './repo-helpers.js';

const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;
const run = (args: string[], input?: Uint8Array) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, maxBuffer: 1 << 30 });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
};
const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s));

const okTest = Buffer.concat([
  encode({ testId: 'a.ok', status: 'inprogress', tags: ['worker-0'], timestamp: at(0) }),
  encode({ testId: 'a.ok', status: 'success', tags: ['worker-0'], timestamp: at(2) }),
]);
const passing = Buffer.concat([
  okTest,
  encode({ testId: 'a.skipped', fileName: 'reason', mimeType: 'text/plain', fileBytes: Buffer.from('no network'), routeCode: '1' }),
  encode({ testId: 'a.skipped', status: 'skip', routeCode: '1', timestamp: at(3) }),
]);
const failing = Buffer.concat([
  passing,
  encode({ testId: 'a.bad', status: 'inprogress', timestamp: at(3) }),
  encode({ testId: 'a.bad', fileName: 'traceback', mimeType: 'text/x-traceback', fileBytes: Buffer.from('AssertionError: 1 != 2\n') }),
  encode({ testId: 'a.bad', status: 'fail', timestamp: at(4) }),
]);

describe('subunit trace', () => {
  it('prints one line per test, failure details, totals; exits 1 on failure', () => {
    const r = run(['trace'], failing);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('{0} a.ok [2.000000s] ... ok');
    expect(lines[1]).toBe('{1} a.skipped ... SKIPPED: no network'); // a skip has no duration, as subunit-trace
    expect(lines[2]).toBe('{0} a.bad [1.000000s] ... FAILED');
    expect(r.stdout).toContain('FAILED\n\nCaptured traceback:\n~~~~~~~~~~~~~~~~~~~\n    AssertionError: 1 != 2\n');
    expect(r.stdout).toMatch(/\n======\nTotals\n======\nRan: 3 tests in 4\.0000 sec\.\n - Passed: 1\n - Skipped: 1\n - Expected Fail: 0\n - Unexpected Success: 0\n - Failed: 1\n/);
    // untagged a.bad runs on worker 0 with a.ok: its span is a.ok's start to a.bad's stop
    expect(r.stdout).toMatch(/\n==============\nWorker Balance\n==============\n - Worker 0 \(2 tests\) => 0:00:04\n - Worker 1 \(1 tests\) => 0:00:00\n/);
    expect(r.stdout).not.toContain('\x1b['); // not a terminal: no colour, no progress line
  });

  it('exits 0 when all passed, or with --exit-zero; --fail-only; --color', () => {
    expect(run(['trace'], passing).code).toBe(0);
    const z = run(['trace', '--exit-zero', '--failonly', '--color'], failing);
    expect(z.code).toBe(0);
    expect(z.stdout.startsWith('{0} a.bad [1.000000s] ... \x1b[31mFAILED\x1b[0m\n')).toBe(true);
    expect(z.stdout).not.toContain('a.ok ['); // (the slowest tests still list it)
  });

  it('counts tests that never finished as failures', () => {
    const r = run(['trace'], Buffer.concat([passing, encode({ testId: 'a.hung', status: 'inprogress' })]));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('{0} a.hung ... inprogress\n'); // no timestamps: no duration
    expect(r.stdout).toContain(' - Incomplete: 1\n');
    expect(r.stdout).toContain('\nThe following tests exited without returning a status\nand likely segfaulted or crashed Python:\n\n\t* a.hung\n');
  });

  it('is live: a finished test is printed before the stream ends', async () => {
    const child = spawn(process.execPath, [CLI, 'trace']);
    let out = '';
    const seen = new Promise<void>((resolve) => child.stdout.on('data', (d) => (out += d) && out.includes('a.ok') && resolve()));
    child.stdin.write(passing.subarray(0, okTest.length + 3)); // a.ok, and the start of the next packet
    await seen; // the stream is still open here
    expect(out.startsWith('{0} a.ok [2.000000s] ... ok\n')).toBe(true);
    child.stdin.end();
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(1); // a.skipped was cut mid-packet: a parser error
  });

  it('runs on the bundled sample run (npm start)', () => {
    const r = run(['trace', '--exit-zero', `${FIXTURES}sample-run.subunit`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Ran: 3144 tests in [\d.]+ sec\.\n - Passed: 3017\n - Skipped: 111\n - Expected Fail: 2\n - Unexpected Success: 0\n - Failed: 14\n/);
  });
});

// ---- against stestr's subunit-trace, run here on real runs ----------------------

const stestrTrace = (input: Uint8Array) => {
  const r = spawnSync(PYTHON, ['-m', 'stestr.subunit_trace'], { input, maxBuffer: 1 << 30 });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
};
const hasStestr = hasReference && spawnSync(PYTHON, ['-c', 'import stestr.subunit_trace']).status === 0;
const testLines = (s: string) => s.split('\n').filter((l) => l.startsWith('{'));
const sections = (s: string) => s.slice(s.indexOf('\n======\nTotals'), s.indexOf('\n=============\nSlowest'));

describe.runIf(hasStestr)('subunit trace = stestr subunit-trace', () => {
  it.each(['sample-run', 'sample-run-parallel'])('%s: every test line, Totals and Worker Balance', (name) => {
    const bytes = readFileSync(`${FIXTURES}${name}.subunit`);
    const want = stestrTrace(bytes);
    const got = run(['trace', `${FIXTURES}${name}.subunit`]);
    expect(testLines(got.stdout)).toEqual(testLines(want.stdout));
    expect(testLines(got.stdout).length).toBe(3144);
    expect(sections(got.stdout)).toBe(want.stdout.slice(want.stdout.indexOf('\n======\nTotals')));
    expect(got.code).toBe(want.code);
    // failures: each traceback under "Captured traceback:", underlined, indented
    const captured = (s: string) => s.split('\n').filter((l) => /^Captured \w+:$/.test(l) || /^~+$/.test(l));
    expect(captured(got.stdout)).toEqual(captured(want.stdout));
  });

  it('shows non-test output: a failed discovery says why (it printed only totals)', () => {
    const crash = Buffer.from('Traceback (most recent call last):\nImportError: No module named foo\n');
    const want = stestrTrace(crash);
    const got = run(['trace'], crash);
    expect(want.stdout.startsWith(crash.toString())).toBe(true);
    expect(got.stdout.startsWith(crash.toString())).toBe(true);
    expect(got.stdout).toContain("The test run didn't actually run any tests");
    expect(got.code).toBe(want.code);
  });

  it('unexpected success is FAILED, expected failure ok, a skip has no duration (every-field)', () => {
    const bytes = readFileSync(`${FIXTURES}every-field.subunit`);
    const pick = (s: string, id: string) => testLines(s).find((l) => l.includes(` ${id} `))!;
    const want = stestrTrace(bytes).stdout;
    const got = run(['trace', `${FIXTURES}every-field.subunit`]).stdout;
    for (const id of ['every.status.uxsuccess', 'every.status.xfail', 'every.status.skip', 'every.status.fail']) {
      // without timestamps the reference prints "[]": we print no duration
      expect(pick(got, id)).toBe(pick(want, id).replace(' []', ''));
    }
    expect(pick(got, 'every.status.uxsuccess')).toMatch(/\.\.\. FAILED$/);
    expect(pick(got, 'every.status.xfail')).toMatch(/\.\.\. ok$/);
  });
});

describe('subunit trace after mux', () => {
  it('keeps workers of different routes apart: the same worker-N tag under two routes is two workers', () => {
    const f = `${FIXTURES}sample-run-parallel.subunit`;
    const muxed = spawnSync(process.execPath, [CLI, 'mux', f, f], { maxBuffer: 1 << 30 }).stdout;
    const r = run(['trace', '--exit-zero'], muxed);
    const balance = r.stdout.slice(r.stdout.indexOf('Worker Balance')).split('\n').filter((l) => l.startsWith(' - Worker'));
    // routes 0 and 1, each holding the run's routes 0-2 with tags worker-0..2
    expect(balance.map((l) => l.replace(/ =>.*/, ''))).toEqual([
      ' - Worker 0/0/0 (1049 tests)', ' - Worker 0/1/1 (1047 tests)', ' - Worker 0/2/2 (1048 tests)',
      ' - Worker 1/0/0 (1049 tests)', ' - Worker 1/1/1 (1047 tests)', ' - Worker 1/2/2 (1048 tests)',
    ]);
    expect(testLines(r.stdout).length).toBe(2 * 3144);
  });

  it('shows each route\'s non-test output as whole lines marked with the route, UTF-8 intact', () => {
    const routed = Buffer.concat([
      encode({ fileName: 'stdout', fileBytes: Buffer.from('from one, ol\xc3', 'latin1'), routeCode: '1' }),
      encode({ fileName: 'stdout', fileBytes: Buffer.from('hello from zero\n'), routeCode: '0' }),
      encode({ fileName: 'stdout', fileBytes: Buffer.from('\xa1\nand the rest', 'latin1'), routeCode: '1' }),
      okTest,
    ]);
    const r = run(['trace'], routed);
    expect(r.stdout.startsWith('[0] hello from zero\n[1] from one, olá\n{0} a.ok [2.000000s] ... ok\n[1] and the rest\n')).toBe(true);
  });
});

describe('subunit trace flags (as os-testr\'s subunit-trace)', () => {
  it('-f is --fails: a recap of every failure after the run; -n hides them as they happen', () => {
    const r = run(['trace', '-n', '-f'], failing);
    expect(r.stdout.startsWith('{0} a.ok [2.000000s] ... ok\n{1} a.skipped ... SKIPPED: no network\n{0} a.bad [1.000000s] ... FAILED\n\n==============================\nFailed 1 tests - output below:\n==============================\n\na.bad\n-----\n\nCaptured traceback:\n~~~~~~~~~~~~~~~~~~~\n    AssertionError: 1 != 2\n\n')).toBe(true);
  });

  it('--abbreviate prints a character per test; --no-summary drops Totals, Worker Balance and slowest tests', () => {
    const r = run(['trace', '-a', '--no-summary'], failing);
    expect(r.stdout.split('\n')[0]).toBe('.SF');
    expect(r.stdout).not.toContain('Captured'); // as subunit-trace: -a prints no details (-f does)
    expect(r.stdout).not.toContain('Totals');
    expect(r.stdout).not.toContain('Slowest');
  });

  it('lists the slowest tests after the totals (--slowest N; 0: none)', () => {
    const r = run(['trace', '--slowest', '1'], failing);
    expect(r.stdout).toContain('\n=============\nSlowest Tests\n=============\nTest id  Runtime (s)\n-------  -----------\na.ok     2.000\n');
    expect(run(['trace', '--slowest', '0'], failing).stdout).not.toContain('Slowest');
    expect(run(['trace', '--slowest', 'x'], failing).stderr).toBe('subunit trace: --slowest takes a whole number\n');
  });
});

// ---- --perc-diff: durations against a repository recorded by `subunit load` ----------------

/** The recorded run, stored by `subunit load` in a fresh project's .subunit/. */
const recordedRun: FakeTest[] = [
  { id: 'pkg.T.fast', status: 'success', seconds: 1 },
  { id: 'pkg.T.slow', status: 'success', seconds: 2 },
  { id: 'pkg.T.same', status: 'success', seconds: 1 },
  { id: 'pkg.T.xf', status: 'xfail', seconds: 1 },
  { id: 'pkg.T.bad', status: 'fail', seconds: 1 },
  { id: 'pkg.T.third', status: 'success', seconds: 0.003 },
  { id: 'pkg.T.tie', status: 'success', seconds: 4 },
  { id: 'pkg.T.skipped', status: 'skip', seconds: 1 },
];
/** The run traced now. */
const laterRun = runBytes([
  { id: 'pkg.T.fast', status: 'success', seconds: 1.5 },
  { id: 'pkg.T.slow', status: 'success', seconds: 1 },
  { id: 'pkg.T.same', status: 'success', seconds: 1 },
  { id: 'pkg.T.xf', status: 'xfail', seconds: 1.25 },
  { id: 'pkg.T.bad', status: 'fail', seconds: 3, traceback: 'AssertionError' },
  { id: 'pkg.T.third', status: 'success', seconds: 0.004 },
  { id: 'pkg.T.tie', status: 'success', seconds: 0.375 },
  { id: 'pkg.T.new', status: 'success', seconds: 1 },
  { id: 'pkg.T.skipped', status: 'skip', seconds: 1 },
]);

function recordedProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'subunit-trace-diff-'));
  expect(subunit(['load'], { cwd: dir, input: runBytes(recordedRun) }).code).toBe(1); // a test failed: stored all the same
  return dir;
}

const traceIn = (cwd: string, args: string[]) => subunit(['trace', '--no-summary', '--exit-zero', ...args], { cwd, input: laterRun });

describe('subunit trace --perc-diff', () => {
  const project = recordedProject();

  it("adds each passing test's change against its recorded duration, as subunit-trace", () => {
    const r = traceIn(project, ['--perc-diff']);
    expect(r.stderr).toBe('');
    expect(testLines(r.stdout)).toEqual([
      '{0} pkg.T.fast [1.500000s +50.00%] ... ok',
      '{0} pkg.T.slow [1.000000s -50.00%] ... ok',
      '{0} pkg.T.same [1.000000s] ... ok', // no change: nothing added
      '{0} pkg.T.xf [1.250000s +25.00%] ... ok',
      '{0} pkg.T.bad [3.000000s] ... FAILED', // only passing tests compare
      '{0} pkg.T.third [0.004000s +33.33%] ... ok',
      '{0} pkg.T.tie [0.375000s -90.62%] ... ok', // -90.625: Python's %.2f rounds a tie to even
      '{0} pkg.T.new [1.000000s] ... ok', // never recorded
      '{0} pkg.T.skipped ... SKIPPED',
    ]);
    // without the flag, no repository is read
    expect(testLines(traceIn(project, []).stdout)[0]).toBe('{0} pkg.T.fast [1.500000s] ... ok');
  });

  it('--diff-threshold N shows only changes at least N percent in size; --repo names the repository', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'subunit-trace-cwd-'));
    const r = traceIn(elsewhere, ['-d', '-t', '33.33', '--repo', join(project, '.subunit')]);
    expect(testLines(r.stdout).filter((l) => l.includes('%'))).toEqual([
      '{0} pkg.T.fast [1.500000s +50.00%] ... ok',
      '{0} pkg.T.slow [1.000000s -50.00%] ... ok',
      '{0} pkg.T.third [0.004000s +33.33%] ... ok', // 33.333…: at least 33.33
      '{0} pkg.T.tie [0.375000s -90.62%] ... ok',
    ]);
    expect(testLines(traceIn(project, ['--perc-diff', '--diff-threshold', '90.7']).stdout).filter((l) => l.includes('%'))).toEqual([]);
  });

  it('refuses a missing repository and bad flags in one line', () => {
    const empty = mkdtempSync(join(tmpdir(), 'subunit-trace-none-'));
    expect(traceIn(empty, ['--perc-diff'])).toMatchObject({ code: 2, stdout: '', stderr: 'subunit trace: .subunit: no repository here (store a run with subunit load)\n' });
    expect(traceIn(project, ['--diff-threshold', '5']).stderr).toBe('subunit trace: --diff-threshold needs --perc-diff\n');
    expect(traceIn(project, ['-d', '-t', 'five']).stderr).toBe('subunit trace: --diff-threshold must be a number of percent, not "five"\n');
    expect(traceIn(project, ['--repo', project]).stderr).toBe('subunit trace: --repo is read only with --perc-diff\n');
  });
});

describe.runIf(hasStestr)('subunit trace --perc-diff = stestr subunit-trace --perc-diff', () => {
  it('the same lines from the same recorded times', () => {
    const project = recordedProject();
    // subunit-trace reads ./.testrepository/times.dbm: the times `subunit load` recorded, as a dumb dbm
    // (plus the plain file its existence check looks for)
    const index = JSON.parse(readFileSync(join(project, '.subunit', 'index.json'), 'utf8')) as { tests: Record<string, [number | null, string, number]> };
    const times = Object.entries(index.tests).filter(([, [t]]) => t !== null).map(([id, [t]]) => [id, String(t)]);
    expect(times.length).toBe(recordedRun.length);
    const made = spawnSync(PYTHON, ['-c', `
import dbm.dumb, json, os, sys
os.makedirs('.testrepository')
db = dbm.dumb.open('.testrepository/times.dbm', 'c')
for k, v in json.loads(sys.stdin.read()): db[k] = v
db.close()
open('.testrepository/times.dbm', 'w').close()
`], { cwd: project, input: JSON.stringify(times) });
    expect(made.stderr.toString()).toBe('');
    const want = spawnSync(PYTHON, ['-m', 'stestr.subunit_trace', '--perc-diff', '--no-summary'], { cwd: project, input: laterRun }).stdout.toString();
    expect(testLines(want).filter((l) => l.includes('%')).length).toBe(5);
    expect(testLines(traceIn(project, ['--perc-diff']).stdout)).toEqual(testLines(want));
  });
});

describe('subunit trace: lines written as bytes and as strings', () => {
  // ids that take the bytes path (printable ASCII, no files) and ids that do not
  // (non-ASCII, a control character, longer than 4096, a file attached), short and long, mixed
  // over more than one 256 KiB output buffer; durations negative, whole seconds of several digits
  const statuses = ['success', 'fail', 'skip', 'xfail', 'uxsuccess'] as const;
  const tests = Array.from({ length: 6000 }, (_, i) => {
    const kind = i % 7;
    const pad = i % 2 ? '.long'.repeat(9) : ''; // ids past 40 characters are copied another way
    const id = kind === 4 ? `pkg${pad}.é${i}` : kind === 5 ? `pkg${pad}.t${i}\x07` : kind === 6 && i % 100 === 6 ? `pkg.${'x'.repeat(5000)}${i}` : `pkg${pad}.mod.Test.test_${i}`;
    const us = ((i * 7_919_113) % 30_000_000_000) - 2_000_000; // −2 s … 30 000 s
    return { id, status: statuses[i % 5], us, file: kind === 3 };
  });
  const start = new Timestamp(1_700_000_000, 123_456_000);
  const stream = Buffer.concat(
    tests.flatMap((t) => {
      const stopUs = 1_700_000_000_123_456 + t.us;
      const stop = new Timestamp(Math.floor(stopUs / 1e6), (stopUs % 1e6) * 1000);
      return [
        encode({ testId: t.id, status: 'inprogress', timestamp: start }),
        ...(t.file ? [encode({ testId: t.id, fileName: 'stdout', mimeType: 'text/plain', fileBytes: Buffer.from('hi\n') })] : []),
        encode({ testId: t.id, status: t.status, timestamp: stop }),
      ];
    }),
  );
  // subunit-trace's '%d.%06ds' of the timedelta: whole seconds rounded down, the microseconds positive
  const seconds6 = (us: number) => {
    const whole = Math.floor(us / 1e6);
    return `${whole}.${String(us - whole * 1e6).padStart(6, '0')}s`;
  };
  const want = tests
    .map((t) => {
      const word = t.status === 'skip' ? 'SKIPPED' : t.status === 'fail' || t.status === 'uxsuccess' ? 'FAILED' : 'ok';
      const captured = t.file && t.status !== 'skip' ? '\nCaptured stdout:\n~~~~~~~~~~~~~~~~\n    hi\n' : '';
      return `{0} ${t.id}${t.status === 'skip' ? '' : ` [${seconds6(t.us)}]`} ... ${word}\n${captured}`;
    })
    .join('');
  for (const backend of ['wasm', 'js'] as const) {
    it(`the same lines either way, across output buffers (${backend})`, () => {
      const r = run(['trace', '--exit-zero', '--no-summary', '--backend', backend], stream);
      expect(want.length).toBeGreaterThan(1 << 18);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(want);
    });
  }
});
