import { forEachRecord, BACKEND_OPTION } from '../source.js';
import { secondsBetween, finalStatus } from '../../bindings/results/results.js';
import type { Timestamp } from '../../bindings/codec/timestamp.js';
import { Output } from '../io.js';
import { REPORT_OPTIONS, reportTarget } from '../report.js';
import { byCodePoint } from '../format.js';
import { defineCommand } from '../command.js';

export const stats = defineCommand({
  name: 'stats',
  summary: 'totals of a run, as subunit-stats',
  usage: 'subunit stats [--no-passthrough] [-o FILE] [-f] [FILE|-]...',
  description:
    'Prints the numbers subunit-stats prints, with its labels: total, passed (which, as in\n' +
    'subunit-stats, includes expected failures and unexpected successes), failed (fail and\n' +
    'tests that never finished), skipped, and the tags seen; then expected failures,\n' +
    'unexpected successes and the run time (first to last timestamp). Non-test output (chatter,\n' +
    'run-level files) is copied to stdout first unless --no-passthrough. -o writes the totals\n' +
    'to a file; -f forwards the input stream as v2 on stdout (then the totals go to -o FILE,\n' +
    'or into the stream as a last "stdout" packet, as subunit-stats -f). Exit status 1 when a\n' +
    'test failed.',
  options: {
    'no-passthrough': { type: 'boolean', help: 'hide non-test output' },
    ...REPORT_OPTIONS,
    backend: BACKEND_OPTION,
  },
  async run({ context, values, positionals }) {
    const target = await reportTarget(values, positionals, values.backend);
    const out = target.out;
    const passOn = new Output(); // non-test output: stdout, before the totals
    const n = { total: 0, failed: 0, skipped: 0, xfail: 0, uxsuccess: 0 };
    const tags = new Set<string>();
    let first: Timestamp | undefined;
    let last: Timestamp | undefined;
    const widen = (t: Timestamp | undefined) => {
      if (!t) return;
      if (!first || secondsBetween(first, t) < 0) first = t;
      if (!last || secondsBetween(last, t) > 0) last = t;
    };
    let tagsSeen: readonly string[] | undefined; // the last test's tags array (decoded tags are shared while their bytes repeat)
    await forEachRecord(positionals, values.backend, context, {
      attachments: false,
      keepsNoEvents: true,
      onRecord(t) {
        widen(t.start);
        widen(t.stop);
        const status = finalStatus(t);
        if (status === 'exists') return; // enumeration, not a run
        n.total++;
        if (t.tags !== tagsSeen) for (const tag of (tagsSeen = t.tags)) tags.add(tag);
        if (status === 'skip') n.skipped++;
        else if (status === 'fail' || status === 'inprogress' || status === 'unknown') n.failed++;
        else if (status === 'xfail') n.xfail++;
        else if (status === 'uxsuccess') n.uxsuccess++;
      },
      onEvent: target.forward,
      onOther: values['no-passthrough'] || target.forward ? undefined : (e) => (e.fileBytes?.length ? passOn.write(e.fileBytes) : undefined),
    });
    await passOn.flush();
    const num = (v: number) => String(v).padStart(5);
    const seen = [...tags].sort(byCodePoint);
    await out.write(
      `Total tests:   ${num(n.total)}\n` +
        `Passed tests:  ${num(n.total - n.failed - n.skipped)}\n` +
        `Failed tests:  ${num(n.failed)}\n` +
        `Skipped tests: ${num(n.skipped)}\n` +
        `Seen tags: ${seen.join(', ')}\n` +
        `Expected failures:    ${num(n.xfail)}\n` +
        `Unexpected successes: ${num(n.uxsuccess)}\n` +
        `Run time: ${first && last ? secondsBetween(first, last).toFixed(3) + 's' : 'unknown'}\n`,
    );
    await target.finish();
    return n.failed > 0 ? 1 : 0;
  },
});
