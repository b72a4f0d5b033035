import { readFileSync } from 'node:fs';
import { inputEvents, BACKEND_OPTION } from '../source.js';
import { TestAggregator, finalStatus, type TestRecord, type FinalStatus } from '../../bindings/results/results.js';
import { toPlainEvent, type SubunitEvent, type Status } from '../../bindings/codec/events.js';
import { InputError } from '../../bindings/codec/errors.js';
import { UsageError } from '../errors.js';
import { Output, describe } from '../io.js';
import { V2Writer, InputWindow, reencodesToItself } from '../v2out.js';
import { attachmentsText } from '../format.js';
import { translatePython } from '../pyregex.js';
import { defineCommand } from '../command.js';

/**
 * A Python regular expression as a JS one (cli/pyregex.ts). `multiline` as
 * subunit-filter compiles --with/--without; `global` for re.sub (--rename).
 */
export function pythonRegExp(source: string, { multiline = false, global = false } = {}): RegExp {
  try {
    const { source: js, flags } = translatePython(source, multiline);
    return new RegExp(js, flags + (global ? 'g' : ''));
  } catch (e) {
    throw new UsageError(`bad regular expression ${JSON.stringify(source)}: ${(e as Error).message.replace(/^Invalid regular expression: .*: /, '')}`);
  }
}

/** A Python re.sub replacement (\1, \g<1>, \g<name>) as a JS one. */
export function pythonReplacement(repl: string): string {
  return repl.replace(/\$/g, '$$$$').replace(/\\(?:g<(\w+)>|(\d{1,2})|(\\))/g, (_m, g: string, d: string, bs: string) =>
    bs ? '\\' : g !== undefined ? (/^\d+$/.test(g) ? `$${g}` : `$<${g}>`) : `$${d}`,
  );
}

const FAILING: FinalStatus[] = ['fail', 'inprogress', 'unknown'];

/**
 * One test's events while it runs: its packets that the encoder would write
 * as they are (reencodesToItself) kept as ranges of the input, copied only
 * when the input window is about to let them go (most tests end first), and
 * the events to re-encode, each at its place. In stream order: the copied
 * bytes (with the plain events at their places), then the ranges.
 */
class HeldTest {
  /** Its place in the list of tests in flight. */
  slot = 0;
  private bytes = new Uint8Array(0);
  private size = 0;
  private readonly plain: SubunitEvent[] = [];
  /** Where in `bytes` each plain event goes. */
  private readonly places: number[] = [];
  /**
   * Input ranges not copied yet: stream offset and length, adjacent packets
   * joined; the first `nr` numbers are used (setting an array's length to 0
   * drops its memory: a new one per test).
   */
  private readonly ranges: number[] = [];
  private nr = 0;

  add(e: SubunitEvent, window: InputWindow | undefined): void {
    // only a well-formed packet (a parser error's event is made, not read)
    if (window && e.source === 'packet') {
      const offset = e.offset;
      const length = e.length;
      const chunk = window.locate(offset, length);
      if (chunk) {
        if (reencodesToItself(chunk, window.at, length)) {
          const n = this.nr;
          if (n > 0 && this.ranges[n - 2] + this.ranges[n - 1] === offset) this.ranges[n - 1] += length;
          else {
            this.ranges[n] = offset;
            this.ranges[n + 1] = length;
            this.nr = n + 2;
          }
          return;
        }
      } else {
        // a packet across two chunks: checked in a copy, after the ranges before it
        this.copyRanges(window);
        this.grow(length);
        if (window.copyInto(offset, length, this.bytes, this.size) && reencodesToItself(this.bytes, this.size, length)) {
          this.size += length;
          return;
        }
      }
      this.copyRanges(window); // the plain event goes after them
    }
    this.plain.push(toPlainEvent(e));
    this.places.push(this.size);
  }

  private grow(n: number): void {
    if (this.size + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(2 * this.bytes.length, this.size + n, 256));
    grown.set(this.bytes.subarray(0, this.size));
    this.bytes = grown;
  }

