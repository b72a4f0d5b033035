// What the repository commands share: results back to v2 events, retries
// merged, traceback text, tables as stestr prints them.
import type { Attachment, TestResult } from '../../bindings/results/results.js';
import type { EventInit, SubunitEvent } from '../../bindings/codec/events.js';
import type { BackendName } from '../../bindings/codec/core.js';
import { V2Writer, eventInit } from '../v2out.js';
import type { Output } from '../io.js';
import { isFailure } from '../source.js';
import { attachmentsText, isText } from '../format.js';

const PIECE = 1 << 20; // attachment bytes per packet (as subunit emit)

/** A test result as the events that give it back: inprogress, its files, its final status. */
export function* resultEvents(r: TestResult): Generator<EventInit> {
  const base = { testId: r.id, routeCode: r.routeCode, runnable: true };
  if (r.status === 'exists') {
    yield { ...base, status: 'exists', tags: r.tags.length ? r.tags : undefined, timestamp: r.start, eof: false };
    return;
  }
  yield { ...base, status: 'inprogress', tags: r.tags.length ? r.tags : undefined, timestamp: r.start, eof: false };
  for (const a of r.attachments) {
    for (let at = 0; at === 0 || at < a.bytes.length; at += PIECE) {
      const end = Math.min(a.bytes.length, at + PIECE);
      yield { ...base, fileName: a.name, mimeType: at === 0 ? a.mimeType : undefined, fileBytes: a.bytes.subarray(at, end), eof: end === a.bytes.length, timestamp: r.stop ?? r.start };
    }
  }
  // a test that never finished is given back unfinished
  if (r.complete) yield { ...base, status: r.status as EventInit['status'], tags: r.tags.length ? r.tags : undefined, timestamp: r.stop, eof: false };
}

/** Writes events that belong to no test, then the results, as one v2 stream. */
export async function writeResults(out: Output, results: TestResult[], other: SubunitEvent[] = [], backend?: BackendName): Promise<void> {
  const writer = new V2Writer(out, backend);
  for (const e of other) if (e.source !== 'parser-error') await writer.write(eventInit(e));
  for (const r of results) for (const e of resultEvents(r)) await writer.write(e);
  await out.flush();
}

/** The attachment a merge leaves on a retried test: each attempt's status, one a line, the last the final one. */
export const ATTEMPTS = 'attempts';

/** The statuses of a test's attempts: from its `attempts` attachment, else its one status. */
export function attemptsOf(r: TestResult): string[] {
  const a = r.attachments.find((x) => x.name === ATTEMPTS);
  return a ? new TextDecoder().decode(a.bytes).split('\n').filter(Boolean) : [r.status];
}

const encoder = new TextEncoder();

/**
 * Passes of the same suite → one run: a test's latest attempt is its result;
 * the earlier attempts' files are kept on it as `attempt-N NAME`, and an
 * `attempts` file lists every attempt's status. Tests keep their first
 * pass's order; tests new in a later pass follow.
 */
export function mergeRetries(passes: TestResult[][]): TestResult[] {
  const merged = new Map<string, TestResult>();
  for (const pass of passes) {
    for (const r of pass) {
      if (r.status === 'exists' && merged.has(r.id)) continue;
      const prev = merged.get(r.id);
      if (!prev || prev.status === 'exists') {
        merged.set(r.id, r);
        continue;
      }
      const tries = attemptsOf(prev);
      const earlier = prev.attachments.filter((a) => a.name !== ATTEMPTS);
      const kept: Attachment[] = earlier.map((a) => (/^attempt-\d+ /.test(a.name) ? a : { ...a, name: `attempt-${tries.length} ${a.name}` }));
      const attempts: Attachment = { name: ATTEMPTS, mimeType: 'text/plain;charset=utf8', bytes: encoder.encode([...tries, r.status].join('\n') + '\n') };
      merged.delete(r.id); // re-inserted: Map order is first-insertion, and the test stays where it first ran
      merged.set(r.id, { ...r, attachments: [...r.attachments, ...kept, attempts] });
    }
  }
  return [...merged.values()];
}

/** A failure's traceback for reports: its `traceback` file, else all its text files. */
export function failureText(r: TestResult): string {
  const tb = r.attachments.find((a) => a.name === 'traceback' && isText(a));
  if (tb) return new TextDecoder().decode(tb.bytes);
  return attachmentsText(r.attachments.filter((a) => a.name !== ATTEMPTS && !/^attempt-\d+ /.test(a.name)));
}

export { isFailure };

/** Rows as stestr's output_table prints them: columns padded, a dashed rule under the header. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]) + '  ')).join('') + '\n';
  return line(rows[0]) + widths.map((w) => '-'.repeat(w)).join('  ') + '\n' + rows.slice(1).map(line).join('');
}

/** Seconds as stestr's slowest prints them: 3 decimals, all as wide as the largest. */
export function formatTimes(times: number[]): string[] {
  const first = times.find((t) => t > 0);
  const before = first === undefined ? 1 : Math.trunc(Math.log10(first)) + 1; // int() truncates, as in stestr
  const width = before + 4;
  return times.map((t) => t.toFixed(3).padStart(width));
}
