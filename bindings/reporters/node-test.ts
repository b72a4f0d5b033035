// A node:test reporter writing Subunit v2:
//   node --test --test-reporter=subunit-wasm/node-test > run.subunit
// Test ids are "FILE::suite::test" (FILE relative to the working directory).
// node:test says whether a started test is a suite only when it ends, so a
// test's inprogress packet is written when it ends, carrying its true start
// time (end − duration); suites are not tests and are not reported.
import { relative } from 'node:path';
import { inspect } from 'node:util';
import { Encoder } from '../codec/encoder.js';
import type { EventInit, Status } from '../codec/events.js';
import { TRACEBACK_MIME, testEvents, textChunk, textFile, timestampAt } from './sink.js';

interface TestEventData {
  name: string;
  nesting: number;
  file?: string;
  skip?: boolean | string;
  todo?: boolean | string;
  message?: string;
  details?: { duration_ms?: number; error?: unknown; type?: 'suite' | 'test' };
}
interface TestEvent {
  type: string;
  data: TestEventData;
}

function failureText(error: unknown): string {
  const e = error as { cause?: unknown; failureType?: string } | undefined;
  const cause = e && typeof e === 'object' && 'cause' in e ? e.cause : e;
  return inspect(cause, { depth: 6, colors: false }) + '\n';
}

/** The reporter: node:test events in, v2 packets out. */
export default async function* subunitReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<Uint8Array> {
  const encoder = new Encoder({ backend: 'js' }); // no wasm compile in the test runner's process
  const names = new Map<string, string[]>(); // file → names by nesting level
  for await (const event of source) {
    const d = event.data;
    const file = d?.file ? relative(process.cwd(), d.file) : '';
    if (event.type === 'test:start') {
      const stack = names.get(file) ?? [];
      stack.length = d.nesting;
      stack.push(d.name);
      names.set(file, stack);
      continue;
    }
    if (event.type === 'test:stdout' || event.type === 'test:stderr') {
      const name = event.type === 'test:stdout' ? 'stdout' : 'stderr';
      yield encoder.encode(textChunk(undefined, name, d.message ?? '', timestampAt(Date.now())));
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    // a suite is reported only when it failed by itself (a hook), not through its tests
    const failureType = (d.details?.error as { failureType?: string } | undefined)?.failureType;
    if (d.details?.type === 'suite' && (event.type === 'test:pass' || failureType === 'subtestsFailed')) continue;
    const path = [...(names.get(file) ?? []).slice(0, d.nesting), d.name];
    const testId = `${file ? file + '::' : ''}${path.join('::')}`;
    const stopMs = Date.now();
    const stop = timestampAt(stopMs);
    const start = timestampAt(stopMs - (d.details?.duration_ms ?? 0));
    let status: Status;
    if (d.skip) status = 'skip';
    else if (d.todo) status = event.type === 'test:fail' ? 'xfail' : 'success';
    else status = event.type === 'test:fail' ? 'fail' : 'success';
    const files: EventInit[] = [];
    if (event.type === 'test:fail' && d.details?.error !== undefined) files.push(...textFile(testId, 'traceback', failureText(d.details.error), stop, TRACEBACK_MIME));
    const reason = typeof d.skip === 'string' ? d.skip : typeof d.todo === 'string' ? d.todo : '';
    files.push(...textFile(testId, 'reason', reason, stop));
    yield encoder.encodeAll(testEvents(testId, status, start, stop, files));
  }
}
