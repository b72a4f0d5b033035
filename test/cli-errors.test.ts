// Every command of the built CLI against bad input: missing file, directory,
// unreadable file, empty input, input that is not subunit (a PNG, random
// text), gzip cut short (mid-stream, and after the header), an invalid JSON
// line (encode), a reader that goes away (closed pipe). Each error is one
// stderr line `subunit CMD: INPUT: reason`, never a stack trace, exit 2; what
// was decoded before the error is on stdout. All processes run in parallel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { FIXTURES, normalize } from './helpers.js';
import { decodeAll, eventToJsonLine } from '../bindings/index.js';
import { sniffed } from '../cli/source.js';

const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'subunit-errors-'));
const file = (name: string, bytes: Uint8Array | string) => {
  const f = join(tmp, name);
  writeFileSync(f, bytes);
  return f;
};

interface Result {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Run the CLI; with `closeAfter`, stdout is closed after that many bytes (a reader that goes away). */
function cli(args: string[], opts: { stdin?: string; closeAfter?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let got = 0;
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      got += b.length;
      if (opts.closeAfter !== undefined && got >= opts.closeAfter) child.stdout.destroy();
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // a command that does not read stdin
    if (opts.stdin !== undefined) child.stdin.end(readFileSync(opts.stdin));
    else child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() });
    });
  });
}

/** Run jobs with at most `limit` processes at a time. */
async function pool<T>(jobs: (() => Promise<T>)[], limit = Math.max(4, availableParallelism() * 2)): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

// ---- inputs -----------------------------------------------------------------

const run = readFileSync(`${FIXTURES}sample-run.subunit`);
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7358184000000' + '0049454e44ae426082',
  'hex',
);
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
const words = Array.from({ length: 4000 }, () => Array.from({ length: 1 + Math.floor(rand() * 9) }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join(''));
const TEXT = words.join(' ').replace(/(.{60,}?) /g, '$1\n');
const jsonl = decodeAll(run).map((e) => eventToJsonLine(e) + '\n').join('');
const junitXml =
  '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="s" tests="3000">\n' +
  Array.from({ length: 3000 }, (_, i) => `  <testcase classname="pkg.mod" name="test_${i}" time="0.01"${i % 7 ? '/>' : '><failure message="boom">trace</failure></testcase>'}\n`).join('') +
  '</testsuite>\n';

/** gzip of `bytes`, cut after `keep` of its bytes, and what zlib can still decompress from that. */
function cutGzip(bytes: Uint8Array | string, keep: (gz: Buffer) => number) {
  const gz = gzipSync(bytes);
  const cut = gz.subarray(0, keep(gz));
  return { cut, prefix: gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH }), at: cut.length };
}

const F = {
  missing: join(tmp, 'no-such.subunit'),
  dir: join(tmp, 'a-directory'),
  unreadable: file('unreadable.subunit', run.subarray(0, 1000)),
  empty: file('empty.subunit', ''),
  png: file('image.png', PNG),
  text: file('words.txt', TEXT),
};
mkdirSync(F.dir);
chmodSync(F.unreadable, 0);
// root reads files whatever their mode: there the unreadable case cannot happen, so it is skipped
const unreadableBlocks = (() => {
  try {
    readFileSync(F.unreadable);
    return false;
  } catch {
    return true;
  }
})();

const v2Cut = cutGzip(run, (gz) => gz.length >> 1);
const v2Header = gzipSync(run).subarray(0, 10); // the gzip header, then nothing
const jsonCut = cutGzip(jsonl, (gz) => gz.length >> 3);
const xmlCut = cutGzip(junitXml, (gz) => gz.length >> 1);
const G = {
  v2: { file: file('cut.subunit.gz', v2Cut.cut), prefix: file('cut.prefix.subunit', v2Cut.prefix), at: v2Cut.at },
  v2Header: { file: file('header.subunit.gz', v2Header) },
  // encode stops at the error: the partial last line is not an event
  json: { file: file('cut.jsonl.gz', jsonCut.cut), prefix: file('cut.prefix.jsonl', jsonCut.prefix.subarray(0, jsonCut.prefix.lastIndexOf(10) + 1)), at: jsonCut.at },
  // from-junit streams: every test case closed in what decompresses is written
  xml: { file: file('cut.xml.gz', xmlCut.cut), prefix: '', at: xmlCut.at, ids: [...xmlCut.prefix.toString().matchAll(/name="(test_\d+)"[^\n]*\n/g)].map((m) => `pkg.mod.${m[1]}`) },
};
const BIG = {
  v2: file('big.subunit', Buffer.concat([run, Buffer.from(TEXT)])), // tests, then plenty of non-test output
  json: file('big.jsonl', jsonl),
  xml: file('big.xml', junitXml),
};
const badJson = file('bad.jsonl', jsonl.split('\n').slice(0, 2).join('\n') + '\n{"testId": "a", "status": "passed"}\n' + jsonl.split('\n')[2] + '\n');

