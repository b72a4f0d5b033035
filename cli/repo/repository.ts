// A repository of runs: a directory of numbered streams plus an index of
// per-test times and last status. Our own layout (`.subunit/`) is written by
// `subunit load`; stestr's `.stestr/` is read as it is (its streams are v1,
// its times a Python dumb-dbm), so the same commands answer on either.
//
// Our layout:
//   format        "subunit-wasm repository 1"
//   next-stream   the next run number (as stestr's, so a removed run's number is never reused)
//   N             run N as a plain v2 stream (N.subunit, N.gz, N.subunit.gz are read too)
//   index.json    { tests: { id: [seconds|null, status, run] } } — rebuilt from the runs when missing or damaged
//   lock          held (O_EXCL, holding the pid) while a run is numbered and the index updated
import {
  closeSync, existsSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync,
  unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, constants as zlib } from 'node:zlib';
import { decodeStream } from '../../bindings/adapters/streams.js';
import { RunSummary, TestResults, type RunCounts, type TestResult } from '../../bindings/results/results.js';
import type { SubunitEvent } from '../../bindings/codec/events.js';
import type { BackendName } from '../../bindings/codec/core.js';
import { InputError } from '../../bindings/codec/errors.js';
import { looksLikeV1, v1ToV2 } from '../v1.js';
import { readDumbDbm } from './dbm.js';

export const DEFAULT_REPO = '.subunit';
const STESTR_REPO = '.stestr';
const FORMAT = 'subunit-wasm repository 1\n';
const RUN_NAME = /^(\d+)(\.subunit)?(\.gz)?$/;

export const REPO_OPTION = { type: 'string', help: `the repository, or a project holding ${STESTR_REPO}/ (default ${DEFAULT_REPO}/, else ${STESTR_REPO}/)` } as const;

/** One stored test: its last recorded duration, status and run. */
export interface IndexEntry {
  time?: number;
  status: string;
  run: number;
}

/** A run read back from the repository; `damage` says what could not be read (never thrown). */
export interface StoredRun {
  id: number;
  path: string;
  results: TestResult[];
  /** Events that belong to no test (chatter, run-level files), in order. */
  other: SubunitEvent[];
  damage?: string;
  /** Modification time of the stream file (when it was stored). */
  stored: Date;
}

/** stestr keys times by test id without its `[tags]` part (utils.cleanup_test_name). */
export function timeKey(id: string): string {
  const open = id.indexOf('[');
  const close = id.indexOf(']');
  return open > 0 && close > open ? id.slice(0, open) + id.slice(close + 1) : id;
}

export class Repository {
  private constructor(
    readonly dir: string,
    readonly kind: 'subunit' | 'stestr',
  ) {}

  /** The repository at `dir`, or `.subunit/`, or else an existing `.stestr/`; an input error when there is none. */
  static open(dir?: string): Repository {
    const found = Repository.find(dir);
    if (!found) throw new InputError(`${dir ?? DEFAULT_REPO}: no repository here (store a run with subunit load)`, dir ?? DEFAULT_REPO);
    return found;
  }

