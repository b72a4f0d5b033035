// JUnit XML → v2, streamed: saxes (loaded when the command runs: every other
// command starts sooner) reads the XML a chunk at a time, and each test case
// is written when its </testcase> closes, so memory holds one test case, not
// the document.
import type { SaxesParser, SaxesTagPlain } from 'saxes';
import { InputError } from '../../bindings/codec/errors.js';
import { Timestamp } from '../../bindings/codec/timestamp.js';
import type { EventInit } from '../../bindings/codec/events.js';
import { Output, openInput } from '../io.js';
import { sniffed } from '../source.js';
import { V2Writer } from '../v2out.js';
import { defineCommand } from '../command.js';

/** Elements of a test case whose text becomes an attachment or a reason. */
const PARTS = new Set(['failure', 'error', 'skipped', 'system-out', 'system-err']);
/** The v2 timestamp's range: seconds are a uint32. */
const LAST_SECOND = 2 ** 32 - 1;

const seconds = (s: string | undefined): number => {
  const v = Number((s ?? '').replace(/,/g, ''));
  return Number.isFinite(v) && v > 0 ? v : 0;
};

/** JUnit's suite timestamp (ISO 8601, often without a zone: taken as UTC). */
function suiteStart(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const ms = Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(s) ? s : s + 'Z');
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

const at = (t: number) => new Timestamp(Math.floor(t), Math.round((t - Math.floor(t)) * 1e9));
const utf8 = new TextEncoder();

interface Part { name: string; attrs: Record<string, string>; text: string[] }
interface Case { attrs: Record<string, string>; line: number; parts: Part[] }
interface Suite { name: string | undefined; clock: number }

/** The events of one test case, starting at `start` seconds since the epoch. */
function caseEvents(tc: Case, start: number, suite: string | undefined): EventInit[] {
  const name = tc.attrs.name ?? '';
  const cls = tc.attrs.classname ?? suite;
  const testId = cls ? `${cls}.${name}` : name;
  const stop = start + seconds(tc.attrs.time);
  const out: EventInit[] = [{ testId, status: 'inprogress', timestamp: at(start) }];
  const file = (fileName: string, body: string) => {
    if (body) out.push({ testId, fileName, mimeType: 'text/plain; charset="utf8"', fileBytes: utf8.encode(body), eof: true, timestamp: at(stop) });
  };
  const of = (kind: string) => tc.parts.filter((p) => p.name === kind);
  const problems = tc.parts.filter((p) => p.name === 'failure' || p.name === 'error');
  const skipped = of('skipped');
  problems.forEach((p, i) => {
    const head = [p.attrs.type, p.attrs.message].filter(Boolean).join(': ');
    const body = p.text.join('').trim();
    file(i ? `traceback-${i}` : 'traceback', [head, body].filter(Boolean).join('\n') + '\n');
  });
  if (!problems.length && skipped.length) file('reason', skipped[0].attrs.message ?? skipped[0].text.join('').trim());
  file('stdout', of('system-out').map((p) => p.text.join('')).join(''));
  file('stderr', of('system-err').map((p) => p.text.join('')).join(''));
  out.push({ testId, status: problems.length ? 'fail' : skipped.length ? 'skip' : 'success', timestamp: at(stop) });
  return out;
}

/**
 * A streaming reader of one JUnit document: feed it text, take the events of
 * the test cases closed so far. Errors are InputErrors naming the file and line.
 */
class JunitReader {
  private readonly stack: string[] = []; // open element names
  private readonly suites: Suite[] = [];
  private testcase: Case | undefined;
  private part: Part | undefined;
  private root = false;
  events: EventInit[] = [];

  constructor(private readonly parser: SaxesParser<object>, private readonly file: string, private readonly now: number) {
    parser.on('error', (e) => {
      throw this.error(`not well-formed XML (${e.message.replace(/^\d+:\d+: /, '').replace(/\s+/g, ' ')})`);
    });
    parser.on('doctype', (d) => {
      // no entity is ever resolved: a report that declares some would lose text (or reach outside the file)
      if (/<!ENTITY/i.test(d)) throw this.error('DTD entity declarations are not supported (JUnit reports use none)');
    });
    parser.on('opentag', (t) => this.open(t as SaxesTagPlain));
    parser.on('closetag', (t) => this.close((t as SaxesTagPlain).name));
    parser.on('text', (s) => this.part?.text.push(s));
    parser.on('cdata', (s) => this.part?.text.push(s));
  }

  private error(reason: string): InputError {
    return new InputError(`${this.file}:${this.parser.line}: ${reason}`, this.file, this.parser.line);
  }

