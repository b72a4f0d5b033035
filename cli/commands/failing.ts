import { BACKEND_OPTION } from '../source.js';
import { Output } from '../io.js';
import { Repository, REPO_OPTION, readStream } from '../repo/repository.js';
import { failureText, isFailure, writeResults } from '../repo/runs.js';
import { warnDamage } from '../repo/warn.js';
import { defineCommand } from '../command.js';

export const failing = defineCommand({
  name: 'failing',
  summary: 'the tests that failed in the latest stored run',
  usage: 'subunit failing [--repo DIR] [--list | --subunit]',
  description:
    'Prints each test that failed (fail, unexpected success, never finished) in the newest run,\n' +
    'with its traceback; --list prints only their ids, one a line (to feed a re-run), --subunit\n' +
    'writes their events as a v2 stream. On a stestr repository, its `failing` stream is read, as\n' +
    'stestr failing does. Exit status 1 when a test failed, 0 when none did.',
  options: {
    repo: REPO_OPTION,
    list: { type: 'boolean', help: 'only the failing test ids' },
    subunit: { type: 'boolean', help: 'the failing tests as a v2 stream' },
    backend: BACKEND_OPTION,
  },
  async run({ values }) {
    const backend = values.backend;
    const repo = Repository.open(values.repo);
    const stestrFailing = repo.stestrFailingPath();
    const run = stestrFailing ? await readStream(stestrFailing, { backend }) : await repo.readRun(repo.latest(), { backend });
    warnDamage(run);
    const failed = run.results.filter(isFailure);
    const out = new Output();
    if (values.subunit) await writeResults(out, failed, [], backend);
    else if (values.list) await out.write(failed.map((r) => r.id + '\n').join(''));
    else {
      for (const r of failed) {
        const text = failureText(r);
        await out.write(`FAIL: ${r.id}\n${text}${text.endsWith('\n') || !text ? '' : '\n'}\n`);
      }
      await out.write(`${failed.length} failing test${failed.length === 1 ? '' : 's'}\n`);
    }
    await out.flush();
    return failed.length > 0 ? 1 : 0;
  },
});
