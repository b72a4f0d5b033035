// The built `subunit` command (dist/, made by `npm test`'s build step).
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, fixtureBytes, refEvents } from './helpers.js';
import { gzipSync } from 'node:zlib';
import { decodeAll, encode, eventToJsonLine } from '../bindings/index.js';

const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;

function run(args: string[], input?: Uint8Array | string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, maxBuffer: 1 << 30 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

const tmp = mkdtempSync(join(tmpdir(), 'subunit-cli-'));

describe('subunit json', () => {
  it.each(['wasm', 'js'])('prints the canonical JSON Lines of a real run (--backend %s)', (backend) => {
    const r = run(['json', '--backend', backend, FIXTURES + 'sample-run.subunit']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const want = decodeAll(fixtureBytes('sample-run'), { backend: 'js' }).map((e) => eventToJsonLine(e) + '\n').join('');
    expect(r.stdout.toString()).toBe(want);
  });

  it('reads stdin when given no file or "-", and concatenates several inputs', () => {
    const bytes = fixtureBytes('chatter');
    const one = run(['json'], bytes).stdout.toString();
    expect(run(['json', '-'], bytes).stdout.toString()).toBe(one);
    const two = run(['json', FIXTURES + 'chatter.subunit', FIXTURES + 'unicode.subunit']).stdout.toString();
    expect(two).toBe(one + run(['json', FIXTURES + 'unicode.subunit']).stdout.toString());
  });

  it.each(['wasm', 'js'])('reads a plain v2 file into the core\'s memory: the lines stdin gives, across its 5 MiB area (--backend %s)', (backend) => {
    // no chatter (only the caller's reads may cut text, and a file is read in
    // other pieces than stdin); packets across the area's end, a 4 MiB
    // attachment, a damaged packet and a cut one at the end
    const run1 = fixtureBytes('sample-run');
    const big = encode({ testId: 'big', fileName: 'log', fileBytes: new Uint8Array(4 << 20).fill(7), eof: true });
    const bad = encode({ testId: 'damaged', status: 'fail' });
    bad[bad.length - 1] ^= 1;
    const parts = [run1, run1, run1, big, run1, bad, run1, run1, run1, run1, run1, big, run1, encode({ testId: 'cut' }).subarray(0, 9)];
    const stream = Buffer.concat(parts);
    expect(stream.length).toBeGreaterThan(3 * (5 << 20));
    const file = join(tmp, `plain-${backend}.subunit`);
    writeFileSync(file, stream);
    const fromFile = run(['json', '--backend', backend, file]);
    const fromStdin = run(['json', '--backend', backend], stream);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stderr).toBe('');
    expect(fromFile.stdout.toString().split('\n').length).toBeGreaterThan(80_000);
    // the damaged packet and the cut one: two parser errors
    expect(fromFile.stdout.toString().split('"fileName":"Parser Error"').length - 1).toBe(2);
    expect(Buffer.compare(fromFile.stdout, fromStdin.stdout)).toBe(0);
    // gzip, and v1 text (its first line, then nothing v2 in what the file's start shows), still go the other way
    writeFileSync(`${file}.gz`, gzipSync(stream));
    expect(Buffer.compare(run(['json', '--backend', backend, `${file}.gz`]).stdout, fromStdin.stdout)).toBe(0);
    const v1 = Buffer.from('time: 2024-01-01 00:00:00.000000Z\ntest: a\nsuccess: a\n' + 'progress: 1\n'.repeat(10_000));
    writeFileSync(`${file}.v1`, v1);
    const fromV1 = run(['json', '--backend', backend, `${file}.v1`]);
    expect(fromV1.stdout.toString()).toBe(run(['json', '--backend', backend], v1).stdout.toString());
    expect(fromV1.stdout.toString()).toContain('"testId":"a","status":"success"');
  });

  it('reads a named pipe whole: checking inputs before reading does not open (and close) it', () => {
    const fifo = join(tmp, 'fifo');
    const want = run(['json', FIXTURES + 'sample-run.subunit']).stdout;
    // the loss was a race: the writer's first bytes went with the check's close, or its write failed
    for (let i = 0; i < 4; i++) {
      rmSync(fifo, { force: true });
      execFileSync('mkfifo', [fifo]);
      const writer = spawn('sh', ['-c', `cat "${FIXTURES}sample-run.subunit" > "${fifo}"`], { stdio: 'ignore' });
      const r = run(['json', fifo]);
      writer.kill();
      expect(r.code).toBe(0);
      expect(Buffer.compare(r.stdout, want), `pass ${i}`).toBe(0);
    }
  });

  it('exits quietly when the reader goes away (| head)', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" json "${FIXTURES}sample-run.subunit" | head -n 1`]);
    expect(r.status).toBe(0);
    expect(r.stderr.toString()).toBe('');
    expect(r.stdout.toString().split('\n').length).toBe(2);
  });
});