  private open(t: SaxesTagPlain): void {
    const parent = this.stack[this.stack.length - 1];
    this.stack.push(t.name);
    if (!this.root) {
      this.root = true;
      if (t.name !== 'testsuites' && t.name !== 'testsuite') throw this.error(`not JUnit XML (the root is <${t.name}>, not <testsuites> or <testsuite>)`);
    }
    if (t.name === 'testsuite' && !this.testcase) {
      this.suites.push({ name: t.attributes.name, clock: suiteStart(t.attributes.timestamp) ?? this.suites[this.suites.length - 1]?.clock ?? this.now });
    } else if (t.name === 'testcase' && !this.testcase && this.suites.length) {
      this.testcase = { attrs: t.attributes, line: this.parser.line, parts: [] };
    } else if (this.testcase && parent === 'testcase' && PARTS.has(t.name)) {
      this.part = { name: t.name, attrs: t.attributes, text: [] };
      this.testcase.parts.push(this.part);
    }
  }

  private close(name: string): void {
    this.stack.pop();
    const depth = this.stack.length;
    if (this.part && PARTS.has(name) && this.stack[depth - 1] === 'testcase') this.part = undefined;
    else if (this.testcase && name === 'testcase' && !this.stack.includes('testcase')) {
      const suite = this.suites[this.suites.length - 1];
      const start = suite.clock;
      const stop = start + seconds(this.testcase.attrs.time);
      if (start < 0 || stop > LAST_SECOND) {
        const why = start < 0 ? `its suite starts before 1970` : `time="${this.testcase.attrs.time}" ends it after 2106-02-07`;
        throw new InputError(`${this.file}:${this.testcase.line}: test case out of the v2 timestamp range (${why})`, this.file, this.testcase.line);
      }
      this.events.push(...caseEvents(this.testcase, start, suite.name));
      suite.clock = stop;
      this.testcase = undefined;
    } else if (name === 'testsuite' && !this.testcase) this.suites.pop();
  }

  private blank = true; // nothing but white space so far

  write(text: string): void {
    if (this.blank && /\S/.test(text)) this.blank = false;
    this.parser.write(text);
  }

  /** At the end of the input: a document with no root is not a report. */
  end(): void {
    if (this.blank) throw new InputError(`${this.file}: empty input, not JUnit XML`, this.file, 0);
    this.parser.close();
    if (!this.root) throw new InputError(`${this.file}: empty input, not JUnit XML`, this.file, 0);
  }
}

export const fromJunit = defineCommand({
  name: 'from-junit',
  summary: 'convert JUnit XML (one file or many) to v2',
  usage: 'subunit from-junit [FILE|-]...',
  description:
    'Reads JUnit XML reports (<testsuites>/<testsuite>/<testcase>, as pytest, Maven Surefire,\n' +
    'Gradle, Jest and others write them; gzip detected) and writes v2: per test case an\n' +
    'inprogress and a final status (failure or error → fail, skipped → skip, else success),\n' +
    'the failure type, message and text as a "traceback" attachment, the skip message as\n' +
    '"reason", system-out/system-err as "stdout"/"stderr". Test ids are classname.name.\n' +
    'Times come from the suite\'s timestamp (UTC when it has no zone; the current time when\n' +
    'absent) plus each case\'s time; a case that would end past 2106-02-07 (the v2 range) is\n' +
    'refused with its line. The XML is streamed: each test case is written when it closes.\n' +
    'DTD entity declarations are refused (no entity is ever fetched or expanded).',
  options: {},
  async run({ context, positionals }) {
    const { SaxesParser } = await import('saxes');
    const out = new Output();
    const writer = new V2Writer(out);
    const now = Date.now() / 1000;
    try {
      for (const path of positionals.length ? positionals : ['-']) {
        const input = await openInput(path);
        const reader = new JunitReader(new SaxesParser(), input.name, now);
        const text = new TextDecoder('utf-8');
        // the test cases closed before an error are written before it is reported
        const feed = async (step: () => void) => {
          let failed: unknown;
          try {
            step();
          } catch (e) {
            failed = e;
          }
          const events = reader.events;
          reader.events = [];
          for (const e of events) await writer.write(e);
          if (failed) throw failed;
        };
        for await (const c of context.guarded(input.name, (await sniffed(input)).chunks)) await feed(() => reader.write(text.decode(c, { stream: true })));
        // an input that failed midway (a cut gzip) is reported as that, after the cases read
        if (context.failure) break;
        await feed(() => {
          reader.write(text.decode());
          reader.end();
        });
      }
    } finally {
      await out.flush();
    }
    return 0;
  },
});
