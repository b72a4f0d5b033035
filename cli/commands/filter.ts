import { readFileSync } from 'node:fs';
import { inputEvents, BACKEND_OPTION } from '../source.js';
import { TestAggregator, resultOf, type TestRecord, type TestResult, type FinalStatus } from '../../bindings/results/results.js';
import { toPlainEvent, type SubunitEvent, type EventInit, type Status } from '../../bindings/codec/events.js';
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
 * One test's events while it runs: the bytes of its packets as read, one
 * after another (written back as they are when the encoder would write the
 * same: reencodesToItself), and the events to re-encode, each at its place.
 */
class HeldTest {
  private bytes = new Uint8Array(0);
  private size = 0;
  private readonly plain: SubunitEvent[] = [];
  /** Where in `bytes` each plain event goes. */
  private readonly places: number[] = [];

  add(e: SubunitEvent, window: InputWindow | undefined): void {
    // only a well-formed packet (a parser error's event is made, not read)
    if (window && e.source === 'packet') {
      const length = e.length;
      if (this.size + length > this.bytes.length) {
        const grown = new Uint8Array(Math.max(2 * this.bytes.length, this.size + length, 256));
        grown.set(this.bytes.subarray(0, this.size));
        this.bytes = grown;
      }
      if (window.copyInto(e.offset, length, this.bytes, this.size) && reencodesToItself(this.bytes, this.size, length)) {
        this.size += length;
        return;
      }
    }
    this.plain.push(toPlainEvent(e));
    this.places.push(this.size);
  }

  /** In stream order: runs of packet bytes, and the plain events with the changes `changes` gives each. */
  parts(changes: (e: SubunitEvent) => Partial<EventInit>): (Uint8Array | [SubunitEvent, Partial<EventInit>])[] {
    const out: (Uint8Array | [SubunitEvent, Partial<EventInit>])[] = [];
    let from = 0;
    for (let i = 0; i < this.plain.length; i++) {
      if (this.places[i] > from) out.push(this.bytes.subarray(from, this.places[i]));
      from = this.places[i];
      out.push([this.plain[i], changes(this.plain[i])]);
    }
    if (this.size > from) out.push(this.bytes.subarray(from, this.size));
    return out;
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
    const rename = (id: string) => renames.reduce((s, [re, to]) => s.replace(re, to), id);

    const keep = (r: TestResult, id: string, status: FinalStatus): boolean => {
      // enumeration only: subunit-filter drops it too (it has no outcome)
      if (status === 'exists') return false;
      // as subunit-filter, an unexpected success passes every filter: a failure never vanishes
      if (status === 'uxsuccess') return true;
      if (drop.has(status)) return false;
      if (withTags.some((t) => !r.tags.includes(t))) return false;
      if (withoutTags.some((t) => r.tags.includes(t))) return false;
      if (withRe || withoutRe) {
        const text = `${id}${status}${attachmentsText(r.attachments)}`;
        if (withRe && !withRe.test(text)) return false;
        if (withoutRe && withoutRe.test(text)) return false;
      }
      return true;
    };

    const out = new Output();
    const writer = new V2Writer(out, v.backend);
    // tests by the aggregator's records: its notion of one test (testKey), no key string per event
    const tests = new TestAggregator({ attachments: !!(withRe || withoutRe) });
    const held = new Map<TestRecord, HeldTest>(); // the events of each test in flight
    // packets go out unchanged unless ids are renamed or statuses fixed up
    const window = renames.length === 0 && expected.size === 0 ? new InputWindow(1) : undefined;
    /** Writes a kept test's events; a promise only when the output had to write (no await per test). */
    const emit = (r: TestResult, events: HeldTest): Promise<void> | undefined => {
      const id = rename(r.id);
      let status: FinalStatus = r.status;
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
      const parts = events.parts((e) => (changed && !unfinished && e.status === r.status ? { testId: id, status: changed } : { testId: id }));
      const write = (part: Uint8Array | [SubunitEvent, Partial<EventInit>]) => (part instanceof Uint8Array ? writer.writePacket(part) : writer.write(part[0], part[1]));
      const failed = () =>
        unfinished ? writer.write({ testId: id, status: changed ?? 'fail', routeCode: r.routeCode, tags: r.tags.length ? [...r.tags] : undefined, timestamp: r.stop ?? r.start }) : undefined;
      for (let i = 0; i < parts.length; i++) {
        const wrote = write(parts[i]);
        if (wrote) return (async () => {
          await wrote;
          for (let j = i + 1; j < parts.length; j++) await write(parts[j]);
          await failed();
        })();
      }
      return failed();
    };
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
        if (!events) held.set(t, (events = new HeldTest()));
        events.add(e, window);
        if (t.finished) {
          held.delete(t);
          const wrote = emit(resultOf(tests, t), events);
          if (wrote) await wrote;
        }
      }
    }
    for (const t of tests.end()) await emit(resultOf(tests, t), held.get(t) ?? new HeldTest());
    await writer.end();
    await out.flush();
    return 0;
  },
});
