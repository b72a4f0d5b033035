// TAP 13/14 → v2, line by line as the TAP arrives (a runner piped through
// `subunit from-tap | subunit trace` shows progress live).
import { Timestamp } from '../../bindings/codec/timestamp.js';
import type { EventInit, Status } from '../../bindings/codec/events.js';
import { concat } from '../../bindings/codec/bytes.js';
import { utf8Bytes } from '../../bindings/codec/utf8.js';
import { Output, openInput } from '../io.js';
import { sniffed } from '../source.js';
import { V2Writer } from '../v2out.js';
import { defineCommand } from '../command.js';

export const TAP_SEPARATOR = ' > ';
const TEXT = 'text/plain; charset="utf8"';
const TRACEBACK = 'text/x-traceback; charset="utf8"';
const YAML = 'text/x-yaml; charset="utf8"';

const POINT = /^(not ok|ok)\b(?:\s+(\d+))?(?:\s*-)?\s*(.*)$/;
const PLAN = /^1\.\.(\d+)\s*(?:#\s*(.*))?$/;
const text = new TextDecoder();

interface Point {
  level: number;
  indent: number;
  ok: boolean;
  number?: number;
  name: string;
  directive?: { kind: 'skip' | 'todo'; reason: string };
  ms?: number;
  /** The YAML block and the lines indented under the point (mocha's failure text). */
  details: string[];
  yaml: boolean;
  /** Opened a `{ … }` block of subtests (vitest's TAP). */
  brace: boolean;
}

/** A failure of its own: not ok, and neither skipped nor todo. */
const failedPoint = (p: Point) => !p.ok && p.directive === undefined;

/** Description and directive of a test point: an unescaped " # " starts the directive; `\#` and `\\` are escapes. */
export function splitDescription(text: string): { name: string; directive?: string } {
  let name = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && (text[i + 1] === '#' || text[i + 1] === '\\')) name += text[++i];
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) return { name: name.trim(), directive: text.slice(i + 1).trim() };
    else name += c;
  }
  return { name: name.trim() };
}

/**
 * The TAP reader: feed it lines, it gives back events. A test point becomes
 * a test (inprogress, its YAML block or indented text as an attachment, its
 * status) once the lines that belong to it have been read. Subtests (indented
 * by 4, after a "# Subtest: NAME" line, or in a `{ … }` block) get ids joined
 * with the separator; a point that had subtests is a suite, reported only
 * when it failed while none of its subtests did (a failing hook). Everything
 * that is not TAP is kept as "stdout" packets (chatter).
 */
export class TapReader {
  private lineNo = 0;
  private pending: Point | undefined;
  private yamlIndent = -1;
  /** Per nesting level: the name of the subtest being run there (from "# Subtest:" or a brace point). */
  private readonly parents: (string | undefined)[] = [];
  /** Per nesting level: did a test point there fail, did any appear. */
  private readonly failedAt: boolean[] = [];
  private readonly seenAt: boolean[] = [];
  private readonly braces: Point[] = [];
  private plan: number | undefined;
  private topPoints = 0;
  private lastTopNumber = 0;
  private bailedOut = false;
  private strict = false;
  /** Tests of subtests whose parent's name comes after them (TAP 13 without "# Subtest:"), held until it does. */
  private held: { parts: (string | undefined)[]; events: EventInit[] }[] = [];
  private raw: Uint8Array | undefined;

  constructor(private readonly separator = TAP_SEPARATOR, private readonly now: () => number = Date.now) {}

  /** One line without its "\n"; `bytes`, when given, are the line as read with its "\n" (chatter keeps them exactly, even when not UTF-8). */
  line(raw: string, bytes?: Uint8Array): EventInit[] {
    this.lineNo++;
    this.raw = bytes;
    const text = raw.replace(/\r$/, '');
    const out: EventInit[] = [];
    const p = this.pending;
    if (p && this.yamlIndent >= 0) {
      p.details.push(text);
      if (text.trim() === '...' && indentOf(text) === this.yamlIndent) this.yamlIndent = -1;
      return out;
    }
    const indent = indentOf(text);
    const body = text.slice(indent);
    if (p && body === '---' && indent > p.indent && !p.details.length) {
      this.yamlIndent = indent;
      p.yaml = true;
      p.details.push(text);
      return out;
    }
    if (this.bailedOut) return this.chatter(text);
    const level = Math.floor(indent / 4);
    const point = POINT.exec(body);
    const plan = PLAN.exec(body);
    const subtest = /^# Subtest:\s*(.*)$/.exec(body);
    const pragma = /^pragma\s+([+-])(\S+)/.exec(body);
    const isTap = point || plan || subtest || pragma || /^TAP version \d+$/.test(body) || /^Bail out!/.test(body) || body === '}' || body === '' || body.startsWith('#');
    // text indented under a point that is not TAP belongs to it (mocha writes failures so)
    if (p && !isTap && indent > p.indent) {
      p.details.push(text);
      return out;
    }
    out.push(...this.flush());
    if (subtest) {
      this.parents[level] = splitDescription(subtest[1]).name;
      this.resetBelow(level);
      return out;
    }
    if (point) {
      this.startPoint(point, level, indent);
      return out;
    }
    if (body === '}' && this.braces.length) {
      out.push(...this.closeBrace());
      return out;
    }
    if (plan && level === 0) this.plan ??= Number(plan[1]);
    if (pragma && pragma[2] === 'strict') this.strict = pragma[1] === '+';
    const bail = /^Bail out!\s*(.*)$/.exec(body);
    if (bail) {
      this.bailedOut = true;
      out.push(...this.test('Bail out!', 'fail', 0, [{ fileName: 'traceback', mimeType: TRACEBACK, text: `Bail out! ${bail[1]}\n(line ${this.lineNo})\n` }]));
    }
    out.push(...this.chatter(text));
    if (this.strict && !isTap) {
      out.push(...this.test(`line ${this.lineNo}`, 'fail', 0, [{ fileName: 'traceback', mimeType: TRACEBACK, text: `not TAP under "pragma +strict": ${text}\n` }]));
    }
    return out;
  }

