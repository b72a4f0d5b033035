// The mux fuzzer: `subunit mux` over worker processes that misbehave at
// random — exit mid-packet, close stdout or stdin early, never read stdin,
// get killed, flood stdout or stderr — with stdin routed down to them and a
// fast or slow consumer. Each scenario checks that the mux ends, that its
// memory stays bounded, that its exit status and error line say exactly which
// workers failed, and that every byte each worker wrote comes out under its
// route: its packets unchanged, its other bytes as `stdout` file packets, its
// stderr as `stderr` file packets, and every routed stdin byte reaches it.
//
// Workers are shell scripts that `cat` files the fuzzer wrote, so what each
// wrote is known exactly. Needs `npm run build` (the CLI in dist/).
import { spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode, decodeAll, eventToJSON, Decoder, Router, type EventInit, type SubunitEvent } from '../../bindings/index.js';
import { rng } from '../helpers.js';

const CLI = new URL('../../dist/bin/subunit.js', import.meta.url).pathname;
const MAXRSS = new URL('../workers/maxrss.cjs', import.meta.url).pathname;
export const MUX_FUZZ_DIR = new URL('../../fixtures/fuzz-mux/', import.meta.url).pathname;
/** The bound the mux's peak RSS must stay under, whatever the workers do (README, Robustness). */
export const RSS_LIMIT_MIB = 150;

/** One thing a worker does, in order. */
export type Step =
  | { out: number } // cat blob `out` to stdout
  | { err: number } // cat blob `err` to stderr
  | { zeros: number; toStderr: boolean } // a flood of zero bytes
  | { sleepMs: number }
  | { closeStdout: true }
  | { closeStdin: true };

export interface WorkerPlan {
  steps: Step[];
  /** How it reads stdin: all of it (in the background, waited for), the first n bytes, or not at all. */
  reads: 'all' | { first: number } | 'none';
  end: { code: number } | { kill: true };
}

/** What a blob holds: packets (as events to encode) and text; `cut` ends it with the first `cut` bytes of one more packet. */
export interface Blob {
  parts: ({ packet: EventInit } | { text: string } | { bytes: number[] })[];
  cut?: { packet: EventInit; keep: number };
}

export interface Scenario {
  seed: number;
  backend: 'wasm' | 'js';
  /** Pause after each output chunk the consumer reads (ms): 0 is a fast consumer. */
  pauseMs: number;
  blobs: Blob[];
  workers: WorkerPlan[];
  /** Stdin packets: a `stdin` file for a route ("i", "i/rest", or one no worker has), or other packets and text, which are not routed. */
  stdin: ({ route: string; bytes: number; fill: number } | { other: EventInit } | { text: string })[];
}

export interface Outcome {
  failure?: string;
  rssMiB: number;
  outBytes: number;
  ms: number;
}

// ---- generating ----------------------------------------------------------------

const NAMES = ['log', 'traceback', 'data.bin', ''];
const TEXT = ['hello\n', 'naïve ó — 日本語 🎉\n', 'progress 50%\r', '\t\x1b[31mred\x1b[0m\n', 'x'];

