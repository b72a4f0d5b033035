// `subunit trace`: stestr's subunit-trace, live. What users read follows it:
// the per-test lines, "Captured NAME:" blocks, the Totals and Worker Balance
// sections, the flags (-n, -f/--fails, --failonly, -a, --no-summary, --color).
import { forEachRecord, BACKEND_OPTION } from '../source.js';
import { testKey } from '../../bindings/results/outcome.js';
import { finalStatus, isFailed, resultOf, type Attachment, type FinalStatus, type TestResult } from '../../bindings/results/results.js';
import type { SubunitEvent } from '../../bindings/codec/events.js';
import { Output } from '../io.js';
import { UsageError } from '../errors.js';
import { integerInto, isText, micros, printableInto, pySeconds, pyTimedelta, shownOn, sixInto } from '../format.js';
import { Repository, REPO_OPTION, timeKey } from '../repo/repository.js';
import { defineCommand } from '../command.js';

const COLOUR = { green: '\x1b[32m', red: '\x1b[31m', blue: '\x1b[34m', bold: '\x1b[1m', off: '\x1b[0m' };
const CLEAR_LINE = '\r\x1b[K';
const decoder = new TextDecoder();

function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h}:${String(m).padStart(2, '0')}:${s.toFixed(2).padStart(5, '0')}`;
}

/** `%d.%06ds` of a span, as subunit-trace's get_duration. */
const seconds6 = (us: number) => `${Math.floor(us / 1e6)}.${String(1e6 + (((us % 1e6) + 1e6) % 1e6)).slice(1)}s`;

/** ` [${seconds6(us)}]` as bytes into buf from `at`; where it ended. */
function durationInto(buf: Uint8Array, at: number, us: number): number {
  buf[at++] = 0x20; // space
  buf[at++] = 0x5b; // [
  // seconds6's numbers: a whole number of microseconds below 2^52 divides exactly enough
  const whole = Math.floor(us / 1e6);
  at = integerInto(buf, at, whole);
  buf[at++] = 0x2e; // .
  at = sixInto(buf, at, us - whole * 1e6);
  buf[at++] = 0x73; // s
  buf[at++] = 0x5d; // ]
  return at;
}

/**
 * Where a test ran: its route code and its `worker-N` tag together (a mux of
 * parallel runs repeats the tags). Shown as the tag's N, as subunit-trace
 * (0 without one), or the route code without a tag; `{ROUTE/N}` when both are
 * there and differ (`worker-1` under routes 0 and 1: `{0/1}`, `{1}`).
 */
function workerOf(r: { tags: readonly string[]; routeCode?: string }): string {
  const tag = r.tags.find((t) => t.startsWith('worker-'))?.slice('worker-'.length);
  const route = r.routeCode || undefined; // an empty route code routes nowhere
  return route === undefined || route === tag ? tag ?? '0' : tag === undefined ? route : `${route}/${tag}`;
}

/**
 * Attachments as subunit-trace shows them: "Captured NAME:", a `~` underline,
 * the text indented by 4 (every line; the reference indents each chunk it
 * reads). The name stops at a colon (`pythonlogging:''` → `pythonlogging`).
 */
function captured(atts: Attachment[], which: (name: string) => boolean, shown: (s: string) => string): string {
  let out = '';
  for (const a of atts) {
    const name = a.name.split(':')[0];
    if (!which(name) || a.bytes.length === 0) continue;
    const title = `Captured ${shown(name)}:`;
    out += `\n${title}\n${'~'.repeat(title.length)}\n`;
    const body = isText(a) ? decoder.decode(a.bytes) : `(${a.bytes.length} bytes of ${a.mimeType ?? 'application/octet-stream'})`;
    for (const line of body.replace(/\n$/, '').split('\n')) out += line ? `    ${line}\n` : '\n';
  }
  return out;
}

/**
 * Python's `'%.Nf' % x`: the exact decimal value rounded, a tie to even
 * (toFixed breaks a tie away from zero: 0.125 → "0.13", Python "0.12").
 */
function pyFixed(x: number, digits: number): string {
  const scaled = x * 10 ** digits;
  // a tie is exactly representable only when x is a multiple of 2^-(digits+1)
  if (Math.abs(scaled % 1) !== 0.5 || !Number.isInteger(x * 2 ** (digits + 1))) return x.toFixed(digits);
  const even = 2 * Math.round(scaled / 2);
  return (even / 10 ** digits).toFixed(digits);
}

/**
 * subunit-trace's --perc-diff: a passing test's duration as printed against
 * its recorded time, in percent (" +12.34%", " -5.00%"), or '' when it has
 * no recorded time, the change is zero, or smaller than the threshold.
 */
function percentChange(printed: string, recorded: number | undefined, threshold: number): string {
  if (recorded === undefined || !(recorded > 0)) return '';
  const seconds = Number(printed.slice(0, -1));
  const change = ((seconds - recorded) / recorded) * 100;
  if (!change || Math.abs(change) < threshold) return '';
  return ` ${change > 0 ? '+' : ''}${pyFixed(change, 2)}%`;
}

const heading = (s: string) => `\n${'='.repeat(s.length)}\n${s}\n${'='.repeat(s.length)}\n`;

export const trace = defineCommand({
  name: 'trace',
  summary: 'follow a run live as stestr\'s subunit-trace: one line per test, failures, totals',
  usage: 'subunit trace [-n] [-f] [--failonly] [-a] [--no-summary] [--slowest N] [--color] [-d [-t N] [--repo DIR]] [FILE|-]...',
  description:
    'Prints one line per finished test — "{worker} id [duration] ... status", as stestr\'s\n' +
    'subunit-trace — with each failure\'s attachments ("Captured traceback:") as it happens,\n' +
    'non-test output (a failed import, a worker\'s own prints) as it arrives, then Totals,\n' +
    'Worker Balance and the slowest tests. {worker} is the worker-N tag (0 without one),\n' +
    'prefixed by the route code in a mux\'s output ({1/0}). Unexpected successes print\n' +
    'FAILED, expected failures ok; a test without timestamps has no [duration]. Output\n' +
    'appears as the stream arrives (`stestr run --subunit | subunit trace`). On a terminal a\n' +
    'progress line shows tests done (of how many when the stream enumerates them) and the\n' +
    'time left; colour is on when stdout is a terminal. With --perc-diff, a passing test\'s\n' +
    '[duration] adds its change against the time the repository recorded for it (--repo,\n' +
    'default .subunit/ or .stestr/): "[1.500000s +50.00%]". Exit status 1 when a test failed or\n' +
    'never finished, or no test ran or none succeeded (0 with --exit-zero), as subunit-trace.',
  options: {
    'no-failure-debug': { type: 'boolean', short: 'n', help: 'do not print failures\' attachments as they happen' },
    fails: { type: 'boolean', short: 'f', help: 'print every failure with its attachments after the run' },
    failonly: { type: 'boolean', help: 'print only the failing tests (also TRACE_FAILONLY set)' },
    'fail-only': { type: 'boolean', help: 'the same as --failonly' },
    abbreviate: { type: 'boolean', short: 'a', help: 'one character per test: . ok, F failed, S skipped' },
    'no-summary': { type: 'boolean', help: 'no Totals, Worker Balance or slowest tests at the end' },
    slowest: { type: 'string', value: 'N', help: 'list the N slowest tests after the totals (default 10; 0: none)' },
    'exit-zero': { type: 'boolean', help: 'exit 0 even when tests failed (a report, not a gate)' },
    color: { type: 'boolean', help: 'colour even when stdout is not a terminal' },
    'no-color': { type: 'boolean', help: 'never colour' },
    'no-progress': { type: 'boolean', help: 'no progress line on a terminal' },
    'perc-diff': { type: 'boolean', short: 'd', help: 'each passing test\'s change in duration against the repository\'s recorded time' },
    'diff-threshold': { type: 'string', short: 't', value: 'PERCENT', help: 'with --perc-diff: show a change only when at least this big (default 0)' },
    repo: { ...REPO_OPTION, value: 'DIR', help: `with --perc-diff: where the recorded times are: ${REPO_OPTION.help}` },
    backend: BACKEND_OPTION,
  },
  async run({ context, values, positionals }) {
    const tty = !!process.stdout.isTTY;
    const shown = shownOn(process.stdout);
    const colour = values['no-color'] ? false : !!values.color || (tty && !process.env.NO_COLOR);
    const paint = (c: keyof typeof COLOUR, s: string) => (colour ? COLOUR[c] + s + COLOUR.off : s);
    const progress = tty && !values['no-progress'];
    const failOnly = !!values.failonly || !!values['fail-only'] || process.env.TRACE_FAILONLY !== undefined;
    const abbreviate = !!values.abbreviate;
    const debug = !values['no-failure-debug'];
    const slowestWanted = values.slowest === undefined ? 10 : Number(values.slowest);
    if (!Number.isInteger(slowestWanted) || slowestWanted < 0) throw new UsageError('--slowest takes a whole number');
    const threshold = diffThreshold(values);
    // stestr's times.dbm on a stestr repository, the index on ours: what `subunit slowest` reads
    const recorded = values['perc-diff'] ? await Repository.open(values.repo).times(values.backend) : undefined;
    const out = new Output();
    const n = { ran: 0, success: 0, skip: 0, xfail: 0, uxsuccess: 0, fail: 0, incomplete: 0 };
    /** A worker: its label, its line's start as bytes ("{label} "), its tests and span. */
    type Worker = { label: string; head: Uint8Array; tests: number; firstStart?: number; lastStop?: number };
    const workers = new Map<string, Worker>();
    const enumerated = new Set<string>();
    const failures: TestResult[] = []; // kept for --fails only
    const incomplete: string[] = [];
    const slowest: [id: string, us: number][] = [];
    let testMicros = 0;
    let first: number | undefined;
    let last: number | undefined;
    let progressShown = false;
    let midLine = false; // the last output ended without a newline (chatter, abbreviations)
    const routed = new Map<string, { rest: string; text: TextDecoder }>(); // non-test output per route: its unfinished line
    const started = Date.now();

    /** Text for the start of a line: the progress line cleared, a line others left open ended. */
    const fresh = () => {
      const s = (progressShown ? CLEAR_LINE : '') + (midLine && !abbreviate ? '\n' : '');
      progressShown = false;
      midLine = false;
      return s;
    };

    const onOther = (e: SubunitEvent) => {
      const bytes = e.fileBytes;
      if (!bytes?.length) return;
      if (!e.routeCode) {
        // as subunit-trace: the bytes as they are (a crash before any test says why here)
        const s = progressShown ? CLEAR_LINE : '';
        progressShown = false;
        midLine = bytes[bytes.length - 1] !== 10;
        const wrote = out.write(s);
        return wrote ? wrote.then(() => out.write(bytes)) : out.write(bytes);
      }
      // routed (a mux's worker): whole lines, each marked with its route, so workers do not interleave mid-line
      let route = routed.get(e.routeCode);
      if (!route) routed.set(e.routeCode, (route = { rest: '', text: new TextDecoder() }));
      const lines = (route.rest + route.text.decode(bytes, { stream: true })).split('\n');
      route.rest = lines.pop()!;
      if (!lines.length) return;
      return out.write(fresh() + lines.map((l) => `[${e.routeCode}] ${l}\n`).join(''));
    };

    // workers by tags array (decoded tags are shared while their bytes repeat), then route code:
    // workers interleave, so one remembered worker missed on every test of a parallel run
    const labels = new Map<readonly string[], Map<string | undefined, Worker>>();
    // a line's end after the test id, by status, as bytes (the line of a test without
    // files is written as bytes: a string per test was most of trace's time on small packets)
    const tails = {} as Record<FinalStatus, Uint8Array>;
    for (const status of ['success', 'xfail', 'skip', 'fail', 'uxsuccess', 'inprogress', 'unknown'] as const) {
      const word = status === 'skip' ? paint('blue', 'SKIPPED') : isFailed(status) ? paint('red', status === 'fail' || status === 'uxsuccess' ? 'FAILED' : status) : paint('green', 'ok');
      tails[status] = Buffer.from(` ... ${word}\n`);
    }
    const bytesLines = !abbreviate && !recorded;
    const widen = (s: number) => {
      first = first === undefined ? s : Math.min(first, s);
      last = last === undefined ? s : Math.max(last, s);
    };
    const none: Attachment[] = [];
    await forEachRecord(positionals, values.backend, context, {
      keepsNoEvents: true,
      onOther,
      // the aggregator's record, not a TestResult: a result object a test was a tenth of the time
      onRecord(r, tests) {
        const status = finalStatus(r);
        const attachments = () => (r.files ? tests.attachments(r) : none);
        if (status === 'exists') {
          // only the progress line reads them (a key string per test: 0.1 s of the real run's 1.2 s)
          if (progress && !abbreviate) enumerated.add(testKey(r.id, r.routeCode));
          return;
        }
        n.ran++;
        if (status === 'inprogress' || status === 'unknown') {
          n.incomplete++;
          incomplete.push(r.id);
        } else n[status]++;
        const startUs = r.start && micros(r.start);
        const stopUs = r.stop && micros(r.stop);
        const us = startUs !== undefined && stopUs !== undefined ? stopUs - startUs : undefined;
        if (us !== undefined) {
          testMicros += us;
          // only a test slower than the slowest kept's last changes them (a tie stays out: the sort is stable)
          if (slowestWanted && status !== 'skip' && (slowest.length < slowestWanted || us > slowest[slowest.length - 1][1])) {
            slowest.push([r.id, us]);
            slowest.sort((a, b) => b[1] - a[1]);
            if (slowest.length > slowestWanted) slowest.pop();
          }
        }
        if (startUs !== undefined) widen(startUs);
        if (stopUs !== undefined) widen(stopUs);
        let byRoute = labels.get(r.tags);
        if (byRoute === undefined) {
          if (labels.size >= 1024) labels.clear(); // tags that keep changing: bounded
          labels.set(r.tags, (byRoute = new Map()));
        }
        let w = byRoute.get(r.routeCode);
        if (w === undefined) {
          const label = workerOf(r);
          w = workers.get(label);
          if (!w) workers.set(label, (w = { label, head: Buffer.from(`{${shown(label)}} `), tests: 0, firstStart: startUs }));
          byRoute.set(r.routeCode, w);
        }
        w.tests++;
        w.lastStop = stopUs;

        const failed = isFailed(status);
        if (failed && values.fails) failures.push(resultOf(tests, r));
        if (failOnly && !failed) return;
        let waiting: Promise<void> | undefined;
        if (bytesLines && !r.files && !progressShown && !midLine && r.id.length <= 4096) {
          const head = w.head;
          const tail = tails[status];
          waiting = out.room(head.length + r.id.length + tail.length + 40);
          const buf = out.buf;
          let at = out.at;
          for (let i = 0; i < head.length; i++) buf[at++] = head[i];
          // an id that is not all printable ASCII takes the string path (UTF-8, escapes)
          at = printableInto(buf, at, r.id);
          if (at >= 0) {
            if (us !== undefined && status !== 'skip') at = durationInto(buf, at, us);
            for (let i = 0; i < tail.length; i++) buf[at++] = tail[i];
            out.at = at;
            return waiting;
          }
        }
        const label = w.label;
        const duration = us === undefined ? '' : ` [${seconds6(us)}]`;
        const head = `{${shown(label)}} ${shown(r.id)}`;
        let text = fresh();
        if (abbreviate) {
          text += failed ? paint('red', status === 'fail' || status === 'uxsuccess' ? 'F' : status[0]) : status === 'skip' ? paint('blue', 'S') : paint('green', '.');
          midLine = true;
        } else if (status === 'skip') {
          const reason = attachments().find((a) => a.name === 'reason');
          text += `${head} ... ${paint('blue', 'SKIPPED')}${reason ? `: ${shown(decoder.decode(reason.bytes).trim())}` : ''}\n`;
        } else if (failed) {
          const word = status === 'fail' || status === 'uxsuccess' ? 'FAILED' : status;
          text += `${head}${duration} ... ${paint('red', word)}\n`;
          if (debug) text += captured(attachments(), () => true, shown);
        } else {
          const change = recorded && us !== undefined ? percentChange(seconds6(us), recorded.get(timeKey(r.id)), threshold) : '';
          text += `${head}${change ? ` [${seconds6(us!)}${change}]` : duration} ... ${paint('green', 'ok')}\n`;
          if (r.files) text += captured(attachments(), (name) => name === 'stdout' || name === 'stderr', shown);
        }
        const wrote = out.write(text);
        return waiting && wrote ? waiting.then(() => wrote) : waiting ?? wrote;
      },
      async onBatchEnd() {
        if (progress && !abbreviate) {
          const total = enumerated.size;
          const rate = n.ran / Math.max(1e-3, (Date.now() - started) / 1000);
          const left = total > n.ran ? ` ~${clock((total - n.ran) / Math.max(rate, 1e-9))} left` : '';
          await out.write(`${fresh()}[${n.ran}${total ? `/${total}` : ''}] ${n.fail + n.uxsuccess + n.incomplete} failed${left}`);
          progressShown = true;
        }
        await out.flush();
      },
    });
    // routed output that never ended its last line
    for (const [code, route] of routed) {
      const rest = route.rest + route.text.decode();
      if (rest) await out.write(fresh() + `[${code}] ${rest}\n`);
    }
    let summary = fresh() + (abbreviate && n.ran ? '\n' : '');
    if (values.fails && failures.length) {
      summary += `\n==============================\nFailed ${failures.length} tests - output below:\n==============================\n`;
      for (const r of failures) summary += `\n${shown(r.id)}\n${'-'.repeat([...shown(r.id)].length)}\n${captured(r.attachments, () => true, shown)}`;
      summary += '\n';
    }
    if (!values['no-summary']) {
      summary +=
        heading('Totals').replace('Totals', paint('bold', 'Totals')) +
        `Ran: ${n.ran} tests in ${pySeconds(first !== undefined && last !== undefined ? last - first : 0).toFixed(4)} sec.\n` +
        ` - Passed: ${n.success}\n - Skipped: ${n.skip}\n - Expected Fail: ${n.xfail}\n` +
        ` - Unexpected Success: ${n.uxsuccess}\n - Failed: ${n.fail}\n` +
        (n.incomplete ? ` - Incomplete: ${n.incomplete}\n` : '') +
        `Sum of execute time for each test: ${pySeconds(testMicros).toFixed(4)} sec.\n`;
      if (workers.size) {
        summary += heading('Worker Balance').replace('Worker Balance', paint('bold', 'Worker Balance'));
        const byLabel = [...workers.values()].sort((a, b) => a.label.localeCompare(b.label, 'en', { numeric: true }));
        for (const w of byLabel) {
          const span = w.firstStart !== undefined && w.lastStop !== undefined ? pyTimedelta(w.lastStop - w.firstStart) : 'N/A';
          summary += ` - Worker ${shown(w.label)} (${w.tests} tests) => ${span}\n`;
        }
      }
      if (slowest.length) {
        const width = Math.max('Test id'.length, ...slowest.map(([id]) => [...shown(id)].length));
        summary += heading('Slowest Tests') + `${'Test id'.padEnd(width)}  Runtime (s)\n${'-'.repeat(width)}  -----------\n`;
        for (const [id, us] of slowest) summary += `${shown(id).padEnd(width)}  ${pySeconds(us).toFixed(3)}\n`;
      }
    }
    // the verdict, as subunit-trace gives it
    const failed = n.fail + n.uxsuccess + n.incomplete;
    if (n.ran === 0) summary += paint('red', "\nThe test run didn't actually run any tests\n");
    else if (n.success === 0) summary += paint('red', '\nNo tests were successful during the run\n');
    if (incomplete.length) {
      summary += paint('red', '\nThe following tests exited without returning a status\nand likely segfaulted or crashed Python:\n');
      for (const id of incomplete) summary += `\n\t* ${shown(id)}\n`;
    }
    await out.write(summary);
    await out.flush();
    return (failed || n.ran === 0 || n.success === 0) && !values['exit-zero'] ? 1 : 0;
  },
});

/** --diff-threshold: a size of change in percent (its sign ignored, as subunit-trace); only with --perc-diff. */
function diffThreshold(values: Record<string, unknown>): number {
  const given = values['diff-threshold'];
  if (values.repo !== undefined && !values['perc-diff']) throw new UsageError('--repo is read only with --perc-diff');
  if (given === undefined) return 0;
  if (!values['perc-diff']) throw new UsageError('--diff-threshold needs --perc-diff');
  if (typeof given !== 'string' || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(given)) throw new UsageError(`--diff-threshold must be a number of percent, not "${given}"`);
  return Math.abs(Number(given));
}