  /** Copy the ranges that start before `keepFrom` (all by default) out of the window, and those after them. */
  copyRanges(window: InputWindow, keepFrom = Infinity): void {
    if (this.nr === 0 || this.ranges[0] >= keepFrom) return;
    for (let i = 0; i < this.nr; i += 2) {
      this.grow(this.ranges[i + 1]);
      // cannot fail: the window calls back (and this is called) before it lets bytes go
      if (!window.copyInto(this.ranges[i], this.ranges[i + 1], this.bytes, this.size)) throw new Error('internal error: a held packet left the input window');
      this.size += this.ranges[i + 1];
    }
    this.nr = 0;
  }

  /** Worth keeping for another test (one with a large attachment is let go). */
  get small(): boolean {
    return this.bytes.length <= 1 << 16;
  }

  /** Empty it for another test (its memory kept: a fresh buffer per test cost a third of filter's time). */
  clear(): this {
    this.size = 0;
    this.nr = 0;
    if (this.plain.length > 0) this.plain.length = this.places.length = 0;
    return this;
  }

  /**
   * Write it in stream order, each plain event with test id `id` (and status
   * `changed` for one whose status is `final`), from part `from` on (2i: the
   * bytes before plain event i, 2i + 1: the event, then the bytes after the
   * last, then the ranges). A promise only when the output had to wait.
   */
  write(writer: V2Writer, id: string, final: FinalStatus, changed: Status | undefined, from = 0): Promise<void> | undefined {
    const events = 2 * this.plain.length;
    for (let k = from, n = events + 1 + this.nr / 2; k < n; k++) {
      let wrote: Promise<void> | undefined;
      if (k > events) {
        const i = 2 * (k - events - 1);
        wrote = writer.writeRange(this.ranges[i], this.ranges[i + 1]);
      } else if (k & 1) {
        const e = this.plain[k >> 1];
        wrote = writer.write(e, changed && e.status === final ? { testId: id, status: changed } : { testId: id });
      } else {
        const start = k === 0 ? 0 : this.places[(k >> 1) - 1];
        const end = k === events ? this.size : this.places[k >> 1];
        if (end > start) wrote = writer.writePacket(this.bytes.subarray(start, end));
      }
      if (wrote) return wrote.then(() => this.write(writer, id, final, changed, k + 1));
    }
    return undefined;
  }
}