export function generate(seed: number): Scenario {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chance = (p: number) => r() < p;
  const size = () => (chance(0.05) ? 100_000 + int(1_200_000) : chance(0.3) ? 4096 + int(70_000) : int(300));
  const packet = (w: number): EventInit => {
    const e: EventInit = {};
    if (chance(0.8)) e.testId = `w${w}.t${int(6)}`;
    if (chance(0.7)) e.status = pick(['inprogress', 'inprogress', 'success', 'fail', 'skip', 'exists'] as const);
    if (chance(0.3)) e.tags = [pick(['a', 'b', 'slow'])];
    if (chance(0.4)) {
      e.fileName = pick(NAMES);
      e.fileBytes = new Uint8Array(size()).map((_, i) => (i * 31 + w) & 0xff);
      e.mimeType = chance(0.5) ? 'text/plain' : undefined;
      e.eof = chance(0.5);
    }
    if (chance(0.25)) e.routeCode = pick(['1', 'x', '0/2', 'a/b/c']);
    if (chance(0.2)) e.timestamp = new Date(1_700_000_000_000 + int(1e9));
    return e;
  };
  const text = () => Array.from({ length: 1 + int(4) }, () => pick(TEXT)).join('');
  const blob = (w: number): Blob => {
    const parts: Blob['parts'] = Array.from({ length: 1 + int(12) }, () =>
      chance(0.6) ? { packet: packet(w) } : chance(0.8) ? { text: text() } : { bytes: Array.from({ length: 1 + int(40) }, () => int(256)).filter((b) => b !== 0xb3) },
    );
    const b: Blob = { parts };
    if (chance(0.15)) {
      const p = packet(w);
      b.cut = { packet: p, keep: 1 + int(encode(p).length - 1) };
    }
    return b;
  };
  const blobs: Blob[] = [];
  const workers: WorkerPlan[] = Array.from({ length: 1 + int(4) }, (_, w) => {
    const steps: Step[] = [];
    let stdoutOpen = true;
    let stdinOpen = true;
    for (let n = int(8); n > 0; n--) {
      const k = r();
      if (k < 0.45 && stdoutOpen) {
        blobs.push(blob(w));
        steps.push({ out: blobs.length - 1 });
        // a blob cut mid-packet ends what the worker writes to stdout (it exits or closes stdout next)
        if (blobs[blobs.length - 1].cut) {
          steps.push(chance(0.5) ? { closeStdout: true } : { sleepMs: int(20) });
          stdoutOpen = false;
        }
      } else if (k < 0.6) {
        blobs.push({ parts: [{ text: text() }] });
        steps.push({ err: blobs.length - 1 });
      } else if (k < 0.66) {
        const toStderr = chance(0.4);
        if (toStderr || stdoutOpen) steps.push({ zeros: chance(0.3) ? 20_000_000 + int(100_000_000) : int(3_000_000), toStderr });
      } else if (k < 0.8) steps.push({ sleepMs: int(30) });
      else if (k < 0.88 && stdoutOpen) {
        steps.push({ closeStdout: true });
        stdoutOpen = false;
      } else if (k < 0.94 && stdinOpen) {
        steps.push({ closeStdin: true });
        stdinOpen = false;
      }
    }
    const reads: WorkerPlan['reads'] = chance(0.5) ? 'all' : chance(0.5) ? { first: int(200_000) } : 'none';
    const end: WorkerPlan['end'] = chance(0.12) ? { kill: true } : { code: chance(0.75) ? 0 : pick([1, 3, 70]) };
    return { steps, reads, end };
  });
  const stdin: Scenario['stdin'] = [];
  for (let n = chance(0.3) ? 0 : int(30); n > 0; n--) {
    const k = r();
    const w = int(workers.length + 1); // one past the last: a route no worker has
    const big = chance(0.08);
    if (k < 0.45) stdin.push({ route: String(w), bytes: big ? (1 << 20) + int(1 << 20) : int(5000), fill: int(256) });
    else if (k < 0.8) stdin.push({ route: `${w}/${pick(['0', 'x', 'a/b'])}`, bytes: big ? 1 << 20 : int(5000), fill: int(256) });
    else if (k < 0.9) stdin.push({ other: { testId: 'not-for-workers', status: 'success', routeCode: String(w) } });
    else stdin.push({ text: text() });
  }
  return { seed, backend: chance(0.5) ? 'wasm' : 'js', pauseMs: chance(0.25) ? 1 : 0, blobs, workers, stdin };
}

/** A scenario whose floods make a slow consumer take too long gets a fast one (the floods check memory either way). */
function consumerPause(s: Scenario): number {
  const flood = s.workers.reduce((n, w) => n + w.steps.reduce((m, st) => m + ('zeros' in st ? st.zeros : 0), 0), 0);
  return flood > 30_000_000 ? 0 : s.pauseMs;
}

// ---- what each worker writes and gets ------------------------------------------

/** An item of a worker's stdout as the mux's output must give it back: a packet (its decoded event), or a run of other bytes. */
type Item = { packet: string } | { run: RunDigest };
interface RunDigest {
  length: number;
  sha: string;
}

class Run {
  length = 0;
  private hash: Hash = createHash('sha1');
  add(bytes: Uint8Array): void {
    this.length += bytes.length;
    this.hash.update(bytes);
  }
  digest(): RunDigest {
    return { length: this.length, sha: this.hash.digest('hex') };
  }
}

