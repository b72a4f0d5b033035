// v2 → TAP 14, for tools that take TAP: one test point per test as it finishes.
import { forEachResult, isFailure, BACKEND_OPTION } from '../source.js';
import type { TestResult } from '../../bindings/results/results.js';
import { Output } from '../io.js';
import { isText } from '../format.js';
import { defineCommand } from '../command.js';

const decoder = new TextDecoder();

/** A test id as a TAP description: "#" and "\" escaped, one line. */
export function tapDescription(id: string): string {
  return id.replace(/\\/g, '\\\\').replace(/#/g, '\\#').replace(/\r?\n/g, ' ');
}

/** A YAML key for an attachment name (quoted unless plainly safe). */
const yamlKey = (name: string) => (/^[A-Za-z_][\w.-]*$/.test(name) ? name : JSON.stringify(name));

/** The test's text attachments and duration as a YAML block, indented for a top-level point. */
function yamlBlock(r: TestResult): string {
  const lines = ['  ---'];
  if (r.duration !== undefined) lines.push(`  duration_ms: ${(r.duration * 1000).toFixed(3)}`);
  for (const a of r.attachments) {
    if (a.name === 'reason' || !isText(a)) continue;
    lines.push(`  ${yamlKey(a.name)}: |-`);
    for (const l of decoder.decode(a.bytes).replace(/\n$/, '').split(/\r?\n/)) lines.push(`    ${l}`);
  }
  if (r.status === 'uxsuccess') lines.push('  message: unexpected success');
  if (r.status === 'inprogress' || r.status === 'unknown') lines.push(`  message: test ${r.status === 'inprogress' ? 'never finished' : 'has no status'}`);
  lines.push('  ...');
  return lines.length > 2 ? lines.join('\n') + '\n' : '';
}

function point(r: TestResult, n: number): string {
  const reason = r.attachments.find((a) => a.name === 'reason');
  const why = reason ? ' ' + decoder.decode(reason.bytes).replace(/\r?\n/g, ' ') : '';
  const desc = tapDescription(r.id);
  switch (r.status) {
    case 'success':
      return `ok ${n} - ${desc}\n`;
    case 'skip':
      return `ok ${n} - ${desc} # SKIP${why}\n`;
    case 'xfail':
      return `not ok ${n} - ${desc} # TODO${why || ' expected failure'}\n${yamlBlock(r)}`;
    default:
      return `not ok ${n} - ${desc}\n${yamlBlock(r)}`;
  }
}

export const toTap = defineCommand({
  name: 'to-tap',
  summary: 'TAP 14 of a run, for tools that take TAP',
  usage: 'subunit to-tap [FILE|-]...',
  description:
    'Writes one test point per test as it finishes, the plan at the end: success → ok, skip →\n' +
    'ok # SKIP reason, xfail → not ok # TODO, fail, unexpected success and tests that never\n' +
    'finished → not ok with a YAML block of the duration and the text attachments (traceback…).\n' +
    'Ids are the descriptions ("#" and "\\" escaped), so from-tap gives them back. Non-test\n' +
    'output becomes "#" comments. Exit status 1 when a test failed.',
  options: { backend: BACKEND_OPTION },
  async run({ context, values, positionals }) {
    const out = new Output();
    await out.write('TAP version 14\n');
    let n = 0;
    let failed = false;
    await forEachResult(positionals, values.backend, context, {
      async onResult(r) {
        if (r.status === 'exists') return;
        failed ||= isFailure(r);
        await out.write(point(r, ++n));
      },
      async onOther(e) {
        const bytes = e.fileBytes;
        if (!bytes?.length) return;
        const text = decoder.decode(bytes).replace(/\n$/, '');
        await out.write(text.split('\n').map((l) => `# ${l}\n`).join(''));
      },
    });
    await out.write(`1..${n}\n`);
    await out.flush();
    return failed ? 1 : 0;
  },
});
