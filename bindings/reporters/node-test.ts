// A node:test reporter writing Subunit v2:
//   node --test --test-reporter=subunit-wasm/node-test > run.subunit
// Test ids are "FILE::suite::test" (FILE relative to the working directory).
// node:test says whether a started test is a suite only when it ends, so a
// test's inprogress packet is written when it ends, carrying its true start
// time (end − duration); suites are not tests and are not reported.
import { relative } from 'node:path';
import { inspect } from 'node:util';
import { Encoder } from '../encoder.js';
import { Timestamp } from '../timestamp.js';
import type { EventInit, Status } from '../events.js';

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

const utf8 = new TextEncoder();

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
      yield encoder.encode({ fileName: name, mimeType: 'text/plain; charset="utf8"', fileBytes: utf8.encode(d.message ?? ''), timestamp: new Date() });
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    // a suite is reported only when it failed by itself (a hook), not through its tests
    const failureType = (d.details?.error as { failureType?: string } | undefined)?.failureType;
    if (d.details?.type === 'suite' && (event.type === 'test:pass' || failureType === 'subtestsFailed')) continue;
    const path = [...(names.get(file) ?? []).slice(0, d.nesting), d.name];
    const testId = `${file ? file + '::' : ''}${path.join('::')}`;
    const stopMs = Date.now();
    const stop = Timestamp.fromDate(new Date(stopMs));
    const start = Timestamp.fromDate(new Date(stopMs - (d.details?.duration_ms ?? 0)));
    let status: Status;
    if (d.skip) status = 'skip';
    else if (d.todo) status = event.type === 'test:fail' ? 'xfail' : 'success';
    else status = event.type === 'test:fail' ? 'fail' : 'success';
    const packets: EventInit[] = [{ testId, status: 'inprogress', timestamp: start }];
    if (event.type === 'test:fail' && d.details?.error !== undefined) {
      packets.push({ testId, fileName: 'traceback', mimeType: 'text/x-traceback; charset="utf8"', fileBytes: utf8.encode(failureText(d.details.error)), eof: true, timestamp: stop });
    }
    const reason = typeof d.skip === 'string' ? d.skip : typeof d.todo === 'string' ? d.todo : undefined;
    if (reason) packets.push({ testId, fileName: 'reason', mimeType: 'text/plain; charset="utf8"', fileBytes: utf8.encode(reason), eof: true, timestamp: stop });
    packets.push({ testId, status, timestamp: stop });
    yield encoder.encodeAll(packets);
  }
}
