// Shared by the tests of the Jest, Mocha and Playwright reporters: a scratch
// project that finds `subunit-wasm` (this package) and the runners by name,
// as a user's would; the checks every stream gets (our decoder, python-subunit,
// stestr); and the run that is killed halfway.
import { afterAll, expect } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodeAll, TestResults, type SubunitEvent } from '../bindings/index.js';

export const ROOT = new URL('..', import.meta.url).pathname;
export const CLI = join(ROOT, 'dist/bin/subunit.js');
export const BIN = (name: string) => join(ROOT, 'node_modules/.bin', name);

/** A project folder holding `files`, with node_modules/{subunit-wasm, ...packages} linked to this package's; removed after the suite. */
export function scratchProject(prefix: string, files: Record<string, string>, packages: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), `subunit-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules/@playwright'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules/subunit-wasm'));
  for (const p of packages) symlinkSync(join(ROOT, 'node_modules', p), join(dir, 'node_modules', p));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

export interface Run {
  code: number | null;
  stdout: string;
  /** stdout as it came (a stream of packets is not text). */
  bytes: Buffer;
  stderr: string;
}

/** Run a command to its end without blocking the event loop (other suites' runs go on meanwhile). */
export function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1', ...options.env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const bytes = Buffer.concat(out);
      resolve({ code, stdout: bytes.toString(), bytes, stderr: Buffer.concat(err).toString() });
    });
  });
}

/** Final status of every test, in stream order ("id status"; a retried test appears once per attempt). */
export function statuses(stream: Uint8Array): string[] {
  return decodeAll(stream).filter((e) => e.status && e.status !== 'inprogress').map((e) => `${e.testId} ${e.status}`);
}

/** The last attempt of every test decides its outcome, as the runners count: id → final status. */
export function lastOutcomes(stream: Uint8Array): Map<string, string> {
  const results = new TestResults();
  const last = new Map<string, string>();
  for (const e of decodeAll(stream)) {
    const r = results.add(e);
    if (r) last.set(r.id, r.status);
  }
  return last;
}

export const count = (outcomes: Map<string, string>, ...wanted: string[]) => [...outcomes.values()].filter((s) => wanted.includes(s)).length;

export function attachment(stream: Uint8Array, testId: string, fileName: string): SubunitEvent[] {
  return decodeAll(stream).filter((e) => e.testId === testId && e.fileName === fileName);
}

export const text = (events: SubunitEvent[]) => Buffer.concat(events.map((e) => e.fileBytes ?? new Uint8Array())).toString();

/** `subunit-stats` (python-subunit) of a stream: its five counts. */
export function pythonStats(stream: Uint8Array): { total: number; passed: number; failed: number; skipped: number } {
  const r = spawnSync('/usr/bin/subunit-stats', ['--no-passthrough'], { input: stream });
  const out = r.stdout.toString();
  const n = (label: string) => Number(new RegExp(`${label} tests:\\s+(\\d+)`).exec(out)?.[1]);
  expect(out, r.stderr.toString()).toMatch(/Total tests/);
  return { total: n('Total'), passed: n('Passed'), failed: n('Failed'), skipped: n('Skipped') };
}

/** Our `subunit stats`, which must say what python-subunit's says. */
export function ourStats(stream: Uint8Array): string {
  return spawnSync(process.execPath, [CLI, 'stats', '--no-passthrough'], { input: stream }).stdout.toString();
}

/**
 * Our stats after `subunit merge --retries`, which folds each test's attempts
 * into its last one: the runner's own summary, counted from the stream.
 */
export function mergedStats(stream: Uint8Array): { total: number; passed: number; failed: number; skipped: number } {
  const merged = spawnSync(process.execPath, [CLI, 'merge', '--retries', '-'], { input: stream, maxBuffer: 1 << 30 });
  const out = spawnSync(process.execPath, [CLI, 'stats', '--no-passthrough'], { input: merged.stdout }).stdout.toString();
  const n = (label: string) => Number(new RegExp(`${label} tests:\\s+(\\d+)`).exec(out)?.[1]);
  expect(out, merged.stderr.toString()).toMatch(/Total tests/);
  return { total: n('Total'), passed: n('Passed'), failed: n('Failed'), skipped: n('Skipped') };
}

/** `stestr load` of the stream into a fresh repository: its "Ran N tests" and the failure/skip counts. */
export function stestrLoad(stream: Uint8Array): { ran: number; failures: number; skips: number } {
  const repo = mkdtempSync(join(tmpdir(), 'subunit-stestr-'));
  expect(spawnSync('stestr', ['init'], { cwd: repo }).status).toBe(0);
  const load = spawnSync('stestr', ['load'], { cwd: repo, input: stream });
  rmSync(repo, { recursive: true, force: true });
  const out = load.stdout.toString() + load.stderr.toString();
  const ran = Number(/Ran (\d+) tests/.exec(out)?.[1]);
  return { ran, failures: Number(/failures=(\d+)/.exec(out)?.[1] ?? 0), skips: Number(/skips=(\d+)/.exec(out)?.[1] ?? 0) };
}

/**
 * Start a run whose suite hangs in `hangingTest` (after other tests ended),
 * wait until the stream holds that test's inprogress, kill the runner
 * (SIGKILL, its whole process group), and return what it had written: the
 * reporter writes as tests run, so this is a valid stream with the tests
 * done so far and the hanging one in progress.
 */
export async function killedMidRun(
  command: string, args: string[], cwd: string, output: string, hangingTest: string,
  { env = {}, stdout = false }: { env?: Record<string, string>; stdout?: boolean } = {},
): Promise<Uint8Array> {
  // stdout: the reporter writes to its stdout, redirected to `output`
  const fd = stdout ? openSync(output, 'w') : 'ignore';
  const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', CI: '1', ...env }, detached: true, stdio: ['ignore', fd, 'ignore'] });
  if (typeof fd === 'number') closeSync(fd);
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${hangingTest} never started`);
      await new Promise((r) => setTimeout(r, 50));
      if (!existsSync(output)) continue;
      const started = decodeAll(readFileSync(output)).some((e) => e.testId === hangingTest && e.status === 'inprogress');
      if (started) break;
    }
  } finally {
    process.kill(-child.pid!, 'SIGKILL');
  }
  await new Promise((r) => child.once('exit', r));
  return readFileSync(output);
}

/** A killed run's stream: every byte is a whole packet; the hanging test never finished, the ones before it did. */
export function expectValidPrefix(stream: Uint8Array, hangingTest: string, finished: string[]): void {
  const events = decodeAll(stream);
  expect(events.filter((e) => e.source !== 'packet')).toEqual([]);
  const results = new TestResults();
  const done = new Map<string, string>();
  for (const e of events) {
    const r = results.add(e);
    if (r) done.set(r.id, r.status);
  }
  const unfinished = results.end().map((r) => `${r.id} ${r.status}`);
  expect(unfinished).toEqual([`${hangingTest} inprogress`]);
  for (const id of finished) expect(done.has(id), id).toBe(true);
  // python-subunit reads it too
  const ls = spawnSync('/usr/bin/subunit-ls', ['--no-passthrough'], { input: stream }).stdout.toString();
  for (const id of finished) expect(ls).toContain(id);
}
