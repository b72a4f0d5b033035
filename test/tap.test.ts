// `subunit from-tap` on the real TAP of node:test, vitest (tap, tap-flat),
// mocha, node-tap and Deno — generated here by the installed runners, once
// each — and `subunit to-tap`: round trips, python-subunit's tap2subunit on
// the same TAP, and the parts of TAP the runners above do not write.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeAll } from '../bindings/index.js';
import { TapReader, splitDescription } from '../cli/commands/fromtap.js';
import { tapDescription } from '../cli/commands/totap.js';
import { Encoder } from '../bindings/codec/encoder.js';
import { BIN, CLI, attachment, pythonStats, run, scratchProject, statuses, text } from './reporter-runs.js';

const denoBin = createRequire(import.meta.url).resolve('deno/bin.cjs');

const project = scratchProject('tap', {
  'package.json': '{}',
  'n.test.mjs': `import { test, describe } from 'node:test';
import assert from 'node:assert';
describe('math', () => {
  test('adds', () => assert.equal(1 + 1, 2));
  test('fails', () => assert.equal(1 + 1, 3));
  test('skipped', { skip: 'not today' }, () => {});
  test('todo', { todo: 'later' }, () => { throw new Error('x'); });
});
test('top # hash', () => {});
test('slow', async () => { await new Promise((r) => setTimeout(r, 30)); });
`,
  'v.test.mjs': `import { test, describe, expect } from 'vitest';
describe('math', () => {
  test('adds', () => expect(1 + 1).toBe(2));
  test('fails', () => expect(1 + 1).toBe(3));
  test.skip('skipped', () => {});
  test.todo('later');
});
test('top', () => {});
`,
  'm.spec.js': `describe('math', function () {
  it('adds', function () { console.log('hello from adds'); });
  it('fails', function () { throw new Error('1 + 1 is not 3'); });
  it.skip('skipped', function () {});
});
describe('broken setup', function () {
  before(function () { throw new Error('setup failed'); });
  it('never runs', function () {});
});
`,
  't.test.mjs': `import t from 'tap';
t.test('math', async (t) => {
  t.equal(1 + 1, 2, 'adds');
  t.equal(1 + 1, 3, 'fails');
  t.pass('skipped', { skip: 'not today' });
});
t.test('top', async (t) => { t.pass('ok'); });
`,
  'd_test.ts': `Deno.test('adds', () => {});
Deno.test('fails', () => { throw new Error('1 + 1 is not 3'); });
Deno.test({ name: 'skipped', ignore: true, fn() {} });
Deno.test('steps', async (t) => {
  await t.step('inner ok', () => {});
  await t.step('inner fails', () => { throw new Error('inner'); });
});
`,
}, ['tap']);

const RUNNERS = {
  'node:test': [process.execPath, ['--test', '--test-reporter=tap', 'n.test.mjs']],
  'vitest tap': [BIN('vitest'), ['run', '--root', project, '--reporter=tap', 'v.test.mjs']],
  'vitest tap-flat': [BIN('vitest'), ['run', '--root', project, '--reporter=tap-flat', 'v.test.mjs']],
  mocha: [BIN('mocha'), ['--reporter', 'tap', 'm.spec.js']],
  'node-tap': [BIN('tap'), ['--reporter=tap', '--disable-coverage', 't.test.mjs']],
  deno: [process.execPath, [denoBin, 'test', '--no-config', '--no-lock', '--reporter=tap', 'd_test.ts']],
} as const satisfies Record<string, readonly [string, readonly string[]]>;
type Runner = keyof typeof RUNNERS;

