import type { BackendName } from '../../bindings/codec/core.js';
import { BACKEND_OPTION, inputBytes, type RunContext } from '../source.js';
import { openInput, Output } from '../io.js';
import { Repository, REPO_OPTION } from '../repo/repository.js';
import { trace } from './trace.js';
import { defineCommand } from '../command.js';

/** Run `id` of the repository: as trace prints it, or (--subunit) as a v2 stream. */
export async function showRun(repo: Repository, id: number, values: { subunit?: boolean; backend: BackendName }, context: RunContext): Promise<number> {
  const path = repo.runPath(id);
  if (!values.subunit) return trace.run({ values: { backend: values.backend, 'exit-zero': false }, positionals: [path], args: [path], tokens: [{ kind: 'positional', value: path, index: 0 }], context });
  // v2 out, whatever is stored (stestr's v1, gzip)
  const out = new Output();
  for await (const c of (await inputBytes(await openInput(path), context)).chunks) await out.write(c);
  await out.flush();
  return 0; // as stestr last --subunit: the stream was written
}

export const last = defineCommand({
  name: 'last',
  summary: 'the latest stored run, as trace shows it (or its stream)',
  usage: 'subunit last [--repo DIR] [--subunit]',
  description:
    'Shows the newest run in the repository as subunit trace does (a line per test, failures\n' +
    'with their attachments, totals), or with --subunit writes it as a v2 stream. Reads stestr\n' +
    'repositories too (.stestr/). Exit status 1 when a test in that run failed (with --subunit 0\n' +
    'once the stream is written, as stestr last --subunit), 2 when there is no repository or run.',
  options: {
    repo: REPO_OPTION,
    subunit: { type: 'boolean', help: 'write the run as a v2 stream' },
    backend: BACKEND_OPTION,
  },
  async run({ context, values }) {
    const repo = Repository.open(values.repo);
    return showRun(repo, repo.latest(), values, context);
  },
});
