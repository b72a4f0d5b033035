import { BACKEND_OPTION } from '../source.js';
import { wholeNumber } from '../repo/args.js';
import { markdownSummary } from '../repo/ci.js';
import { readResults } from '../repo/report-input.js';
import { defineCommand } from '../command.js';

export const markdown = defineCommand({
  name: 'markdown',
  summary: 'a Markdown summary of a run (totals, failures, slowest) for any CI',
  usage: 'subunit markdown [--failures N] [--slowest N] [FILE|-]...',
  description:
    'Prints the summary subunit github appends to $GITHUB_STEP_SUMMARY: a totals table (the\n' +
    'numbers subunit summary counts), each failure folded in <details> with the end of its\n' +
    'traceback (the first 50 unless --failures), and the slowest tests (10 unless --slowest).\n' +
    'A report: exit status 0 even when tests failed (2 on a usage or input error).',
  options: {
    failures: { type: 'string', default: '50', help: 'failures shown with tracebacks (default 50)' },
    slowest: { type: 'string', default: '10', help: 'slowest tests listed (default 10)' },
    backend: BACKEND_OPTION,
  },
  async run({ context, values, positionals }) {
    const options = { failures: wholeNumber('--failures', values.failures), slowest: wholeNumber('--slowest', values.slowest) };
    const { results, totals } = await readResults(positionals, values.backend, context);
    process.stdout.write(markdownSummary(results, totals, options));
    return 0;
  },
});
