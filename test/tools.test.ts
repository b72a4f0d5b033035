// The CLI tools against python-subunit's own tools (subunit-stats, subunit-ls,
// subunit2csv, subunit2junitxml, subunit-filter, subunit-tags) on the fixtures.
// The comparisons run where those tools are installed (.ci/run installs them).
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, PYTHON, hasReference, normalize } from './helpers.js';
import { decodeAll, encode, Timestamp } from '../bindings/index.js';
import { testcase, testcaseInto } from '../cli/commands/junit.js';
import { secondsFixed3 } from '../cli/format.js';
import { Spool } from '../cli/io.js';

const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'subunit-tools-'));

function ours(args: string[], input?: Uint8Array | string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, maxBuffer: 1 << 30 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}
function theirs(tool: string, args: string[], input: Uint8Array) {
  const r = spawnSync(`/usr/bin/${tool}`, args, { input, maxBuffer: 1 << 30 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}
const fixture = (name: string) => readFileSync(`${FIXTURES}${name}.subunit`);
const haveTool = (tool: string) => hasReference && existsSync(`/usr/bin/${tool}`);
const hasJunitxml = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import junitxml'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
/** The tests a stream holds, in order (our ls: it is checked equal to subunit-ls below). */
const lsOf = (bytes: Uint8Array) => ours(['ls', '--exists', '--no-passthrough'], bytes).stdout.toString();

// fixtures the reference decodes like us (the damaged ones differ on purpose, README)
const CLEAN = ['sample-run', 'sample-run-parallel', 'every-field', 'unicode', 'nested-routes', 'chatter', 'damaged-bad-crc'];

describe.runIf(haveTool('subunit-stats'))('subunit stats = subunit-stats', () => {
  it.each(CLEAN)('%s', (name) => {
    const want = theirs('subunit-stats', [], fixture(name));
    const got = ours(['stats', `${FIXTURES}${name}.subunit`]);
    const lines = got.stdout.toString().split('\n');
    // same text (passthrough included), then our three extra lines
    expect(lines.slice(0, -4).join('\n') + '\n').toBe(want.stdout.toString());
    expect(lines.slice(-4, -1).map((l) => l.split(':')[0])).toEqual(['Expected failures', 'Unexpected successes', 'Run time']);
    expect(got.code).toBe(want.code);
  });
});

describe.runIf(haveTool('subunit-ls'))('subunit ls = subunit-ls', () => {
  it.each(CLEAN.flatMap((n) => [[n, []], [n, ['--exists', '--no-passthrough']]] as [string, string[]][]))('%s %j', (name, opts) => {
    const want = theirs('subunit-ls', opts, fixture(name));
    const got = ours(['ls', ...opts, `${FIXTURES}${name}.subunit`]);
    expect(Buffer.compare(got.stdout, want.stdout)).toBe(0);
    expect(got.code).toBe(want.code);
  });

  it('--times agrees for every test whose clock subunit-ls does not reset', () => {
    // subunit-ls restarts a test's clock at each status-less event (an attachment
    // sent on its own); we time from the inprogress event. Compare the others.
    const bytes = fixture('sample-run');
    const reset = new Set(decodeAll(bytes).filter((e) => e.testId && !e.status).map((e) => e.testId));
    const want = theirs('subunit-ls', ['--times'], bytes).stdout.toString().trim().split('\n');
    const got = ours(['ls', '--times', `${FIXTURES}sample-run.subunit`]).stdout.toString().trim().split('\n');
    expect(got.length).toBe(want.length);
    let compared = 0;
    for (let i = 0; i < want.length; i++) {
      const id = want[i].slice(0, want[i].lastIndexOf(' '));
      expect(got[i].startsWith(id + ' ')).toBe(true);
      if (reset.has(id)) continue;
      expect(got[i]).toBe(want[i]);
      compared++;
    }
    expect(compared).toBeGreaterThan(2500);
  });
});

describe.runIf(haveTool('subunit2csv'))('subunit csv = subunit2csv', () => {
  // subunit2csv crashes on the other fixtures (a failure without details)
  it.each(['sample-run', 'sample-run-parallel'])('%s', (name) => {
    const want = theirs('subunit2csv', ['--no-passthrough'], fixture(name));
    const got = ours(['csv', `${FIXTURES}${name}.subunit`]);
    expect(got.stdout.toString()).toBe(want.stdout.toString());
    expect(got.code).toBe(want.code);
  });
});

describe('subunit csv', () => {
  it('quotes like Python\'s csv module and takes the clock for tests without timestamps', () => {
    const bytes = Buffer.concat([
      encode({ testId: 'a,"b"', status: 'success', timestamp: new Date('2024-01-02T03:04:05.5Z') }),
      encode({ testId: 'plain', status: 'uxsuccess' }),
    ]);
    const r = ours(['csv'], bytes);
    expect(r.stdout.toString()).toBe(
      'test,status,start_time,stop_time\r\n' +
        '"a,""b""",success,2024-01-02 03:04:05.500000+00:00,2024-01-02 03:04:05.500000+00:00\r\n' +
        'plain,success,2024-01-02 03:04:05.500000+00:00,2024-01-02 03:04:05.500000+00:00\r\n',
    );
    expect(r.code).toBe(1);
  });
});

describe('subunit csv: rows written as bytes and as strings', () => {
  // ids that take the bytes path (printable ASCII without a quote; quoted for a comma)
  // and ids that do not (a quote, non-ASCII, a control character), short and long, mixed over more than one
  // 256 KiB output buffer; times with and without a fraction, and no times at all
  const statuses = ['success', 'fail', 'skip', 'xfail', 'uxsuccess'] as const;
  const tests = Array.from({ length: 5000 }, (_, i) => {
    const kind = i % 6;
    const pad = i % 2 ? '.long'.repeat(9) : ''; // ids past 40 characters are copied another way
    const id = [`pkg${pad}.mod.Test.test_${i}`, `pkg${pad}.t${i}[a,"b"]`, `pkg${pad}.é${i}`, `pkg${pad}.t${i}\x1b`, `pkg${pad}.t${i}(a, b)`, `pkg.t${i}"`][kind];
    const seconds = 1_700_000_000 + i * 3_607;
    return { id, status: statuses[i % 5], start: new Timestamp(seconds, i % 4 === 0 ? 0 : (i * 7_777_777) % 1e9), stop: new Timestamp(seconds + (i % 3), (i * 13) % 1e9) };
  });
  // the first test has no times (an empty field: no clock yet)
  const stream = Buffer.concat(
    tests.flatMap((t, i) =>
      i === 0 ? [encode({ testId: t.id, status: t.status })] : [encode({ testId: t.id, status: 'inprogress', timestamp: t.start }), encode({ testId: t.id, status: t.status, timestamp: t.stop })],
    ),
  );
  const when = (t: Timestamp) => {
    // microseconds rounded half to even, as python-subunit
    const q = Math.floor(t.nanos / 1000);
    const r = t.nanos % 1000;
    const us = r > 500 || (r === 500 && q % 2 === 1) ? q + 1 : q;
    const s = t.seconds + (us === 1e6 ? 1 : 0);
    const frac = us % 1e6;
    const text = new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ');
    return frac ? `${text}.${String(frac).padStart(6, '0')}+00:00` : `${text}+00:00`;
  };
  const word = { success: 'success', uxsuccess: 'success', fail: 'failure', skip: 'skip', xfail: 'xfail' };
  const want =
    'test,status,start_time,stop_time\r\n' +
    tests
      .map((t, i) => {
        const id = /[",]/.test(t.id) ? `"${t.id.replace(/"/g, '""')}"` : t.id;
        return `${id},${word[t.status]},${i ? when(t.start) : ''},${i ? when(t.stop) : ''}\r\n`;
      })
      .join('');
  for (const backend of ['wasm', 'js'] as const) {
    it(`the same rows either way, across output buffers (${backend})`, () => {
      const r = ours(['csv', '--backend', backend], stream);
      expect(want.length).toBeGreaterThan(1 << 18);
      expect(r.code).toBe(1);
      expect(r.stdout.toString()).toBe(want);
    });
  }
});

describe('subunit junit', () => {
  it.runIf(haveTool('subunit2junitxml') && hasJunitxml)('has subunit2junitxml\'s counts and testcases on the real run', () => {
    const want = theirs('subunit2junitxml', ['--no-passthrough'], fixture('sample-run')).stdout.toString();
    const got = ours(['junit', `${FIXTURES}sample-run.subunit`]);
    expect(got.code).toBe(1);
    const xml = got.stdout.toString();
    expect(xml.split('\n')[0]).toBe(want.split('\n')[0]);
    const cases = (s: string) => s.match(/<testcase [^>]*?(?=\/?>)/g);
    expect(cases(xml)).toEqual(cases(want));
    const count = (s: string, tag: string) => s.split(`<${tag}`).length - 1;
    for (const tag of ['failure', 'skipped', 'error']) expect(count(xml, tag)).toBe(count(want, tag));
  });

  it.runIf(hasReference)('is well-formed XML with unrepresentable characters dropped and attachments as failure text', () => {
    const bytes = Buffer.concat([
      encode({ testId: 'pkg.Cls.test_<bad>&"x"', status: 'inprogress' }),
      encode({ testId: 'pkg.Cls.test_<bad>&"x"', fileName: 'traceback', mimeType: 'text/plain', fileBytes: Buffer.from('boom\x00\x1b[31m ]]> \uFFFE done') }),
      encode({ testId: 'pkg.Cls.test_<bad>&"x"', status: 'fail' }),
      encode({ testId: 'pkg.skipped', fileName: 'reason', mimeType: 'text/plain', fileBytes: Buffer.from('no\tnet') }),
      encode({ testId: 'pkg.skipped', status: 'skip' }),
      encode({ testId: 'pkg.hung', status: 'inprogress' }),
    ]);
    const xml = ours(['junit'], bytes).stdout.toString();
    const f = join(tmp, 'out.xml');
    writeFileSync(f, xml);
    const parsed = execFileSync(PYTHON, ['-c', `
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
print(root.get('tests'), root.get('failures'))
for c in root: print(c.get('classname'), c.get('name'), [(x.tag, x.text) for x in c])`, f]).toString();
    expect(parsed).toBe(
      "3 2\n" +
        "pkg.Cls test_<bad>&\"x\" [('failure', 'boom[31m ]]>  done')]\n" +
        "pkg skipped [('skipped', 'no\\tnet')]\n" +
        "pkg hung [('failure', 'test never finished\\n')]\n",
    );
  });
});

describe('subunit junit: cases written as bytes and as strings', () => {
  // ids that take the bytes path (printable ASCII that XML takes as it is, up to 40
  // characters, with or without a class, "(" after the class) mixed with ids that do
  // not (longer, & < > " ', non-ASCII, a control character), tests with attachments (a skip's
  // reason, a traceback, a passing test's stdout), every status, negative spans and no
  // times: more than the spool's 1 MiB buffer, so it spills to its file
  const statuses = ['success', 'fail', 'skip', 'xfail', 'uxsuccess', 'inprogress'] as const;
  const events = Array.from({ length: 24_000 }, (_, i) => {
    const pad = i % 2 ? '.long'.repeat(9) : '';
    const id = [
      `pkg${pad}.mod.Test.test_${i}`,
      `pkg${pad}.Test.t${i}(a.b, c)`,
      `test_${i}${pad.replace(/\./g, '_')}`,
      `pkg${pad}.t${i}[a&b<c>"d"'e']`,
      `pkg${pad}.é${i}`,
      `pkg${pad}.t${i}\x1b`,
      `pkg${pad}.Test.t${i}.`,
    ][i % 7];
    const status = statuses[i % 6];
    const seconds = 1_700_000_000 + i * 3;
    const start = new Timestamp(seconds, (i * 7_777_777) % 1e9);
    // every fifth test stops before it starts
    const stop = new Timestamp(seconds + (i % 5 === 0 ? -1 : i % 3), (i * 13_131) % 1e9);
    const out = [];
    if (i % 11 !== 0 || status === 'inprogress') out.push(encode({ testId: id, status: 'inprogress', timestamp: start }));
    if (i % 4 === 0 || i % 12 === 1) {
      const fileName = status === 'skip' ? 'reason' : status === 'fail' ? 'traceback' : 'stdout';
      out.push(encode({ testId: id, fileName, mimeType: 'text/plain', fileBytes: Buffer.from(`why ${i} <&>`) }));
    }
    if (status !== 'inprogress') out.push(encode({ testId: id, status, timestamp: i % 11 === 0 ? undefined : stop }));
    return Buffer.concat(out);
  });
  const stream = Buffer.concat(events);
  const run = (backend: string) => spawnSync(process.execPath, [CLI, 'junit', '--backend', backend], { input: stream, maxBuffer: 1 << 30 });
  for (const backend of ['wasm', 'js'] as const) {
    it(`every kind of case, across the spool's buffer (${backend})`, () => {
      const r = run(backend);
      expect(r.status).toBe(1);
      const xml = r.stdout.toString();
      expect(r.stdout.length).toBeGreaterThan(2 << 20);
      expect(xml.split('<testcase ').length - 1).toBe(24_000);
      // the kinds are all there
      for (const part of ['classname="" name="test_2"', 'name="t1(a.b, c)"', '&amp;b&lt;c&gt;&quot;d&quot;\'e\'', 'é', 'time="-', '<skipped>why 8 &lt;&amp;&gt;</skipped>', '<skipped></skipped>', '_StringException">why 1 &lt;&amp;&gt;'])
        expect(xml).toContain(part);
    });
  }
  it('a case written as bytes is the string path\'s case, byte for byte', () => {
    const ids = Array.from({ length: 7 * 40 }, (_, i) => {
      const pad = '.x'.repeat(i % 40 >> 1);
      return [`pkg${pad}.Test.test_${i}`, `pkg${pad}.T.t${i}(a.b, c)`, `test_${i}${pad}`, `p${pad}.t[a&b"]`, `p${pad}.é`, `p${pad}.t\x1b`, `p${pad}.T.t${i}.`][i % 7];
    });
    const all = [...statuses, 'exists' as const];
    let asBytes = 0;
    const spool = new Spool();
    for (const [i, id] of ids.entries()) {
      for (const status of all) {
        const us = [0, 1, 999, 1000, 1_234_567, -1, -1_500, 86_400_000_000][i % 8];
        spool.room(id.length + 200); // what testcaseInto asks for: it writes from here
        const start = spool.at;
        const wrote = testcaseInto(spool, id, status, us);
        const want = testcase(id, status, () => [], secondsFixed3(us));
        if (wrote) {
          asBytes++;
          expect(spool.buf.toString('utf8', start, spool.at), `${id} ${status} ${us}`).toBe(want);
        } else expect(spool.at, `${id} ${status}: nothing written when it declines`).toBe(start);
      }
    }
    spool.dispose();
    // both paths are taken
    expect(asBytes).toBeGreaterThan(300);
    expect(asBytes).toBeLessThan(ids.length * all.length);
  });
});

describe.runIf(haveTool('subunit-stats') && haveTool('subunit2csv'))('-f/--forward and -o, as subunit-stats and subunit2csv', () => {
  const testEvents = (out: Uint8Array) => normalize(decodeAll(out).filter((e) => e.testId !== undefined), { sortTags: true });
  /** The text of the stream's "stdout" packets that belong to no test. */
  const stdoutText = (out: Uint8Array) =>
    Buffer.concat(decodeAll(out).filter((e) => e.testId === undefined && e.fileName === 'stdout').map((e) => e.fileBytes!)).toString();

  it.each([[[]], [['--no-passthrough']]])('stats -f %j forwards the stream, the totals last in it', (extra) => {
    const input = fixture('chatter');
    const want = theirs('subunit-stats', ['-f', ...extra], input).stdout;
    const got = ours(['stats', '-f', ...extra], input);
    expect(got.code).toBe(1);
    // every event as the reference forwards it, then its report packet (ours has three more lines)
    const wantEvents = normalize(decodeAll(want), { sortTags: true });
    const gotEvents = normalize(decodeAll(got.stdout), { sortTags: true });
    expect(gotEvents.slice(0, -1)).toEqual(wantEvents.slice(0, -1));
    const report = (events: Record<string, unknown>[]) => Buffer.from(events.at(-1)!.fileBytes as string, 'base64').toString();
    expect(report(gotEvents).startsWith(report(wantEvents))).toBe(true);
  });

  it('stats -o writes the totals to the file', () => {
    const f = join(tmp, 'totals.txt');
    const got = ours(['stats', '--no-passthrough', '-o', f, `${FIXTURES}sample-run.subunit`]);
    expect(got.stdout.length).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe(ours(['stats', '--no-passthrough', `${FIXTURES}sample-run.subunit`]).stdout.toString());
  });

  it.each([[[]], [['--no-passthrough']]])('csv -f %j forwards the stream with the CSV in it; -o takes the CSV out', (extra) => {
    const input = fixture('sample-run');
    const want = theirs('subunit2csv', ['-f', ...extra], input).stdout;
    const got = ours(['csv', '-f', ...extra], input);
    expect(testEvents(got.stdout)).toEqual(testEvents(want));
    expect(stdoutText(got.stdout)).toBe(stdoutText(want)); // (the reference writes a packet per row, we one at the end)
    const f = join(tmp, 'rows.csv');
    const split = ours(['csv', '-f', '-o', f, ...extra], input);
    expect(testEvents(split.stdout)).toEqual(testEvents(want));
    expect(stdoutText(split.stdout)).toBe('');
    expect(readFileSync(f, 'utf8')).toBe(stdoutText(want));
  });

  it('junit -f forwards the stream with the XML in it', () => {
    const input = fixture('sample-run');
    const got = ours(['junit', '-f'], input);
    expect(testEvents(got.stdout)).toEqual(testEvents(theirs('subunit-stats', ['-f', '--no-passthrough'], input).stdout));
    expect(stdoutText(got.stdout)).toBe(ours(['junit', `${FIXTURES}sample-run.subunit`]).stdout.toString());
  });
});

describe.runIf(haveTool('subunit-filter'))('subunit filter = subunit-filter', () => {
  const bytes = fixture('sample-run-parallel');
  it.each([
    [[]], [['-s']], [['--no-skip']], [['-F']], [['-f', '-s']], [['--xfail']], [['-s', '--with-tag', 'worker-0']],
    [['--without-tag', 'worker-1']], [['-m', 'test_describe', '-m', 'AssertionError']], [['-s', '--without', '(?i)DESCRIBE']],
    [['-s', '--no-skip', '--rename', '^testtools\\.(tests)', 'x.\\1']],
  ])('%j', (opts) => {
    const want = lsOf(theirs('subunit-filter', opts, bytes).stdout);
    const got = ours(['filter', ...opts, `${FIXTURES}sample-run-parallel.subunit`]);
    expect(got.code).toBe(0);
    expect(lsOf(got.stdout)).toBe(want);
  });

  // every-field has unexpected successes and tests that never finished; mux it with a real parallel run
  const muxed = ours(['mux', `${FIXTURES}every-field.subunit`, `${FIXTURES}sample-run-parallel.subunit`]).stdout;
  const sorted = (s: string) => s.split('\n').filter(Boolean).sort().join('\n');
  it.each([[[]], [['--with', 'nomatch']], [['--with-tag=a']], [['--no-failure']], [['-F']], [['-s', '--without-tag', 'worker-0']]])(
    'keeps unexpected successes whatever the filter, and fails tests that never finished: %j',
    (opts) => {
      for (const input of [fixture('every-field'), muxed]) {
        const want = theirs('subunit-filter', opts, input).stdout;
        const got = ours(['filter', ...opts], input).stdout;
        expect(sorted(lsOf(got))).toBe(sorted(lsOf(want)));
        // the same outcomes: a test that never finished is now a failure in both
        const counts = (out: Uint8Array) => theirs('subunit-stats', ['--no-passthrough'], out).stdout.toString();
        expect(counts(got)).toBe(counts(want));
        // each test's last status on the wire: `fail` for one that never finished (we wrote none)
        const finals = (out: Uint8Array) => {
          const last = new Map<string, string>();
          for (const e of decodeAll(out)) if (e.testId && e.status) last.set(e.testId, e.status); // (its output has no route codes)
          return [...last].sort();
        };
        expect(finals(got)).toEqual(finals(want));
      }
    },
  );

  it('an unexpected success survives --with nomatch (it printed nothing)', () => {
    const got = lsOf(ours(['filter', '--with', 'nomatch', `${FIXTURES}every-field.subunit`]).stdout);
    expect(got).toContain('every.status.uxsuccess\n');
  });

  it('--fixup-expected-failures turns failures into xfail and successes into failures', () => {
    // (subunit-filter itself crashes on this option: it reads the list as bytes)
    const list = join(tmp, 'expected.txt');
    const failing = ours(['ls', '--no-passthrough'], ours(['filter', '--no-skip', `${FIXTURES}sample-run.subunit`]).stdout).stdout.toString();
    expect(failing.trim().split('\n').length).toBe(14);
    writeFileSync(list, failing + 'testtools.tests.matchers.test_basic.DoesNotEndWithTests.test_describe\n');
    const got = ours(['filter', '-s', '--xfail', '--fixup-expected-failures', list, `${FIXTURES}sample-run.subunit`]).stdout;
    const stats = ours(['stats', '--no-passthrough'], got).stdout.toString();
    expect(stats).toMatch(/^Total tests: +3144\nPassed tests: +3032\nFailed tests: +1\nSkipped tests: +111\n[^]*Expected failures: +16\n/);
    const failed = ours(['ls', '--no-passthrough'], ours(['filter', '--no-skip', '--no-xfail'], got).stdout).stdout.toString();
    expect(failed).toBe('testtools.tests.matchers.test_basic.DoesNotEndWithTests.test_describe\n');
  });
});

describe.runIf(haveTool('subunit-tags'))('subunit tags = subunit-tags', () => {
  it('takes a FILE argument as a tag, as subunit-tags, and warns that it names a file', () => {
    const file = join(tmp, 'run.subunit');
    writeFileSync(file, fixture('sample-run'));
    const input = fixture('nested-routes');
    const want = decodeAll(theirs('subunit-tags', ['new', file], input).stdout);
    const got = ours(['tags', 'new', file], input);
    expect(normalize(decodeAll(got.stdout), { sortTags: true })).toEqual(normalize(want, { sortTags: true }));
    expect(want.some((e) => e.tags?.includes(file))).toBe(true);
    expect(got.stderr).toBe(`subunit tags: warning: tag "${file}" is also a file's name; tags reads stdin only (subunit tags TAG... < FILE)\n`);
    expect(ours(['tags', 'new', '-gone'], input).stderr).toBe('');
  });

  it.each([['tags', 'new'], ['filter']])('%s cuts non-test output only between UTF-8 characters, whatever the reads', async (...args) => {
    const text = Buffer.from('olá ó 㳊 🎉\n');
    // written in 1-byte reads with pauses: the decoder sees chatter cut inside every character
    const child = spawn(process.execPath, [CLI, ...args]);
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    for (let i = 0; i < text.length; i++) {
      child.stdin.write(text.subarray(i, i + 1));
      await new Promise((r) => setTimeout(r, 15));
    }
    child.stdin.end();
    await new Promise((r) => child.on('close', r));
    const pieces = decodeAll(Buffer.concat(out)).map((e) => e.fileBytes!);
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    for (const p of pieces) expect(() => utf8.decode(p)).not.toThrow();
    expect(Buffer.concat(pieces)).toEqual(text);
    // the reference forwards the same bytes
    const want = decodeAll(theirs(args[0] === 'tags' ? 'subunit-tags' : 'subunit-filter', args.slice(1), text).stdout).map((e) => e.fileBytes!);
    expect(Buffer.concat(want)).toEqual(text);
  });

  it.each(['every-field', 'nested-routes', 'unicode'])('%s', (name) => {
    const args = ['new', '-worker-0', 'x', '-alpha'];
    const want = decodeAll(theirs('subunit-tags', args, fixture(name)).stdout);
    const got = ours(['tags', ...args], fixture(name));
    expect(got.code).toBe(0);
    const strip = (es: Record<string, unknown>[]) => es.map(({ ...e }) => e);
    expect(strip(normalize(decodeAll(got.stdout), { sortTags: true }))).toEqual(strip(normalize(want, { sortTags: true })));
  });
});

describe('every tool', () => {
  const TOOLS = ['stats', 'ls', 'csv', 'junit', 'filter'];
  it.each(TOOLS)('%s reads stdin, "-" and gzip alike', (tool) => {
    const bytes = fixture('nested-routes');
    const file = ours([tool, `${FIXTURES}nested-routes.subunit`]);
    const stdin = ours([tool], bytes);
    const dash = ours([tool, '-'], bytes);
    const gz = ours([tool], gzipSync(bytes));
    for (const r of [stdin, dash, gz]) {
      expect(r.stderr).toBe('');
      expect(Buffer.compare(r.stdout, file.stdout)).toBe(0);
      expect(r.code).toBe(file.code);
    }
  });

  it.each([...TOOLS, 'tags', 'trace', 'emit', '1to2', '2to1', 'from-junit'])('%s --help', (tool) => {
    const r = ours([tool, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.toString()).toMatch(new RegExp(`^usage: subunit ${tool} `));
  });

  it.each([...TOOLS, 'tags', 'trace', 'emit', '1to2', '2to1', 'from-junit', 'json', 'encode', 'summary', 'mux', 'serve'])('%s --help: every option on its own line, apart from its text', (tool) => {
    const text = ours([tool, '--help']).stdout.toString();
    const options = text.slice(text.indexOf('\noptions:\n') + 10).split('\n').filter(Boolean);
    for (const line of options) {
      // "  -s, --name VALUE    text", a long name alone with its text on the next line, or that text
      expect(line).toMatch(/^( {2}(-\w, | {4})--[\w-]+( [A-Z][A-Z |]*)?( {2,}\S.*)?| {26}\S.*)$/);
    }
    // no description line runs on past ~90 columns (the usage line aside)
    for (const line of text.slice(0, text.indexOf('\noptions:\n')).split('\n').slice(1)) expect(line.length).toBeLessThanOrEqual(92);
  });

  it.runIf(haveTool('subunit-filter') && haveTool('subunit2csv'))('every option of the reference tools is in our help, with its short flag', () => {
    const pairs: [string, string][] = [['subunit-filter', 'filter'], ['subunit-stats', 'stats'], ['subunit2csv', 'csv'], ['subunit-ls', 'ls']];
    for (const [tool, cmd] of pairs) {
      const reference = theirs(tool, ['--help'], new Uint8Array(0)).stdout.toString();
      const help = ours([cmd, '--help']).stdout.toString();
      // "-m WITH_REGEXPS, --with=WITH_REGEXPS" and "--no-skip": each long option, with its short one if any
      for (const m of reference.matchAll(/^ {2}(?:-(\w)(?: \w+)?, )?--([\w-]+)/gm)) {
        const [, short, long] = m;
        if (long === 'help') continue;
        expect(help, `${cmd} --${long}`).toMatch(new RegExp(`^ {2}${short ? `-${short}, ` : ' {4}'}--${long}\\b`, 'm'));
      }
    }
  });

  it('help lists the short flags that work, as the reference tools have them', () => {
    const help = (tool: string) => ours([tool, '--help']).stdout.toString();
    for (const flag of ['-e, --no-error', '-f, --no-failure', '-s, --success', '-m, --with REGEXP', '-F, --only-genuine-failures', '--fixup-expected-failures FILE\n']) {
      expect(help('filter')).toContain(flag);
    }
    expect(help('csv')).toContain('-o, --output-to FILE');
    expect(help('junit')).toContain('-o, --output-to FILE');
    for (const flag of ['-n, --no-failure-debug', '-f, --fails', '--failonly', '-a, --abbreviate', '--no-summary', '--color']) expect(help('trace')).toContain(flag);
  });

  it.each([
    [['stats', '/no/such'], 2, 'subunit stats: /no/such: no such file\n'],
    [['ls', '--bogus'], 2, "subunit ls: unknown option '--bogus' (see subunit ls --help; a FILE starting with '-' goes after '--')\n"],
    [['filter', '--with'], 2, 'subunit filter: --with needs a value (see subunit filter --help)\n'],
    [['stats', '--no-passthrough=1'], 2, 'subunit stats: --no-passthrough takes no value (see subunit stats --help)\n'],
    [['tags'], 2, 'subunit tags: name at least one TAG or -TAG\n'],
    [['filter', '-m', '('], 2, /^subunit filter: bad regular expression "\(": .*\n$/],
    [['filter', '--rename', 'a'], 2, 'subunit filter: --rename takes two values, FROM and TO\n'],
    [['filter', '--fixup-expected-failures', '/no/list', '/dev/null'], 2, 'subunit filter: /no/list: no such file\n'],
    [['csv', '-o', '/no/dir/out.csv', '/dev/null'], 2, 'subunit csv: /no/dir/out.csv: no such file\n'],
    [['trace', '/no/such'], 2, 'subunit trace: /no/such: no such file\n'],
    [['2to1', '/no/such'], 2, 'subunit 2to1: /no/such: no such file\n'],
    [['1to2', 'a', 'b'], 2, 'subunit 1to2: give at most one input\n'],
    [['from-junit', '/no/such'], 2, 'subunit from-junit: /no/such: no such file\n'],
  ] as [string[], number, string | RegExp][])('%j fails in one line', (args, code, message) => {
    const r = ours(args, new Uint8Array(0));
    if (typeof message === 'string') expect(r.stderr).toBe(message);
    else expect(r.stderr).toMatch(message);
    expect(r.code).toBe(code);
  });

  it('bad gzip is one line naming the input and the byte', () => {
    const cut = ours(['stats'], Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    expect(cut.stderr).toBe('subunit stats: <stdin>: gzip data cut short (at byte 7)\n');
    expect(cut.code).toBe(2);
    const bad = gzipSync('hello\n');
    bad[10] = 0xff; // deflate block type 3 does not exist
    const r = ours(['stats'], bad);
    expect(r.stderr).toBe(`subunit stats: <stdin>: bad gzip data: invalid block type (between bytes 0 and ${bad.length})\n`);
    expect(r.code).toBe(2);
    expect(r.stdout.toString()).toMatch(/^Total tests: +0\n/); // the report of what was read comes first
  });
});
