// events → per-test outcomes. A test is keyed by (route code, test id), as in
// testtools: the same id on two workers is two tests. Memory is bounded by the
// tests in flight, not by the run.
import type { Status, SubunitEvent } from './events.js';

export interface RunCounts {
  /** Tests that reached a final status (enumeration-only `exists` excluded), plus incomplete ones. */
  tests: number;
  byStatus: Record<Exclude<Status, 'inprogress'>, number>;
  /** Tests still in progress when the stream ended. */
  incomplete: number;
  /** success + xfail */
  passed: number;
  /** fail + uxsuccess + incomplete */
  failed: number;
  skipped: number;
}

export class RunSummary {
  private readonly inFlight = new Set<string>();
  private readonly counts = { exists: 0, success: 0, uxsuccess: 0, skip: 0, fail: 0, xfail: 0 };

  add(e: SubunitEvent): void {
    const status = e.status;
    if (status === undefined || e.testId === undefined) return;
    const key = `${e.routeCode ?? ''}\0${e.testId}`;
    if (status === 'inprogress') {
      this.inFlight.add(key);
      return;
    }
    this.inFlight.delete(key);
    this.counts[status]++;
  }

  result(): RunCounts {
    const c = this.counts;
    const incomplete = this.inFlight.size;
    return {
      tests: c.success + c.uxsuccess + c.skip + c.fail + c.xfail + incomplete,
      byStatus: { ...c },
      incomplete,
      passed: c.success + c.xfail,
      failed: c.fail + c.uxsuccess + incomplete,
      skipped: c.skip,
    };
  }
}