  /** The repository to store into: created when missing. stestr's repositories are read-only here. */
  static openForWriting(dir?: string): Repository {
    const existing = Repository.find(dir);
    if (existing) {
      if (existing.kind === 'stestr') throw new InputError(`${existing.dir}: a stestr repository is read here, not written (use stestr load)`, existing.dir);
      return existing;
    }
    const path = dir ?? DEFAULT_REPO;
    try {
      mkdirSync(path, { recursive: true });
      if (readdirSync(path).length > 0) throw new InputError(`${path}: not a repository and not empty`, path);
      writeAtomically(join(path, 'format'), FORMAT);
      writeAtomically(join(path, 'next-stream'), '0\n');
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`${path}: cannot create a repository: ${(e as Error).message}`, path);
    }
    return new Repository(path, 'subunit');
  }

  private static find(dir?: string): Repository | undefined {
    // --repo may also name a stestr project (stestr's own --here/-r take the directory holding .stestr/)
    const candidates = dir === undefined ? [DEFAULT_REPO, STESTR_REPO] : [dir, join(dir, STESTR_REPO)];
    for (const d of candidates) {
      const format = readText(join(d, 'format'));
      if (format === undefined) continue;
      if (format === FORMAT) return new Repository(d, 'subunit');
      if (format.trim() === '1') return new Repository(d, 'stestr');
      throw new InputError(`${d}: unknown repository format ${JSON.stringify(format.trim())}`, d);
    }
    return undefined;
  }

  /** Run numbers in order, from the stream files present. */
  runIds(): number[] {
    const ids = new Set<number>();
    for (const name of readdirSync(this.dir)) {
      const m = RUN_NAME.exec(name);
      if (m && (this.kind === 'subunit' || !m[2] && !m[3])) ids.add(Number(m[1]));
    }
    return [...ids].sort((a, b) => a - b);
  }

  /** The newest run's number; an input error when the repository holds none. */
  latest(): number {
    const ids = this.runIds();
    if (ids.length === 0) throw new InputError(`${this.dir}: the repository holds no runs yet`, this.dir);
    return ids[ids.length - 1];
  }

  /** The stream file of run `id` (an input error naming the run when absent). */
  runPath(id: number): string {
    const names = this.kind === 'stestr' ? [String(id)] : [`${id}`, `${id}.subunit`, `${id}.gz`, `${id}.subunit.gz`];
    for (const n of names) if (existsSync(join(this.dir, n))) return join(this.dir, n);
    throw new InputError(`${this.dir}: no run ${id} (see subunit history list)`, this.dir);
  }

  /** Reads run `id`; damage is reported in the result, never thrown. */
  async readRun(id: number, options: ReadOptions = {}): Promise<StoredRun> {
    const path = this.runPath(id);
    return { id, ...(await readStream(path, options)), stored: statSync(path).mtime };
  }

  /** stestr's `failing` stream (the failures of the latest run, kept by stestr load), when present. */
  stestrFailingPath(): string | undefined {
    const p = join(this.dir, 'failing');
    return this.kind === 'stestr' && existsSync(p) ? p : undefined;
  }

  /**
   * Per-test durations, keyed by timeKey: from stestr's times.dbm, or our
   * index; rebuilt from the stored runs when the file is missing or unreadable.
   */
  async times(backend?: BackendName): Promise<Map<string, number>> {
    if (this.kind === 'stestr') {
      const dbm = readDumbDbm(join(this.dir, 'times.dbm'));
      if (dbm) {
        const out = new Map<string, number>();
        for (const [k, v] of dbm) if (Number.isFinite(Number(v))) out.set(k, Number(v));
        return out;
      }
    }
    const index = await this.index(backend);
    const out = new Map<string, number>();
    for (const [id, e] of index) if (e.time !== undefined) out.set(id, e.time);
    return out;
  }

  /** The index (our layout), rebuilt from the runs when missing or damaged. */
  async index(backend?: BackendName): Promise<Map<string, IndexEntry>> {
    const stored = this.kind === 'subunit' ? readIndex(join(this.dir, 'index.json')) : undefined;
    if (stored) return stored;
    const index = new Map<string, IndexEntry>();
    for (const id of this.runIds()) {
      const run = await this.readRun(id, { backend, attachments: false });
      addToIndex(index, run.id, run.results);
    }
    return index;
  }

  /**
   * Stores a run: `write` fills a temporary file in the repository (the long
   * part, unlocked), then under the lock the file is given the next number
   * (a hard link that fails rather than overwrite) and the index updated.
   * `replace`: the run number to put it in place of (load --retry).
   */
  async store(write: (path: string) => Promise<TestResult[]>, replace?: number): Promise<number> {
    const tmp = join(this.dir, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
    let results: TestResult[];
    try {
      results = await write(tmp);
    } catch (e) {
      tryUnlink(tmp);
      throw e;
    }
    const index = await this.index(); // read (or rebuilt) before the lock: rebuilding is slow
    return this.locked(() => {
      let id: number;
      if (replace !== undefined) {
        id = replace;
        const old = this.runPath(replace);
        renameSync(tmp, join(this.dir, String(id)));
        if (old !== join(this.dir, String(id))) tryUnlink(old);
      } else {
        id = Math.max(this.nextStream(), (this.runIds().at(-1) ?? -1) + 1);
        for (;; id++) {
          try {
            linkSync(tmp, join(this.dir, String(id)));
            break;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          }
        }
        unlinkSync(tmp);
        writeAtomically(join(this.dir, 'next-stream'), `${id + 1}\n`);
      }
      // another load may have updated the index since it was read: merge into the current one
      const current = readIndex(join(this.dir, 'index.json')) ?? index;
      addToIndex(current, id, results);
      writeIndex(join(this.dir, 'index.json'), current);
      return id;
    });
  }

  /** Removes run `id` (the index keeps the times it gave: they are still the latest known). */
  remove(id: number): void {
    if (this.kind === 'stestr') throw new InputError(`${this.dir}: a stestr repository is read here, not written (use stestr history remove)`, this.dir);
    const path = this.runPath(id);
    this.locked(() => unlinkSync(path));
  }

  private nextStream(): number {
    const n = Number.parseInt(readText(join(this.dir, 'next-stream')) ?? '0', 10);
    return Number.isFinite(n) && n >= 0 ? n : 0;
  }

  /** Runs `f` holding the repository's lock; a lock left by a process that died is taken over. */
  private locked<T>(f: () => T): T {
    const lock = join(this.dir, 'lock');
    const deadline = Date.now() + 60_000;
    for (;;) {
      let fd: number | undefined;
      try {
        fd = openSync(lock, 'wx');
        writeSync(fd, String(process.pid));
      } catch (e) {
        if (fd !== undefined) closeSync(fd);
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const holder = Number(readText(lock));
        if (holder > 0 && !alive(holder)) {
          tryUnlink(lock);
          continue;
        }
        if (Date.now() > deadline) throw new InputError(`${this.dir}: locked by process ${holder || '?'} (remove ${lock} if it is gone)`, this.dir);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      try {
        return f();
      } finally {
        closeSync(fd);
        tryUnlink(lock);
      }
    }
  }
}

export interface ReadOptions {
  backend?: BackendName;
  /** Keep attachment bytes (default true). */
  attachments?: boolean;
}

/**
 * A stream file → its test results, whatever state it is in: gzip (a cut one
 * gives what it held), v1 (stestr's), damaged v2 (parser-error results, as
 * every tool gives them). What went wrong is returned as `damage`.
 */
export async function readStream(path: string, { backend, attachments = true }: ReadOptions = {}): Promise<Omit<StoredRun, 'id' | 'stored'>> {
  let bytes: Uint8Array;
  let damage: string | undefined;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return { path, results: [], other: [], damage: `${path}: ${(e as Error).message}` };
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      bytes = gunzipSync(bytes, { finishFlush: zlib.Z_SYNC_FLUSH }); // what the cut file held
      damage = `${path}: gzip data cut short`;
    }
  }
  const chunks: AsyncIterable<Uint8Array> = looksLikeV1(bytes.subarray(0, 256)) ? v1ToV2(once(bytes)) : once(bytes);
  const tests = new TestResults({ attachments });
  const results: TestResult[] = [];
  const other: SubunitEvent[] = [];
  for await (const batch of decodeStream(chunks, { backend })) {
    for (const e of batch) {
      if (e.source === 'parser-error' && e.status === 'fail') damage ??= `${path}: damaged at byte ${e.offset}: ${new TextDecoder().decode(e.fileBytes)}`;
      if (e.testId === undefined) {
        other.push(e);
        continue;
      }
      const r = tests.add(e);
      if (r) results.push(r);
    }
  }
  const unfinished = tests.end();
  if (unfinished.length) damage ??= `${path}: ${unfinished.length} test(s) never finished (a half-written run?)`;
  results.push(...unfinished);
  return { path, results, other, damage };
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** The index entries a run gives: its tests' status and, when timed, duration. */
function addToIndex(index: Map<string, IndexEntry>, run: number, results: TestResult[]): void {
  for (const r of results) {
    if (r.status === 'exists') continue;
    const key = timeKey(r.id);
    const time = r.duration ?? index.get(key)?.time;
    index.set(key, { time, status: r.status, run });
  }
}

function readIndex(path: string): Map<string, IndexEntry> | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as { tests: Record<string, [number | null, string, number]> };
    const out = new Map<string, IndexEntry>();
    for (const [id, [time, status, run]] of Object.entries(parsed.tests)) out.set(id, { time: time ?? undefined, status, run });
    return out;
  } catch {
    return undefined; // damaged: rebuilt from the runs
  }
}

function writeIndex(path: string, index: Map<string, IndexEntry>): void {
  const tests: Record<string, [number | null, string, number]> = {};
  for (const [id, e] of index) tests[id] = [e.time ?? null, e.status, e.run];
  writeAtomically(path, JSON.stringify({ tests }));
}

/** Written whole or not at all: a temporary file renamed over the target. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.new`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Totals of a stored run (as subunit summary counts them). */
export function runCounts(results: TestResult[]): RunCounts {
  const summary = new RunSummary();
  for (const r of results) if (r.status !== 'exists') summary.countResult(r);
  return summary.result();
}
