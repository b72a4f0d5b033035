// A vitest reporter writing Subunit v2:
//   vitest run --reporter=default --reporter=subunit-wasm/vitest      (to ./subunit.v2, or SUBUNIT_OUTPUT)
//   or in vitest.config: reporters: ['default', new SubunitReporter({ outputFile: 'run.subunit' })]
// Test ids are "FILE::suite > test" (FILE relative to the project root).
// Each test gets an inprogress packet when vitest says it is ready to run, and
// when it ends another one with its start time, its failures as attachments
// and its final status.
import { relative } from 'node:path';
import type { EventInit, Status } from '../codec/events.js';
import { SubunitSink, TRACEBACK_MIME, textFile, timestampAt } from './sink.js';

// The parts of vitest's reporter API this uses (vitest ≥ 3), kept structural
// so the package does not depend on vitest's types.
interface TestErrorLike {
  message?: string;
  stack?: string;
  diff?: string;
}
interface TestCaseLike {
  fullName: string;
  module: { moduleId: string };
  result(): { state: 'passed' | 'failed' | 'skipped' | 'pending'; errors?: readonly TestErrorLike[]; note?: string };
  diagnostic(): { startTime: number; duration: number } | undefined;
}

export interface SubunitReporterOptions {
  /** Where to write (default: $SUBUNIT_OUTPUT, else "subunit.v2"); "-" is stdout. */
  outputFile?: string;
}

export default class SubunitReporter {
  private readonly sink: SubunitSink;
  private root = process.cwd();

  constructor(options: SubunitReporterOptions = {}) {
    this.sink = new SubunitSink(options.outputFile ?? process.env.SUBUNIT_OUTPUT ?? 'subunit.v2');
  }

  onInit(ctx: { config?: { root?: string } }): void {
    this.root = ctx?.config?.root ?? this.root;
    this.sink.open();
  }

  private id(test: TestCaseLike): string {
    return `${relative(this.root, test.module.moduleId)}::${test.fullName}`;
  }

  // vitest reports a test as ready in the main process, possibly after it ran
  // in a worker: this packet has no time; the true start comes with the result.
  onTestCaseReady(test: TestCaseLike): void {
    this.sink.write([{ testId: this.id(test), status: 'inprogress' }]);
  }

  onTestCaseResult(test: TestCaseLike): void {
    const testId = this.id(test);
    const r = test.result();
    const d = test.diagnostic();
    const stop = timestampAt(d ? d.startTime + d.duration : Date.now());
    const status: Status = r.state === 'passed' ? 'success' : r.state === 'failed' ? 'fail' : 'skip';
    const events: EventInit[] = d ? [{ testId, status: 'inprogress', timestamp: timestampAt(d.startTime) }] : [];
    const failures = (r.errors ?? []).map((e) => [e.stack || e.message || String(e), e.diff].filter(Boolean).join('\n')).join('\n\n');
    events.push(...textFile(testId, 'traceback', failures && failures + '\n', stop, TRACEBACK_MIME));
    if (status === 'skip') events.push(...textFile(testId, 'reason', r.note ?? '', stop));
    events.push({ testId, status, timestamp: stop });
    this.sink.write(events);
  }

  onTestRunEnd(): void {
    this.sink.close();
  }
}

export { SubunitReporter };
