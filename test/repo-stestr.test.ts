// A real stestr repository (stestr init, two stestr runs of a small Python
// suite with a failing and a slow test): subunit last/failing/slowest must
// answer as stestr last/failing/slowest do on it.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subunit } from './repo-helpers.js';

const SUITE = `import time, unittest

class TestDemo(unittest.TestCase):
    def test_pass(self):
        pass
    def test_fail(self):
        self.assertEqual(1, 2)
    def test_slow(self):
        time.sleep(0.4)
    def test_medium(self):
        time.sleep(0.15)

class TestOther(unittest.TestCase):
    def test_skip(self):
        self.skipTest("not here")
    def test_short(self):
        time.sleep(0.05)
    def test_error(self):
        raise RuntimeError("boom")
`;

let dir: string;

function stestr(args: string[], cwd = dir) {
  const r = spawnSync('stestr', args, { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'subunit-stestr-'));
  mkdirSync(join(dir, 'demo/tests'), { recursive: true });
  writeFileSync(join(dir, 'demo/__init__.py'), '');
  writeFileSync(join(dir, 'demo/tests/__init__.py'), '');
  writeFileSync(join(dir, 'demo/tests/test_demo.py'), SUITE);
  writeFileSync(join(dir, '.stestr.conf'), '[DEFAULT]\ntest_path=./demo/tests\ntop_dir=./\n');
  execFileSync('stestr', ['init'], { cwd: dir });
  for (let i = 0; i < 2; i++) expect(stestr(['run']).code).toBe(1); // the failing tests fail it
});

/** Rows of stestr's slowest table: [id, time text]. */
function rows(table: string): string[][] {
  return table.split('\n').slice(2).filter(Boolean).map((l) => l.trim().split(/\s+/));
}

describe('on a real stestr repository', () => {
  it('slowest prints the table stestr slowest prints', () => {
    const ours = subunit(['slowest', '--all'], { cwd: dir });
    const theirs = stestr(['slowest', '--all']);
    expect(ours.code).toBe(theirs.code);
    expect(ours.stderr).toBe('');
    // stestr orders equal times by a set's iteration order: compare header, rows as a set, our order
    const [oursHead, theirsHead] = [ours.stdout, theirs.stdout].map((t) => t.split('\n').slice(0, 2).join('\n'));
    expect(oursHead).toBe(theirsHead);
    expect(rows(ours.stdout).map((r) => r.join(' ')).sort()).toEqual(rows(theirs.stdout).map((r) => r.join(' ')).sort());
    const times = rows(ours.stdout).map((r) => Number(r[1]));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(rows(ours.stdout)[0][0]).toBe('demo.tests.test_demo.TestDemo.test_slow');
    // and the default: the 10 slowest (all 7 here), same rows
    expect(rows(subunit(['slowest'], { cwd: dir }).stdout).length).toBe(rows(stestr(['slowest']).stdout).length);
  });

  it('failing --list lists what stestr failing --list lists, with its exit status', () => {
    const ours = subunit(['failing', '--list'], { cwd: dir });
    const theirs = stestr(['failing', '--list']);
    expect(ours.code).toBe(1);
    expect(theirs.code).toBe(1);
    expect(ours.stdout.split('\n').filter(Boolean).sort()).toEqual(theirs.stdout.split('\n').filter(Boolean).sort());
    expect(ours.stdout.split('\n').filter(Boolean).length).toBe(2);
  });

  it('last gives the per-test outcomes and totals stestr last gives', () => {
    const ours = subunit(['last'], { cwd: dir });
    const theirs = stestr(['last']);
    expect(ours.code).toBe(theirs.code);
    const outcomes = (text: string) =>
      [...text.matchAll(/^\{\d+\} (\S+)(?: \[[^\]]*\])? \.\.\. (\w+)/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
    expect(outcomes(ours.stdout)).toEqual(outcomes(theirs.stdout));
    expect(outcomes(ours.stdout).length).toBe(7);
    const totals = (text: string) => text.match(/^ - (Passed|Skipped|Expected Fail|Unexpected Success|Failed): \d+$/gm);
    expect(totals(ours.stdout)).toEqual(totals(theirs.stdout));
  });

  it('last --subunit gives the stream stestr last --subunit gives (same tests, statuses, times)', () => {
    const ours = subunit(['last', '--subunit'], { cwd: dir });
    const theirs = spawnSync('stestr', ['last', '--subunit'], { cwd: dir });
    expect(ours.code).toBe(theirs.status);
    const ls = (bytes: Uint8Array) => subunit(['ls', '--times', '--no-passthrough'], { input: bytes }).stdout.split('\n').sort();
    expect(ls(ours.bytes)).toEqual(ls(theirs.stdout));
    const stats = (bytes: Uint8Array) => subunit(['stats', '--no-passthrough'], { input: bytes }).stdout;
    expect(stats(ours.bytes)).toBe(stats(theirs.stdout));
  });

  it('history list shows both runs; without times.dbm the times are rebuilt from the streams', () => {
    const list = subunit(['history', 'list'], { cwd: dir });
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split(/\s+/).slice(0, 5).join(' '))).toEqual([
      '0 7 4 2 1',
      '1 7 4 2 1',
    ]);
    const copy = mkdtempSync(join(tmpdir(), 'subunit-stestr-copy-'));
    cpSync(join(dir, '.stestr'), join(copy, '.stestr'), { recursive: true });
    for (const f of ['times.dbm.dat', 'times.dbm.dir', 'times.dbm.bak']) rmSync(join(copy, '.stestr', f), { force: true });
    const rebuilt = subunit(['slowest', '--all'], { cwd: copy });
    expect(rows(rebuilt.stdout).map((r) => r.join(' ')).sort()).toEqual(rows(stestr(['slowest', '--all']).stdout).map((r) => r.join(' ')).sort());
  });

  it('loading stestr\'s streams into our repository gives the same slowest and failing answers', () => {
    const ours = mkdtempSync(join(tmpdir(), 'subunit-ours-'));
    for (const n of ['0', '1']) expect(subunit(['load', join(dir, '.stestr', n)], { cwd: ours }).code).toBe(1);
    expect(rows(subunit(['slowest', '--all'], { cwd: ours }).stdout).map((r) => r.join(' ')).sort()).toEqual(
      rows(stestr(['slowest', '--all']).stdout).map((r) => r.join(' ')).sort(),
    );
    expect(subunit(['failing', '--list'], { cwd: ours }).stdout.split('\n').sort()).toEqual(stestr(['failing', '--list']).stdout.split('\n').sort());
  });

  it('--repo names the repository or the stestr project holding it', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'subunit-elsewhere-'));
    const want = subunit(['failing', '--list'], { cwd: dir }).stdout;
    expect(subunit(['failing', '--list', '--repo', join(dir, '.stestr')], { cwd: elsewhere }).stdout).toBe(want);
    expect(subunit(['failing', '--list', '--repo', dir], { cwd: elsewhere }).stdout).toBe(want);
  });

  it('refuses to write into a stestr repository', () => {
    const r = subunit(['load', join(dir, '.stestr', '0')], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^subunit load: \.stestr: a stestr repository is read here, not written \(use stestr load\)\n$/);
  });
});