const EXPECTED: Record<Runner, string[]> = {
  'node:test': ['math > adds success', 'math > fails fail', 'math > skipped skip', 'math > todo xfail', 'top # hash success', 'slow success'],
  'vitest tap': ['v.test.mjs > math > adds success', 'v.test.mjs > math > fails fail', 'v.test.mjs > math > skipped skip', 'v.test.mjs > math > later success', 'v.test.mjs > top success'],
  'vitest tap-flat': ['v.test.mjs > math > adds success', 'v.test.mjs > math > fails fail', 'v.test.mjs > math > skipped skip', 'v.test.mjs > math > later success', 'v.test.mjs > top success'],
  mocha: ['math adds success', 'math fails fail', 'math skipped skip', 'broken setup "before all" hook for "never runs" fail'],
  'node-tap': ['t.test.mjs > math > adds success', 't.test.mjs > math > fails fail', 't.test.mjs > math > skipped skip', 't.test.mjs > top > ok success'],
  deno: ['adds success', 'fails fail', 'skipped skip', 'steps > inner ok success', 'steps > inner fails fail'],
};

function subunit(args: string[], input: string | Uint8Array): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

const fromTap = (tap: string | Uint8Array) => subunit(['from-tap'], tap).stdout;
const chatter = (stream: Uint8Array) => text(decodeAll(stream).filter((e) => e.testId === undefined && e.fileName === 'stdout'));

