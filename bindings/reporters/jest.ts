// A Jest reporter writing Subunit v2:
//   jest.config: reporters: ['default', ['subunit-wasm/jest', { output: 'run.subunit' }]]   (stdout without output)
// Test ids are "FILE::describe > test" (FILE relative to the root dir): the
// file is in the id, not a tag, because subunit tools key a test by its id —
// two files with a test of the same name must stay two tests, and
// `stestr --load-list`/`subunit filter --with` select by id.
// Each test gets inprogress when it starts (onTestCaseStart, Jest ≥ 29.6;
// earlier versions: at its result, with its real start time), its failures
// as a traceback and its final status. Every attempt of a retried test
// (jest.retryTimes) is reported as Jest reports it, a test of its own: the
// later ones carry an "attempt" attachment, the last decides, and a pass after
// failures is tagged "flaky". Tests Jest skips without running (test.skip)
// are reported when their file ends, as is the file's captured console (a
// run-level attachment "FILE::console").
import { relative } from 'node:path';
import type { EventInit, Status } from '../codec/events.js';
import { SubunitSink, Lanes, TRACEBACK_MIME, plain, textFile, testEvents, timestampAt } from './sink.js';

// The parts of Jest's reporter API this uses, kept structural so the package
// does not depend on Jest's types.
interface JestTest {
  path: string;
  context?: { config?: { rootDir?: string } };
}
interface CaseStart {
  ancestorTitles: string[];
  title: string;
  startedAt?: number | null;
}
interface CaseResult extends CaseStart {
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo' | 'disabled' | 'focused';
  duration?: number | null;
  failureMessages: string[];
  invocations?: number;
  retryReasons?: string[];
}
interface FileResult {
  console?: { message: string; type: string; origin: string }[] | null;
  failureMessage?: string | null;
  testExecError?: { message?: string; stack?: string | null } | null;
  numFailingTests: number;
  testResults: CaseResult[];
}

export interface JestSubunitOptions {
  /** File to write; stdout when absent or "-". */
  output?: string;
}


const STATUS: Record<CaseResult['status'], Status> = {
  passed: 'success', failed: 'fail', skipped: 'skip', pending: 'skip', todo: 'skip', disabled: 'skip', focused: 'success',
};

export default class JestSubunitReporter {
  private readonly sink: SubunitSink;
  private readonly rootDir: string;
  private readonly lanes = new Lanes<string>();
  /** Tests whose inprogress went out at onTestCaseStart. */
  private readonly started = new Set<string>();
  /** Tests reported so far, per file (Jest gives no case result for a skipped test). */
  private readonly reported = new Map<string, Set<string>>();

  constructor(globalConfig: { rootDir?: string } = {}, options: JestSubunitOptions = {}) {
    this.sink = new SubunitSink(options.output);
    this.rootDir = globalConfig.rootDir ?? process.cwd();
  }

  private file(test: JestTest): string {
    return relative(this.rootDir, test.path);
  }

  private id(test: JestTest, t: CaseStart): string {
    return `${this.file(test)}::${[...t.ancestorTitles, t.title].join(' > ')}`;
  }

  /**
   * Jest names no worker to reporters. A file runs in one worker, and no more
   * files run at once than there are workers, so a file holds a lane (the
   * lowest free) while it runs. The lane is taken at the file's first event
   * from its worker, not at onTestFileStart: Jest starts the next file as soon
   * as a worker is free, before it reports the previous file's result.
   */
  private tags(test: JestTest): string[] {
    return [`worker-${this.lanes.of(test.path) ?? this.lanes.take(test.path)}`];
  }

  onRunStart(): void {
    this.sink.open();
  }

  onTestCaseStart(test: JestTest, info: CaseStart): void {
    const testId = this.id(test, info);
    this.started.add(testId);
    this.sink.write([{ testId, status: 'inprogress', tags: this.tags(test), timestamp: timestampAt(info.startedAt ?? Date.now()) }]);
  }

  onTestCaseResult(test: JestTest, r: CaseResult): void {
    const testId = this.id(test, r);
    if (!this.reported.has(test.path)) this.reported.set(test.path, new Set());
    this.reported.get(test.path)!.add(testId);
    const events = this.caseEvents(test, r);
    // the inprogress already went out when the test started
    this.sink.write(this.started.delete(testId) ? events.slice(1) : events);
  }

  /** One attempt of a test, from its inprogress to its status. */
  private caseEvents(test: JestTest, r: CaseResult): EventInit[] {
    const testId = this.id(test, r);
    const now = Date.now();
    const begin = r.startedAt ?? now - (r.duration ?? 0);
    const start = timestampAt(begin);
    const stop = timestampAt(r.duration != null ? begin + r.duration : now);
    const files: EventInit[] = [
      ...(r.retryReasons?.length
        ? textFile(testId, 'retries', `${r.retryReasons.length} failed attempt(s) before the last of ${r.invocations ?? r.retryReasons.length + 1}:\n\n${plain(r.retryReasons.join('\n\n'))}\n`, stop, TRACEBACK_MIME)
        : []),
      ...textFile(testId, 'traceback', r.failureMessages.length ? plain(r.failureMessages.join('\n\n')) + '\n' : '', stop, TRACEBACK_MIME),
      ...textFile(testId, 'reason', r.status === 'todo' ? 'todo' : '', stop),
    ];
    const attempt = r.invocations ?? 1;
    if (attempt > 1) files.unshift(...textFile(testId, 'attempt', `attempt ${attempt}\n`, start));
    const tags = this.tags(test);
    if (r.status === 'passed' && (attempt > 1 || r.retryReasons?.length)) tags.push('flaky');
    return testEvents(testId, STATUS[r.status], start, stop, files, { tags });
  }

  onTestFileResult(test: JestTest, result: FileResult): void {
    const file = this.file(test);
    const now = timestampAt(Date.now());
    const events: EventInit[] = [];
    const reported = this.reported.get(test.path);
    this.reported.delete(test.path);
    for (const r of result.testResults) if (!reported?.has(this.id(test, r))) events.push(...this.caseEvents(test, r));
    const console = (result.console ?? []).map((c) => `${c.type}: ${c.message}\n`).join('');
    events.push(...textFile(undefined, `${file}::console`, console, now));
    // a file that failed outside any test (syntax error, a throwing import) is reported as a test named by the file
    if (result.numFailingTests === 0 && (result.testExecError || result.failureMessage)) {
      const e = result.testExecError;
      const text = plain(result.failureMessage || [e?.message, e?.stack].filter(Boolean).join('\n'));
      events.push(...testEvents(file, 'fail', now, now, textFile(file, 'traceback', text + '\n', now, TRACEBACK_MIME), { tags: this.tags(test) }));
    }
    this.sink.write(events);
    this.lanes.release(test.path);
  }

  /** Jest < 29.6 calls onTestResult instead of onTestFileResult. */
  onTestResult(test: JestTest, result: FileResult): void {
    this.onTestFileResult(test, result);
  }

  onRunComplete(): void {
    this.sink.close();
  }

  getLastError(): Error | undefined {
    return undefined;
  }
}
