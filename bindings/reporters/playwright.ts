// A Playwright Test reporter writing Subunit v2:
//   playwright.config: reporter: [['list'], ['subunit-wasm/playwright', { output: 'run.subunit' }]]   (stdout without output)
// Test ids are "FILE::describe > test" (FILE relative to the config's root
// dir), prefixed "[project] " when the config has several projects; the
// project's name is also a tag. Every attempt is a test of its own, as
// Playwright runs it: inprogress when it begins, its stdout/stderr as it
// comes, its attachments (screenshots, traces, videos: file packets with
// their MIME types, read from disk piece by piece and split over packets),
// its errors as a traceback, its status. With retries each attempt carries an
// "attempt" attachment; an attempt that fails keeps `fail`, the last one
// decides, and a pass after failures (Playwright's "flaky") is tagged "flaky".
// The worker lane (Playwright's parallelIndex: 0 … workers−1, the slot a
// worker process runs in) is the `worker-N` tag stestr and `subunit trace`
// read; workerIndex, which counts worker processes (a new one after every
// failure), is in the attempt attachment.
import { relative } from 'node:path';
import type { EventInit, Status } from '../codec/events.js';
import { SubunitSink, TRACEBACK_MIME, diskFile, plain, textChunk, textFile, timestampAt } from './sink.js';

// The parts of Playwright's reporter API this uses, kept structural so the
// package does not depend on Playwright's types.
interface Suite {
  title: string;
  type?: 'root' | 'project' | 'file' | 'describe';
  parent?: Suite;
  project?(): { name: string } | undefined;
}
interface TestCase {
  title: string;
  parent: Suite;
  location: { file: string };
  retries: number;
  expectedStatus: 'passed' | 'failed' | 'timedOut' | 'skipped' | 'interrupted';
  outcome(): 'skipped' | 'expected' | 'unexpected' | 'flaky';
}
interface TestError {
  message?: string;
  stack?: string;
  snippet?: string;
  value?: string;
}
interface TestResult {
  retry: number;
  workerIndex: number;
  parallelIndex: number;
  startTime: Date;
  duration: number;
  status: 'passed' | 'failed' | 'timedOut' | 'skipped' | 'interrupted';
  errors: TestError[];
  attachments: { name: string; contentType: string; path?: string; body?: Uint8Array }[];
  annotations?: { type: string; description?: string }[];
}

export interface PlaywrightSubunitOptions {
  /** File to write; stdout when absent or "-". */
  output?: string;
}

export default class PlaywrightSubunitReporter {
  private readonly sink: SubunitSink;
  private readonly toStdout: boolean;
  private rootDir = process.cwd();
  private manyProjects = false;

  constructor(options: PlaywrightSubunitOptions = {}) {
    this.sink = new SubunitSink(options.output);
    this.toStdout = options.output === undefined || options.output === '-';
  }

  printsToStdio(): boolean {
    return this.toStdout;
  }

  onBegin(config: { rootDir?: string; projects?: unknown[] }): void {
    this.rootDir = config.rootDir ?? this.rootDir;
    this.manyProjects = (config.projects?.length ?? 0) > 1;
    this.sink.open();
  }

  private project(test: TestCase): string {
    let s: Suite | undefined = test.parent;
    while (s && s.type !== 'project') s = s.parent;
    return s?.project?.()?.name ?? s?.title ?? '';
  }

  private id(test: TestCase): string {
    const titles = [test.title];
    for (let s: Suite | undefined = test.parent; s && s.type === 'describe'; s = s.parent) titles.unshift(s.title);
    const project = this.project(test);
    const file = relative(this.rootDir, test.location.file);
    return `${this.manyProjects && project ? `[${project}] ` : ''}${file}::${titles.join(' > ')}`;
  }

  private tags(test: TestCase, result: TestResult): string[] {
    const project = this.project(test);
    // a test skipped without running was in no worker (parallelIndex −1)
    return [...(project ? [project] : []), ...(result.parallelIndex >= 0 ? [`worker-${result.parallelIndex}`] : [])];
  }

  onTestBegin(test: TestCase, result: TestResult): void {
    this.sink.write([{ testId: this.id(test), status: 'inprogress', tags: this.tags(test, result), timestamp: timestampAt(result.startTime.getTime()) }]);
  }

  onStdOut(chunk: string | Uint8Array, test?: TestCase): void {
    this.sink.write([textChunk(test && this.id(test), 'stdout', chunk, timestampAt(Date.now()))]);
  }

  onStdErr(chunk: string | Uint8Array, test?: TestCase): void {
    this.sink.write([textChunk(test && this.id(test), 'stderr', chunk, timestampAt(Date.now()))]);
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const testId = this.id(test);
    const begin = result.startTime.getTime();
    const stop = timestampAt(begin + Math.max(0, result.duration));
    const tags = this.tags(test, result);
    if (result.status === 'passed' && test.outcome() === 'flaky') tags.push('flaky');
    const files: EventInit[] = [];
    if (test.retries > 0) {
      files.push(...textFile(testId, 'attempt', `attempt ${result.retry + 1} of at most ${test.retries + 1} (worker process ${result.workerIndex})\n`, stop));
    }
    const errors = result.errors.map((e) => plain([e.stack ?? e.message ?? e.value ?? '', e.snippet ?? ''].filter(Boolean).join('\n\n'))).join('\n\n');
    files.push(...textFile(testId, 'traceback', errors && errors + '\n', stop, TRACEBACK_MIME));
    const reason = result.annotations?.find((a) => a.type === 'skip' || a.type === 'fixme')?.description;
    if (result.status === 'skipped') files.push(...textFile(testId, 'reason', reason ?? '', stop));
    // every packet carries the tags: python-subunit keeps a test's tags from its last packet
    const write = (events: Iterable<EventInit>) => this.sink.write([...events].map((f) => ({ ...f, tags })));
    write(files);
    const names = new Set(files.map((f) => f.fileName));
    for (const a of result.attachments) {
      // two attachments of one name would join into one file
      let name = a.name;
      for (let n = 2; names.has(name); n++) name = `${a.name}-${n}`;
      names.add(name);
      if (a.body) write([{ testId, fileName: name, mimeType: a.contentType, fileBytes: a.body, eof: true, timestamp: stop }]);
      else if (a.path) {
        try {
          for (const piece of diskFile(testId, name, a.contentType, a.path, stop)) write([piece]); // a video is not held whole
        } catch (e) {
          write(textFile(testId, `${name}-error`, `${a.path}: ${(e as Error).message}\n`, stop));
        }
      }
    }
    write([{ testId, status: statusOf(test, result), timestamp: stop }]);
  }

  onError(error: TestError): void {
    // an error outside any test (a file that does not load): a run-level attachment, as Playwright counts it apart from tests
    this.sink.write(textFile(undefined, 'error', plain(error.stack ?? error.message ?? error.value ?? '') + '\n', timestampAt(Date.now()), TRACEBACK_MIME));
  }

  onEnd(): void {
    this.sink.close();
  }
}

function statusOf(test: TestCase, result: TestResult): Status {
  if (result.status === 'skipped') return 'skip';
  const expected = result.status === test.expectedStatus;
  if (test.expectedStatus === 'failed') return expected ? 'xfail' : 'uxsuccess'; // test.fail()
  return expected ? 'success' : 'fail';
}
