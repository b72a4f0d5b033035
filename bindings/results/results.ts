// events → per-test results. One aggregator, TestAggregator, folds each
// test's events together for every consumer: TestResults and RunSummary hold
// a test only while it is in flight (from its first event to its final
// status), so their memory is bounded by the tests in flight, not by the run;
// a viewer asks it to retain every test.
import type { Status, SubunitEvent } from '../codec/events.js';
import type { Timestamp } from '../codec/timestamp.js';
import { concat } from '../codec/bytes.js';
import { isFailed, isUnfinished, testKey, type FinalStatus } from './outcome.js';

export { isFailed, isUnfinished, testKey, type FinalStatus };

/** A file attached to a test, its chunks joined in stream order. */
export interface Attachment {
  name: string;
  /** The MIME type of the first chunk that had one. */
  mimeType?: string;
  bytes: Uint8Array;
}


export interface TestResult {
  id: string;
  routeCode?: string;
  /** The `worker-N` tag stestr and subunit.run --parallel add, else the route code. */
  worker?: string;
  status: FinalStatus;
  /** First timestamp seen for the test (its `inprogress` event in well-formed streams). */
  start?: Timestamp;
  /** Timestamp of the event that finished the test (undefined when it never finished). */
  stop?: Timestamp;
  /** stop − start in seconds, when both are known. */
  duration?: number;
  /** The most recent tags seen for the test (wire order). */
  tags: readonly string[];
  attachments: Attachment[];
  /** False when the stream ended before the test's final status. */
  complete: boolean;
}

export interface ResultsOptions {
  /** Keep attachment bytes (default true); false keeps names and MIME types only. */
  attachments?: boolean;
}

export interface AggregatorOptions extends ResultsOptions {
  /** Keep every test, finished or not, in order of first event (a viewer); default false. */
  retain?: boolean;
}

/** One attached file as received: its chunks, joined only when asked for. */
interface FileParts {
  mimeType?: string;
  chunks: Uint8Array[];
}

/** A test's events folded together so far. */
export interface TestRecord {
  /** Its place among the tests the aggregator has seen, in order of first event. */
  readonly index: number;
  readonly id: string;
  /** The route code of its first event. */
  readonly routeCode?: string;
  /** The latest status seen (undefined: none yet). */
  status?: Status;
  /** First timestamp seen. */
  start?: Timestamp;
  /** Timestamp of the event that finished it. */
  stop?: Timestamp;
  /** The most recent tags seen (wire order). */
  tags: readonly string[];
  /** Attached files by name, in order of first chunk (undefined until the first). */
  files?: Map<string, FileParts>;
  /** It reached a final status: no later event changes it (the same key then starts a new test). */
  finished: boolean;
}

/** The final status a record stands for: the stream's, or why it has none. */
export function finalStatus(t: TestRecord): FinalStatus {
  if (t.finished) return t.status as FinalStatus;
  return t.status === 'inprogress' ? 'inprogress' : 'unknown';
}

/** A test's record: every field set from the start (one object shape for all). */
class OpenTest implements TestRecord {
  status: Status | undefined = undefined;
  start: Timestamp | undefined = undefined;
  stop: Timestamp | undefined = undefined;
  tags: readonly string[] = NO_TAGS;
  files: Map<string, FileParts> | undefined = undefined;
  finished = false;
  /** It is in the aggregator's map of tests in flight (it has been interleaved with another). */
  mapped = false;
  constructor(
    readonly index: number,
    readonly id: string,
    readonly routeCode: string | undefined,
    /** The route code as the key compares it ('' for none). */
    readonly route: string,
  ) {}
}

const NO_TAGS: readonly string[] = Object.freeze([]);

/**
 * Folds events into tests, keyed by testKey. A test is open from its first
 * event to its final status; `add` returns the test an event touched (with
 * `finished` set by the event that finished it). Events without a test id
 * (chatter, run-level files) are not tests and are ignored here.
 */
export class TestAggregator {
  // A test's events mostly come in a row: the test the last event touched is
  // checked first, and tests enter the map (by route code, then id: no key
  // string built) only when another test's event comes between theirs.
  private current: OpenTest | undefined = undefined;
  private readonly open = new Map<string, Map<string, OpenTest>>();
  private inMap = 0;
  private inFlight = 0;
  private readonly kept: TestRecord[] = [];
  private seen = 0;
  private readonly keepBytes: boolean;
  private readonly retain: boolean;

  constructor(options: AggregatorOptions = {}) {
    this.keepBytes = options.attachments ?? true;
    this.retain = options.retain ?? false;
  }

