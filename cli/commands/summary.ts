import { RunSummary } from '../../bindings/results/results.js';
import { decodeStream } from '../../bindings/adapters/streams.js';
import { openInputs, inputBytes } from '../source.js';
import { defineCommand, BACKEND_OPTION } from '../command.js';

export const summary = defineCommand({
  name: 'summary',
  summary: 'one line of totals for a run',
  usage: 'subunit summary [--backend wasm|js] [FILE|-]...',
  description:
    'Decodes the inputs as one run and prints e.g.\n' +
    '"1329 tests: 1211 passed, 1 failed, 117 skipped".\n' +
    'passed = success + xfail; failed = fail + uxsuccess + tests never finished; exists-only\n' +
    'enumerations are not tests. A report: exit status 0 even when tests failed (2 for\n' +
    'unreadable or damaged input, after the line for what was read).',
  options: { backend: BACKEND_OPTION },
  async run({ context, values, positionals }) {
    const run = new RunSummary();
    let bytes = 0;
    const started = performance.now();
    // gzip and v1 detected; an input that fails midway counts what it held.
    // Offsets restart at 0 in each input: its bytes are where its last event ends.
    for await (const input of openInputs(positionals)) {
      let end = 0;
      for await (const batch of decodeStream((await inputBytes(input, context)).chunks, { backend: values.backend })) {
        for (const e of batch) {
          run.add(e);
          if (e.source !== 'parser-error') end = e.offset + e.length;
        }
      }
      bytes += end;
      if (context.failure) break;
    }
    const r = run.result();
    const ms = performance.now() - started;
    process.stdout.write(`${r.tests} tests: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped\n`);
    // on a failed input, stderr's one line is the error
    if (!context.failure) process.stderr.write(`(${(bytes / 1e6).toFixed(2)} MB decoded in ${ms.toFixed(0)} ms)\n`);
    return 0;
  },
});
