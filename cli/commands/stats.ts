import { forEachResult, BACKEND_OPTION } from '../source.js';
import { secondsBetween } from '../../bindings/results.js';
import type { Timestamp } from '../../bindings/timestamp.js';
import type { BackendName } from '../../bindings/core.js';
import { Output } from '../io.js';
import { byCodePoint } from '../format.js';
import type { Command } from '../command.js';

export const stats: Command = {
  name: 'stats',
  summary: 'totals of a run, as subunit-stats',
  usage: 'subunit stats [--no-passthrough] [FILE|-]...',
  description:
    'Prints the numbers subunit-stats prints, with its labels: total, passed (which, as in\n' +
    'subunit-stats, includes expected failures and unexpected successes), failed (fail and\n' +
    'tests that never finished), skipped, and the tags seen; then expected failures,\n' +
    'unexpected successes and the run time (first to last timestamp). Non-test output (chatter,\n' +
    'run-level files) is copied to stdout first unless --no-passthrough. Exit status 1 when\n' +
    'a test failed.',
  options: {
    'no-passthrough': { type: 'boolean', help: 'hide non-test output' },
    backend: BACKEND_OPTION,
  },
  async run({ values, positionals }) {
    const out = new Output();
    const n = { total: 0, failed: 0, skipped: 0, xfail: 0, uxsuccess: 0 };
    const tags = new Set<string>();
    let first: Timestamp | undefined;
    let last: Timestamp | undefined;
    await forEachResult(positionals, values.backend as BackendName, {
      attachments: false,
      onResult(r) {
        for (const t of [r.start, r.stop]) {
          if (!t) continue;
          if (!first || secondsBetween(first, t) < 0) first = t;
          if (!last || secondsBetween(last, t) > 0) last = t;
        }
        if (r.status === 'exists') return; // enumeration, not a run
        n.total++;
        for (const t of r.tags) tags.add(t);
        if (r.status === 'skip') n.skipped++;
        else if (r.status === 'fail' || r.status === 'inprogress' || r.status === 'unknown') n.failed++;
        else if (r.status === 'xfail') n.xfail++;
        else if (r.status === 'uxsuccess') n.uxsuccess++;
      },
      onOther: values['no-passthrough'] ? undefined : (e) => (e.fileBytes?.length ? out.write(e.fileBytes) : undefined),
    });
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
    await out.flush();
    return n.failed > 0 ? 1 : 0;
  },
};
