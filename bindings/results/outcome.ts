// Which test an event belongs to, and whether a test failed the run: one
// definition for the results layer, the tools and the viewer. No imports at
// run time, so the viewer's page can load it without the codec.
import type { Status } from '../codec/events.js';

/**
 * The final status of a test. `unknown`: the test had events but never a
 * status; `inprogress`: it started but the stream ended before it finished.
 */
export type FinalStatus = Exclude<Status, 'inprogress'> | 'inprogress' | 'unknown';

/**
 * Which test an event belongs to. The same id on two workers is two tests (as
 * in testtools); no route code and an empty one are the same worker.
 */
export function testKey(testId: string, routeCode: string | undefined): string {
  return `${routeCode ?? ''}\0${testId}`;
}

/** The stream ended (or has not yet ended) before the test's final status. */
export function isUnfinished(status: FinalStatus): boolean {
  return status === 'inprogress' || status === 'unknown';
}

/** Did the test fail the run? As testtools' StreamSummary: fail, uxsuccess, or never finished. */
export function isFailed(status: FinalStatus): boolean {
  return status === 'fail' || status === 'uxsuccess' || isUnfinished(status);
}
