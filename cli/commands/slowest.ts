import { BACKEND_OPTION } from '../source.js';
import { wholeNumber } from '../repo/args.js';
import { Repository, REPO_OPTION, timeKey } from '../repo/repository.js';
import { formatTimes, table } from '../repo/runs.js';
import { warnDamage } from '../repo/warn.js';
import { defineCommand } from '../command.js';

export const slowest = defineCommand({
  name: 'slowest',
  summary: 'the slowest tests of the latest stored run',
  usage: 'subunit slowest [--repo DIR] [-n N | --all]',
  description:
    'Prints the tests of the newest run with their recorded durations, slowest first (10 unless\n' +
    '-n or --all), in the table stestr slowest prints, read from the same times (stestr\'s\n' +
    'times.dbm on a stestr repository, the index on ours). A report: exit status 0.',
  options: {
    repo: REPO_OPTION,
    n: { type: 'string', short: 'n', default: '10', help: 'how many tests (default 10)' },
    all: { type: 'boolean', help: 'every timed test' },
    backend: BACKEND_OPTION,
  },
  async run({ values }) {
    const backend = values.backend;
    const count = wholeNumber('-n', values.n);
    const repo = Repository.open(values.repo);
    const run = await repo.readRun(repo.latest(), { backend, attachments: false });
    warnDamage(run);
    const times = await repo.times(backend);
    const known: [string, number][] = [];
    const seen = new Set<string>();
    for (const r of run.results) {
      const t = times.get(timeKey(r.id));
      if (t === undefined || seen.has(r.id)) continue;
      seen.add(r.id);
      known.push([r.id, t]);
    }
    known.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const shown = values.all ? known : known.slice(0, count);
    if (shown.length === 0) return 0;
    const formatted = formatTimes(shown.map(([, t]) => t));
    process.stdout.write(table([['Test id', 'Runtime (s)'], ...shown.map(([id], i) => [id, formatted[i]])]));
    return 0;
  },
});
