// The viewer's run model, kept in the Worker: events → one row per test
// (keyed by route code + test id, as RunSummary keys them), attachments,
// chatter per worker, and the totals from RunSummary. The page only receives
// what changed since the last flush.
import { RunSummary, type RunCounts } from '../bindings/results.js';
import type { SubunitEvent } from '../bindings/events.js';

export interface TestRow {
  index: number;
  id: string;
  /** Route code: the worker that ran the test ('' when unrouted). */
  route: string;
  status: string;
  /** Milliseconds since the epoch of `inprogress` and of the final status (NaN when absent). */
  start: number;
  end: number;
  tags: string[];
  attachments: number;
}

export interface Attachment {
  name: string;
  mimeType: string;
  bytes: Uint8Array;
}

/** What the Worker posts to the page, at most a few times a second. */
export interface Update {
  type: 'update';
  generation: number;
  /** New or changed rows (new ones in index order). */
  rows: TestRow[];
  totals: RunCounts;
  /** Chatter text that arrived since the last update, per route code. */
  chatter: Record<string, string>;
  sources: SourceProgress[];
}

export interface SourceProgress {
  name: string;
  bytes: number;
  /** Expected size when known (Content-Length, file size): for estimates. */
  total?: number;
  gzip: boolean;
  done: boolean;
  error?: string;
}

const millis = (e: SubunitEvent) => (e.timestamp ? e.timestamp.seconds * 1000 + e.timestamp.nanos / 1e6 : NaN);
const FINAL = new Set(['success', 'fail', 'skip', 'xfail', 'uxsuccess']);

export class RunModel {
  readonly summary = new RunSummary();
  readonly rows: TestRow[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly files = new Map<number, Attachment[]>();
  private readonly changed = new Set<number>();
  private chatter: Record<string, string> = {};
  /** One streaming decoder per route, so a character split across events stays whole. */
  private readonly text = new Map<string, TextDecoder>();

  add(e: SubunitEvent): void {
    this.summary.add(e);
    const route = e.routeCode ?? '';
    if (e.testId === undefined) {
      // not about a test: non-subunit output, or a worker's own stdout/stderr
      if (e.fileBytes && e.fileBytes.length > 0) {
        let decoder = this.text.get(route);
        if (!decoder) this.text.set(route, (decoder = new TextDecoder()));
        this.chatter[route] = (this.chatter[route] ?? '') + decoder.decode(e.fileBytes, { stream: true });
      }
      return;
    }
    if (e.status === undefined && e.fileBytes === undefined) return;
    const row = this.rowFor(e.testId, route);
    const status = e.status;
    if (status === 'inprogress') {
      row.start = millis(e);
      if (!FINAL.has(row.status)) row.status = status;
    } else if (status === 'exists') {
      if (row.status === '') row.status = status;
    } else if (status !== undefined) {
      row.status = status;
      row.end = millis(e);
    }
    if (e.tags) for (const t of e.tags) if (!row.tags.includes(t)) row.tags.push(t);
    if (e.fileBytes !== undefined) this.attach(row, e);
    this.changed.add(row.index);
  }

  private rowFor(id: string, route: string): TestRow {
    const key = `${route}\0${id}`;
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = this.rows.length;
      this.byKey.set(key, index);
      this.rows.push({ index, id, route, status: '', start: NaN, end: NaN, tags: [], attachments: 0 });
    }
    return this.rows[index];
  }

  /** File chunks with the same name are one attachment (python-subunit splits large ones). */
  private attach(row: TestRow, e: SubunitEvent): void {
    const list = this.files.get(row.index) ?? [];
    const name = e.fileName ?? '';
    const last = list.find((a) => a.name === name);
    const bytes = e.fileBytes!.slice(); // the event views the decoder's buffer
    if (last) {
      const joined = new Uint8Array(last.bytes.length + bytes.length);
      joined.set(last.bytes);
      joined.set(bytes, last.bytes.length);
      last.bytes = joined;
    } else list.push({ name, mimeType: e.mimeType ?? '', bytes });
    this.files.set(row.index, list);
    row.attachments = list.length;
  }

  attachments(index: number): Attachment[] {
    return this.files.get(index) ?? [];
  }

  /**
   * Up to `limit` rows changed since they were last taken (oldest change first,
   * so new rows come in index order), and the chatter received since the last call.
   */
  takeChanges(limit: number): { rows: TestRow[]; chatter: Record<string, string>; more: boolean } {
    const rows: TestRow[] = [];
    for (const index of this.changed) {
      if (rows.length === limit) break;
      rows.push(this.rows[index]);
      this.changed.delete(index);
    }
    const chatter = this.chatter;
    this.chatter = {};
    return { rows, chatter, more: this.changed.size > 0 };
  }
}
