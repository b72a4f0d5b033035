// A vitest reporter writing Subunit v2:
//   vitest run --reporter=default --reporter=subunit-wasm/vitest      (to ./subunit.v2, or SUBUNIT_OUTPUT)
//   or in vitest.config: reporters: ['default', new SubunitReporter({ outputFile: 'run.subunit' })]
// Test ids are "FILE::suite > test" (FILE relative to the project root).
// Each test gets an inprogress packet when vitest says it is ready to run, and
// when it ends another one with its start time, its failures as attachments
// and its final status.
import { openSync, writeSync, closeSync } from 'node:fs';
import { relative } from 'node:path';
import { Encoder } from '../encoder.js';
import { Timestamp } from '../timestamp.js';
import type { EventInit, Status } from '../events.js';

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

const utf8 = new TextEncoder();

export default class SubunitReporter {
  private readonly encoder = new Encoder({ backend: 'js' });
  private fd: number | undefined;
  private readonly path: string;
  private root = process.cwd();

  constructor(options: SubunitReporterOptions = {}) {
    this.path = options.outputFile ?? process.env.SUBUNIT_OUTPUT ?? 'subunit.v2';
  }

  onInit(ctx: { config?: { root?: string } }): void {
    this.root = ctx?.config?.root ?? this.root;
    this.fd = this.path === '-' ? 1 : openSync(this.path, 'w');
  }

  private write(events: EventInit[]): void {
    if (this.fd === undefined) this.fd = this.path === '-' ? 1 : openSync(this.path, 'w');
    const bytes = this.encoder.encodeAll(events);
    for (let at = 0; at < bytes.length; ) at += writeSync(this.fd, bytes, at);
  }

  private id(test: TestCaseLike): string {
    return `${relative(this.root, test.module.moduleId)}::${test.fullName}`;
  }

  // vitest reports a test as ready in the main process, possibly after it ran
  // in a worker: this packet has no time; the true start comes with the result.
  onTestCaseReady(test: TestCaseLike): void {
    this.write([{ testId: this.id(test), status: 'inprogress' }]);
  }

  onTestCaseResult(test: TestCaseLike): void {
    const testId = this.id(test);
    const r = test.result();
    const d = test.diagnostic();
    const stop = d ? Timestamp.fromDate(new Date(d.startTime + d.duration)) : Timestamp.fromDate(new Date());
    const status: Status = r.state === 'passed' ? 'success' : r.state === 'failed' ? 'fail' : 'skip';
    const events: EventInit[] = d ? [{ testId, status: 'inprogress', timestamp: Timestamp.fromDate(new Date(d.startTime)) }] : [];
    const failures = (r.errors ?? []).map((e) => [e.stack || e.message || String(e), e.diff].filter(Boolean).join('\n')).join('\n\n');
    if (failures) events.push({ testId, fileName: 'traceback', mimeType: 'text/x-traceback; charset="utf8"', fileBytes: utf8.encode(failures + '\n'), eof: true, timestamp: stop });
    if (status === 'skip' && r.note) events.push({ testId, fileName: 'reason', mimeType: 'text/plain; charset="utf8"', fileBytes: utf8.encode(r.note), eof: true, timestamp: stop });
    events.push({ testId, status, timestamp: stop });
    this.write(events);
  }

  onTestRunEnd(): void {
    if (this.fd !== undefined && this.fd !== 1) closeSync(this.fd);
    this.fd = undefined;
  }
}

export { SubunitReporter };