export const filter = defineCommand({
  name: 'filter',
  summary: 'keep or drop tests by status, id, text or tag, as subunit-filter',
  usage: 'subunit filter [OPTIONS] [FILE|-]...',
  description:
    'Writes the tests that pass the filters as v2, each with all its events (attachments\n' +
    'included) once it has finished. As in subunit-filter: successes and expected failures\n' +
    'are dropped by default and everything else is kept; an unexpected success passes every\n' +
    'filter (a failure never vanishes); a test that never finished is a failure (its events\n' +
    'are written with a final "fail"); enumeration-only tests ("exists") are dropped.\n' +
    '--with/--without take Python regular expressions (re syntax: (?i), (?x), \\Z, (?P<name>)\n' +
    '...), matched with re.MULTILINE against the test id, its status and its attachments\'\n' +
    'text; a test is kept when it matches any --with and no --without. --with-tag keeps tests\n' +
    'having all the given tags, --without-tag drops tests having any. Non-test input is\n' +
    'forwarded as "stdout" packets (cut between UTF-8 characters) unless --no-passthrough.',
  options: {
    error: { type: 'boolean', help: 'include errors (v2 has none: a no-op, for compatibility)' },
    'no-error': { type: 'boolean', short: 'e', help: 'exclude errors (a no-op, for compatibility)' },
    failure: { type: 'boolean', help: 'include failures (default)' },
    'no-failure': { type: 'boolean', short: 'f', help: 'exclude failures and tests that never finished' },
    success: { type: 'boolean', short: 's', help: 'include successes' },
    'no-success': { type: 'boolean', help: 'exclude successes (default)' },
    'no-skip': { type: 'boolean', help: 'exclude skips' },
    xfail: { type: 'boolean', help: 'include expected failures' },
    'no-xfail': { type: 'boolean', help: 'exclude expected failures (default)' },
    passthrough: { type: 'boolean', help: 'forward non-test input as "stdout" packets (default)' },
    'no-passthrough': { type: 'boolean', help: 'drop non-test input' },
    'with-tag': { type: 'string', multiple: true, value: 'TAG', help: 'keep only tests with this tag (all must match)' },
    'without-tag': { type: 'string', multiple: true, value: 'TAG', help: 'drop tests with this tag' },
    with: { type: 'string', short: 'm', multiple: true, value: 'REGEXP', help: 'keep tests matching this regexp' },
    without: { type: 'string', multiple: true, value: 'REGEXP', help: 'drop tests matching this regexp' },
    'fixup-expected-failures': {
      type: 'string', multiple: true, value: 'FILE',
      help: 'test ids (one a line) expected to fail: fail → xfail, success → fail',
    },
    'only-genuine-failures': { type: 'boolean', short: 'F', help: 'only failures: the same as --no-success --no-skip --no-xfail --no-passthrough' },
    rename: { type: 'string', multiple: true, value: 'FROM TO', help: 'rewrite test ids: a regexp and its Python re.sub replacement (\\1, \\g<name>)' },
    backend: BACKEND_OPTION,
  },
  rewriteArgs(args) {
    // `--rename FROM TO` takes two values: pass TO as a second --rename
    const out: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--') {
        out.push(...args.slice(i));
        break;
      }
      if (args[i] === '--rename' && i + 2 < args.length) {
        out.push('--rename', args[i + 1], '--rename', args[i + 2]);
        i += 2;
      } else out.push(args[i]);
    }
    return out;
  },
  async run({ context, values, positionals }) {
    const v = values;
    const genuine = !!v['only-genuine-failures'];
    const drop = new Set<FinalStatus>();
    if (!v.success || v['no-success'] || genuine) drop.add('success');
    if (v['no-skip'] || genuine) drop.add('skip');
    if (!v.xfail || v['no-xfail'] || genuine) drop.add('xfail');
    if (v['no-failure']) for (const s of FAILING) drop.add(s);
    const passthrough = !(v['no-passthrough'] || genuine);
    const withRe = (v.with as string[] | undefined)?.length ? pythonRegExp((v.with as string[]).join('|'), { multiline: true }) : undefined;
    const withoutRe = (v.without as string[] | undefined)?.length ? pythonRegExp((v.without as string[]).join('|'), { multiline: true }) : undefined;
    const withTags = (v['with-tag'] as string[] | undefined) ?? [];
    const withoutTags = (v['without-tag'] as string[] | undefined) ?? [];
    const renameArgs = (v.rename as string[] | undefined) ?? [];
    if (renameArgs.length % 2) throw new UsageError('--rename takes two values, FROM and TO');
    const renames: [RegExp, string][] = [];
    for (let i = 0; i < renameArgs.length; i += 2) renames.push([pythonRegExp(renameArgs[i], { global: true }), pythonReplacement(renameArgs[i + 1])]);
    const expected = new Set<string>();
    for (const path of (v['fixup-expected-failures'] as string[] | undefined) ?? []) {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        throw new InputError(`${path}: ${describe(e)}`, path);
      }
      for (const line of text.split('\n')) if (line) expected.add(line.replace(/\r$/, ''));
    }
    const rename = (id: string) => {
      for (const [re, to] of renames) id = id.replace(re, to);
      return id;
    };

    const keep = (r: TestRecord, id: string, status: FinalStatus): boolean => {
      // enumeration only: subunit-filter drops it too (it has no outcome)
      if (status === 'exists') return false;
      // as subunit-filter, an unexpected success passes every filter: a failure never vanishes
      if (status === 'uxsuccess') return true;
      if (drop.has(status)) return false;
      if (withTags.length && withTags.some((t) => !r.tags.includes(t))) return false;
      if (withoutTags.length && withoutTags.some((t) => r.tags.includes(t))) return false;
      if (withRe || withoutRe) {
        const text = `${id}${status}${attachmentsText(tests.attachments(r))}`;
        if (withRe && !withRe.test(text)) return false;
        if (withoutRe && withoutRe.test(text)) return false;
      }
      return true;
    };

    const out = new Output();
    // tests by the aggregator's records: its notion of one test (testKey), no key string per event
    const tests = new TestAggregator({ attachments: !!(withRe || withoutRe) });
    // the events of each test in flight, by its record. Not a Map: one that sets and deletes a key per
    // test chains each replaced table to the next, the scavenger keeps the chain from any promoted one,
    // and peak RSS grew 40-60 MB (real run 170 MB, stats 111); a WeakMap's table is rehashed in place
    const held = new WeakMap<TestRecord, HeldTest>();
    /** The same tests' events, to visit (each HeldTest knows its place: removal swaps the last in). */
    const open: HeldTest[] = [];
    const spare: HeldTest[] = [];
    // packets go out unchanged unless ids are renamed or statuses fixed up
    const window = renames.length === 0 && expected.size === 0 ? new InputWindow(1) : undefined;
    const writer = new V2Writer(out, v.backend, window);
    // before the window lets bytes go, tests in flight copy theirs
    window?.onAdvance((keepFrom) => {
      for (const events of open) events.copyRanges(window, keepFrom);
    });
    /** Writes a kept test's events; a promise only when the output had to write (no await per test). */
    const emit = (r: TestRecord, events: HeldTest): Promise<void> | undefined => {
      const id = rename(r.id);
      const final = finalStatus(r);
      let status = final;
      let changed: Status | undefined;
      // a test that never finished is a failure, as subunit-filter writes it: its events, then a fail
      const unfinished = status === 'inprogress' || status === 'unknown';
      if (unfinished) status = 'fail';
      if (expected.has(id)) {
        if (status === 'fail') changed = 'xfail';
        else if (status === 'success') changed = 'fail';
        status = changed ?? status;
      }
      if (!keep(r, id, status)) return undefined;
      // no closure per test: the common case (a finished test) allocates nothing here
      const wrote = events.write(writer, id, final, unfinished ? undefined : changed);
      if (!unfinished) return wrote;
      return wrote ? wrote.then(() => failed(r, id, changed)) : failed(r, id, changed);
    };
    const failed = (r: TestRecord, id: string, changed: Status | undefined) =>
      writer.write({ testId: id, status: changed ?? 'fail', routeCode: r.routeCode, tags: r.tags.length ? [...r.tags] : undefined, timestamp: r.stop ?? r.start });
    const watch = window && ((chunks: AsyncIterable<Uint8Array>) => window.watch(chunks));
    for await (const batch of inputEvents(positionals, v.backend, context, { reuse: true, watch })) {
      for (let i = 0; i < batch.length; i++) {
        const e = batch[i];
        if (e.testId === undefined) {
          const wrote = passthrough ? writer.write(e) : undefined;
          if (wrote) await wrote;
          continue;
        }
        const t = tests.add(e)!;
        let events = held.get(t);
        if (!events) {
          held.set(t, (events = spare.pop()?.clear() ?? new HeldTest()));
          events.slot = open.push(events) - 1;
        }
        events.add(e, window);
        if (t.finished) {
          held.delete(t);
          const last = open.pop()!;
          if (last !== events) open[(last.slot = events.slot)] = last;
          const wrote = emit(t, events);
          if (wrote) await wrote;
          // written (or copied into the output): its memory serves another test
          if (spare.length < 64 && events.small) spare.push(events);
        }
      }
    }
    for (const t of tests.end()) await emit(t, held.get(t) ?? new HeldTest());
    await writer.end();
    await out.flush();
    return 0;
  },
});
