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
    ['<report/>', /^subunit from-junit: <stdin>:1: not JUnit XML \(the root is <report>, not <testsuites> or <testsuite>\)\n$/],
    // each names the line and what is wrong (were "internal error: …")
    ['<testsuite>\n<testcase name="a" time="1e20"/></testsuite>', /^subunit from-junit: <stdin>:2: test case out of the v2 timestamp range \(time="1e20" ends it after 2106-02-07\)\n$/],
    ['<testsuite>\n\n<testcase name="a" time="1e12"/></testsuite>', /^subunit from-junit: <stdin>:3: test case out of the v2 timestamp range \(time="1e12" ends it after 2106-02-07\)\n$/],
    ['<testsuite timestamp="1960-01-01T00:00:00"><testcase name="a"/></testsuite>', /^subunit from-junit: <stdin>:1: test case out of the v2 timestamp range \(its suite starts before 1970\)\n$/],
    ['<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<testsuite><testcase name="&e;"/></testsuite>',
      /^subunit from-junit: <stdin>:2: DTD entity declarations are not supported \(JUnit reports use none\)\n$/],
    ['<testsuite>\n<testcase name="&e;"/></testsuite>', /^subunit from-junit: <stdin>:2: not well-formed XML \(undefined entity\.\)\n$/],
    ['', /^subunit from-junit: <stdin>: empty input, not JUnit XML\n$/],
  ])('%j fails in one line', (xml, message) => {
    const r = ours(['from-junit'], xml);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });

  it('keeps the test cases before a bad one (streamed, written as each closes)', () => {
    const r = ours(['from-junit'], '<testsuite><testcase name="ok" time="1"/>\n<testcase name="bad" time="1e20"/></testsuite>');
    expect(r.stderr).toMatch(/<stdin>:2: test case out of the v2 timestamp range/);
    expect(decodeAll(r.stdout).map((e) => [e.testId, e.status])).toEqual([['ok', 'inprogress'], ['ok', 'success']]);
  });

  it('streams: a 40 MB report converts in a 64 MB heap (parsed whole, it took ~40x its size)', () => {
    const f = join(tmp, 'big.xml');
    const one = '<testcase classname="pkg.mod.TestBig" name="test_something_rather_long" time="0.001"><system-out>' + 'x'.repeat(100) + '</system-out></testcase>\n';
    const cases = Math.ceil(40e6 / one.length);
    writeFileSync(f, '<testsuite name="s" timestamp="2024-01-01T00:00:00">\n' + one.repeat(cases) + '</testsuite>\n');
    const r = spawnSync(process.execPath, ['--max-old-space-size=64', CLI, 'from-junit', f], { maxBuffer: 1 << 30 });
    expect(r.stderr.toString()).toBe('');
    expect(ours(['summary'], r.stdout).stdout.toString()).toBe(`${cases} tests: ${cases} passed, 0 failed, 0 skipped\n`);
  });

  it('reads suites nested 100,000 deep (was "internal error: Maximum nested tags exceeded")', () => {
    const depth = 100_000;
    const xml = '<testsuite name="s">'.repeat(depth) + '<testcase name="t"/>' + '</testsuite>'.repeat(depth);
    const r = ours(['from-junit'], xml);
    expect(r.stderr).toBe('');
    expect(decodeAll(r.stdout).map((e) => [e.testId, e.status])).toEqual([['s.t', 'inprogress'], ['s.t', 'success']]);
  });
});
