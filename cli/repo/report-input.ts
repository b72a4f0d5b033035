// The results and totals of the inputs of a report command.
import { RunSummary, type RunCounts, type TestResult } from '../../bindings/results/results.js';
import type { BackendName } from '../../bindings/codec/core.js';
import { forEachResult, type RunContext } from '../source.js';

export async function readResults(paths: string[], backend: BackendName | undefined, context: RunContext): Promise<{ results: TestResult[]; totals: RunCounts }> {
  const results: TestResult[] = [];
  const summary = new RunSummary();
  await forEachResult(paths, backend, context, {
    onResult(r) {
      results.push(r);
      if (r.status !== 'exists') summary.countResult(r);
    },
  });
  return { results, totals: summary.result() };
}
