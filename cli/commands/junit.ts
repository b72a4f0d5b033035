import { forEachRecord, BACKEND_OPTION } from '../source.js';
import type { Timestamp } from '../../bindings/codec/timestamp.js';
import { finalStatus, isFailed, secondsBetween, type Attachment, type FinalStatus, type TestAggregator, type TestRecord } from '../../bindings/results/results.js';
import { REPORT_OPTIONS, reportTarget } from '../report.js';
import { attachmentsText, fixed3Into, micros, pyDuration, secondsFixed3 } from '../format.js';
import { Spool } from '../io.js';
import { defineCommand } from '../command.js';

// Characters XML 1.0 cannot hold (controls other than tab and LF, lone surrogates,
// U+FFFE/U+FFFF) are dropped, as junitxml does; CR goes too, since parsers fold it.
const NOT_XML = /[\0-\x08\x0B-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/gu;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// anything xmlText or xmlAttr would change (test ids rarely hold any: one test, no copies)
const XML_SPECIAL = /[&<>"\0-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;

export function xmlText(s: string): string {
  if (!XML_SPECIAL.test(s)) return s;
  return s.replace(LONE_SURROGATE, '').replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function xmlAttr(s: string): string {
  if (!XML_SPECIAL.test(s)) return s;
  return xmlText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;');
}

/** junitxml's split: the class is everything before the last dot ahead of any "(". */
export function splitId(id: string): [classname: string, name: string] {
  const paren = id.indexOf('(');
  const end = id.slice(0, paren === -1 ? id.length - 1 : paren).lastIndexOf('.');
  return end === -1 ? ['', id] : [id.slice(0, end), id.slice(end + 1)];
}

const decoder = new TextDecoder();

/** A test's case; `attachments` is asked only for the tests that show them. */
export function testcase(id: string, status: FinalStatus, attachments: () => Attachment[], time: string): string {
  const [classname, name] = splitId(id);
  // an id XML takes as it is (nearly all) has parts that need no escaping: one test, not two
  const plain = !XML_SPECIAL.test(id);
  const open = `<testcase classname="${plain ? classname : xmlAttr(classname)}" name="${plain ? name : xmlAttr(name)}" time="${time}"`;
  switch (status) {
    case 'success':
    case 'xfail':
      return `${open}/>\n`;
    case 'skip': {
      const reason = attachments().find((a) => a.name === 'reason');
      return `${open}>\n<skipped>${xmlAttr(reason ? decoder.decode(reason.bytes) : '')}</skipped>\n</testcase>\n`;
    }
    case 'uxsuccess':
      return `${open}>\n<failure type="unittest.case._UnexpectedSuccess"/>\n</testcase>\n`;
    default: {
      // the traceback last, as testtools prints details
      const atts = attachments();
      const tb = atts.filter((a) => a.name === 'traceback');
      let text = attachmentsText(atts, (n) => n === 'traceback');
      for (const a of tb) text += decoder.decode(a.bytes);
      if (status !== 'fail') text = `test ${status === 'inprogress' ? 'never finished' : 'has no status'}\n` + text;
      return `${open}>\n<failure type="testtools.testresult.real._StringException">${xmlText(text)}</failure>\n</testcase>\n`;
    }
  }
}

const OPEN = Buffer.from('<testcase classname="');
const NAME = Buffer.from('" name="');
const TIME = Buffer.from('" time="');
// the ends of the cases that show no attachments (a skip or failure without any: empty texts)
const ENDS: Partial<Record<FinalStatus, Buffer>> = {
  success: Buffer.from('"/>\n'),
  xfail: Buffer.from('"/>\n'),
  uxsuccess: Buffer.from('">\n<failure type="unittest.case._UnexpectedSuccess"/>\n</testcase>\n'),
  skip: Buffer.from('">\n<skipped></skipped>\n</testcase>\n'),
  fail: Buffer.from('">\n<failure type="testtools.testresult.real._StringException"></failure>\n</testcase>\n'),
};

function bytesInto(buf: Uint8Array, at: number, b: Buffer): number {
  for (let i = 0; i < b.length; i++) buf[at++] = b[i];
  return at;
}

/**
 * testcase(id, status, …, secondsFixed3(us)) as bytes into the spool, for a
 * test without attachments: false (nothing written) when the id is not
 * printable ASCII XML takes as it is, or the status shows a text; the caller
 * then makes the string.
 */
export function testcaseInto(cases: Spool, id: string, status: FinalStatus, us: number): boolean {
  const end = ENDS[status];
  // a long id (the real run's) gained nothing over the string path, copied natively or not
  if (!end || id.length > 40) return false;
  // splitId's split: the last dot ahead of the first "(" (or of the last character)
  const paren = id.indexOf('(');
  const limit = paren === -1 ? id.length - 1 : paren;
  const dot = limit > 0 ? id.lastIndexOf('.', limit - 1) : -1;
  cases.room(id.length + 200);
  const buf = cases.buf;
  let at = bytesInto(buf, cases.at, OPEN);
  if (dot === -1) at = bytesInto(buf, at, NAME); // no class: classname="" and the whole id as the name
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    // printable ASCII but & < > " (xmlAttr's changes)
    if (c < 0x20 || c > 0x7e || c === 0x26 || c === 0x3c || c === 0x3e || c === 0x22) return false;
    if (i === dot) at = bytesInto(buf, at, NAME);
    else buf[at++] = c;
  }
  at = bytesInto(buf, at, TIME);
  at = fixed3Into(buf, at, us);
  cases.at = bytesInto(buf, at, end);
  return true;
}

export const junit = defineCommand({
  name: 'junit',
  summary: 'JUnit XML of a run, as subunit2junitxml',
  usage: 'subunit junit [-o FILE] [-f] [FILE|-]...',
  description:
    'Writes one <testsuite> with one <testcase> per test: failures (fail, unexpected success,\n' +
    'tests that never finished) carry the test\'s attachments as text, skips their reason.\n' +
    'Characters XML cannot hold are dropped. The counts are written first, so the XML is\n' +
    'kept until the end (attachments of passing tests are not). Non-test output is never\n' +
    'mixed in (--no-passthrough is accepted). -f forwards the input as v2 on stdout (the XML\n' +
    'then goes to -o FILE, or into the stream as a last "stdout" packet). Exit status 1 when\n' +
    'a test failed.',
  options: {
    ...REPORT_OPTIONS,
    'no-passthrough': { type: 'boolean', help: 'accepted for compatibility (nothing is passed through)' },
    backend: BACKEND_OPTION,
  },
  async run({ context, values, positionals }) {
    const cases = new Spool(); // the cases wait for the totals the header holds
    let tests = 0;
    let failures = 0;
    let clock: Timestamp | undefined;
    let first: Timestamp | undefined;
    const target = await reportTarget(values, positionals, values.backend);
    const none: Attachment[] = [];
    // the aggregator's records, not TestResult objects: attachments joined only for the cases that show them
    const onRecord = (r: TestRecord, all: TestAggregator) => {
      const status = finalStatus(r);
      if (status === 'exists') return;
      tests++;
      if (isFailed(status)) failures++;
      // a test without timestamps runs at the clock's time, as in testtools
      const start = r.start ?? clock;
      const stop = r.stop ?? start;
      clock = stop;
      if (start && (!first || secondsBetween(first, start) < 0)) first = start;
      if (stop && (!first || secondsBetween(first, stop) < 0)) first = stop;
      const us = start && stop ? micros(stop) - micros(start) : 0;
      if (!r.files && testcaseInto(cases, r.id, status, us)) return;
      cases.add(testcase(r.id, status, () => (r.files ? all.attachments(r) : none), secondsFixed3(us)));
    };
    try {
      await forEachRecord(positionals, values.backend, context, { onEvent: target.forward, onRecord, keepsNoEvents: true });
    } catch (e) {
      cases.dispose(); // no temporary file left behind
      throw e;
    }
    const out = target.out;
    await out.write(`<testsuite errors="0" failures="${failures}" name="" tests="${tests}" time="${pyDuration(first, clock).toFixed(3)}">\n`);
    await cases.writeTo(out);
    await out.write('</testsuite>\n');
    await target.finish();
    return failures > 0 ? 1 : 0;
  },
});
