// subunit emit, 1to2, 2to1 and v1 detection, against python-subunit's
// subunit-output, subunit-1to2 and subunit-2to1 where installed.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, hasReference, normalize } from './helpers.js';
import { decodeAll, eventToJSON } from '../bindings/index.js';

const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'subunit-convert-'));
const ours = (args: string[], input?: Uint8Array | string) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, maxBuffer: 1 << 30 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
};
const theirs = (tool: string, args: string[], input?: Uint8Array) => spawnSync(`/usr/bin/${tool}`, args, { input, maxBuffer: 1 << 30 }).stdout;
const have = (tool: string) => hasReference && existsSync(`/usr/bin/${tool}`);
const fixture = (name: string) => readFileSync(`${FIXTURES}${name}.subunit`);
/** Events without timestamps (the converters stamp the current time), tags as sets. */
const events = (bytes: Uint8Array) => normalize(decodeAll(bytes), { sortTags: true }).map(({ timestamp, ...e }) => e);

describe('subunit emit', () => {
  const file = join(tmp, 'log.txt');
  writeFileSync(file, 'hello\n');
  const big = join(tmp, 'big.bin');
  writeFileSync(big, Buffer.alloc((1 << 20) * 2 + 5, 7));
  const CASES = [
    ['--inprogress', 't1'], ['--exists', 't1', '--tag', 'a', '--tag', 'b'],
    ['--fail', 't1', '--attach-file', file, '--mimetype', 'text/plain', '--tag', 'x'],
    ['--attach-file', file, '--file-name', 'run.log'], ['--skip', 't2', '--attach-file', file],
    [], ['--tag', 'a', '--tag', 'b'], // the bare packet: the time (and the tags)
  ];
  it.runIf(have('subunit-output')).each(CASES)('= subunit-output %s %s', (...args) => {
    expect(events(ours(['emit', ...args]).stdout)).toEqual(events(theirs('subunit-output', args)));
  });

  it('sends large files in chunks, the last with eof and the final status; stamps the time', () => {
    const before = Date.now();
    const es = decodeAll(ours(['emit', '--success', 'big', '--attach-file', big]).stdout);
    expect(es.map((e) => [e.testId, e.status, e.fileBytes?.length, e.eof])).toEqual([
      ['big', undefined, 1 << 20, false], ['big', undefined, 1 << 20, false], ['big', 'success', 5, true],
    ]);
    expect(Math.abs(es[0].timestamp!.toDate().getTime() - before)).toBeLessThan(60_000);
  });

  it('stamps the time at the clock\'s precision, not milliseconds', () => {
    const nanos = [1, 2, 3].map(() => decodeAll(ours(['emit', '--success', 't']).stdout)[0].timestamp!.nanos);
    expect(nanos.some((n) => n % 1e6 !== 0)).toBe(true); // all three on a whole millisecond: 1 in 10^9
  });

  it.runIf(have('subunit-output')).each([[['--fail', 't', '--fail', 'u']], [['--fail', 't', '--success', 'u']]])('refuses two statuses with exit 2, as subunit-output: %j', (args) => {
    expect(spawnSync('/usr/bin/subunit-output', args).status).toBe(2);
    const r = ours(['emit', ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
  });

  it.each([
    [['--fail', 'a', '--success', 'b'], 'subunit emit: only one status may be given, not --success b and --fail a\n'],
    [['--fail', 't', '--fail', 'u'], 'subunit emit: only one status may be given, not --fail t and --fail u\n'],
    [['--success', 'a', '--mimetype', 'text/plain'], 'subunit emit: --file-name and --mimetype need --attach-file\n'],
    [['--success', 'a', '--attach-file', '/no/file'], 'subunit emit: /no/file: no such file\n'],
    [['a'], 'subunit emit: unexpected argument "a" (a test id follows a status option)\n'],
  ])('%j fails in one line', (args, message) => {
    const r = ours(['emit', ...args]);
    expect(r.stderr).toBe(message);
    expect(r.code).toBe(2);
  });
});

describe('subunit 2to1 and 1to2', () => {
  it.runIf(have('subunit-2to1')).each(['chatter', 'sample-run', 'nested-routes'])('2to1 = subunit-2to1 byte for byte: %s', (name) => {
    expect(Buffer.compare(ours(['2to1', `${FIXTURES}${name}.subunit`]).stdout, theirs('subunit-2to1', [], fixture(name)))).toBe(0);
  });

  it.runIf(have('subunit-1to2')).each(['chatter', 'sample-run', 'nested-routes', 'every-field'])('1to2 = subunit-1to2 on v1 of %s', (name) => {
    const v1 = ours(['2to1', `${FIXTURES}${name}.subunit`]).stdout;
    expect(events(ours(['1to2'], v1).stdout)).toEqual(events(theirs('subunit-1to2', [], v1)));
  });

  it('reads hand-written v1: simple and multipart details, tags, time, progress, lost connection', () => {
    const v1 = [
      'time: 2024-01-02 03:04:05.000001Z', 'tags: global', 'progress: 3', 'test: a', 'success: a',
      'testing b', 'tags: local -global', 'failure: b [', 'Traceback', ' ]', ']',
      'test: c', 'skip: c [', 'no network', ']',
      'test: d', 'error: d [ multipart', 'Content-Type: text/plain;charset=utf8', 'log', '5\r\nhello0\r\n]',
      'some other line', 'test: e', '',
    ].join('\n');
    const es = decodeAll(ours(['1to2'], v1).stdout).map((e) => eventToJSON(e));
    const brief = es.map((e) => [e.testId, e.status, e.fileName, e.fileName === 'stdout' || e.fileName === undefined ? undefined : Buffer.from(e.fileBytes as string, 'base64').toString(), e.tags]);
    expect(brief).toEqual([
      ['a', 'inprogress', undefined, undefined, undefined],
      ['a', 'success', undefined, undefined, ['global']],
      ['b', 'inprogress', undefined, undefined, undefined],
      ['b', undefined, 'traceback', 'Traceback\n]\n', undefined],
      ['b', 'fail', undefined, undefined, ['local']],
      ['c', 'inprogress', undefined, undefined, undefined],
      ['c', undefined, 'reason', 'no network\n', undefined],
      ['c', 'skip', undefined, undefined, ['global']],
      ['d', 'inprogress', undefined, undefined, undefined],
      ['d', undefined, 'log', 'hello', undefined],
      ['d', 'fail', undefined, undefined, ['global']],
      [undefined, undefined, 'stdout', undefined, undefined],
      ['e', 'inprogress', undefined, undefined, undefined],
      ['e', undefined, 'traceback', "lost connection during test 'e'", undefined],
      ['e', 'fail', undefined, undefined, ['global']],
    ]);
    expect(es[0].timestamp).toBe('2024-01-02T03:04:05.000001000Z');
  });

  it('every command detects v1 input, plain or gzipped', () => {
    const v1 = ours(['2to1', `${FIXTURES}sample-run.subunit`]).stdout;
    const want = ours(['summary', `${FIXTURES}sample-run.subunit`]).stdout.toString();
    expect(ours(['summary'], v1).stdout.toString()).toBe(want);
    expect(ours(['summary'], gzipSync(v1)).stdout.toString()).toBe(want);
    expect(ours(['stats', '--no-passthrough'], v1).stdout.toString()).toMatch(/^Total tests: +3144\nPassed tests: +3019\nFailed tests: +14\nSkipped tests: +111\n/);
  });

  it('a v2 stream that opens with v1-looking chatter stays v2', () => {
    const input = readFileSync(`${FIXTURES}damaged-dangling-lead.subunit`);
    expect(input.subarray(0, 9).toString()).toBe('progress ');
    const events = ours(['json'], input).stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => [e.testId, e.status])).toEqual(decodeAll(new Uint8Array(input)).map((e) => [e.testId, e.status]));
  });
});
