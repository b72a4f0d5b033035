// A Mocha reporter writing Subunit v2:
//   mocha --reporter subunit-wasm/mocha > run.subunit
//   mocha --reporter subunit-wasm/mocha --reporter-option output=run.subunit
// Test ids are "FILE::suite > test" (FILE relative to the working directory).
// Each test gets inprogress when it starts and its status when it ends, a
// failure's stack as a traceback. A failing hook is reported as a test of its
// own, named as Mocha names it ("\"before all\" hook for …") and tagged
// "hook", as Mocha counts it among the failures. Pending tests are skips.
// Every attempt of a retried test (this.retries) is a test of its own: later
// ones carry an "attempt" attachment, the last decides, a pass after failures
// is tagged "flaky". What tests print (process.stdout/stderr, console) is
// captured as "stdout"/"stderr" attachments of the test running (run-level
// outside tests), so it never mixes with the stream on stdout; with an
// output file it is shown as well.
import { relative } from 'node:path';
import type { EventInit, Status } from '../codec/events.js';
import { SubunitSink, TRACEBACK_MIME, errorText, textChunk, textFile, testEvents, timestampAt } from './sink.js';
import type { Timestamp } from '../codec/timestamp.js';

// The parts of Mocha's runner API this uses, kept structural.
interface Runnable {
  title: string;
  type?: 'test' | 'hook';
  file?: string;
  duration?: number;
  titlePath(): string[];
  currentRetry?(): number;
  err?: unknown;
}
interface Runner {
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
}

type Write = typeof process.stdout.write;

export default class MochaSubunitReporter {
  private readonly sink: SubunitSink;
  /** Start times by test id and attempt: in --parallel mode every event brings a new copy of the test. */
  private readonly starts = new Map<string, number>();
  /** The test whose output is being captured. */
  private current: string | undefined;
  private readonly restore: (() => void)[] = [];

  constructor(runner: Runner, options: { reporterOptions?: { output?: string }; reporterOption?: { output?: string } } = {}) {
    const output = options.reporterOptions?.output ?? options.reporterOption?.output;
    this.sink = new SubunitSink(output);
    runner.once('start', () => {
      this.sink.open();
      this.capture(process.stdout, 'stdout', output !== undefined && output !== '-');
      this.capture(process.stderr, 'stderr', true);
    });
    runner.on('test', (test: Runnable) => {
      const testId = this.id(test);
      const now = Date.now(); // one reading: the inprogress and the start the end is measured from
      this.starts.set(attemptKey(testId, test), now);
      this.current = testId;
      this.sink.write([{ testId, status: 'inprogress', timestamp: timestampAt(now) }]);
    });
    runner.on('pass', (test: Runnable) => this.finish(test, 'success'));
    runner.on('fail', (runnable: Runnable, err: unknown) => this.finish(runnable, 'fail', err));
    runner.on('retry', (test: Runnable, err: unknown) => this.finish(test, 'fail', err));
    runner.on('pending', (test: Runnable) => this.finish(test, 'skip'));
    runner.on('test end', () => (this.current = undefined));
    runner.once('end', () => {
      for (const undo of this.restore.splice(0)) undo();
      this.sink.close();
    });
  }

  private id(r: Runnable): string {
    const file = r.file ? relative(process.cwd(), r.file) : '';
    return `${file ? file + '::' : ''}${r.titlePath().join(' > ')}`;
  }

  /** Routes what is written to a process stream into attachments; `show` also writes it through. */
  private capture(stream: NodeJS.WriteStream, name: string, show: boolean): void {
    const original: Write = stream.write;
    const reporter = this;
    stream.write = function (this: NodeJS.WriteStream, chunk: string | Uint8Array, ...rest: unknown[]) {
      reporter.sink.write([textChunk(reporter.current, name, chunk, timestampAt(Date.now()))]);
      if (show) return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
      const done = rest.find((a) => typeof a === 'function') as (() => void) | undefined;
      if (done) process.nextTick(done);
      return true;
    } as Write;
    this.restore.push(() => (stream.write = original));
  }

  private finish(r: Runnable, status: Status, err?: unknown): void {
    const testId = this.id(r);
    const now = Date.now();
    const hook = r.type === 'hook';
    const key = attemptKey(testId, r);
    const began = !hook && this.starts.has(key);
    const begin = (hook ? undefined : this.starts.get(key)) ?? now - (r.duration ?? 0);
    this.starts.delete(key);
    const start = timestampAt(begin);
    // Mocha's duration leaves out beforeEach hooks: the end is when Mocha says the test ended
    const stop: Timestamp = timestampAt(Math.max(now, begin));
    const attempt = attemptOf(r);
    const files: EventInit[] = [
      ...(attempt > 1 ? textFile(testId, 'attempt', `attempt ${attempt}\n`, start) : []),
      ...textFile(testId, 'traceback', err ? errorText(err as Error) + '\n' : '', stop, TRACEBACK_MIME),
    ];
    const tags = hook ? ['hook'] : status === 'success' && attempt > 1 ? ['flaky'] : undefined;
    const events = testEvents(testId, status, start, stop, files, tags ? { tags } : {});
    // a test that began already has its inprogress (a test skipped without running, or a hook, has not)
    this.sink.write(began ? events.slice(1) : events);
  }
}

const attemptOf = (r: Runnable) => (r.currentRetry?.() ?? 0) + 1;
const attemptKey = (testId: string, r: Runnable) => `${testId}\0${attemptOf(r)}`;