describe('subunit encode', () => {
  it.each(['sample-run', 'every-field', 'varint-boundaries', 'unicode'])('json | encode gives back the bytes python-subunit wrote: %s', (name) => {
    const json = run(['json', FIXTURES + `${name}.subunit`]).stdout;
    const back = run(['encode'], json);
    expect(back.code).toBe(0);
    expect(Buffer.compare(back.stdout, Buffer.from(fixtureBytes(name)))).toBe(0);
  });

  it('names the file and line of a bad line and exits 2', () => {
    const f = join(tmp, 'bad.jsonl');
    writeFileSync(f, '{"testId":"a","runnable":true,"eof":false}\n\n{"testId":\n');
    const r = run(['encode', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^subunit encode: ${f}:3: not JSON \\(.+\\)\\n$`));
  });

  it('says which line is not UTF-8', () => {
    const r = run(['encode'], new Uint8Array([0x7b, 0x7d, 0x0a, 0xff, 0x0a]));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('subunit encode: <stdin>:2: not valid UTF-8\n');
  });
});

describe('subunit summary', () => {
  it('counts the sample run as the reference events say', () => {
    // final statuses per (route code, test id), straight from python-subunit's events
    const final = new Map<string, string>();
    for (const e of refEvents('sample-run')) {
      if (typeof e.testId !== 'string' || e.status === undefined || e.status === 'exists') continue;
      final.set(`${e.routeCode}/${e.testId}`, e.status as string);
    }
    const count = (...s: string[]) => [...final.values()].filter((v) => s.includes(v)).length;
    const r = run(['summary', FIXTURES + 'sample-run.subunit']);
    expect(r.stdout.toString()).toBe(
      `${final.size} tests: ${count('success', 'xfail')} passed, ${count('fail', 'uxsuccess', 'inprogress')} failed, ${count('skip')} skipped\n`,
    );
    expect(r.code).toBe(0);
  });
});

describe('errors are one line, never a stack trace', () => {
  const unreadable = join(tmp, 'unreadable');
  writeFileSync(unreadable, 'x');
  chmodSync(unreadable, 0);
  const root = process.getuid?.() === 0; // root reads anything
  it.each([
    [['json', '/no/such/file'], 2, 'subunit json: /no/such/file: no such file\n'],
    [['json', tmp], 2, `subunit json: ${tmp}: is a directory\n`],
    [['summary', '/no/such/file'], 2, 'subunit summary: /no/such/file: no such file\n'],
    [['frobnicate'], 2, 'subunit: unknown command "frobnicate" (see subunit --help)\n'],
    [['json', '--backend', 'gpu'], 2, 'subunit json: --backend must be wasm or js\n'],
    [['encode', 'a', 'b'], 2, 'subunit encode: give at most one input\n'],
    ...(root ? [] : [[['json', unreadable], 2, `subunit json: ${unreadable}: permission denied\n`] as [string[], number, string]]),
  ])('%j', (args, code, stderr) => {
    const r = run(args);
    expect(r.stderr).toBe(stderr);
    expect(r.code).toBe(code);
  });

  it('--help, CMD --help and --version', () => {
    expect(run(['--help']).stdout.toString()).toMatch(/^usage: subunit COMMAND/);
    for (const c of ['json', 'encode', 'summary']) expect(run([c, '--help']).stdout.toString()).toMatch(new RegExp(`^usage: subunit ${c}`));
    expect(run(['--version']).stdout.toString()).toMatch(/^subunit-wasm \d+\.\d+\.\d+\n$/);
  });
});
