import { BACKEND_OPTION } from '../source.js';
import { UsageError } from '../errors.js';
import { Output } from '../io.js';
import { Repository, REPO_OPTION, runCounts } from '../repo/repository.js';
import { table } from '../repo/runs.js';
import { warnDamage } from '../repo/warn.js';
import { showRun } from './last.js';
import { wholeNumber } from '../repo/args.js';
import { defineCommand } from '../command.js';

const runNumber = (text: string | undefined) => wholeNumber('the run', text);

export const history = defineCommand({
  name: 'history',
  summary: 'the stored runs: list, show one, remove one',
  usage: 'subunit history list | show N [--subunit] | remove N   [--repo DIR]',
  description:
    'list: one row per stored run — its number, tests, passed, failed, skipped, run time (first\n' +
    'to last timestamp) and when it was stored; a damaged run is listed with what it held and a\n' +
    'warning. show N: run N as subunit last shows the latest (exit 1 when a test failed).\n' +
    'remove N: deletes run N (its number is not reused).',
  options: {
    repo: REPO_OPTION,
    subunit: { type: 'boolean', help: 'show: write the run as a v2 stream' },
    backend: BACKEND_OPTION,
  },
  async run({ context, values, positionals }) {
    const [action, arg, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const repo = Repository.open(values.repo);
    if (action === 'show') return showRun(repo, runNumber(arg), values, context);
    if (action === 'remove') {
      repo.remove(runNumber(arg));
      return 0;
    }
    if (action !== 'list') throw new UsageError(`expected list, show N or remove N, not ${action === undefined ? 'nothing' : `"${action}"`}`);
    if (arg !== undefined) throw new UsageError(`unexpected argument "${arg}"`);
    const rows = [['Run', 'Tests', 'Passed', 'Failed', 'Skipped', 'Time (s)', 'Stored']];
    for (const id of repo.runIds()) {
      const run = await repo.readRun(id, { backend: values.backend, attachments: false });
      warnDamage(run);
      const n = runCounts(run.results);
      const time = n.wallTime === undefined ? '' : n.wallTime.toFixed(3);
      rows.push([String(id), String(n.tests), String(n.passed), String(n.failed), String(n.skipped), time, run.stored.toISOString().slice(0, 19) + 'Z']);
    }
    const out = new Output();
    await out.write(table(rows));
    await out.flush();
    return 0;
  },
});
