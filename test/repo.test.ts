// Our repository (.subunit/): load, concurrent loads, damaged runs, history,
// retries and flaky, summarize; Python's dumb-dbm read for stestr's times.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subunit, subunitAsync, runBytes, type FakeTest } from './repo-helpers.js';
import { FIXTURES } from './helpers.js';
import { readDumbDbm } from '../cli/repo/dbm.js';
import { foldTraceback } from '../cli/repo/fold.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'subunit-repo-'));
const write = (dir: string, name: string, bytes: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const ids = (text: string) => text.split('\n').filter(Boolean);

describe('subunit load', () => {
  it('stores a run from a pipe, numbers runs in order, and last/failing/slowest read them', () => {
    const dir = fresh();
    const first = runBytes([{ id: 'a', status: 'success', seconds: 2 }, { id: 'b', status: 'fail', seconds: 0.5, traceback: 'boom' }]);
    const r = subunit(['load'], { cwd: dir, input: first });
    expect(r).toMatchObject({ code: 1, stderr: '', stdout: '.subunit: run 0: 2 tests: 1 passed, 1 failed, 0 skipped\n' });
    const second = runBytes([{ id: 'a', status: 'success', seconds: 3 }, { id: 'b', status: 'success', seconds: 0.25 }]);
    expect(subunit(['load', '-'], { cwd: dir, input: gzipSync(second) }).stdout).toBe('.subunit: run 1: 2 tests: 2 passed, 0 failed, 0 skipped\n');
    // the stored stream is the plain v2 of the input (gzip removed)
    expect(Buffer.compare(readFileSync(join(dir, '.subunit/1')), Buffer.from(second))).toBe(0);
    expect(subunit(['last', '--subunit'], { cwd: dir }).bytes.equals(Buffer.from(second))).toBe(true);
    expect(subunit(['failing', '--list'], { cwd: dir })).toMatchObject({ code: 0, stdout: '' });
    expect(subunit(['slowest'], { cwd: dir }).stdout).toBe(
      'Test id  Runtime (s)\n-------  -----------\na        3.000\nb        0.250\n',
    );
    const history = subunit(['history', 'show', '0'], { cwd: dir });
    expect(history.code).toBe(1);
    expect(history.stdout).toMatch(/b \[0\.500000s\] \.\.\. FAILED/);
  });

  it('a usage or missing-repository error is one line, exit 2', () => {
    const dir = fresh();
    expect(subunit(['last'], { cwd: dir })).toMatchObject({ code: 2, stdout: '', stderr: 'subunit last: .subunit: no repository here (store a run with subunit load)\n' });
    subunit(['load'], { cwd: dir, input: runBytes([{ id: 'a', status: 'success' }]) });
    expect(subunit(['history', 'show', 'x'], { cwd: dir })).toMatchObject({ code: 2, stderr: 'subunit history: the run must be a whole number, not "x"\n' });
    expect(subunit(['history', 'show', '7'], { cwd: dir })).toMatchObject({ code: 2, stderr: 'subunit history: .subunit: no run 7 (see subunit history list)\n' });
    expect(subunit(['slowest', '-n', '-1'], { cwd: dir }).code).toBe(2);
    expect(subunit(['load', join(dir, 'missing')], { cwd: dir })).toMatchObject({ code: 2, stderr: `subunit load: ${join(dir, 'missing')}: no such file\n` });
    expect(readdirSync(join(dir, '.subunit')).filter((f) => /^\d+$/.test(f))).toEqual(['0']); // nothing stored for it
  });

  it('eight loads at once: eight runs, none lost or mixed, every test in the index', async () => {
    const dir = fresh();
    subunit(['load'], { cwd: dir, input: runBytes([{ id: 'seed', status: 'success' }]) }); // the repository exists
    const inputs = Array.from({ length: 8 }, (_, k) =>
      write(dir, `in${k}`, runBytes(Array.from({ length: 300 }, (_, i) => ({ id: `w${k}.t${i}`, status: 'success', seconds: (k + 1) / 100 }) as FakeTest))),
    );
    const results = await Promise.all(inputs.map((p) => subunitAsync(['load', p], dir)));
    for (const r of results) expect(r).toMatchObject({ code: 0, stderr: '' });
    const stored = readdirSync(join(dir, '.subunit')).filter((f) => /^\d+$/.test(f)).sort((a, b) => Number(a) - Number(b));
    expect(stored).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8']);
    const contents = stored.slice(1).map((f) => readFileSync(join(dir, '.subunit', f)).toString('base64')).sort();
    expect(contents).toEqual(inputs.map((p) => readFileSync(p).toString('base64')).sort());
    const index = JSON.parse(readFileSync(join(dir, '.subunit/index.json'), 'utf8')) as { tests: Record<string, unknown> };
    expect(Object.keys(index.tests).length).toBe(1 + 8 * 300);
    expect(readdirSync(join(dir, '.subunit')).filter((f) => f.startsWith('.tmp') || f === 'lock')).toEqual([]);
  });

  it('a damaged or half-written run is reported and the others still read', () => {
    const dir = fresh();
    subunit(['load'], { cwd: dir, input: runBytes([{ id: 'a', status: 'success' }, { id: 'b', status: 'fail' }]) });
    subunit(['load'], { cwd: dir, input: runBytes([{ id: 'a', status: 'success' }, { id: 'b', status: 'success' }]) });
    const whole = runBytes([{ id: 'a', status: 'fail' }, { id: 'b', status: 'success' }]);
    write(dir, '.subunit/2', whole.subarray(0, whole.length - 7)); // cut inside the last packet
    write(dir, '.subunit/3.gz', gzipSync(whole).subarray(0, 40)); // a cut gzip
    const list = subunit(['history', 'list'], { cwd: dir });
    expect(list.code).toBe(0);
    expect(ids(list.stdout).slice(2).map((l) => l.split(/\s+/).slice(0, 5).join(' '))).toEqual(['0 2 1 1 0', '1 2 2 0 0', '2 3 0 3 0', '3 2 0 2 0']);
    expect(list.stderr).toMatch(/^subunit history: warning: \.subunit\/2: damaged at byte \d+: .+\n/m);
    expect(list.stderr).toMatch(/^subunit history: warning: \.subunit\/3\.gz: gzip data cut short\n/m);
    const flaky = subunit(['flaky'], { cwd: dir });
    expect(flaky.code).toBe(0);
    // a: pass, pass, fail, never finished — the damaged runs count what they held
    expect(flaky.stdout).toMatch(/^1 +4 +2 +a$/m);
  });

  it('history remove deletes a run; its number is not reused', () => {
    const dir = fresh();
    for (let i = 0; i < 2; i++) subunit(['load'], { cwd: dir, input: runBytes([{ id: 'a', status: 'success' }]) });
    expect(subunit(['history', 'remove', '1'], { cwd: dir }).code).toBe(0);
    expect(subunit(['load'], { cwd: dir, input: runBytes([{ id: 'a', status: 'success' }]) }).stdout).toMatch(/run 2:/);
    expect(ids(subunit(['history', 'list'], { cwd: dir }).stdout).slice(2).map((l) => l.split(' ')[0])).toEqual(['0', '2']);
  });
});

describe('both backends and a stale lock', () => {
  it('wasm and js give the same answers from a repository', () => {
    const dir = fresh();
    subunit(['load', FIXTURES + 'sample-run.subunit'], { cwd: dir });
    const damaged = runBytes([{ id: 'a', status: 'fail', traceback: 'x' }, { id: 'b', status: 'success' }]);
    write(dir, '.subunit/1', damaged.subarray(0, damaged.length - 5));
    for (const args of [['history', 'list'], ['failing', '--subunit'], ['slowest', '--all'], ['flaky'], ['summarize'], ['last']]) {
      const [wasm, js] = ['wasm', 'js'].map((b) => subunit([...args, '--backend', b], { cwd: dir }));
      expect(js.bytes.equals(wasm.bytes), args.join(' ')).toBe(true);
      expect(js.stderr).toBe(wasm.stderr);
    }
  });

  it('a lock left by a process that died is taken over', () => {
    const dir = fresh();
    subunit(['load'], { cwd: dir, input: runBytes([{ id: 'a', status: 'success' }]) });
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, '.subunit/lock'), gone);
    expect(subunit(['load'], { cwd: dir, input: runBytes([{ id: 'a', status: 'success' }]) })).toMatchObject({ code: 0, stdout: '.subunit: run 1: 1 tests: 1 passed, 0 failed, 0 skipped\n' });
    expect(readdirSync(join(dir, '.subunit'))).not.toContain('lock');
  });
});