/** Items, with adjacent runs of bytes joined (the mux cuts text into `stdout` packets its own way). */
class Items {
  readonly list: Item[] = [];
  private run: Run | null = null;
  packet(json: string): void {
    this.flush();
    this.list.push({ packet: json });
  }
  bytes(b: Uint8Array): void {
    if (b.length === 0) return;
    (this.run ??= new Run()).add(b);
  }
  done(): Item[] {
    this.flush();
    return this.list;
  }
  private flush(): void {
    if (this.run) this.list.push({ run: this.run.digest() });
    this.run = null;
  }
}

const packetJson = (e: SubunitEvent) => JSON.stringify(eventToJSON(e));
const ZEROS = new Uint8Array(1 << 20);

function blobBytes(b: Blob): Uint8Array {
  const parts = b.parts.map((p) => ('packet' in p ? encode(p.packet) : 'text' in p ? new TextEncoder().encode(p.text) : new Uint8Array(p.bytes)));
  if (b.cut) parts.push(encode(b.cut.packet).subarray(0, b.cut.keep));
  return Buffer.concat(parts);
}

interface Expected {
  stdout: Item[];
  stderr: RunDigest;
  /** Tests left in progress (route code + test id), by the mux's own rule. */
  open: number;
  /** The bytes routed to it, in order. */
  routed: Uint8Array;
  /** Whether it takes every routed byte (reads all, never closes stdin, is not killed). */
  takesAll: boolean;
}

function expectations(s: Scenario): Expected[] {
  const routed = s.workers.map(() => [] as Uint8Array[]);
  for (const p of s.stdin) {
    if (!('route' in p)) continue;
    const slash = p.route.indexOf('/');
    const w = Number(slash < 0 ? p.route : p.route.slice(0, slash));
    if (w >= s.workers.length) continue;
    const fileBytes = new Uint8Array(p.bytes).fill(p.fill);
    routed[w].push(slash < 0 ? fileBytes : encode({ fileName: 'stdin', fileBytes, routeCode: p.route.slice(slash + 1) }));
  }
  return s.workers.map((w, i) => {
    const items = new Items();
    const stderr = new Run();
    const open = new Map<string, true>();
    for (const step of w.steps) {
      if ('out' in step) {
        const b = s.blobs[step.out];
        for (const p of b.parts) {
          if (!('packet' in p)) {
            items.bytes('text' in p ? new TextEncoder().encode(p.text) : new Uint8Array(p.bytes));
            continue;
          }
          const [e] = decodeAll(encode(p.packet));
          items.packet(packetJson(e));
          if (e.testId !== undefined && e.status !== undefined) {
            const key = `${e.routeCode ?? ''}\0${e.testId}`;
            if (e.status === 'inprogress') open.set(key, true);
            else open.delete(key);
          }
        }
        if (b.cut) items.bytes(encode(b.cut.packet).subarray(0, b.cut.keep));
      } else if ('err' in step) stderr.add(blobBytes(s.blobs[step.err]));
      else if ('zeros' in step) {
        for (let left = step.zeros; left > 0; left -= ZEROS.length) {
          const z = ZEROS.subarray(0, Math.min(left, ZEROS.length));
          if (step.toStderr) stderr.add(z);
          else items.bytes(z);
        }
      }
    }
    const takesAll = w.reads === 'all' && !w.steps.some((st) => 'closeStdin' in st) && !('kill' in w.end);
    return { stdout: items.done(), stderr: stderr.digest(), open: open.size, routed: Buffer.concat(routed[i]), takesAll };
  });
}

// ---- running -------------------------------------------------------------------

function script(w: WorkerPlan, i: number): string {
  const lines = ['exec 3<&0']; // a background job's stdin is /dev/null: it reads the worker's through fd 3
  if (w.reads === 'all') lines.push(`cat <&3 > in${i}.got 2>/dev/null &`);
  else if (w.reads !== 'none') lines.push(`head -c ${w.reads.first} <&3 > in${i}.got 2>/dev/null &`);
  for (const st of w.steps) {
    if ('out' in st) lines.push(`cat blob${st.out}.bin`);
    else if ('err' in st) lines.push(`cat blob${st.err}.bin >&2`);
    else if ('zeros' in st) lines.push(`head -c ${st.zeros} /dev/zero${st.toStderr ? ' >&2' : ''}`);
    else if ('sleepMs' in st) lines.push(`sleep ${(st.sleepMs / 1000).toFixed(3)}`);
    else if ('closeStdout' in st) lines.push('exec >&-');
    else lines.push('exec <&- 3<&-');
  }
  if ('kill' in w.end) lines.push('kill -9 $$');
  lines.push('wait', `exit ${'code' in w.end ? w.end.code : 0}`);
  return lines.join('\n') + '\n';
}

