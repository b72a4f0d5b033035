// subunit github / markdown: golden output for the real-run fixture, and the
// rules under it (where a failure is, escaping, totals equal to subunit stats).
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subunit, runBytes } from './repo-helpers.js';
import { FIXTURES } from './helpers.js';
import { githubError, placeOf } from '../cli/repo/ci.js';
import type { TestResult } from '../bindings/results/results.js';

const GOLDEN = new URL('./golden/', import.meta.url).pathname;
const ROOT = '/usr/lib/python3/dist-packages/subunit'; // where the fixture's tests lived when it was recorded
const RUN = FIXTURES + 'sample-run.subunit';

describe('subunit github on the real run', () => {
  const summaryFile = join(mkdtempSync(join(tmpdir(), 'subunit-gh-')), 'summary.md');
  writeFileSync(summaryFile, '# earlier step\n');
  const r = subunit(['github', '--root', ROOT, RUN], { env: { ...process.env, GITHUB_STEP_SUMMARY: summaryFile } });

  it('writes the golden annotations and appends the golden job summary', () => {
    expect(r.code).toBe(1); // the run failed
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(readFileSync(GOLDEN + 'github-sample-run.txt', 'utf8'));
    expect(readFileSync(summaryFile, 'utf8')).toBe('# earlier step\n' + readFileSync(GOLDEN + 'github-sample-run.summary.md', 'utf8'));
  });

  it('one annotation per failure subunit stats counts, each pointing at a real file and line in the tree', () => {
    const stats = subunit(['stats', '--no-passthrough', RUN]).stdout;
    const failed = Number(/Failed tests:\s+(\d+)/.exec(stats)![1]);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines.length).toBe(failed);
    for (const l of lines) {
      const m = /^::error file=([^,]+),line=(\d+),title=[^:]+::Traceback \(most recent call last\):%0A/.exec(l);
      expect(m, l.slice(0, 120)).not.toBeNull();
      if (existsSync(ROOT)) expect(readFileSync(join(ROOT, m![1]), 'utf8').split('\n').length).toBeGreaterThanOrEqual(Number(m![2]));
      expect(l).not.toMatch(/[\r\n]/);
    }
  });

  it('markdown prints the same summary, its totals those of subunit stats, and exits 0', () => {
    const md = subunit(['markdown', RUN]);
    expect(md.code).toBe(0);
    expect(md.stdout).toBe(readFileSync(GOLDEN + 'github-sample-run.summary.md', 'utf8'));
    const stats = subunit(['stats', '--no-passthrough', RUN]).stdout;
    const n = (label: string) => /(\d+)/.exec(stats.split('\n').find((l) => l.startsWith(label))!)![1];
    const row = md.stdout.split('\n')[4].split('|').map((c) => c.trim());
    expect(row.slice(1, 5)).toEqual([n('Total tests'), n('Passed tests'), n('Failed tests'), n('Skipped tests')]);
    expect(Math.abs(parseFloat(row[5]) - parseFloat(/Run time: ([\d.]+)s/.exec(stats)![1]))).toBeLessThan(0.006); // 2 decimals
  });
});

describe('where a failure happened', () => {
  const root = '/src/app';
  it('takes the innermost Python frame in the tree, skipping installed code', () => {
    const tb = [
      'Traceback (most recent call last):',
      '  File "/src/app/tests/test_x.py", line 12, in test_x',
      '    helper()',
      '  File "/src/app/app/util.py", line 40, in helper',
      '    lib.call()',
      '  File "/src/app/.venv/lib/python3.11/site-packages/lib.py", line 3, in call',
      '  File "/usr/lib/python3.11/unittest/case.py", line 873, in assertEqual',
      'AssertionError',
    ].join('\n');
    expect(placeOf(tb, root)).toEqual({ file: 'app/util.py', line: 40 });
  });

  it('takes the outermost JS frame in the tree: node, vitest, file URLs, relative paths', () => {
    expect(placeOf('Error: x\n    at f (/src/app/node_modules/lib/index.js:3:9)\n    at t (/src/app/test/a.test.ts:12:5)\n    at /src/app/test/b.ts:1:1', root)).toEqual({ file: 'test/a.test.ts', line: 12 });
    expect(placeOf('AssertionError: expected 1 to be 2\n ❯ test/math.test.ts:7:15', root)).toEqual({ file: 'test/math.test.ts', line: 7 });
    expect(placeOf('at file:///src/app/lib/x.mjs:30:2', root)).toEqual({ file: 'lib/x.mjs', line: 30 });
    expect(placeOf('at Object.<anonymous> (/elsewhere/x.js:1:1)', root)).toBeUndefined();
  });

  it('escapes data and properties as workflow commands need', () => {
    const r = {
      id: 'a,b: 100%', status: 'fail', complete: true, tags: [],
      attachments: [{ name: 'traceback', mimeType: 'text/plain', bytes: new TextEncoder().encode('line 1: 50%\r\n  at /src/app/ab.js:2:3') }],
    } as unknown as TestResult;
    expect(githubError(r, root)).toBe('::error file=ab.js,line=2,title=a%2Cb%3A 100%25 failed::line 1: 50%25%0D%0A  at /src/app/ab.js:2:3\n');
  });

  it('a passing run: no annotations, exit 0; a failure without a traceback still annotated', () => {
    expect(subunit(['github'], { input: runBytes([{ id: 'ok', status: 'success' }]), env: { ...process.env, GITHUB_STEP_SUMMARY: '' } })).toMatchObject({ code: 0, stdout: '' });
    expect(subunit(['github'], { input: runBytes([{ id: 'bad', status: 'fail' }]), env: { ...process.env, GITHUB_STEP_SUMMARY: '' } }).stdout).toBe('::error title=bad failed::fail\n');
  });
});
