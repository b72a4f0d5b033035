// The viewer's run model, kept in the Worker: the one per-test aggregator of
// bindings/results/results.ts in its retaining mode (every test kept, in order), the
// totals counted from it, and chatter per worker. One row per test, except
// that a test's run takes over the row of its enumeration (`exists`), as a
// listing followed by the run is one test to a reader. The page only receives
// what changed since the last flush.
import { RunSummary, TestAggregator, finalStatus, testKey, type Attachment, type TestRecord } from '../bindings/results/results.js';
import type { SubunitEvent } from '../bindings/codec/events.js';
import type { Timestamp } from '../bindings/codec/timestamp.js';
import type { TestRow } from './messages.js';

const millis = (t: Timestamp | undefined) => (t ? t.seconds * 1000 + t.nanos / 1e6 : NaN);

function rowOf(index: number, t: TestRecord): TestRow {
  return {
    index,
    id: t.id,
    route: t.routeCode ?? '',
    status: finalStatus(t),
    start: millis(t.start),
    end: millis(t.stop),
    tags: t.tags,
    attachments: t.files?.size ?? 0,
  };
}

export class RunModel {
  private readonly tests = new TestAggregator({ retain: true });
  readonly summary = new RunSummary(this.tests);
  /** Row → the test it shows, and test → its row. */
  private readonly shown: TestRecord[] = [];
  private readonly rowOfTest: number[] = [];
  /** Rows of enumerated tests (`exists`) not run yet, by test key: the run takes the row over. */
  private readonly listed = new Map<string, number>();
  private readonly changed = new Set<number>();
  private chatter: Record<string, string> = {};
  /** One streaming decoder per route, so a character split across events stays whole. */
  private readonly text = new Map<string, TextDecoder>();

  add(e: SubunitEvent): void {
    const test = this.summary.add(e);
    if (test) return void this.changed.add(this.rowFor(test));
    // not about a test: non-subunit output, or a worker's own stdout/stderr
    if (e.fileBytes && e.fileBytes.length > 0) {
      const route = e.routeCode ?? '';
      let decoder = this.text.get(route);
      if (!decoder) this.text.set(route, (decoder = new TextDecoder()));
      this.chatter[route] = (this.chatter[route] ?? '') + decoder.decode(e.fileBytes, { stream: true });
    }
  }

  private rowFor(test: TestRecord): number {
    let row = this.rowOfTest[test.index];
    const listing = test.finished && test.status === 'exists';
    if (row !== undefined && !listing) return row;
    const key = testKey(test.id, test.routeCode);
    if (row === undefined) {
      row = this.listed.get(key) ?? this.shown.length;
      this.listed.delete(key);
      this.shown[row] = test;
      this.rowOfTest[test.index] = row;
    }
    if (listing) this.listed.set(key, row);
    return row;
  }

  attachments(row: number): Attachment[] {
    const test = this.shown[row];
    return test ? this.tests.attachments(test) : [];
  }

  /**
   * Up to `limit` rows changed since they were last taken (oldest change first,
   * so new rows come in index order), and the chatter received since the last call.
   */
  takeChanges(limit: number): { rows: TestRow[]; chatter: Record<string, string>; more: boolean } {
    const rows: TestRow[] = [];
    for (const row of this.changed) {
      if (rows.length === limit) break;
      rows.push(rowOf(row, this.shown[row]));
      this.changed.delete(row);
    }
    const chatter = this.chatter;
    this.chatter = {};
    return { rows, chatter, more: this.changed.size > 0 };
  }
}