  /** Number of tests started and not yet finished. */
  get pending(): number {
    return this.inFlight;
  }

  /** Every test seen, in order of first event (`tests[i].index === i`); empty unless retaining. */
  get tests(): readonly TestRecord[] {
    return this.kept;
  }

  add(e: SubunitEvent): TestRecord | undefined {
    const id = e.testId;
    if (id === undefined) return undefined;
    const routeCode = e.routeCode;
    // as testKey: no route code and an empty one are the same worker
    const route = routeCode ?? '';
    let t = this.current;
    if (t === undefined || t.id !== id || t.route !== route) t = this.current = this.find(id, routeCode, route);
    const status = e.status;
    const final = status !== undefined && status !== 'inprogress';
    // a Timestamp is made per read: read it only when it is kept
    const ts = t.start === undefined || final ? e.timestamp : undefined;
    if (ts && t.start === undefined) t.start = ts;
    const tags = e.tags;
    if (tags !== undefined) t.tags = tags;
    const name = e.fileName;
    if (name !== undefined) this.addFile(t, name, e);
    if (status !== undefined) {
      t.status = status;
      if (final) {
        t.finished = true;
        t.stop = ts;
        this.inFlight--;
        this.current = undefined;
        if (t.mapped) {
          this.open.get(route)!.delete(id);
          this.inMap--;
        }
      }
    }
    return t;
  }

  /** The open test of (id, route), or a new one; the test it replaces as current goes into the map. */
  private find(id: string, routeCode: string | undefined, route: string): OpenTest {
    const last = this.current;
    if (last !== undefined && !last.mapped) {
      last.mapped = true;
      let tests = this.open.get(last.route);
      if (!tests) this.open.set(last.route, (tests = new Map()));
      tests.set(last.id, last);
      this.inMap++;
    }
    const found = this.inMap === 0 ? undefined : this.open.get(route)?.get(id);
    if (found !== undefined) return found;
    const t = new OpenTest(this.seen++, id, routeCode, route);
    this.inFlight++;
    if (this.retain) this.kept.push(t);
    return t;
  }

  private addFile(t: OpenTest, name: string, e: SubunitEvent): void {
    t.files ??= new Map();
    let file = t.files.get(name);
    if (!file) t.files.set(name, (file = { mimeType: e.mimeType, chunks: [] }));
    file.mimeType ??= e.mimeType;
    const bytes = e.fileBytes;
    // copied once, here: event bytes view the decoder's input, which callers may reuse
    if (this.keepBytes && bytes && bytes.length) file.chunks.push(copyOf(bytes));
  }

  /** End of stream: the tests still open, which stay unfinished, in order of first event. */
  end(): TestRecord[] {
    const out: TestRecord[] = [];
    for (const tests of this.open.values()) out.push(...tests.values());
    const last = this.current;
    if (last !== undefined && !last.mapped) out.push(last);
    this.open.clear();
    this.inMap = 0;
    this.current = undefined;
    this.inFlight = 0;
    return out.sort((a, b) => a.index - b.index);
  }

  /**
   * A test's attachments. Each file's chunks are joined when asked for, and
   * the joined bytes replace them: a file is copied once on the way in and
   * once per request, never once per chunk.
   */
  attachments(t: TestRecord): Attachment[] {
    const out: Attachment[] = [];
    for (const [name, file] of t.files ?? []) {
      if (file.chunks.length > 1) file.chunks = [concat(file.chunks)];
      out.push({ name, mimeType: file.mimeType, bytes: file.chunks[0] ?? new Uint8Array(0) });
    }
    return out;
  }
}

