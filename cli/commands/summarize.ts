import type { TestResult } from '../../bindings/results/results.js';
import { BACKEND_OPTION, forEachResult } from '../source.js';
import { Output } from '../io.js';
import { Repository, REPO_OPTION } from '../repo/repository.js';
import { failureText, isFailure } from '../repo/runs.js';
import { foldTraceback } from '../repo/fold.js';
import { warnDamage } from '../repo/warn.js';
import { defineCommand } from '../command.js';

/** Failures grouped by folded traceback, largest group first. */
export function groupFailures(results: TestResult[]): { folded: string; tests: TestResult[] }[] {
  const groups = new Map<string, TestResult[]>();
  for (const r of results.filter(isFailure)) {
    const key = foldTraceback(failureText(r)) || `(no traceback: ${r.status})`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return [...groups].map(([folded, tests]) => ({ folded, tests })).sort((a, b) => b.tests.length - a.tests.length);
}

export const summarize = defineCommand({
  name: 'summarize',
  summary: 'failures grouped by cause (tracebacks with numbers, addresses, paths folded)',
  usage: 'subunit summarize [--repo DIR] [FILE|-]...',
  description:
    'Groups the failures of a run (the inputs, or with none the latest stored run) by traceback,\n' +
    'after folding what differs between occurrences of one cause: numbers become N, addresses\n' +
    '0x…, paths keep only their file name. Prints each group, largest first: how many tests,\n' +
    'their ids, and the folded traceback. A report: exit status 0.',
  options: {
    repo: REPO_OPTION,
    backend: BACKEND_OPTION,
  },
  async run({ context, values, positionals }) {
    const backend = values.backend;
    let results: TestResult[] = [];
    if (positionals.length) await forEachResult(positionals, backend, context, { onResult: (r) => void results.push(r) });
    else {
      const repo = Repository.open(values.repo);
      const run = await repo.readRun(repo.latest(), { backend });
      warnDamage(run);
      results = run.results;
    }
    const groups = groupFailures(results);
    const failures = groups.reduce((n, g) => n + g.tests.length, 0);
    const out = new Output();
    await out.write(`${failures} failure${failures === 1 ? '' : 's'} in ${groups.length} group${groups.length === 1 ? '' : 's'}\n`);
    for (const g of groups) {
      await out.write(`\n== ${g.tests.length} test${g.tests.length === 1 ? '' : 's'} ==\n${g.tests.map((r) => '  ' + r.id + '\n').join('')}${g.folded}\n`);
    }
    await out.flush();
    return 0;
  },
});
