// events → per-test results. A test is keyed by (route code, test id), as in
// testtools: the same id on two workers is two tests. A test is held only
// while it is in flight (from its first event to its final status), so memory
// is bounded by the tests in flight, not by the run.
import type { Status, SubunitEvent } from './events.js';
import type { Timestamp } from './timestamp.js';
import { concat } from './encoder.js';

/** A file attached to a test, its chunks joined in stream order. */
export interface Attachment {
  name: string;
  /** The MIME type of the first chunk that had one. */
  mimeType?: string;
  bytes: Uint8Array;
}

/**
 * The final status of a test. `unknown`: the test had events but never a
 * status; `inprogress`: it started but the stream ended before it finished.
 */
export type FinalStatus = Exclude<Status, 'inprogress'> | 'inprogress' | 'unknown';

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

interface InFlight {
  id: string;
  routeCode?: string;
  status?: Status;
  start?: Timestamp;
  last?: Timestamp;
  tags: readonly string[];
  files: Map<string, { mimeType?: string; chunks: Uint8Array[] }>;
}

/** Seconds from a to b at full precision. */
export function secondsBetween(a: Timestamp, b: Timestamp): number {
  return b.seconds - a.seconds + (b.nanos - a.nanos) / 1e9;
}

/** The worker a test ran on: its `worker-N` tag, else its route code. */
export function workerOf(tags: readonly string[] | undefined, routeCode: string | undefined): string | undefined {
  const tag = tags?.find((t) => t.startsWith('worker-'));
  return tag ?? routeCode;
}

/**
 * Turns events into per-test results as tests finish. `add` returns the
 * test the event finished (or undefined); `end` returns the tests the stream
 * left unfinished. Events without a test id (chatter, run-level files) are
 * not tests and are ignored here.
 */
export class TestResults {
  private readonly inFlight = new Map<string, InFlight>();
  private readonly keepBytes: boolean;

  constructor(options: ResultsOptions = {}) {
    this.keepBytes = options.attachments ?? true;
  }

  /** Number of tests started and not yet finished. */
  get pending(): number {
    return this.inFlight.size;
  }

  add(e: SubunitEvent): TestResult | undefined {
    const id = e.testId;
    if (id === undefined) return undefined;
    const routeCode = e.routeCode;
    const key = routeCode === undefined ? id : `${routeCode}\0${id}`;
    let t = this.inFlight.get(key);
    if (!t) {
      t = { id, routeCode, tags: [], files: new Map() };
      this.inFlight.set(key, t);
    }
    const ts = e.timestamp;
    if (ts) {
      t.start ??= ts;
      t.last = ts;
    }
    const tags = e.tags;
    if (tags !== undefined) t.tags = tags;
    const name = e.fileName;
    if (name !== undefined) {
      let file = t.files.get(name);
      if (!file) t.files.set(name, (file = { mimeType: e.mimeType, chunks: [] }));
      file.mimeType ??= e.mimeType;
      const bytes = e.fileBytes;
      // copied: event bytes view the decoder's input, which callers may reuse
      if (this.keepBytes && bytes && bytes.length) file.chunks.push(new Uint8Array(bytes)); // not slice(): a Buffer's is a view
    }
    const status = e.status;
    if (status === undefined) return undefined;
    t.status = status;
    if (status === 'inprogress') return undefined;
    this.inFlight.delete(key);
    return finish(t, true, ts);
  }

  /** End of stream: the tests still in flight, as incomplete results. */
  end(): TestResult[] {
    const out = [...this.inFlight.values()].map((t) => finish(t, false, undefined));
    this.inFlight.clear();
    return out;
  }
}

function finish(t: InFlight, complete: boolean, stop: Timestamp | undefined): TestResult {
  const attachments: Attachment[] = [];
  for (const [name, f] of t.files) attachments.push({ name, mimeType: f.mimeType, bytes: concat(f.chunks) });
  const status: FinalStatus = complete ? (t.status as FinalStatus) : t.status === 'inprogress' ? 'inprogress' : 'unknown';
  return {
    id: t.id,
    routeCode: t.routeCode,
    worker: workerOf(t.tags, t.routeCode),
    status,
    start: t.start,
    stop,
    duration: t.start && stop ? secondsBetween(t.start, stop) : undefined,
    tags: t.tags,
    attachments,
    complete,
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

/** Totals of a run, built on TestResults (attachment bytes are not kept). */
export class RunSummary {
  private readonly results = new TestResults({ attachments: false });
  private readonly counts = { exists: 0, success: 0, uxsuccess: 0, skip: 0, fail: 0, xfail: 0 };
  private incomplete = 0;
  private first?: Timestamp;
  private last?: Timestamp;

  add(e: SubunitEvent): TestResult | undefined {
    const r = this.results.add(e);
    if (r) this.count(r);
    return r;
  }

  /** Record a finished test (when results come from elsewhere). */
  count(r: TestResult): void {
    if (r.status === 'inprogress' || r.status === 'unknown') this.incomplete++;
    else this.counts[r.status]++;
    for (const t of [r.start, r.stop]) {
      if (!t) continue;
      if (!this.first || secondsBetween(this.first, t) < 0) this.first = t;
      if (!this.last || secondsBetween(this.last, t) > 0) this.last = t;
    }
  }

  /** The totals so far, without ending the run (a live view): tests in flight count as incomplete. */
  totals(): RunCounts {
    return this.countsWith(this.results.pending);
  }

  /** Finishes the run (tests still in flight count as incomplete) and returns the totals. */
  result(): RunCounts {
    for (const r of this.results.end()) this.count(r);
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
      failed: c.fail + c.uxsuccess + incomplete,
      skipped: c.skip,
      wallTime: this.first && this.last ? secondsBetween(this.first, this.last) : undefined,
    };
  }
}
