// subunit trace: live output, exit status, colour, failure details.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { FIXTURES } from './helpers.js';
import { encode } from '../bindings/index.js';

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
    expect(lines[1]).toBe('{1} a.skipped [0.000000s] ... SKIPPED: no network');
    expect(lines[2]).toBe('a.bad [1.000000s] ... FAILED');
    expect(r.stdout).toContain('traceback: {{{\nAssertionError: 1 != 2\n}}}\n');
    expect(r.stdout).toMatch(/Ran: 3 tests in 4\.0000 sec\.\n - Passed: 1\n - Skipped: 1\n - Expected Fail: 0\n - Unexpected Success: 0\n - Failed: 1\n/);
    expect(r.stdout).toMatch(/ - Worker 0 \(1 tests\) => 0:00:02\.00\n - Worker 1 \(1 tests\) => 0:00:00\.00\n/);
    expect(r.stdout).not.toContain('\x1b['); // not a terminal: no colour, no progress line
  });

  it('exits 0 when all passed, or with --exit-zero; --fail-only; --color', () => {
    expect(run(['trace'], passing).code).toBe(0);
    const z = run(['trace', '--exit-zero', '--fail-only', '--color'], failing);
    expect(z.code).toBe(0);
    expect(z.stdout.startsWith('a.bad [1.000000s] ... \x1b[31mFAILED\x1b[0m\n')).toBe(true);
    expect(z.stdout).not.toContain('a.ok');
  });

  it('counts tests that never finished as failures', () => {
    const r = run(['trace'], Buffer.concat([passing, encode({ testId: 'a.hung', status: 'inprogress' })]));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('a.hung [0.000000s] ... INCOMPLETE\n');
    expect(r.stdout).toContain(' - Incomplete: 1\n');
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
