import { forEachRecord, BACKEND_OPTION } from '../source.js';
import { finalStatus, isFailed, type FinalStatus } from '../../bindings/results/results.js';
import type { Timestamp } from '../../bindings/codec/timestamp.js';
import { printableInto, pyDatetime, pyDatetimeInto, shownOn } from '../format.js';
import { REPORT_OPTIONS, reportTarget } from '../report.js';
import { defineCommand } from '../command.js';

/** subunit2csv's status words (testtools outcome names). */
export const OUTCOME: Record<FinalStatus, string> = {
  success: 'success', uxsuccess: 'success', xfail: 'xfail', skip: 'skip',
  fail: 'failure', inprogress: 'failure', unknown: 'failure', exists: 'exists',
};

/** ",status," as bytes. */
const WORDS = Object.fromEntries(Object.entries(OUTCOME).map(([s, w]) => [s, Buffer.from(`,${w},`)])) as unknown as Record<FinalStatus, Uint8Array>;

/** One CSV field, quoted as Python's csv module does (QUOTE_MINIMAL). */
function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csv = defineCommand({
  name: 'csv',
  summary: 'one CSV row per test, as subunit2csv',
  usage: 'subunit csv [-o FILE] [-f] [FILE|-]...',
  description:
    'Writes "test,status,start_time,stop_time" and one row per test as it finishes (CRLF line\n' +
    'ends and quoting as Python\'s csv module; times as str(datetime) in UTC). Statuses are\n' +
    'subunit2csv\'s: success (also unexpected successes), failure (also tests that never\n' +
    'finished), skip, xfail. Non-test output is never mixed into the CSV (--no-passthrough is\n' +
    'accepted for compatibility). -f forwards the input as v2 on stdout (the CSV then goes to\n' +
    '-o FILE, or into the stream as a last "stdout" packet). Exit status 1 when a test failed.',
  options: {
    ...REPORT_OPTIONS,
    'no-passthrough': { type: 'boolean', help: 'accepted for compatibility (nothing is passed through)' },
    backend: BACKEND_OPTION,
  },
  async run({ context, values, positionals }) {
    const target = await reportTarget(values, positionals, values.backend);
    const out = target.out;
    const shown = shownOn(target.stream);
    let failed = false;
    let clock: Timestamp | undefined;
    await out.write('test,status,start_time,stop_time\r\n');
    await forEachRecord(positionals, values.backend, context, {
      attachments: false,
      keepsNoEvents: true,
      onEvent: target.forward,
      onRecord(t) {
        const status = finalStatus(t);
        if (isFailed(status)) failed = true;
        if (status === 'exists') return; // enumerated, never run
        // as in testtools, a test without timestamps takes the clock's time (the previous test's)
        const start = t.start ?? clock;
        const stop = t.stop ?? start;
        clock = stop;
        // as bytes while the id is printable ASCII without a quote (no string per row);
        // with a comma (parameterised tests) it is quoted, as field() does
        const word = WORDS[status];
        const waiting = t.id.length <= 4096 ? out.room(t.id.length + word.length + 72) : undefined;
        if (t.id.length <= 4096) {
          const buf = out.buf;
          const quoted = t.id.includes(',');
          let at = out.at;
          if (quoted) buf[at++] = 0x22;
          at = printableInto(buf, at, t.id, 0x22);
          if (at >= 0 && quoted) buf[at++] = 0x22;
          for (let i = 0; at >= 0 && i < word.length; i++) buf[at++] = word[i];
          if (at >= 0 && start) at = pyDatetimeInto(buf, at, start);
          if (at >= 0) buf[at++] = 0x2c;
          if (at >= 0 && stop) at = pyDatetimeInto(buf, at, stop);
          if (at >= 0) {
            buf[at] = 0x0d;
            buf[at + 1] = 0x0a;
            out.at = at + 2;
            return waiting;
          }
        }
        const wrote = out.write(`${field(shown(t.id))},${OUTCOME[status]},${start ? pyDatetime(start) : ''},${stop ? pyDatetime(stop) : ''}\r\n`);
        return waiting && wrote ? waiting.then(() => wrote) : waiting ?? wrote;
      },
    });
    await target.finish();
    return failed ? 1 : 0;
  },
});
