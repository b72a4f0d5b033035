import type { SubunitEvent } from '../../bindings/codec/events.js';
import type { TestResult } from '../../bindings/results/results.js';
import { BACKEND_OPTION, forEachResult, isFailure } from '../source.js';
import { UsageError } from '../errors.js';
import { Output } from '../io.js';
import { mergeRetries, writeResults } from '../repo/runs.js';
import { defineCommand } from '../command.js';

export const merge = defineCommand({
  name: 'merge',
  summary: 'retry passes of a suite → one run (the latest attempt of each test counts)',
  usage: 'subunit merge --retries FIRST RETRY... > run.subunit',
  description:
    'Reads each input as one pass of the same suite, in order (the first run, then its retries),\n' +
    'and writes one v2 stream: a test\'s latest attempt is its result, so a failure a retry passed\n' +
    'becomes a pass; the earlier attempts\' files are kept on it as "attempt-N NAME", and an\n' +
    '"attempts" file lists each attempt\'s status (subunit flaky counts them). Tests keep the order\n' +
    'of the pass they first ran in. Exit status 1 when a test still failed after its retries.',
  options: {
    retries: { type: 'boolean', help: 'the inputs are retry passes (required: the one mode)' },
    backend: BACKEND_OPTION,
  },
  async run({ context, values, positionals }) {
    if (!values.retries) throw new UsageError('say --retries (each input is a pass of the same suite)');
    if (positionals.length < 1) throw new UsageError('give the passes, first run first');
    const passes: TestResult[][] = [];
    const other: SubunitEvent[] = [];
    for (const path of positionals) {
      const pass: TestResult[] = [];
      await forEachResult([path], values.backend, context, { onResult: (r) => void pass.push(r), onOther: (e) => void other.push(e) });
      passes.push(pass);
      if (context.failure) break;
    }
    const merged = mergeRetries(passes);
    await writeResults(new Output(), merged, other, values.backend);
    return merged.some(isFailure) ? 1 : 0;
  },
});
