// The node:test and vitest reporters: their output decodes here and with
// python-subunit, and loads into stestr (where installed; .ci/run installs them).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasReference } from './helpers.js';
import { decodeAll } from '../bindings/index.js';

const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/bin/subunit.js');
const tmp = mkdtempSync(join(tmpdir(), 'subunit-reporters-'));
const hasStestr = existsSync('/usr/bin/stestr');

function checkWithReference(stream: Uint8Array, ids: string[]) {
  if (!hasReference || !existsSync('/usr/bin/subunit-ls')) return;
  const ls = spawnSync('/usr/bin/subunit-ls', ['--no-passthrough'], { input: stream });
  expect(ls.stdout.toString().trim().split('\n').sort()).toEqual([...ids].sort());
  if (!hasStestr) return;
  const repo = mkdtempSync(join(tmp, 'stestr-'));
  expect(spawnSync('stestr', ['init'], { cwd: repo }).status).toBe(0);
  const load = spawnSync('stestr', ['load'], { cwd: repo, input: stream });
  expect(load.stdout.toString()).toMatch(/Ran 4 tests/);
  expect(load.stdout.toString()).toMatch(/failures=1, skips=1/);
}

const summary = (stream: Uint8Array) =>
  decodeAll(stream).filter((e) => e.status && e.status !== 'inprogress').map((e) => `${e.testId} ${e.status}`);

describe('node:test reporter (subunit-wasm/node-test)', () => {
  it('writes inprogress, failures as attachments and final statuses', () => {
    const file = join(ROOT, 'test', `.tmp-reporter-${process.pid}.test.mjs`);
    writeFileSync(file, `import { test, describe } from 'node:test';
import assert from 'node:assert';
describe('math', () => {
  test('adds', () => assert.equal(1 + 1, 2));
  test('fails', () => assert.equal(1 + 1, 3));
  test('skipped', { skip: 'not today' }, () => {});
});
test('slow', async () => { await new Promise((r) => setTimeout(r, 30)); });
`);
    try {
      // run from the package root: the reporter is found by the package's own name
      const r = spawnSync(process.execPath, ['--test', '--test-reporter=subunit-wasm/node-test', file], { cwd: ROOT });
      expect(r.status).toBe(1);
      const rel = `test/.tmp-reporter-${process.pid}.test.mjs`;
      expect(summary(r.stdout)).toEqual([`${rel}::math::adds success`, `${rel}::math::fails fail`, `${rel}::math::skipped skip`, `${rel}::slow success`]);
      const events = decodeAll(r.stdout);
      const tb = events.find((e) => e.fileName === 'traceback')!;
      expect(tb.testId).toBe(`${rel}::math::fails`);
      expect(new TextDecoder().decode(tb.fileBytes)).toMatch(/AssertionError.*2 == 3/);
      expect(events.filter((e) => e.testId === `${rel}::slow`).map((e) => e.status)).toEqual(['inprogress', 'success']);
      const [start, stop] = events.filter((e) => e.testId === `${rel}::slow`).map((e) => e.timestamp!);
      expect(stop.seconds + stop.nanos / 1e9 - (start.seconds + start.nanos / 1e9)).toBeGreaterThanOrEqual(0.025);
      const trace = spawnSync(process.execPath, [CLI, 'trace', '--no-color'], { input: r.stdout }).stdout.toString();
      expect(trace).toMatch(/Ran: 4 tests/);
      checkWithReference(r.stdout, [`${rel}::math::adds`, `${rel}::math::fails`, `${rel}::math::skipped`, `${rel}::slow`]);
    } finally {
      spawnSync('rm', ['-f', file]);
    }
  });
});

describe('vitest reporter (subunit-wasm/vitest)', () => {
  it('writes every test with its start time, failure text and status', () => {
    const dir = mkdtempSync(join(tmp, 'vt-'));
    writeFileSync(join(dir, 'package.json'), '{}');
    writeFileSync(join(dir, 'a.test.mjs'), `import { test, describe, expect } from 'vitest';
describe('math', () => {
  test('adds', () => expect(1 + 1).toBe(2));
  test('fails', () => expect(1 + 1).toBe(3));
  test.skip('skipped', () => {});
});
test('slow', async () => { await new Promise((r) => setTimeout(r, 30)); });
`);
    const out = join(dir, 'run.subunit');
    const r = spawnSync(join(ROOT, 'node_modules/.bin/vitest'), ['run', '--root', dir, `--reporter=${join(ROOT, 'dist/bindings/reporters/vitest.js')}`], {
      cwd: dir, env: { ...process.env, SUBUNIT_OUTPUT: out },
    });
    expect(r.status).toBe(1);
    const stream = readFileSync(out);
    expect(summary(stream)).toEqual(['a.test.mjs::math > adds success', 'a.test.mjs::math > fails fail', 'a.test.mjs::math > skipped skip', 'a.test.mjs::slow success']);
    const tb = decodeAll(stream).find((e) => e.fileName === 'traceback')!;
    expect(new TextDecoder().decode(tb.fileBytes)).toMatch(/expected 2 to be 3/);
    const ls = spawnSync(process.execPath, [CLI, 'ls', '--times'], { input: stream }).stdout.toString();
    expect(Number(/a\.test\.mjs::slow (\S+)/.exec(ls)![1])).toBeGreaterThanOrEqual(0.025);
    checkWithReference(stream, ['a.test.mjs::math > adds', 'a.test.mjs::math > fails', 'a.test.mjs::math > skipped', 'a.test.mjs::slow']);
  });
});
