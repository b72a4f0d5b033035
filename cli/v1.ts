// Subunit v1 (line-oriented text, SUBUNIT-V2.md §12): reading it into v2
// packets and writing tests as v1. Other commands read v1 through v1ToV2.
import { Encoder } from '../bindings/codec/encoder.js';
import type { Status } from '../bindings/codec/events.js';
import { Timestamp } from '../bindings/codec/timestamp.js';
import type { TestResult } from '../bindings/results/results.js';

/** Pulls lines and byte counts out of a chunk iterator. */
class ByteReader {
  private buf = Buffer.alloc(0);
  private done = false;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}
  private async more(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : Buffer.from(r.value);
    return true;
  }
  /** The next line with its LF (the last line may lack one); null at the end. */
  async line(): Promise<Buffer | null> {
    for (let from = 0; ; ) {
      const nl = this.buf.indexOf(10, from);
      if (nl >= 0) {
        const l = this.buf.subarray(0, nl + 1);
        this.buf = this.buf.subarray(nl + 1);
        return l;
      }
      from = this.buf.length;
      if (!(await this.more())) {
        if (!this.buf.length) return null;
        const l = this.buf;
        this.buf = Buffer.alloc(0);
        return l;
      }
    }
  }
  /** Exactly n bytes, or fewer at the end of input. */
  async bytes(n: number): Promise<Buffer> {
    while (this.buf.length < n && (await this.more()));
    const b = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(b.length);
    return b;
  }
}

const OUTCOMES: Record<string, Status> = {
  success: 'success', successful: 'success', failure: 'fail', error: 'fail', skip: 'skip', xfail: 'xfail', uxsuccess: 'uxsuccess',
};
const DIRECTIVE = /^(testing|test|successful|success|failure|error|skip|xfail|uxsuccess|tags|time|progress)(:?)[ \t]?(.*)$/s;

/** Does this look like the start of a v1 stream? (a directive on its first line) */
export function looksLikeV1(head: Uint8Array): boolean {
  if (head[0] === 0xb3) return false;
  // a v2 stream may open with chatter that reads like v1 ("progress 50%"): any
  // plausible v2 signature in the head (0xB3, version 2, reserved bit clear) wins
  for (let i = head.indexOf(0xb3); i >= 0 && i + 1 < head.length; i = head.indexOf(0xb3, i + 1)) {
    if ((head[i + 1] & 0xf8) === 0x20) return false;
  }
  const nl = head.indexOf(10);
  const line = Buffer.from(head.subarray(0, nl >= 0 ? nl : head.length)).toString('latin1');
  return /^((testing|test|successful|success|failure|error|skip|xfail|uxsuccess)(:|\s)|(tags|time|progress):)/.test(line);
}

function parseTime(s: string): Timestamp | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(s.trim());
  if (!m) return undefined;
  const zone = !m[4] || m[4] === 'Z' ? 'Z' : m[4].includes(':') ? m[4] : `${m[4].slice(0, 3)}:${m[4].slice(3)}`;
  try {
    return Timestamp.parse(`${m[1]}T${m[2]}${m[3] ? '.' + m[3] : ''}${zone}`);
  } catch {
    return undefined;
  }
}