// ---- the matrix ---------------------------------------------------------------

type Kind = 'v2' | 'json' | 'xml' | 'raw';
interface Cmd {
  name: string;
  kind: Kind; // what it reads: v2 (or v1), JSON Lines, JUnit XML, bytes taken as they are
  args: (f: string) => string[];
  stdinOnly?: boolean; // tags: reads stdin, its arguments are tags
  noData?: boolean; // serve: only checks its files before it listens
  /** exit status on input without tests: trace fails a run where no test ran */
  noTests?: number;
  /** reports results: exits 1 when a test failed (the sample run has failures) */
  results?: boolean;
}
const CMDS: Cmd[] = [
  { name: 'json', kind: 'v2', args: (f) => ['json', f] },
  { name: 'encode', kind: 'json', args: (f) => ['encode', f] },
  { name: 'summary', kind: 'v2', args: (f) => ['summary', f] },
  { name: 'mux', kind: 'raw', args: (f) => ['mux', f] },
  { name: 'stats', kind: 'v2', args: (f) => ['stats', f], results: true },
  { name: 'ls', kind: 'v2', args: (f) => ['ls', f], results: true },
  { name: 'csv', kind: 'v2', args: (f) => ['csv', f], results: true },
  { name: 'junit', kind: 'v2', args: (f) => ['junit', f], results: true },
  { name: 'tags', kind: 'v2', args: () => ['tags', 'extra'], stdinOnly: true },
  { name: 'filter', kind: 'v2', args: (f) => ['filter', '-s', f] },
  { name: 'trace', kind: 'v2', args: (f) => ['trace', f], noTests: 1, results: true },
  { name: 'emit', kind: 'raw', args: (f) => ['emit', '--success', 'pkg.t', '--attach-file', f] },
  { name: '1to2', kind: 'v2', args: (f) => ['1to2', f] },
  { name: '2to1', kind: 'v2', args: (f) => ['2to1', f] },
  { name: 'from-junit', kind: 'xml', args: (f) => ['from-junit', f] },
  { name: 'serve', kind: 'raw', args: (f) => ['serve', '--port', '0', f], noData: true },
];

interface Expect {
  code: number;
  /** the one stderr line (exact, or a pattern); undefined: stderr empty */
  error?: string | RegExp;
  /** stdout equals this command's stdout on that file */
  stdoutAs?: string;
  stdout?: (out: Buffer) => void;
}
interface Row {
  cmd: Cmd;
  input: string;
  file: string;
  expect: Expect;
  closeAfter?: number;
}

