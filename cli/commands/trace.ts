import { forEachResult, isFailure, BACKEND_OPTION } from '../source.js';
import type { TestResult } from '../../bindings/results.js';
import type { BackendName } from '../../bindings/core.js';
import { Output } from '../io.js';
import { attachmentsText, shownOn } from '../format.js';
import type { Command } from '../command.js';

const COLOUR = { green: '\x1b[32m', red: '\x1b[31m', yellow: '\x1b[33m', bold: '\x1b[1m', off: '\x1b[0m' };

const WORDS: Record<TestResult['status'], string> = {
  success: 'ok', xfail: 'xfail', skip: 'SKIPPED', fail: 'FAILED', uxsuccess: 'UNEXPECTED SUCCESS',
  inprogress: 'INCOMPLETE', unknown: 'NO STATUS', exists: 'exists',
};

function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h}:${String(m).padStart(2, '0')}:${s.toFixed(2).padStart(5, '0')}`;
}

export const trace: Command = {
  name: 'trace',
  summary: 'follow a run live: one line per test, failures as they happen, totals',
  usage: 'subunit trace [--fail-only] [--exit-zero] [--color|--no-color] [FILE|-]...',
  description:
    'Prints one line per finished test — "{worker} id [duration] ... status" — and the\n' +
    'attachments (traceback, output) of each failure as it happens, then totals and each\n' +
    'worker\'s share. Output appears as the stream arrives (`stestr run --subunit | subunit\n' +
    'trace`). On a terminal a progress line shows tests done, of how many when the stream\n' +
    'enumerates them first ("exists"), and the time left at the current rate; colour is on\n' +
    'when stdout is a terminal. Exit status 1 when a test failed or never finished, or when\n' +
    'no test ran at all (0 with --exit-zero), 0 otherwise.',
  options: {
    'fail-only': { type: 'boolean', short: 'f', help: 'print only the failing tests (and the totals)' },
    'exit-zero': { type: 'boolean', help: 'exit 0 even when tests failed (a report, not a gate)' },
    color: { type: 'boolean', help: 'colour even when stdout is not a terminal' },
    'no-color': { type: 'boolean', help: 'never colour' },
    'no-progress': { type: 'boolean', help: 'no progress line on a terminal' },
    backend: BACKEND_OPTION,
  },
  async run({ values, positionals }) {
    const tty = !!process.stdout.isTTY;
    const shown = shownOn(process.stdout);
    const colour = values['no-color'] ? false : !!values.color || (tty && !process.env.NO_COLOR);
    const paint = (c: keyof typeof COLOUR, s: string) => (colour ? COLOUR[c] + s + COLOUR.off : s);
    const progress = tty && !values['no-progress'];
    const out = new Output();
    const n = { ran: 0, success: 0, skip: 0, xfail: 0, uxsuccess: 0, fail: 0, incomplete: 0 };
    const workers = new Map<string, { tests: number; seconds: number }>();
    const enumerated = new Set<string>();
    let testSeconds = 0;
    let first: number | undefined;
    let last: number | undefined;
    let progressShown = false;
    const started = Date.now();

    await forEachResult(positionals, values.backend as BackendName, {
      onResult(r) {
        if (r.status === 'exists') {
          enumerated.add(`${r.routeCode ?? ''}\0${r.id}`);
          return;
        }
        n.ran++;
        if (r.status === 'inprogress' || r.status === 'unknown') n.incomplete++;
        else n[r.status]++;
        const seconds = r.duration ?? 0;
        testSeconds += seconds;
        for (const t of [r.start, r.stop]) {
          if (!t) continue;
          const s = t.seconds + t.nanos / 1e9;
          first = first === undefined ? s : Math.min(first, s);
          last = last === undefined ? s : Math.max(last, s);
        }
        const worker = r.worker?.replace(/^worker-/, '');
        if (worker !== undefined) {
          const w = workers.get(worker) ?? { tests: 0, seconds: 0 };
          w.tests++;
          w.seconds += seconds;
          workers.set(worker, w);
        }
        const failed = isFailure(r);
        if (values['fail-only'] && !failed) return;
        const word = WORDS[r.status];
        const status = failed ? paint('red', word) : r.status === 'skip' ? paint('yellow', word) : paint('green', word);
        let line = `${worker !== undefined ? `{${worker}} ` : ''}${shown(r.id)} [${seconds.toFixed(6)}s] ... ${status}`;
        if (r.status === 'skip') {
          const reason = r.attachments.find((a) => a.name === 'reason');
          if (reason) line += `: ${shown(new TextDecoder().decode(reason.bytes).trim())}`;
        }
        let text = (progressShown ? '\r\x1b[K' : '') + line + '\n';
        progressShown = false;
        if (failed) text += attachmentsText(r.attachments) + '\n';
        return out.write(text);
      },
      async onBatchEnd() {
        if (progress) {
          const total = enumerated.size;
          const rate = n.ran / Math.max(1e-3, (Date.now() - started) / 1000);
          const left = total > n.ran ? ` ~${clock((total - n.ran) / Math.max(rate, 1e-9))} left` : '';
          await out.write(`${progressShown ? '\r\x1b[K' : ''}[${n.ran}${total ? `/${total}` : ''}] ${n.fail + n.uxsuccess + n.incomplete} failed${left}`);
          progressShown = true;
        }
        await out.flush();
      },
    });
    const failures = n.fail + n.uxsuccess + n.incomplete;
    const wall = first !== undefined && last !== undefined ? last - first : 0;
    let summary = progressShown ? '\r\x1b[K' : '';
    summary +=
      `\n${paint('bold', 'Totals')}\n` +
      `Ran: ${n.ran} tests in ${wall.toFixed(4)} sec.\n` +
      ` - Passed: ${n.success}\n - Skipped: ${n.skip}\n - Expected Fail: ${n.xfail}\n` +
      ` - Unexpected Success: ${n.uxsuccess}\n - Failed: ${n.fail}\n` +
      (n.incomplete ? ` - Incomplete: ${n.incomplete}\n` : '') +
      `Sum of execute time for each test: ${testSeconds.toFixed(4)} sec.\n`;
    if (workers.size) {
      summary += `\n${paint('bold', 'Worker Balance')}\n`;
      for (const [w, s] of [...workers].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))) {
        summary += ` - Worker ${w} (${s.tests} tests) => ${clock(s.seconds)}\n`;
      }
    }
    // as stestr's subunit-trace: a run without tests (or input that is not subunit) is not a pass
    summary += failures ? paint('red', `\n${failures} failed\n`) : n.ran === 0 ? paint('red', '\nno tests ran\n') : paint('green', '\nall passed\n');
    await out.write(summary);
    await out.flush();
    return (failures || n.ran === 0) && !values['exit-zero'] ? 1 : 0;
  },
};