/** v1 text → v2 bytes; lines that are not v1 pass through unchanged (as subunit-1to2 does). */
export async function* v1ToV2(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const r = new ByteReader(chunks[Symbol.asyncIterator]());
  const enc = new Encoder();
  let now: Timestamp | undefined;
  const time = () => now ?? Timestamp.fromDate(new Date());
  const globalTags = new Set<string>();
  // a test's own `tags:` add to and remove from the global ones, for that test only
  let test: { id: string; tags: Set<string>; removed: Set<string> } | undefined;
  const applyTags = (words: string) => {
    for (const w of words.split(/\s+/).filter(Boolean)) {
      const tag = w.startsWith('-') ? w.slice(1) : w;
      const removing = w.startsWith('-');
      if (!test) removing ? globalTags.delete(tag) : globalTags.add(tag);
      else if (removing) test.tags.delete(tag), test.removed.add(tag);
      else test.tags.add(tag), test.removed.delete(tag);
    }
  };
  const tagsOf = () => {
    const all = new Set([...globalTags, ...(test?.tags ?? [])].filter((t) => !test?.removed.has(t)));
    return all.size ? [...all] : undefined;
  };
  const file = (name: string, mimeType: string | undefined, bytes: Uint8Array, eof: boolean): Uint8Array =>
    enc.encode({ testId: test!.id, fileName: name, mimeType, fileBytes: bytes, eof, timestamp: time() });

  for (let raw = await r.line(); raw !== null; raw = await r.line()) {
    const text = raw.toString('utf8');
    const m = /^\s/.test(text) ? null : DIRECTIVE.exec(text.replace(/\r?\n$/, ''));
    if (!m) {
      yield raw;
      continue;
    }
    const [, word, , rest] = m;
    if (rest === '' && word !== 'tags' && word !== 'time' && word !== 'progress') {
      yield raw; // a directive without a test name is text, as in subunit-1to2
      continue;
    }
    if (word === 'test' || word === 'testing') {
      test = { id: rest, tags: new Set(), removed: new Set() };
      yield enc.encode({ testId: rest, status: 'inprogress', timestamp: time() });
    } else if (word === 'time') {
      now = parseTime(rest) ?? now;
    } else if (word === 'tags') {
      applyTags(rest);
    } else if (word === 'progress') {
      // progress markers have no v2 form
    } else {
      const status = OUTCOMES[word];
      const d = /^(.*?) \[( multipart)?\s*$/.exec(rest);
      const name = d ? d[1] : rest;
      if (!test || name !== test.id) {
        yield raw; // an outcome for another test is text
        continue;
      }
      if (d && !d[2]) {
        // simple details: lines up to "]"
        const parts: Buffer[] = [];
        for (let l = await r.line(); l !== null && l.toString() !== ']\n' && l.toString() !== ']'; l = await r.line()) {
          parts.push(l[0] === 0x20 && l[1] === 0x5d ? l.subarray(1) : l);
        }
        const skip = status === 'skip';
        yield file(skip ? 'reason' : 'traceback', skip ? 'text/plain' : 'text/x-traceback; charset="utf8"', Buffer.concat(parts), true);
      } else if (d) {
        // multipart: Content-Type line, name line, HTTP chunked body; repeated until "]"
        for (let l = await r.line(); l !== null && l.toString().trim() !== ']'; l = await r.line()) {
          // the type is kept as written (`type/sub;k=v,k2=v2`), as subunit-1to2 does
          const ct = /^Content-Type:\s*(.*?)\s*$/i.exec(l.toString('utf8'));
          const mime = ct ? ct[1] : undefined;
          const nameLine = await r.line();
          if (nameLine === null) break;
          const partName = nameLine.toString('utf8').replace(/\r?\n$/, '');
          const body: Buffer[] = [];
          for (;;) {
            const sizeLine = await r.line();
            const size = sizeLine === null ? 0 : parseInt(sizeLine.toString().trim(), 16);
            if (!(size > 0)) break;
            body.push(await r.bytes(size));
          }
          yield file(partName, mime, Buffer.concat(body), true);
        }
      }
      yield enc.encode({ testId: test.id, status, tags: tagsOf(), timestamp: time() });
      test = undefined;
    }
  }
  if (test) {
    yield file('traceback', 'text/x-traceback; charset="utf8"', Buffer.from(`lost connection during test '${test.id}'`), true);
    yield enc.encode({ testId: test.id, status: 'fail', tags: tagsOf(), timestamp: time() });
  }
}

/** `YYYY-MM-DD HH:MM:SS.ffffffZ` */
function v1Time(t: Timestamp): string {
  return `${new Date(t.seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')}.${String(Math.floor(t.nanos / 1000)).padStart(6, '0')}Z`;
}

/** A MIME type as the v1 writer spells it: `type/sub;k=v,k2=v2`. */
function v1Mime(m: string | undefined): string {
  const [type, ...params] = (m ?? 'application/octet-stream').split(';').map((p) => p.trim());
  const ps = params.filter(Boolean).map((p) => p.replace(/="(.*)"$/, '=$1'));
  return ps.length ? `${type};${ps.join(',')}` : type;
}

const V1_WORD: Record<string, string> = {
  success: 'successful', fail: 'failure', skip: 'skip', xfail: 'xfail', uxsuccess: 'uxsuccess', inprogress: 'failure', unknown: 'failure',
};

/** One finished test as v1 text (subunit-2to1's layout); undefined for enumeration-only tests. */
export function testToV1(r: TestResult): Uint8Array | undefined {
  if (r.status === 'exists') return undefined;
  const parts: (string | Uint8Array)[] = [];
  if (r.start) parts.push(`time: ${v1Time(r.start)}\n`);
  if (r.tags.length) parts.push(`tags: ${r.tags.join(' ')}\n`);
  parts.push(`test: ${r.id}\n`);
  if (r.stop) parts.push(`time: ${v1Time(r.stop)}\n`);
  parts.push(`${V1_WORD[r.status]}: ${r.id} [ multipart\n`);
  for (const a of r.attachments) {
    parts.push(`Content-Type: ${v1Mime(a.mimeType)}\n${a.name}\n`);
    if (a.bytes.length) parts.push(`${a.bytes.length.toString(16).toUpperCase()}\r\n`, a.bytes);
    parts.push('0\r\n');
  }
  parts.push(']\n');
  if (r.tags.length) parts.push(`tags: ${r.tags.map((t) => '-' + t).join(' ')}\n`);
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
}
