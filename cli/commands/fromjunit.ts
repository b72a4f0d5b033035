// fast-xml-parser is loaded when the command runs: every other command starts ~70 ms sooner
import { InputError } from '../../bindings/errors.js';
import { Timestamp } from '../../bindings/timestamp.js';
import type { EventInit } from '../../bindings/events.js';
import { Output, openInput } from '../io.js';
import { sniffed } from '../source.js';
import { V2Writer } from '../v2out.js';
import type { Command } from '../command.js';

type Node = Record<string, unknown>;
const LISTS = new Set(['testsuites', 'testsuite', 'testcase', 'failure', 'error', 'skipped', 'system-out', 'system-err']);
const PARSER_OPTIONS = {
  ignoreAttributes: false, attributeNamePrefix: '@', textNodeName: '#text', parseTagValue: false,
  parseAttributeValue: false, trimValues: false, isArray: (name: string) => LISTS.has(name),
};

const text = (n: unknown): string => (typeof n === 'string' ? n : ((n as Node | undefined)?.['#text'] as string | undefined) ?? '');
const attr = (n: unknown, k: string): string | undefined => (typeof n === 'object' && n ? ((n as Node)[`@${k}`] as string | undefined) : undefined);
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

/** The events of one test case, starting at `start` seconds since the epoch. */
function caseEvents(tc: Node, start: number, suite: string | undefined): EventInit[] {
  const name = attr(tc, 'name') ?? '';
  const cls = attr(tc, 'classname') ?? suite;
  const testId = cls ? `${cls}.${name}` : name;
  const stop = start + seconds(attr(tc, 'time'));
  const out: EventInit[] = [{ testId, status: 'inprogress', timestamp: at(start) }];
  const file = (fileName: string, mimeType: string, body: string) => {
    if (body) out.push({ testId, fileName, mimeType, fileBytes: utf8.encode(body), eof: true, timestamp: at(stop) });
  };
  const problems = [...((tc.failure as unknown[]) ?? []), ...((tc.error as unknown[]) ?? [])];
  const skipped = (tc.skipped as unknown[]) ?? [];
  problems.forEach((p, i) => {
    const head = [attr(p, 'type'), attr(p, 'message')].filter(Boolean).join(': ');
    const body = text(p).trim();
    file(i ? `traceback-${i}` : 'traceback', 'text/plain; charset="utf8"', [head, body].filter(Boolean).join('\n') + '\n');
  });
  if (!problems.length && skipped.length) file('reason', 'text/plain; charset="utf8"', attr(skipped[0], 'message') ?? text(skipped[0]).trim());
  file('stdout', 'text/plain; charset="utf8"', ((tc['system-out'] as unknown[]) ?? []).map(text).join(''));
  file('stderr', 'text/plain; charset="utf8"', ((tc['system-err'] as unknown[]) ?? []).map(text).join(''));
  out.push({ testId, status: problems.length ? 'fail' : skipped.length ? 'skip' : 'success', timestamp: at(stop) });
  return out;
}

/** Every test case of a document (suites may nest), each suite's cases one after another in time. */
function* documentEvents(doc: Node, now: number): Generator<EventInit> {
  function* suites(list: unknown[] | undefined): Generator<EventInit> {
    for (const s of list ?? []) {
      if (typeof s !== 'object' || !s) continue;
      const suite = s as Node;
      let t = suiteStart(attr(suite, 'timestamp')) ?? now;
      for (const tc of (suite.testcase as Node[] | undefined) ?? []) {
        if (typeof tc !== 'object' || !tc) continue;
        const events = caseEvents(tc, t, attr(suite, 'name'));
        yield* events;
        t += seconds(attr(tc, 'time'));
      }
      yield* suites(suite.testsuite as unknown[] | undefined);
    }
  }
  for (const root of (doc.testsuites as Node[] | undefined) ?? []) yield* suites(root.testsuite as unknown[] | undefined);
  yield* suites(doc.testsuite as unknown[] | undefined);
}

export const fromJunit: Command = {
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
    'absent) plus each case\'s time. Each file is parsed whole (fast-xml-parser).',
  options: {},
  async run({ positionals }) {
    const { XMLParser, XMLValidator } = await import('fast-xml-parser');
    const parser = new XMLParser(PARSER_OPTIONS);
    const out = new Output();
    const writer = new V2Writer(out);
    const now = Date.now() / 1000;
    for (const path of positionals.length ? positionals : ['-']) {
      const input = await openInput(path);
      const parts: Uint8Array[] = [];
      for await (const c of (await sniffed(input)).chunks) parts.push(c);
      const xml = Buffer.concat(parts).toString('utf8');
      if (xml.trim() === '') throw new InputError(`${input.name}: empty input, not JUnit XML`, input.name, 0);
      const valid = XMLValidator.validate(xml);
      if (valid !== true) {
        throw new InputError(`${input.name}:${valid.err.line}: not well-formed XML (${valid.err.msg.replace(/\s+/g, " ")})`, input.name, valid.err.line);
      }
      const doc = parser.parse(xml) as Node;
      if (!doc.testsuites && !doc.testsuite) throw new InputError(`${input.name}: not JUnit XML (no <testsuites> or <testsuite>)`, input.name);
      for (const e of documentEvents(doc, now)) await writer.write(e);
    }
    await out.flush();
    return 0;
  },
};