const inputName = (c: Cmd, f: string) => (c.stdinOnly ? '<stdin>' : f);
const line = (c: Cmd, f: string, reason: string) => `subunit ${c.name}: ${inputName(c, f)}: ${reason}`;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const ROWS: Row[] = [];
for (const c of CMDS) {
  const add = (input: string, f: string, e: Expect, closeAfter?: number) => ROWS.push({ cmd: c, input, file: f, expect: e, closeAfter });
  if (!c.stdinOnly) {
    add('missing file', F.missing, { code: 2, error: line(c, F.missing, 'no such file'), stdout: (o) => expect(o.length).toBe(0) });
    add('directory', F.dir, { code: 2, error: line(c, F.dir, 'is a directory'), stdout: (o) => expect(o.length).toBe(0) });
    if (unreadableBlocks) add('unreadable file', F.unreadable, { code: 2, error: line(c, F.unreadable, 'permission denied'), stdout: (o) => expect(o.length).toBe(0) });
  }
  if (c.noData) continue; // serve hands the bytes to the page, which decodes them
  const noTests = c.noTests ?? 0;
  // empty input: an empty stream (no events, no tests); not JUnit XML
  if (c.kind === 'xml') add('empty', F.empty, { code: 2, error: line(c, F.empty, 'empty input, not JUnit XML') });
  else add('empty', F.empty, { code: c.kind === 'v2' ? noTests : 0, error: c.name === 'summary' ? /^\(0\.00 MB decoded in \d+ ms\)$/ : undefined });
  // not subunit: chatter for the decoder; not JSON for encode; not XML for from-junit
  for (const [input, f] of [['PNG', F.png], ['random text', F.text]]) {
    if (c.kind === 'json') add(input, f, { code: 2, error: new RegExp(`^subunit ${c.name}: ${esc(inputName(c, f))}:1: not (valid UTF-8|JSON \\(.+\\))$`) });
    else if (c.kind === 'xml') add(input, f, { code: 2, error: new RegExp(`^subunit ${c.name}: ${esc(inputName(c, f))}:\\d+: not well-formed XML`) });
    else {
      const e: Expect = { code: c.kind === 'v2' ? noTests : 0, error: c.name === 'summary' ? /^\(0\.\d\d MB decoded in \d+ ms\)$/ : undefined };
      if (c.name === 'json') e.stdout = (o) => expect(Buffer.from(joinedChatter(o))).toEqual(readFileSync(f));
      if (c.name === 'stats') e.stdout = (o) => expect(o.toString()).toContain('Total tests:       0\n');
      if (c.name === 'summary') e.stdout = (o) => expect(o.toString()).toBe('0 tests: 0 passed, 0 failed, 0 skipped\n');
      add(input, f, e);
    }
  }
  // gzip cut short: what was decoded, then the error with the byte where the input ends
  if (c.kind === 'raw') {
    add('gzip cut short', G.v2.file, { code: 0 }); // emit attaches bytes, mux forwards them: not decoded
  } else {
    const g = c.kind === 'json' ? G.json : c.kind === 'xml' ? G.xml : G.v2;
    const cutOutput: Partial<Expect> = c.kind === 'xml'
      ? { stdout: (o) => expect([...new Set(decodeAll(o).map((e) => e.testId))]).toEqual(G.xml.ids) }
      : { stdoutAs: g.prefix };
    add('gzip cut short', g.file, { code: 2, error: line(c, g.file, `gzip data cut short (at byte ${g.at})`), ...cutOutput });
    // nothing decompresses: the output of an empty input
    if (c.kind === 'v2') add('gzip header only', G.v2Header.file, { code: 2, error: line(c, G.v2Header.file, 'gzip data cut short (at byte 10)'), stdoutAs: F.empty });
  }
  // the reader goes away after 100 bytes: quiet, status 0 (or 1 for a command that reports the run's failures, if it finished first)
  const big = c.kind === 'json' ? BIG.json : c.kind === 'xml' ? BIG.xml : BIG.v2;
  add('closed pipe', big, { code: -1 }, 100);
}

function joinedChatter(out: Buffer): Uint8Array {
  const events = out.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  expect(events.every((e) => e.fileName === 'stdout' && e.testId === undefined)).toBe(true);
  return Buffer.concat(events.map((e) => Buffer.from(e.fileBytes, 'base64')));
}

/** 1to2 stamps the current time on what has none: compare events without timestamps. */
const comparable = (c: Cmd, out: Buffer) =>
  c.name === '1to2' ? normalize(decodeAll(out)).map(({ timestamp, ...e }) => e) : out.toString('latin1');

// ---- running it ---------------------------------------------------------------

const results = new Map<Row, Result>();
const references = new Map<string, Result>();
const refKey = (c: Cmd, f: string) => `${c.name}\0${f}`;

