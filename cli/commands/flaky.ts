import { BACKEND_OPTION } from '../source.js';
import { Output } from '../io.js';
import { Repository, REPO_OPTION } from '../repo/repository.js';
import { attemptsOf, table } from '../repo/runs.js';
import { warnDamage } from '../repo/warn.js';
import { wholeNumber } from '../repo/args.js';
import { defineCommand } from '../command.js';

/** Pass or fail, for counting flips; skips and enumerations say nothing. */
function outcome(status: string): 'pass' | 'fail' | undefined {
  if (status === 'success' || status === 'xfail') return 'pass';
  if (status === 'fail' || status === 'uxsuccess' || status === 'inprogress' || status === 'unknown') return 'fail';
  return undefined;
}

interface Record {
  outcomes: ('pass' | 'fail')[];
  runs: number;
}

/** Flips: adjacent outcomes that differ. */
function flips(outcomes: string[]): number {
  let n = 0;
  for (let i = 1; i < outcomes.length; i++) if (outcomes[i] !== outcomes[i - 1]) n++;
  return n;
}

export const flaky = defineCommand({
  name: 'flaky',
  summary: 'tests ranked by how often their outcome flipped across stored runs',
  usage: 'subunit flaky [--repo DIR] [-n N]',
  description:
    'Reads every stored run in order and, for each test, the sequence of its outcomes (pass or\n' +
    'fail; skips are left out), retries within a run included (merge --retries, load --retry).\n' +
    'Prints the tests whose outcome changed at least once, most changes first: flips, runs it ran\n' +
    'in, attempts that failed. A damaged run is reported and the rest still read. A report: exit\n' +
    'status 0.',
  options: {
    repo: REPO_OPTION,
    n: { type: 'string', short: 'n', help: 'at most N tests' },
    backend: BACKEND_OPTION,
  },
  async run({ values }) {
    if (values.n !== undefined) wholeNumber('-n', values.n); // checked before the runs are read
    const repo = Repository.open(values.repo);
    const tests = new Map<string, Record>();
    for (const id of repo.runIds()) {
      const run = await repo.readRun(id, { backend: values.backend });
      warnDamage(run);
      for (const r of run.results) {
        const seen = attemptsOf(r).map(outcome).filter((o) => o !== undefined);
        if (seen.length === 0) continue;
        let t = tests.get(r.id);
        if (!t) tests.set(r.id, (t = { outcomes: [], runs: 0 }));
        t.outcomes.push(...seen);
        t.runs++;
      }
    }
    let rows = [...tests]
      .map(([id, t]) => ({ id, flips: flips(t.outcomes), runs: t.runs, fails: t.outcomes.filter((o) => o === 'fail').length }))
      .filter((r) => r.flips > 0)
      .sort((a, b) => b.flips - a.flips || b.fails - a.fails || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (values.n !== undefined) rows = rows.slice(0, wholeNumber('-n', values.n));
    const out = new Output();
    if (rows.length) await out.write(table([['Flips', 'Runs', 'Failed', 'Test id'], ...rows.map((r) => [String(r.flips), String(r.runs), String(r.fails), r.id])]));
    else await out.write(`no test changed outcome across ${repo.runIds().length} runs\n`);
    await out.flush();
    return 0;
  },
});
