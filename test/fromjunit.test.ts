// subunit from-junit: JUnit XML → v2.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, hasReference } from './helpers.js';
import { decodeAll } from '../bindings/index.js';

const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'subunit-junit-'));
const ours = (args: string[], input?: Uint8Array | string) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, maxBuffer: 1 << 30 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
};

const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="suite.one" timestamp="2024-03-04T05:06:07" tests="4">
    <testcase classname="pkg.TestA" name="test_ok" time="0.5"><system-out>printed &amp; kept</system-out></testcase>
    <testcase classname="pkg.TestA" name="test_bad" time="1.25">
      <failure type="AssertionError" message="1 != 2">Traceback:
  assert 1 == 2 &lt;here&gt;</failure>
      <system-err>warn</system-err>
    </testcase>
    <testcase classname="pkg.TestA" name="test_skip" time="0"><skipped message="no network"/></testcase>
    <testcase name="test_error"><error message="boom"/></testcase>
    <testsuite name="nested"><testcase classname="deep" name="t" time="2"/></testsuite>
  </testsuite>
</testsuites>`;

describe('subunit from-junit', () => {
  it('turns each test case into inprogress, attachments, final status with times', () => {
    const es = decodeAll(ours(['from-junit'], REPORT).stdout);
    const brief = es.map((e) => [e.testId, e.status ?? e.fileName, e.fileBytes && new TextDecoder().decode(e.fileBytes), e.timestamp?.toISOString().slice(11, 23)]);
    expect(brief).toEqual([
      ['pkg.TestA.test_ok', 'inprogress', undefined, '05:06:07.000'],
      ['pkg.TestA.test_ok', 'stdout', 'printed & kept', '05:06:07.500'],
      ['pkg.TestA.test_ok', 'success', undefined, '05:06:07.500'],
      ['pkg.TestA.test_bad', 'inprogress', undefined, '05:06:07.500'],
      ['pkg.TestA.test_bad', 'traceback', 'AssertionError: 1 != 2\nTraceback:\n  assert 1 == 2 <here>\n', '05:06:08.750'],
      ['pkg.TestA.test_bad', 'stderr', 'warn', '05:06:08.750'],
      ['pkg.TestA.test_bad', 'fail', undefined, '05:06:08.750'],
      ['pkg.TestA.test_skip', 'inprogress', undefined, '05:06:08.750'],
      ['pkg.TestA.test_skip', 'reason', 'no network', '05:06:08.750'],
      ['pkg.TestA.test_skip', 'skip', undefined, '05:06:08.750'],
      ['suite.one.test_error', 'inprogress', undefined, '05:06:08.750'],
      ['suite.one.test_error', 'traceback', 'boom\n', '05:06:08.750'],
      ['suite.one.test_error', 'fail', undefined, '05:06:08.750'],
      ['deep.t', 'inprogress', undefined, expect.any(String)],
      ['deep.t', 'success', undefined, expect.any(String)],
    ]);
    expect(es[0].timestamp!.toISOString().slice(0, 10)).toBe('2024-03-04');
  });

  it('round-trips our junit output of the real run, counts intact, from files, stdin and gzip', () => {
    const xml = ours(['junit', `${FIXTURES}sample-run.subunit`]).stdout;
    const f = join(tmp, 'run.xml');
    writeFileSync(f, xml);
    const want = /^Total tests: +3144\nPassed tests: +3019\nFailed tests: +14\nSkipped tests: +111\n/;
    const v2 = ours(['from-junit', f]).stdout;
    expect(ours(['stats', '--no-passthrough'], v2).stdout.toString()).toMatch(want);
    expect(ours(['stats', '--no-passthrough'], ours(['from-junit'], gzipSync(xml)).stdout).stdout.toString()).toMatch(want);
    // many files: one stream
    expect(ours(['summary'], ours(['from-junit', f, f]).stdout).stdout.toString()).toBe('6288 tests: 6038 passed, 28 failed, 222 skipped\n'); // many files: one stream
    if (hasReference && existsSync('/usr/bin/subunit-stats')) {
      const r = spawnSync('/usr/bin/subunit-stats', ['--no-passthrough'], { input: v2 });
      expect(r.stdout.toString()).toMatch(want);
    }
  });

  it.each([
    ['<testsuite><testcase', /^subunit from-junit: <stdin>:1: not well-formed XML \(.+\)\n$/],
    ['<report/>', /^subunit from-junit: <stdin>: not JUnit XML \(no <testsuites> or <testsuite>\)\n$/],
    ['', /^subunit from-junit: <stdin>: empty input, not JUnit XML\n$/],
  ])('%j fails in one line', (xml, message) => {
    const r = ours(['from-junit'], xml);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });
});