describe('retries and flaky', () => {
  const first = runBytes([
    { id: 'x', status: 'fail', traceback: 'first try failed' },
    { id: 'y', status: 'success' },
    { id: 'z', status: 'fail', traceback: 'z broke' },
  ]);
  const retry = runBytes([{ id: 'x', status: 'success' }, { id: 'z', status: 'fail', traceback: 'z broke again' }], 1_800_000_100);

  it('merge --retries: the latest attempt counts, earlier ones kept as attachments', () => {
    const dir = fresh();
    const r = subunit(['merge', '--retries', write(dir, 'a', first), write(dir, 'b', retry)]);
    expect(r.code).toBe(1); // z failed on its retry too
    const json = subunit(['json'], { input: r.bytes }).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const final = (id: string) => json.filter((e) => e.testId === id && e.status && e.status !== 'inprogress').map((e) => e.status);
    expect([final('x'), final('y'), final('z')]).toEqual([['success'], ['success'], ['fail']]);
    const files = (id: string) => Object.fromEntries(json.filter((e) => e.testId === id && e.fileName).map((e) => [e.fileName, Buffer.from(e.fileBytes, 'base64').toString()]));
    expect(files('x')).toEqual({ 'attempt-1 traceback': 'first try failed', attempts: 'fail\nsuccess\n' });
    expect(files('z')).toEqual({ traceback: 'z broke again', 'attempt-1 traceback': 'z broke', attempts: 'fail\nfail\n' });
    expect(subunit(['summary'], { input: r.bytes }).stdout).toBe('3 tests: 2 passed, 1 failed, 0 skipped\n');
    expect(subunit(['merge', 'a']).code).toBe(2);
  });

  it('load --retry merges into the latest run; flaky counts the flip inside it', () => {
    const dir = fresh();
    expect(subunit(['load', write(dir, 'a', first)], { cwd: dir }).code).toBe(1);
    const r = subunit(['load', '--retry', write(dir, 'b', retry)], { cwd: dir });
    expect(r).toMatchObject({ code: 1, stdout: '.subunit: run 0 (retry merged): 3 tests: 2 passed, 1 failed, 0 skipped\n' });
    expect(subunit(['failing', '--list'], { cwd: dir }).stdout).toBe('z\n');
    expect(subunit(['flaky'], { cwd: dir }).stdout).toBe('Flips  Runs  Failed  Test id\n-----  ----  ------  -------\n1      1     1       x\n');
  });

  it('flaky ranks by flips across runs', () => {
    const dir = fresh();
    const outcomes: FakeTest['status'][][] = [
      ['success', 'fail', 'success'],
      ['fail', 'fail', 'success'],
      ['success', 'fail', 'skip'],
      ['fail', 'fail', 'success'],
    ];
    for (const run of outcomes) subunit(['load'], { cwd: dir, input: runBytes(run.map((status, i) => ({ id: `t${i}`, status }))) });
    expect(subunit(['flaky'], { cwd: dir }).stdout).toBe(
      'Flips  Runs  Failed  Test id\n-----  ----  ------  -------\n3      4     2       t0\n',
    );
    const noFlips = fresh();
    subunit(['load'], { cwd: noFlips, input: runBytes([{ id: 'a', status: 'success' }]) });
    expect(subunit(['flaky'], { cwd: noFlips }).stdout).toBe('no test changed outcome across 1 runs\n');
  });
});