beforeAll(async () => {
  const jobs: (() => Promise<void>)[] = [];
  for (const row of ROWS) {
    const { cmd, file: f } = row;
    const args = cmd.args(f);
    jobs.push(async () => void results.set(row, await cli(args, { stdin: cmd.stdinOnly ? f : undefined, closeAfter: row.closeAfter })));
    const ref = row.expect.stdoutAs;
    // the empty input is a row of its own
    if (ref && ref !== F.empty && !references.has(refKey(cmd, ref))) {
      references.set(refKey(cmd, ref), undefined as never);
      jobs.push(async () => void references.set(refKey(cmd, ref), await cli(cmd.args(ref), { stdin: cmd.stdinOnly ? ref : undefined })));
    }
  }
  await pool(jobs);
  for (const [row, r] of results) if (row.file === F.empty) references.set(refKey(row.cmd, F.empty), r);
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('every command, every bad input', () => {
  it.each(ROWS.map((r) => [r.cmd.name, r.input, r] as const))('%s: %s', (_c, _i, row) => {
    const r = results.get(row)!;
    const { cmd, expect: want } = row;
    const lines = r.stderr.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
    expect(r.stderr).not.toMatch(/^\s+at /m); // never a stack frame
    if (want.code === -1) {
      // closed pipe: no message at all
      expect(r.stderr.replace(/^\(.* decoded in \d+ ms\)\n$/, '')).toBe('');
      expect(cmd.results ? [0, 1] : [0]).toContain(r.code);
      return;
    }
    expect(r.code).toBe(want.code);
    if (want.error === undefined) expect(r.stderr).toBe('');
    else {
      expect(lines.length).toBe(1); // exactly one line
      expect(r.stderr.endsWith('\n')).toBe(true);
      if (typeof want.error === 'string') expect(lines[0]).toBe(want.error);
      else expect(lines[0]).toMatch(want.error);
      if (want.code === 2) expect(lines[0]).toContain(inputName(cmd, row.file)); // names the input
    }
    if (want.stdout) want.stdout(r.stdout);
    if (want.stdoutAs !== undefined) {
      // what was decoded before the error = the command's output on the bytes that could be read
      const expected = want.stdoutAs === '' ? Buffer.alloc(0) : references.get(refKey(cmd, want.stdoutAs))!.stdout;
      expect(comparable(cmd, r.stdout)).toEqual(comparable(cmd, expected));
    }
  });
});

// A full disk (Linux's /dev/full) as stdout or as --output-to: one line naming
// where the write failed, exit 2, for every command that writes (serve only listens).
describe('output that cannot be written', () => {
  const runTo = (args: string[], stdinFile?: string) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const full = openSync('/dev/full', 'w');
      const stdin = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
      const child = spawn(process.execPath, [CLI, ...args], { stdio: [stdin, full, 'pipe'] });
      closeSync(full);
      if (typeof stdin === 'number') closeSync(stdin);
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
  const nothingElse = (stderr: string) => stderr.replace(/^\(.* decoded in \d+ ms\)\n/m, '');
  it.each(CMDS.filter((c) => !c.noData).map((c) => [c.name, c] as const))('%s to a full disk', async (_n, c) => {
    const input = c.kind === 'json' ? BIG.json : c.kind === 'xml' ? BIG.xml : BIG.v2;
    const r = await runTo(c.args(input), c.stdinOnly ? input : undefined);
    expect(nothingElse(r.stderr)).toBe(`subunit ${c.name}: stdout: cannot write: no space left on device (ENOSPC)\n`);
    expect(r.code).toBe(2);
  });
  it('--version, help and --output-to say so too', async () => {
    expect(await runTo(['--version'])).toEqual({ code: 2, stderr: 'subunit: stdout: cannot write: no space left on device (ENOSPC)\n' });
    expect(await runTo(['json', '--help'])).toEqual({ code: 2, stderr: 'subunit json: stdout: cannot write: no space left on device (ENOSPC)\n' });
    const toFile = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'junit', '--output-to', '/dev/full', BIG.v2], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(toFile).toEqual({ code: 2, stderr: 'subunit junit: /dev/full: cannot write: no space left on device (ENOSPC)\n' });
  });
  it('--output-to naming an input (by another name, or stdin) is refused before it empties it', async () => {
    const input = file('self.subunit', run);
    const link = join(tmp, 'self-link.subunit');
    symlinkSync(input, link);
    const runs: [string[], string | undefined, string][] = [
      [['stats', '-o', input, input], undefined, input],
      [['csv', '-o', link, F.empty, input], undefined, link],
      [['junit', '-f', '-o', input], input, input], // stdin is the file
      [['junit', '-o', input, '-'], input, input],
    ];
    for (const [args, stdinFile, named] of runs) {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const stdin = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
        const child = spawn(process.execPath, [CLI, ...args], { stdio: [stdin, 'ignore', 'pipe'] });
        if (typeof stdin === 'number') closeSync(stdin);
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d));
        child.on('close', (code) => resolve({ code, stderr }));
      });
      expect(r).toEqual({ code: 2, stderr: `subunit ${args[0]}: ${named} is also an input: writing to it would empty it before it is read\n` });
      expect(readFileSync(input).equals(run)).toBe(true);
    }
  });
});