  /** End of input: the last test, and the planned tests that never came (failures, as tap2subunit has them). */
  end(): EventInit[] {
    const out = this.flush();
    while (this.braces.length) out.push(...this.closeBrace());
    out.push(...this.release(true));
    if (this.plan !== undefined && !this.bailedOut) {
      for (let n = Math.max(this.topPoints, this.lastTopNumber) + 1; n <= this.plan; n++) {
        out.push(...this.test(`test ${n}`, 'fail', 0, [{ fileName: 'traceback', mimeType: TRACEBACK, text: `test ${n} missing from TAP output (plan 1..${this.plan})\n` }]));
      }
    }
    return out;
  }

  private startPoint(m: RegExpExecArray, level: number, indent: number): void {
    let { name, directive } = splitDescription(m[3]);
    const brace = directive !== undefined ? /\{$/.test(directive) : /\{$/.test(name);
    if (brace) {
      if (directive !== undefined) directive = directive.replace(/\s*\{$/, '');
      else name = name.replace(/\s*\{$/, '');
    }
    const number = m[2] === undefined ? undefined : Number(m[2]);
    const d = /^(skip|todo)\S*(?:\s+(.*))?$/i.exec(directive ?? '');
    const time = /(?:^|\s)time=([\d.]+)(ms|s)?/.exec(directive ?? '');
    this.pending = {
      level, indent, ok: m[1] === 'ok', number,
      name: name || `test ${number ?? ''}`.trim(),
      directive: d ? { kind: d[1].toLowerCase() as 'skip' | 'todo', reason: (d[2] ?? '').trim() } : undefined,
      ms: time ? Number(time[1]) * (time[2] === 's' ? 1000 : 1) : undefined,
      details: [], yaml: false, brace,
    };
  }

  private resetBelow(level: number): void {
    this.parents.length = Math.min(this.parents.length, level + 1);
    this.failedAt.length = Math.min(this.failedAt.length, level + 1);
    this.seenAt.length = Math.min(this.seenAt.length, level + 1);
  }

  /** The pending point, now that no more lines belong to it. */
  private flush(): EventInit[] {
    const p = this.pending;
    if (!p) return [];
    this.pending = undefined;
    this.yamlIndent = -1;
    if (p.level === 0) {
      this.topPoints++;
      if (p.number !== undefined) this.lastTopNumber = p.number;
    }
    if (p.brace) {
      // vitest's TAP: the point comes first, its subtests follow in { … }
      this.parents[p.level] = p.name;
      this.resetBelow(p.level);
      this.braces.push(p);
      return [];
    }
    return this.finishPoint(p);
  }

  private closeBrace(): EventInit[] {
    return this.finishPoint(this.braces.pop()!);
  }

  /** A point whose subtests (if any) have all been read: a test, or a suite reported only when it failed by itself. */
  private finishPoint(p: Point): EventInit[] {
    const hadChildren = this.seenAt[p.level + 1] === true;
    const childFailed = this.failedAt[p.level + 1] === true;
    const failed = failedPoint(p);
    const prefix = Array.from({ length: p.level }, (_, i) => this.parents[i]);
    this.resetBelow(p.level);
    this.parents[p.level] = undefined;
    this.seenAt[p.level] = true;
    if (failed) this.failedAt[p.level] = true;
    for (const h of this.held) if (h.parts.length > p.level + 1 && h.parts[p.level] === undefined) h.parts[p.level] = p.name;
    const own = hadChildren && !(failed && !childFailed) ? [] : this.pointEvents(p, prefix);
    return [...this.release(false), ...own];
  }

  /** Held tests whose names are now known (all of them at the end, unknown parents named "test"). */
  private release(all: boolean): EventInit[] {
    const out: EventInit[] = [];
    this.held = this.held.filter((h) => {
      if (!all && h.parts.includes(undefined)) return true;
      const testId = h.parts.map((n) => n ?? 'test').join(this.separator);
      out.push(...h.events.map((e) => ({ ...e, testId })));
      return false;
    });
    return out;
  }

  private pointEvents(p: Point, prefix: (string | undefined)[]): EventInit[] {
    const parts = [...prefix, p.name];
    const id = parts.join(this.separator);
    let status: Status;
    if (p.directive?.kind === 'skip') status = 'skip';
    else if (p.directive?.kind === 'todo') status = p.ok ? 'success' : 'xfail';
    else status = p.ok ? 'success' : 'fail';
    const ms = p.ms ?? durationFromYaml(p.details);
    const files: Attachment[] = [];
    if (p.details.length) {
      const text = dedent(p.details).join('\n') + '\n';
      files.push(status === 'fail' ? { fileName: 'traceback', mimeType: TRACEBACK, text } : { fileName: 'diagnostics', mimeType: p.yaml ? YAML : TEXT, text });
    }
    if (p.directive?.reason) files.push({ fileName: 'reason', mimeType: TEXT, text: p.directive.reason });
    const events = this.test(id, status, ms ?? 0, files);
    if (!parts.includes(undefined)) return events;
    this.held.push({ parts, events });
    return [];
  }

  private test(testId: string, status: Status, ms: number, files: Attachment[]): EventInit[] {
    const stopMs = this.now();
    const stop = at(stopMs);
    return [
      { testId, status: 'inprogress', timestamp: at(stopMs - ms) },
      ...files.map((f) => ({ testId, fileName: f.fileName, mimeType: f.mimeType, fileBytes: utf8Bytes(f.text), eof: true, timestamp: stop })),
      { testId, status, timestamp: stop },
    ];
  }

  private chatter(text: string): EventInit[] {
    const fileBytes = this.raw ?? utf8Bytes(text + '\n');
    return [{ fileName: 'stdout', mimeType: TEXT, fileBytes, timestamp: at(this.now()) }];
  }
}

interface Attachment {
  fileName: string;
  mimeType: string;
  text: string;
}

const indentOf = (s: string) => s.length - s.trimStart().length;
const at = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return new Timestamp(s, Math.round((ms - s * 1000) * 1e6));
};

function dedent(lines: string[]): string[] {
  const indent = Math.min(...lines.filter((l) => l.trim()).map(indentOf));
  return lines.map((l) => l.slice(Math.min(indent, indentOf(l))));
}

/** node:test writes each test's duration in its YAML block. */
function durationFromYaml(details: string[]): number | undefined {
  for (const l of details) {
    const m = /^\s*duration_ms:\s*([\d.]+)\s*$/.exec(l);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** Lines of a byte stream as bytes, each with its "\n" (the last may have none): decoded once whole, no character is split. */
export async function* lines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = []; // the line so far, when it spans chunks
  for await (const c of chunks) {
    let from = 0;
    for (let nl = c.indexOf(0x0a); nl >= 0; nl = c.indexOf(0x0a, from)) {
      parts.push(c.subarray(from, nl + 1));
      yield concat(parts);
      parts = [];
      from = nl + 1;
    }
    if (from < c.length) parts.push(c.slice(from)); // copied: the reader may reuse its chunk
  }
  if (parts.length) yield concat(parts);
}

export const fromTap = defineCommand({
  name: 'from-tap',
  summary: 'convert TAP 13/14 to v2, as tap2subunit',
  usage: 'subunit from-tap [--separator SEP] [FILE|-]...',
  description:
    'Reads TAP (version 13 or 14; gzip detected) line by line and writes v2 as it goes: per test\n' +
    'point an inprogress and a status (ok → success, not ok → fail, # SKIP → skip, # TODO → xfail\n' +
    'when not ok, success when ok), its YAML block or indented text as "traceback" (failures) or\n' +
    '"diagnostics", a directive\'s reason as "reason". Subtests ("# Subtest:", indented by 4, or\n' +
    'in { … } blocks) get ids joined with SEP (default " > "); a point with subtests is a suite,\n' +
    'reported only when it failed by itself. Bail out! is a failing test "Bail out!"; planned\n' +
    'tests that never came fail as "test N". Times: duration_ms in YAML or # time=, ending when\n' +
    'the point is read. Comments and other lines are kept as "stdout" packets (chatter).',
  options: {
    separator: { type: 'string', default: TAP_SEPARATOR, help: `joins a subtest's name to its parents' (default "${TAP_SEPARATOR}")` },
  },
  async run({ values, positionals }) {
    const out = new Output();
    const writer = new V2Writer(out, 'js');
    for (const path of positionals.length ? positionals : ['-']) {
      const input = await openInput(path);
      const reader = new TapReader(values.separator);
      for await (const line of lines((await sniffed(input)).chunks)) {
        const body = line[line.length - 1] === 0x0a ? line.subarray(0, -1) : line;
        for (const e of reader.line(text.decode(body), line)) await writer.write(e);
        await out.flush(); // live: a runner's progress shows as it happens
      }
      for (const e of reader.end()) await writer.write(e);
    }
    await out.flush();
    return 0;
  },
});