describe('summarize', () => {
  it('groups failures whose tracebacks differ only in numbers, addresses and paths', () => {
    const tb = (path: string, line: number, addr: string) =>
      `Traceback (most recent call last):\n  File "${path}/test_x.py", line ${line}, in test\n    check(obj)\nValueError: <Obj at ${addr}> has 3 items, wanted ${line}\n`;
    const dir = fresh();
    const file = write(dir, 'run', runBytes([
      { id: 'a', status: 'fail', traceback: tb('/home/ci/src', 10, '0x7f00aa') },
      { id: 'b', status: 'fail', traceback: tb('/build/tree/src', 12, '0x7f00bb') },
      { id: 'c', status: 'fail', traceback: 'Traceback (most recent call last):\nKeyError: \'k\'\n' },
      { id: 'd', status: 'success' },
    ]));
    const r = subunit(['summarize', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '3 failures in 2 groups\n\n== 2 tests ==\n  a\n  b\n' +
        'Traceback (most recent call last):\n  File "…/test_x.py", line N, in test\n    check(obj)\nValueError: <Obj at 0x…> has N items, wanted N\n' +
        "\n== 1 test ==\n  c\nTraceback (most recent call last):\nKeyError: 'k'\n",
    );
    expect(foldTraceback('at C:\\work\\a.js:10:5')).toBe('at …/a.js:N:N');
  });
});

describe("stestr's times.dbm (Python dbm.dumb)", () => {
  it('reads what Python wrote, escaped and non-ASCII keys included', () => {
    const dir = fresh();
    const base = join(dir, 'times.dbm');
    const keys = { 'plain.test': '0.25', "quote's \"both\"": '1.5', 'tab\there\\back': '2', 'ünïcødé.测试': '3e-05', 'emoji.😀': '7' };
    execFileSync('/usr/bin/python3', ['-c', `import dbm.dumb, json, sys
db = dbm.dumb.open(sys.argv[1], 'c')
for k, v in json.loads(sys.argv[2]).items(): db[k] = v
db.close()`, base, JSON.stringify(keys)]);
    expect(Object.fromEntries(readDumbDbm(base)!)).toEqual(keys);
    writeFileSync(`${base}.dir`, 'not a dbm\n');
    expect(readDumbDbm(base)).toBeUndefined();
  });
});

describe('on the real run fixture', () => {
  it('history and slowest agree with subunit stats and ls --times', () => {
    const dir = fresh();
    expect(subunit(['load', FIXTURES + 'sample-run.subunit'], { cwd: dir }).stdout).toBe('.subunit: run 0: 3144 tests: 3019 passed, 14 failed, 111 skipped\n');
    const slow = ids(subunit(['slowest', '-n', '3'], { cwd: dir }).stdout).slice(2).map((l) => l.split(/\s+/));
    const times = ids(subunit(['ls', '--times', '--no-passthrough', FIXTURES + 'sample-run.subunit']).stdout)
      .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))] as [string, number])
      .sort((a, b) => b[1] - a[1]);
    expect(slow.map((r) => r[0])).toEqual(times.slice(0, 3).map((t) => t[0]));
    expect(ids(subunit(['failing', '--list'], { cwd: dir }).stdout).length).toBe(14);
  });
});
