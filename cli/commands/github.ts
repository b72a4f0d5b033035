import { appendFileSync } from 'node:fs';
import { BACKEND_OPTION } from '../source.js';
import { asInputError, Output } from '../io.js';
import { githubError, markdownSummary, sourceRoot } from '../repo/ci.js';
import { readResults } from '../repo/report-input.js';
import { isFailure } from '../repo/runs.js';
import { defineCommand } from '../command.js';

export const github = defineCommand({
  name: 'github',
  summary: 'GitHub Actions annotations for failures, and the job summary',
  usage: 'subunit github [--root DIR] [FILE|-]...',
  description:
    'Writes a workflow command "::error file=…,line=…,title=…::traceback" for each failed test,\n' +
    'file and line taken from the traceback\'s frame in the source tree (the innermost Python\n' +
    'frame, the outermost JS one; --root, else $GITHUB_WORKSPACE, else the current directory);\n' +
    'without such a frame, the annotation has no file. When $GITHUB_STEP_SUMMARY is set, appends\n' +
    'the Markdown summary subunit markdown prints to it. Exit status 1 when a test failed (the\n' +
    'step fails, as the run did), 2 on a usage or input error.',
  options: {
    root: { type: 'string', help: 'source tree the file paths are relative to' },
    backend: BACKEND_OPTION,
  },
  async run({ context, values, positionals }) {
    const { results, totals } = await readResults(positionals, values.backend, context);
    const root = sourceRoot(values.root);
    const out = new Output();
    for (const r of results) if (isFailure(r)) await out.write(githubError(r, root));
    await out.flush();
    const summaryFile = process.env.GITHUB_STEP_SUMMARY;
    if (summaryFile) {
      try {
        appendFileSync(summaryFile, markdownSummary(results, totals));
      } catch (e) {
        throw asInputError(e, summaryFile);
      }
    }
    return totals.failed > 0 ? 1 : 0;
  },
});
