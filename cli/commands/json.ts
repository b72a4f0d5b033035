import { STATUSES, type SubunitEvent } from '../../bindings/codec/events.js';
import type { Timestamp } from '../../bindings/codec/timestamp.js';
import { Output } from '../io.js';
import { openInputs, inputBytes } from '../source.js';
import { JsonLines } from '../jsonlines.js';
import { init, coreFor } from '../../bindings/codec/backend.js';
import { defineCommand, BACKEND_OPTION } from '../command.js';

type Write = (this: Uint8Array, s: string, at: number) => number;
type Slice = (this: Uint8Array, start: number, end: number) => string;
const { utf8Write, latin1Write, base64Slice } = Buffer.prototype as unknown as { utf8Write: Write; latin1Write: Write; base64Slice: Slice };

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const STATUS_FIELD = STATUSES.map((s) => ascii(`"status":"${s}",`));
const TEST_ID = ascii('{"testId":');
const OPEN = ascii('{');
const COMMA = ascii(',');
const TAGS = ascii('"tags":');
const RUNNABLE = ascii('"runnable":true');
const NOT_RUNNABLE = ascii('"runnable":false');
const MIME = ascii(',"mimeType":');
const FILE_NAME = ascii(',"fileName":');
const FILE_BYTES = ascii(',"fileBytes":"');
const EOF = ascii(',"eof":true');
const NOT_EOF = ascii(',"eof":false');
const ROUTE = ascii(',"routeCode":');
const TIMESTAMP = ascii(',"timestamp":"');
const LINE_END = ascii('}\n');
const LINE_END_QUOTED = ascii('Z"}\n');

/**
 * Events as JSON Lines, written as UTF-8 straight into one reused buffer: the
 * text of eventToJsonLine (bindings/adapters/jsonl.ts) plus a newline, without
 * a string per line. Printable ASCII strings are copied byte by byte; others go
 * through JSON.stringify. Strings that repeat from one event to the next (test
 * id, tags, route code) are escaped once.
 */
export class JsonLinesWriter {
  buf = Buffer.allocUnsafe(1 << 20);
  /** Bytes written so far. */
  at = 0;
  private second = -1;
  private secondText = '';

  /** Room for n more bytes (the buffer grows; its content is kept). */
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.at + n));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }

  private bytes(b: Uint8Array): void {
    this.room(b.length);
    const buf = this.buf;
    let at = this.at;
    for (let i = 0; i < b.length; i++) buf[at++] = b[i];
    this.at = at;
  }

  /** A string in JSON quotes, as JSON.stringify writes it. */
  private str(s: string): void {
    const n = s.length;
    this.room(n + 2);
    const buf = this.buf;
    let at = this.at;
    buf[at++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      // controls, quote, backslash and anything past ASCII: JSON.stringify decides
      if (c < 0x20 || c > 0x7e || c === 34 || c === 92) return this.escaped(s);
      buf[at++] = c;
    }
    buf[at++] = 34;
    this.at = at;
  }

  private escaped(s: string): void {
    const json = JSON.stringify(s);
    this.room(3 * json.length);
    this.at += utf8Write.call(this.buf, json, this.at);
  }

  private timestamp(t: Timestamp): void {
    if (t.seconds !== this.second) {
      this.second = t.seconds;
      this.secondText = new Date(t.seconds * 1000).toISOString().slice(0, 19);
    }
    this.room(this.secondText.length + 10);
    this.at += latin1Write.call(this.buf, this.secondText, this.at);
    const buf = this.buf;
    let nanos = t.nanos;
    buf[this.at] = 46; // '.'
    for (let i = 9; i > 0; i--) {
      buf[this.at + i] = 48 + (nanos % 10);
      nanos = Math.floor(nanos / 10);
    }
    this.at += 10;
  }

  add(e: SubunitEvent): void {
    const testId = e.testId;
    if (testId !== undefined) {
      this.bytes(TEST_ID);
      this.str(testId);
      this.bytes(COMMA);
    } else this.bytes(OPEN);
    const status = e.status;
    if (status !== undefined) this.bytes(STATUS_FIELD[STATUSES.indexOf(status)]);
    const tags = e.tags;
    if (tags !== undefined) {
      this.bytes(TAGS);
      this.room(1);
      this.buf[this.at++] = 91; // [
      for (let i = 0; i < tags.length; i++) {
        if (i > 0) {
          this.room(1);
          this.buf[this.at++] = 44;
        }
        this.str(tags[i]);
      }
      this.room(2);
      this.buf[this.at++] = 93; // ]
      this.buf[this.at++] = 44;
    }
    this.bytes(e.runnable ? RUNNABLE : NOT_RUNNABLE);
    const mimeType = e.mimeType;
    if (mimeType !== undefined) {
      this.bytes(MIME);
      this.str(mimeType);
    }
    const fileName = e.fileName;
    if (fileName !== undefined) {
      this.bytes(FILE_NAME);
      this.str(fileName);
      this.bytes(FILE_BYTES);
      const file = e.fileBytes;
      if (file && file.length) {
        const text = base64Slice.call(file, 0, file.length);
        this.room(text.length);
        this.at += latin1Write.call(this.buf, text, this.at);
      }
      this.room(1);
      this.buf[this.at++] = 34;
    }
    this.bytes(e.eof ? EOF : NOT_EOF);
    const routeCode = e.routeCode;
    if (routeCode !== undefined) {
      this.bytes(ROUTE);
      this.str(routeCode);
    }
    const timestamp = e.timestamp;
    if (timestamp !== undefined) {
      this.bytes(TIMESTAMP);
      this.timestamp(timestamp);
      this.bytes(LINE_END_QUOTED);
    } else this.bytes(LINE_END);
  }
}

/** Bytes of JSON held before they are written. */
const WRITE_FROM = 1 << 20;

export const json = defineCommand({
  name: 'json',
  summary: 'print the events of v2 streams as JSON Lines',
  usage: 'subunit json [--backend wasm|js] [FILE|-]...',
  description:
    'Decodes each input (stdin when none is given) and prints one JSON object per event,\n' +
    'in the canonical form of EVENTS-JSONL.md. Non-subunit bytes become "stdout" events;\n' +
    'damaged packets become the two "subunit.parser" events.',
  options: { backend: BACKEND_OPTION },
  async run({ context, values, positionals }) {
    const out = new Output();
    let buf: Buffer | undefined; // one line buffer for every input
    for await (const input of openInputs(positionals, { reuse: true })) {
      // gzip and v1 detected; an input that fails midway ends with what it held
      const { chunks } = await inputBytes(input, context);
      await init(values.backend);
      const lines = new JsonLines(coreFor(values.backend), buf);
      for await (const chunk of chunks) {
        for (const _ of lines.push(chunk)) if (lines.at >= WRITE_FROM) await out.writeThrough(lines.take());
      }
      lines.end();
      await out.writeThrough(lines.take());
      buf = lines.out;
      if (context.failure) break;
    }
    await out.flush();
    return 0;
  },
});
