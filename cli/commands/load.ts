import { decodeStream } from '../../bindings/adapters/streams.js';
import { TestResults, type TestResult } from '../../bindings/results/results.js';
import type { BackendName } from '../../bindings/codec/core.js';
import { openInputs, inputBytes, BACKEND_OPTION, type RunContext } from '../source.js';
import { Output, outputStream } from '../io.js';
import { Repository, REPO_OPTION, readStream, runCounts } from '../repo/repository.js';
import { mergeRetries, writeResults } from '../repo/runs.js';
import { defineCommand } from '../command.js';

export const load = defineCommand({
  name: 'load',
  summary: 'store a run in the repository (.subunit/)',
  usage: 'subunit load [--repo DIR] [--retry] [FILE|-]...',
  description:
    'Stores the inputs (v2, v1 or gzip; stdin when none) as one run, numbered after the last, as a\n' +
    'plain v2 stream in the repository, and records each test\'s duration and status in its index:\n' +
    '  vitest run --reporter=subunit-wasm/vitest | subunit load\n' +
    'The repository (.subunit/ unless --repo) is created when missing. Two loads at once each get\n' +
    'their own run: the stream is written aside, then numbered under a lock. --retry stores the\n' +
    'inputs as a retry pass of the latest run instead: a test\'s latest attempt becomes its result,\n' +
    'the earlier attempts kept as attachments (see subunit merge). Prints the run\'s number and\n' +
    'totals. Exit status 1 when a test failed; 2 when an input was damaged (what it held is stored).',
  options: {
    repo: REPO_OPTION,
    retry: { type: 'boolean', help: 'a retry pass over the latest run: merged into it' },
    backend: BACKEND_OPTION,
  },
  async run({ context, values, positionals }) {
    const backend = values.backend;
    const repo = Repository.openForWriting(values.repo);
    const retryOf = values.retry ? repo.latest() : undefined;
    const id = await repo.store(async (path) => {
      const file = new Output(await outputStream(path));
      const results = await storeInputs(positionals, file, backend, context);
      if (retryOf === undefined) {
        await file.close();
        return results;
      }
      // a retry: the stored run and this pass, merged, replace the stored run
      await file.close();
      const before = await repo.readRun(retryOf, { backend });
      const pass = await readStream(path, { backend });
      const merged = mergeRetries([before.results, pass.results]);
      const out = new Output(await outputStream(path));
      await writeResults(out, merged, [...before.other, ...pass.other], backend);
      await out.close();
      return merged;
    }, retryOf);
    const stored = await repo.readRun(id, { backend, attachments: false });
    const n = runCounts(stored.results);
    process.stdout.write(`${repo.dir}: run ${id}${retryOf !== undefined ? ' (retry merged)' : ''}: ${n.tests} tests: ${n.passed} passed, ${n.failed} failed, ${n.skipped} skipped\n`);
    return n.failed > 0 ? 1 : 0;
  },
});

/** Copies the inputs' decoded bytes (gzip removed, v1 converted) into `file`, decoding them on the way. */
async function storeInputs(paths: string[], file: Output, backend: BackendName, context: RunContext): Promise<TestResult[]> {
  const tests = new TestResults({ attachments: false });
  const results: TestResult[] = [];
  for await (const input of openInputs(paths)) {
    const { chunks } = await inputBytes(input, context);
    async function* tee() {
      for await (const c of chunks) {
        await file.write(new Uint8Array(c)); // copied: the decoder's input may be reused
        yield c;
      }
    }
    for await (const batch of decodeStream(tee(), { backend })) {
      for (const e of batch) {
        const r = tests.add(e);
        if (r) results.push(r);
      }
    }
    if (context.failure) break;
  }
  results.push(...tests.end());
  return results;
}