/** A copy that owns its memory (`slice()` of a Buffer would be a view). */
function copyOf(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

/** Seconds from a to b at full precision. */
export function secondsBetween(a: Timestamp, b: Timestamp): number {
  return b.seconds - a.seconds + (b.nanos - a.nanos) / 1e9;
}

/** The worker a test ran on: its `worker-N` tag, else its route code. */
export function workerOf(tags: readonly string[] | undefined, routeCode: string | undefined): string | undefined {
  // a loop, not find(): a closure call per tag cost 8 % of TestResults on 1M tests
  if (tags !== undefined) {
    for (let i = 0; i < tags.length; i++) if (tags[i].startsWith('worker-')) return tags[i];
  }
  return routeCode;
}

/**
 * Turns events into per-test results as tests finish. `add` returns the
 * test the event finished (or undefined); `end` returns the tests the stream
 * left unfinished.
 */
export class TestResults {
  private readonly tests: TestAggregator;

  constructor(options: ResultsOptions = {}) {
    this.tests = new TestAggregator({ attachments: options.attachments });
  }

  /** Number of tests started and not yet finished. */
  get pending(): number {
    return this.tests.pending;
  }

  add(e: SubunitEvent): TestResult | undefined {
    const t = this.tests.add(e);
    return t?.finished ? this.result(t) : undefined;
  }

  /** End of stream: the tests still in flight, as incomplete results. */
  end(): TestResult[] {
    return this.tests.end().map((t) => this.result(t));
  }

  private result(t: TestRecord): TestResult {
    return resultOf(this.tests, t);
  }
}

/** A test of `tests` as a result (final or not: unfinished tests say why). */
export function resultOf(tests: TestAggregator, t: TestRecord): TestResult {
  const stop = t.stop;
  return {
    id: t.id,
    routeCode: t.routeCode,
    worker: workerOf(t.tags, t.routeCode),
    status: finalStatus(t),
    start: t.start,
    stop,
    duration: t.start && stop ? secondsBetween(t.start, stop) : undefined,
    tags: t.tags,
    attachments: tests.attachments(t),
    complete: t.finished,
  };
}

/** Results of whole streams: every batch of events → the tests they finished, then the unfinished ones. */
export async function* testResults(
  batches: AsyncIterable<readonly SubunitEvent[]> | Iterable<readonly SubunitEvent[]>,
  options?: ResultsOptions,
): AsyncGenerator<TestResult> {
  const results = new TestResults(options);
  for await (const batch of batches) {
    for (const e of batch) {
      const r = results.add(e);
      if (r) yield r;
    }
  }
  yield* results.end();
}

export interface RunCounts {
  /** Tests that reached a final status (enumeration-only `exists` excluded), plus incomplete ones. */
  tests: number;
  byStatus: Record<Exclude<Status, 'inprogress'>, number>;
  /** Tests still in progress (or never given a status) when the stream ended. */
  incomplete: number;
  /** success + xfail */
  passed: number;
  /** fail + uxsuccess + incomplete */
  failed: number;
  skipped: number;
  /** From the earliest start to the latest stop seen, in seconds (undefined without timestamps). */
  wallTime?: number;
}

/** Totals of a run, counted as its tests finish. */
export class RunSummary {
  private readonly counts = { exists: 0, success: 0, uxsuccess: 0, skip: 0, fail: 0, xfail: 0 };
  private incomplete = 0;
  private first?: Timestamp;
  private last?: Timestamp;

  /** Counts the tests of `tests` (default: its own, without attachment bytes); a viewer passes the one it keeps. */
  constructor(private readonly tests = new TestAggregator({ attachments: false })) {}

  /** Folds in one event; returns the test it touched (undefined for events of no test). */
  add(e: SubunitEvent): TestRecord | undefined {
    const t = this.tests.add(e);
    if (t?.finished) this.count(t);
    return t;
  }

  private count(t: TestRecord): void {
    this.tally(finalStatus(t), t.start, t.stop);
  }

  /** Counts a finished test that came from elsewhere (a stored run's results). */
  countResult(r: TestResult): void {
    this.tally(r.status, r.start, r.stop);
  }

  private tally(status: FinalStatus, start: Timestamp | undefined, stop: Timestamp | undefined): void {
    if (isUnfinished(status)) this.incomplete++;
    else this.counts[status as keyof typeof this.counts]++;
    for (const ts of [start, stop]) {
      if (!ts) continue;
      if (!this.first || secondsBetween(this.first, ts) < 0) this.first = ts;
      if (!this.last || secondsBetween(this.last, ts) > 0) this.last = ts;
    }
  }

  /** The totals so far, without ending the run (a live view): tests in flight count as incomplete. */
  totals(): RunCounts {
    return this.countsWith(this.tests.pending);
  }

  /** Finishes the run (tests still in flight count as incomplete) and returns the totals. */
  result(): RunCounts {
    for (const t of this.tests.end()) this.count(t);
    return this.countsWith(0);
  }

  private countsWith(inFlight: number): RunCounts {
    const c = this.counts;
    const incomplete = this.incomplete + inFlight;
    return {
      tests: c.success + c.uxsuccess + c.skip + c.fail + c.xfail + incomplete,
      byStatus: { ...c },
      incomplete,
      passed: c.success + c.xfail,
      failed: (Object.keys(c) as (keyof typeof c)[]).reduce((n, s) => (isFailed(s) ? n + c[s] : n), incomplete),
      skipped: c.skip,
      wallTime: this.first && this.last ? secondsBetween(this.first, this.last) : undefined,
    };
  }
}