describe('subunit from-tap on real runners\' TAP', () => {
  const tap = {} as Record<Runner, string>;
  beforeAll(async () => {
    const runs = await Promise.all(Object.entries(RUNNERS).map(([, [cmd, args]]) => run(cmd, [...args], { cwd: project, env: { DENO_NO_UPDATE_CHECK: '1' } })));
    Object.keys(RUNNERS).forEach((name, i) => (tap[name as Runner] = runs[i].stdout));
  });

  it.each(Object.keys(RUNNERS) as Runner[])('%s: every test with its status, subtests joined by " > "', (runner) => {
    expect(tap[runner]).toMatch(/^(not )?ok 1 /m);
    expect(statuses(fromTap(tap[runner]))).toEqual(EXPECTED[runner].map((s) => s));
  });

  it('node:test: YAML blocks become tracebacks (failures) or diagnostics, durations come from duration_ms', () => {
    const stream = fromTap(tap['node:test']);
    const tb = attachment(stream, 'math > fails', 'traceback');
    expect(tb[0].mimeType).toBe('text/x-traceback; charset="utf8"');
    expect(text(tb)).toMatch(/^---\nduration_ms: [\d.]+\n(.*\n)*error: '2 == 3'\n(.*\n)*\.\.\.\n$/);
    expect(text(attachment(stream, 'math > skipped', 'reason'))).toBe('not today');
    expect(text(attachment(stream, 'math > adds', 'diagnostics'))).toMatch(/duration_ms/);
    const slow = decodeAll(stream).filter((e) => e.testId === 'slow' && e.status);
    const [start, stop] = slow.map((e) => e.timestamp!.seconds + e.timestamp!.nanos / 1e9);
    expect(stop - start).toBeGreaterThanOrEqual(0.025);
    // comments and other lines are kept: node's totals
    expect(chatter(stream)).toMatch(/# tests 6\n# suites 1\n# pass 3\n/);
  });

  it('mocha: indented failure text is the test\'s traceback; console output is kept as chatter', () => {
    const stream = fromTap(tap.mocha);
    expect(text(attachment(stream, 'math fails', 'traceback'))).toMatch(/^1 \+ 1 is not 3\nError: 1 \+ 1 is not 3\n\s+at /);
    expect(chatter(stream)).toContain('hello from adds\n');
  });

  it('vitest: # time= directives are durations; tap and tap-flat give the same ids', () => {
    const stream = fromTap(tap['vitest tap']);
    const adds = decodeAll(stream).filter((e) => e.testId === 'v.test.mjs > math > adds' && e.status);
    const ms = Number(/ok 1 - adds # time=([\d.]+)ms/.exec(tap['vitest tap'])![1]);
    const [start, stop] = adds.map((e) => e.timestamp!.seconds * 1e3 + e.timestamp!.nanos / 1e6);
    expect(stop - start).toBeCloseTo(ms, 0);
  });

  it('reads the same counts as python-subunit\'s tap2subunit where both read the TAP (mocha\'s, flat)', () => {
    const theirs = spawnSync('/usr/bin/tap2subunit', [], { input: tap.mocha }).stdout;
    expect(pythonStats(fromTap(tap.mocha))).toEqual(pythonStats(theirs));
  });

  it.each(Object.keys(RUNNERS) as Runner[])('%s: from-tap → to-tap → from-tap keeps ids and outcomes', (runner) => {
    const once = fromTap(tap[runner]);
    const back = subunit(['to-tap'], once);
    expect(back.status).toBe(EXPECTED[runner].some((s) => s.endsWith(' fail')) ? 1 : 0);
    expect(statuses(fromTap(back.stdout))).toEqual(statuses(once));
  });

  it('to-tap output read by tap2subunit counts as the stream does', () => {
    const stream = fromTap(tap.mocha);
    const theirs = spawnSync('/usr/bin/tap2subunit', [], { input: subunit(['to-tap'], stream).stdout }).stdout;
    expect(pythonStats(theirs)).toEqual(pythonStats(stream));
  });
});

/** Events of hand-written TAP through the reader, as "id status" lines. */
function read(tap: string): { tests: string[]; events: ReturnType<TapReader['line']> } {
  const reader = new TapReader();
  const events = [...tap.replace(/\n$/, '').split('\n').flatMap((l) => reader.line(l)), ...reader.end()];
  return { tests: events.filter((e) => e.status && e.status !== 'inprogress').map((e) => `${e.testId} ${e.status}`), events };
}
const files = (events: ReturnType<TapReader['line']>, name: string) =>
  events.filter((e) => e.fileName === name).map((e) => `${e.testId ?? ''}: ${new TextDecoder().decode(e.fileBytes)}`);

describe('TAP the runners above do not write', () => {
  it('Bail out! is a failing test; what follows is kept, not parsed', () => {
    const { tests, events } = read('TAP version 14\n1..3\nok 1 - a\nBail out! database down\nok 2 - b\n');
    expect(tests).toEqual(['a success', 'Bail out! fail']);
    expect(files(events, 'traceback')).toEqual(['Bail out!: Bail out! database down\n(line 4)\n']);
    expect(files(events, 'stdout')).toContain(': ok 2 - b\n');
  });

  it('planned tests that never came fail as "test N" (as tap2subunit), a skipped plan runs nothing', () => {
    expect(read('1..3\nok 1 - a\n').tests).toEqual(['a success', 'test 2 fail', 'test 3 fail']);
    expect(read('1..0 # SKIP no database\n').tests).toEqual([]);
    const theirs = spawnSync('/usr/bin/tap2subunit', [], { input: '1..3\nok 1 - a\n' }).stdout;
    expect(pythonStats(theirs).failed).toBe(2);
  });

  it('pragma +strict makes lines that are not TAP failures; -strict ends it', () => {
    const { tests } = read('TAP version 14\npragma +strict\nok 1 - a\nnoise\npragma -strict\nmore noise\n1..1\n');
    expect(tests).toEqual(['a success', 'line 4 fail']);
  });

  it('descriptions: escaped \\# and \\\\, a bare number, TODO that passes, CRLF line ends', () => {
    expect(read('ok 1 - a \\# b \\\\ c # SKIP why\r\nnot ok 2\r\nok 3 - t # TODO soon\r\nnot ok 4 - u # todo\r\n').tests)
      .toEqual(['a # b \\ c skip', 'test 2 fail', 't success', 'u xfail']);
    expect(splitDescription('x\\#y # time=3ms')).toEqual({ name: 'x#y', directive: 'time=3ms' });
    expect(tapDescription('a#b\\c')).toBe('a\\#b\\\\c');
  });

  it('old TAP 13 subtests (indented, no "# Subtest:") and a suite that failed by itself (its hook)', () => {
    expect(read('    ok 1 - inner\n        not ok 1 - x\n        1..1\n    not ok 2 - deeper\n    1..2\nnot ok 1 - outer\nok 2 - next\n').tests)
      .toEqual(['outer > inner success', 'outer > deeper > x fail', 'next success']);
    const hook = '# Subtest: s\n    # Subtest: t\n    ok 1 - t\n    1..1\nnot ok 1 - s\n  ---\n  error: before hook failed\n  ...\n1..1\n';
    expect(read(hook).tests).toEqual(['s > t success', 's fail']);
  });

  it('nothing is lost: every line is a test point, part of a test\'s text, a structure line, or chatter', () => {
    const tap = 'TAP version 14\n# a comment\nok 1 - a\n  ---\n  x: 1\n  ...\nrandom output\n1..1\n';
    const { events } = read(tap);
    expect(files(events, 'stdout')).toEqual([': TAP version 14\n', ': # a comment\n', ': random output\n', ': 1..1\n']);
    expect(files(events, 'diagnostics')).toEqual(['a: ---\nx: 1\n...\n']);
  });

  it('keeps input that is not TAP (nor UTF-8) byte for byte as chatter', () => {
    const noise = new Uint8Array(70_000).map((_, i) => (i * 7919 + (i >> 3)) & 0xff); // bytes of every value, lines of every length
    const tail = new TextEncoder().encode('\nok 1 - after the noise\n');
    const stream = fromTap(Buffer.concat([noise, tail]));
    const kept = Buffer.concat(decodeAll(stream).filter((e) => e.testId === undefined).map((e) => e.fileBytes!));
    expect(kept.equals(Buffer.concat([noise, new Uint8Array([0x0a])]))).toBe(true);
    expect(statuses(stream)).toEqual(['after the noise success']);
  });

  it('is live: a test is written as soon as the next line shows it is complete, before the input ends', async () => {
    const child = spawn(process.execPath, [CLI, 'from-tap']);
    const got: Buffer[] = [];
    const seen = new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => {
      got.push(b);
      if (decodeAll(Buffer.concat(got)).some((e) => e.testId === 'first' && e.status === 'success')) resolve();
    }));
    child.stdin.write('TAP version 14\nok 1 - first\nok 2 - second\n');
    await seen; // stdin still open
    child.stdin.end();
    await new Promise((r) => child.once('close', r));
    expect(statuses(Buffer.concat(got))).toEqual(['first success', 'second success']);
  });

  it('reads gzip; bad inputs are one line naming them', () => {
    expect(statuses(fromTap(gzipSync('ok 1 - z\n')))).toEqual(['z success']);
    const missing = subunit(['from-tap', join(project, 'nope.tap')], '');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`subunit from-tap: ${join(project, 'nope.tap')}: no such file\n`);
    const dir = subunit(['to-tap', project], '');
    expect(dir.stderr).toBe(`subunit to-tap: ${project}: is a directory\n`);
  });

  it('--separator joins subtest names with another string', () => {
    const tap = '# Subtest: outer\n    ok 1 - inner\n    1..1\nok 1 - outer\n1..1\n';
    expect(statuses(subunit(['from-tap', '--separator', '::'], tap).stdout)).toEqual(['outer::inner success']);
    expect(statuses(fromTap(tap))).toEqual(['outer > inner success']);
  });

  it('to-tap: statuses, reasons, attachments in YAML, tests that never finished', () => {
    const enc = new Encoder({ backend: 'js' });
    const t = new Date(0);
    const utf8 = (s: string) => new TextEncoder().encode(s);
    const stream = enc.encodeAll([
      { testId: 'p', status: 'success', timestamp: t },
      { testId: 's', fileName: 'reason', fileBytes: utf8('no db'), eof: true, status: 'skip' },
      { testId: 'x', status: 'xfail' },
      { testId: 'u', status: 'uxsuccess' },
      { testId: 'f', fileName: 'traceback', mimeType: 'text/plain', fileBytes: utf8('boom\nline 2\n'), eof: true, status: 'fail' },
      { testId: 'h', status: 'inprogress' },
    ]);
    const out = subunit(['to-tap'], stream);
    expect(out.status).toBe(1);
    expect(out.stdout.toString()).toBe([
      'TAP version 14', 'ok 1 - p', 'ok 2 - s # SKIP no db', 'not ok 3 - x # TODO expected failure',
      'not ok 4 - u', '  ---', '  message: unexpected success', '  ...',
      'not ok 5 - f', '  ---', '  traceback: |-', '    boom', '    line 2', '  ...',
      'not ok 6 - h', '  ---', '  message: test never finished', '  ...', '1..6', '',
    ].join('\n'));
  });
});