describe('partial results', () => {
  it('the cut gzip streams hold tests, and the commands report them before the error', () => {
    // the prefix is a real part of the run: the comparisons above are not of empty outputs
    const ls = results.get(ROWS.find((r) => r.cmd.name === 'ls' && r.input === 'gzip cut short')!)!;
    expect(ls.stdout.toString().split('\n').length).toBeGreaterThan(300);
    const stats = results.get(ROWS.find((r) => r.cmd.name === 'stats' && r.input === 'gzip cut short')!)!;
    expect(stats.stdout.toString()).toMatch(/^Total tests: +\d{3,}\n/m);
  });

  it('several inputs: a missing one fails before any output; reading stops at one that fails midway', async () => {
    const [missing, cut, whole] = await Promise.all([
      cli(['ls', BIG.v2, F.missing]),
      cli(['json', G.v2.file, BIG.v2]),
      cli(['json', G.v2.prefix]),
    ]);
    expect([missing.code, missing.stdout.length, missing.stderr]).toEqual([2, 0, `subunit ls: ${F.missing}: no such file\n`]);
    expect(cut.code).toBe(2);
    expect(cut.stdout.toString()).toBe(whole.stdout.toString()); // nothing of the second input
  });

  it('a slow reader of a cut gzip still gets every byte zlib could decompress, then the error', async () => {
    // (iterating a zlib stream directly drops its buffered output when it fails)
    const data = Buffer.concat([run, run, run]);
    const gz = gzipSync(data);
    const cut = gz.subarray(0, gz.length >> 1);
    const s = await sniffed({ name: 'cut.gz', chunks: (async function* () { yield cut.subarray(0, 1000); yield cut.subarray(1000); })() });
    const got: Uint8Array[] = [];
    let error: unknown;
    try {
      for await (const c of s.chunks) {
        got.push(c);
        await new Promise((r) => setTimeout(r, 2));
      }
    } catch (e) {
      error = e;
    }
    const want = gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH });
    expect(Buffer.concat(got).length).toBe(want.length);
    expect(Buffer.compare(Buffer.concat(got), want)).toBe(0);
    expect((error as Error).message).toBe(`cut.gz: gzip data cut short (at byte ${cut.length})`);
  });

  it('encode: an invalid JSON line is named by input and line number; the lines before it are written', async () => {
    const r = await cli(['encode', badJson]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`subunit encode: ${badJson}:3: "status" must be one of exists, inprogress, success, uxsuccess, skip, fail, xfail\n`);
    const first2 = jsonl.split('\n').slice(0, 2).map((l) => JSON.parse(l));
    expect(normalize(decodeAll(r.stdout))).toEqual(normalize(first2));
    const piped = await cli(['encode'], { stdin: badJson });
    expect(piped.stderr).toMatch(/^subunit encode: <stdin>:3: "status" must be one of/);
    expect(piped.stdout).toEqual(r.stdout);
  });

  it('encode: a line over 64 MiB is refused as soon as it passes the limit, not once read whole', async () => {
    const child = spawn(process.execPath, [CLI, 'encode']);
    let stdout = Buffer.alloc(0);
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = Buffer.concat([stdout, d])));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.stdin.on('error', () => {}); // it stops reading: EPIPE
    child.stdin.write('{"testId":"first","status":"success"}\n{"testId":"');
    const piece = Buffer.alloc(1 << 20, 0x61);
    for (let i = 0; i < 70; i++) child.stdin.write(piece);
    // the line never ends: only refusing at the limit can finish the command
    const code = await new Promise((resolve) => child.on('close', resolve));
    child.stdin.destroy();
    expect(code).toBe(2);
    expect(stderr).toBe('subunit encode: <stdin>:2: line longer than 64 MiB (a file that large goes over several lines, as `subunit json` writes it)\n');
    expect(decodeAll(stdout).map((e) => [e.testId, e.status])).toEqual([['first', 'success']]);
  });
});