/** The reasons the mux's error line must give, and those it may give (drops, which depend on timing). */
function reasons(s: Scenario, exp: Expected[]): { must: string[]; may: RegExp[] } {
  const must: string[] = [];
  const may: RegExp[] = [];
  s.workers.forEach((w, i) => {
    const name = `worker ${i} (exec sh w${i}.sh)`;
    if ('kill' in w.end) must.push(`${name} was killed by SIGKILL`);
    else if (w.end.code !== 0) must.push(`${name} exited with code ${w.end.code}`);
    else if (exp[i].open > 0) must.push(`${name} exited with code 0 with ${exp[i].open} test${exp[i].open === 1 ? '' : 's'} in progress`);
    if (!exp[i].takesAll && exp[i].routed.length > 0) may.push(new RegExp(`^worker ${i} \\(exec sh w${i}\\.sh\\) closed its stdin \\(dropped ([\\d,]+) bytes? routed to it\\)$`));
  });
  return { must, may };
}

/** Run one scenario; the failure (if any) says what went wrong. */
export async function runScenario(
  s: Scenario,
  { timeoutMs = 180_000, alter = (text: string) => text }: { timeoutMs?: number; /** Change a worker's script (to test the oracle). */ alter?: (script: string, worker: number) => string } = {},
): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'fuzz-mux-'));
  const started = Date.now();
  try {
    s.blobs.forEach((b, i) => writeFileSync(join(dir, `blob${i}.bin`), blobBytes(b)));
    s.workers.forEach((w, i) => writeFileSync(join(dir, `w${i}.sh`), alter(script(w, i), i)));
    const exp = expectations(s);
    const stdin = Buffer.concat(s.stdin.map((p) =>
      'route' in p ? encode({ fileName: 'stdin', fileBytes: new Uint8Array(p.bytes).fill(p.fill), routeCode: p.route })
        : 'other' in p ? encode(p.other) : new TextEncoder().encode(p.text),
    ));
    const rssFile = join(dir, 'maxrss');
    const args = ['--require', MAXRSS, CLI, 'mux', '--backend', s.backend, ...s.workers.flatMap((_, i) => ['--cmd', `exec sh w${i}.sh`])];
    const child = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, MAXRSS_FILE: rssFile }, detached: true });
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the mux and its workers
      } catch {}
    }, timeoutMs);
    child.stdin.on('error', () => {}); // the mux may stop reading its stdin
    child.stdin.end(stdin);
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    const check = new OutputCheck(s.workers.length);
    const pause = consumerPause(s);
    let outBytes = 0;
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      outBytes += chunk.length;
      check.push(chunk);
      if (pause) await new Promise((r) => setTimeout(r, pause));
    }
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve([child.exitCode, child.signalCode]) : child.on('close', (c, sg) => resolve([c, sg])),
    );
    clearTimeout(timer);
    const ms = Date.now() - started;
    const rssMiB = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : NaN;
    const fail = (failure: string): Outcome => ({ failure, rssMiB, outBytes, ms });
    if (hung) return fail(`hang: the mux did not end within ${timeoutMs / 1000} s`);
    if (signal) return fail(`the mux was killed by ${signal}`);
    if (!(rssMiB < RSS_LIMIT_MIB)) return fail(`peak RSS ${rssMiB.toFixed(1)} MiB (limit ${RSS_LIMIT_MIB})`);
    const problem = check.end(exp) ?? checkStatus(s, exp, code, stderr) ?? checkStdin(s, exp, dir);
    return problem ? fail(problem) : { rssMiB, outBytes, ms };
  } finally {
    if (process.env.FUZZ_KEEP) console.log(`fuzz-mux: seed ${s.seed} ran in ${dir} (kept: FUZZ_KEEP is set)`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

function checkStatus(s: Scenario, exp: Expected[], code: number | null, stderr: string): string | undefined {
  const { must, may } = reasons(s, exp);
  if (stderr === '') return must.length ? `exit ${code}, nothing on stderr; expected: ${must.join('; ')}` : code === 0 ? undefined : `exit ${code} with nothing on stderr`;
  const m = /^subunit mux: (.*)\n$/s.exec(stderr);
  if (!m || m[1].includes('\n')) return `stderr is not one error line: ${JSON.stringify(stderr.slice(0, 500))}`;
  if (code !== 1) return `exit ${code} with the error line ${JSON.stringify(stderr)}`;
  const given = m[1].split('; ');
  for (const r of must) if (!given.includes(r)) return `the error line lacks "${r}": ${JSON.stringify(m[1])}`;
  for (const g of given) {
    if (must.includes(g)) continue;
    const i = may.findIndex((re) => re.test(g));
    if (i < 0) return `unexpected reason "${g}" (expected: ${must.join('; ') || 'none'})`;
    const w = Number(/^worker (\d+)/.exec(g)![1]);
    const dropped = Number(may[i].exec(g)![1].replace(/,/g, ''));
    if (!(dropped > 0 && dropped <= exp[w].routed.length)) return `worker ${w}: dropped ${dropped} of ${exp[w].routed.length} routed bytes`;
  }
  if (given.length !== new Set(given).size) return `a reason given twice: ${m[1]}`;
  return undefined;
}

function checkStdin(s: Scenario, exp: Expected[], dir: string): string | undefined {
  for (const [i, w] of s.workers.entries()) {
    if (w.reads === 'none') continue;
    const file = join(dir, `in${i}.got`);
    const got = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
    const want = exp[i].routed;
    const prefix = Buffer.from(want.subarray(0, got.length));
    if (got.length > want.length || !got.equals(prefix)) return `worker ${i} got ${got.length} stdin bytes that are not a prefix of the ${want.length} routed to it`;
    const whole = w.reads === 'all' ? want.length : Math.min(w.reads.first, want.length);
    if (exp[i].takesAll && got.length !== whole) return `worker ${i} read all its stdin but got ${got.length} of the ${whole} bytes routed to it`;
  }
  return undefined;
}

/**
 * The mux's output, checked as it streams: every event a packet, each
 * route's events split by the Router and decoded, into that worker's items
 * (its packets; `stdout` packets as runs of bytes), its stderr, and what the
 * mux added for tests left in progress.
 */
class OutputCheck {
  private readonly router = new Router();
  private readonly whole = new Decoder();
  private readonly lanes: { decoder: Decoder; items: Items; stderr: Run; added: number; afterAdded: boolean }[];
  private problem: string | undefined;
  constructor(workers: number) {
    this.lanes = Array.from({ length: workers }, () => ({ decoder: new Decoder(), items: new Items(), stderr: new Run(), added: 0, afterAdded: false }));
  }
  push(chunk: Uint8Array): void {
    this.wholeEvents(this.whole.push(chunk));
    for (const p of this.router.push(chunk)) this.route(p.route, p.bytes, false);
  }
  end(exp: Expected[]): string | undefined {
    this.wholeEvents(this.whole.end());
    for (const p of this.router.end()) this.route(p.route, p.bytes, false);
    this.lanes.forEach((_, i) => this.route(String(i), new Uint8Array(0), true));
    if (this.problem) return this.problem;
    for (const [i, lane] of this.lanes.entries()) {
      const got = lane.items.done();
      const want = exp[i].stdout;
      const at = got.findIndex((g, k) => JSON.stringify(g) !== JSON.stringify(want[k]));
      if (at >= 0 || got.length !== want.length) {
        const k = at >= 0 ? at : Math.min(got.length, want.length);
        return `route ${i}: stdout item ${k} of ${want.length} differs: got ${JSON.stringify(got[k])?.slice(0, 300)}, want ${JSON.stringify(want[k])?.slice(0, 300)}`;
      }
      const stderr = lane.stderr.digest();
      if (stderr.sha !== exp[i].stderr.sha) return `route ${i}: stderr ${stderr.length} bytes, want ${exp[i].stderr.length}`;
      if (lane.added !== 2 * exp[i].open) return `route ${i}: ${lane.added} events for tests left in progress, want ${2 * exp[i].open}`;
    }
    return undefined;
  }
  private wholeEvents(events: SubunitEvent[]): void {
    const bad = events.find((e) => e.source !== 'packet' || e.routeCode === undefined);
    if (bad) this.problem ??= `the output has a ${bad.source} event at byte ${bad.offset} (route ${bad.routeCode})`;
  }
  private route(route: string | undefined, bytes: Uint8Array, end: boolean): void {
    const lane = route === undefined ? undefined : this.lanes[Number(route)];
    if (!lane || String(Number(route)) !== route) {
      this.problem ??= `output for route ${route}, which no worker has`;
      return;
    }
    const events = end ? lane.decoder.end() : lane.decoder.push(bytes);
    for (const e of events) {
      if (e.source !== 'packet') {
        this.problem ??= `route ${route}: a ${e.source} event after stripping the route`;
      } else if (e.routeCode === undefined && e.fileName === 'stderr') lane.stderr.add(e.fileBytes!);
      else if (e.fileName === 'worker-exit' || (lane.afterAdded && e.status === 'fail')) {
        // the mux's own: an attachment then a fail per test left in progress, after all the worker wrote
        lane.added++;
        lane.afterAdded = e.fileName === 'worker-exit';
      } else if (lane.added > 0) this.problem ??= `route ${route}: worker output after the events for tests left in progress`;
      else if (e.routeCode === undefined && e.fileName === 'stdout') lane.items.bytes(e.fileBytes!);
      else lane.items.packet(packetJson(e));
    }
  }
}

// ---- saving and replaying ------------------------------------------------------

/** Save a failing scenario as fixtures/fuzz-mux/<seed>.json (replayed by test/fuzz-mux.test.ts). */
export function saveScenario(s: Scenario, failure: string): string {
  mkdirSync(MUX_FUZZ_DIR, { recursive: true });
  const name = `seed-${s.seed}.json`;
  writeFileSync(join(MUX_FUZZ_DIR, name), JSON.stringify({ failure, scenario: s }, (_k, v) => (v instanceof Uint8Array ? { bytes: [...v] } : v), 1) + '\n');
  return name;
}

export function savedScenarios(): string[] {
  return existsSync(MUX_FUZZ_DIR) ? readdirSync(MUX_FUZZ_DIR).filter((f) => f.endsWith('.json')).sort() : [];
}

/** A saved scenario, file bytes and timestamps restored. */
export function loadScenario(name: string): Scenario {
  return JSON.parse(readFileSync(join(MUX_FUZZ_DIR, name), 'utf8'), (k, v) =>
    v && typeof v === 'object' && Array.isArray(v.bytes) && k === 'fileBytes' ? new Uint8Array(v.bytes) : k === 'timestamp' ? new Date(v) : v,
  ).scenario;
}

export interface MuxFuzzStats {
  scenarios: number;
  workers: number;
  outMiB: number;
  peakRssMiB: number;
  slowestMs: number;
  failures: { seed: number; failure: string; file?: string }[];
}

/** Scenarios from `seed` on, until `count` are run or the deadline passes. */
export async function fuzzMux(opts: { seed: number; count?: number; deadline?: number; save?: boolean; log?: (line: string) => void; onProgress?: (s: MuxFuzzStats) => void; progressMs?: number }): Promise<MuxFuzzStats> {
  const stats: MuxFuzzStats = { scenarios: 0, workers: 0, outMiB: 0, peakRssMiB: 0, slowestMs: 0, failures: [] };
  let lastProgress = Date.now();
  for (let i = 0; (opts.count === undefined || i < opts.count) && (opts.deadline === undefined || Date.now() < opts.deadline); i++) {
    const s = generate((opts.seed + i) >>> 0);
    const o = await runScenario(s);
    stats.scenarios++;
    stats.workers += s.workers.length;
    stats.outMiB += o.outBytes / 1048576;
    stats.peakRssMiB = Math.max(stats.peakRssMiB, o.rssMiB || 0);
    stats.slowestMs = Math.max(stats.slowestMs, o.ms);
    if (o.failure) {
      const file = opts.save ? saveScenario(s, o.failure) : undefined;
      stats.failures.push({ seed: s.seed, failure: o.failure, file });
      opts.log?.(`fuzz-mux: seed ${s.seed}: ${o.failure}${file ? ` → fixtures/fuzz-mux/${file}` : ''}`);
    }
    if (opts.progressMs && Date.now() - lastProgress > opts.progressMs) {
      lastProgress = Date.now();
      opts.log?.(`fuzz-mux: ${stats.scenarios} scenarios, ${stats.workers} workers, ${stats.outMiB.toFixed(0)} MiB out, peak RSS ${stats.peakRssMiB.toFixed(0)} MiB, ${stats.failures.length} failures`);
      opts.onProgress?.(stats);
    }
  }
  opts.onProgress?.(stats);
  return stats;
}
