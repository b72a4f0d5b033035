// `subunit json`'s lines written straight from the core's records: the text
// of eventToJsonLine (bindings/adapters/jsonl.ts) plus a newline, as UTF-8
// bytes, with no event object, string or Batch per packet.
import {
  RECORD_STRIDE, KIND_PACKET, KIND_CHATTER, R_KIND, R_START, R_LENGTH, R_FLAGS, R_SECONDS, R_NANOS, R_TESTID_OFF,
  R_TESTID_LEN, R_TAGS_OFF, R_TAGS_COUNT, R_DETAIL_A, R_DETAIL_B, R_DETAIL_C, R_DETAIL_D, R_MIME_OFF, R_MIME_LEN,
  R_NAME_OFF, R_NAME_LEN, R_FILE_OFF, R_FILE_LEN, R_ROUTE_OFF, R_ROUTE_LEN, F_TEST_ID, F_ROUTE_CODE, F_TIMESTAMP,
  F_RUNNABLE, F_TAGS, F_FILE, F_MIME, F_EOF, F_STATUS, R_VALUE_IDS, VALUE_ID_MAX,
} from '../assembly/layout.js';
import { ChunkedPass } from '../bindings/codec/pass.js';
import type { Core } from '../bindings/codec/core.js';
import { STATUSES, readString, errorReason } from '../bindings/codec/events.js';

type Write = (this: Uint8Array, s: string, at: number) => number;
type Slice = (this: Uint8Array, start: number, end: number) => string;
const { utf8Write, latin1Write, base64Slice } = Buffer.prototype as unknown as { utf8Write: Write; latin1Write: Write; base64Slice: Slice };

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** ASCII text to copy (see put): its bytes, and the whole four-byte words of them as little-endian numbers. */
interface Text {
  bytes: Uint8Array;
  words: Int32Array;
}
function text(s: string): Text {
  const bytes = ascii(s);
  const t = { bytes, words: new Int32Array(bytes.length >> 2) };
  setWords(t);
  return t;
}
/** Make a Text's words again from its bytes. */
function setWords({ bytes: b, words }: Text): void {
  for (let i = 0; i < words.length; i++) words[i] = b[4 * i] | (b[4 * i + 1] << 8) | (b[4 * i + 2] << 16) | (b[4 * i + 3] << 24);
}
const STATUS_FIELD = STATUSES.map((s) => text(`"status":"${s}",`));
const TEST_ID = text('{"testId":');
const TAGS = text('"tags":[');
const RUNNABLE = text('"runnable":true');
const NOT_RUNNABLE = text('"runnable":false');
const MIME = text(',"mimeType":');
const FILE_NAME = text(',"fileName":');
const FILE_BYTES = text(',"fileBytes":"');
const EOF = text(',"eof":true');
const NOT_EOF = text(',"eof":false');
const ROUTE = text(',"routeCode":');
const TIMESTAMP = text(',"timestamp":"');
/** runnable, eof and the routeCode key in one copy, for a packet with no file fields: [runnable][eof][route]. */
const MIDDLE = [false, true].map((run) =>
  [false, true].map((eof) =>
    [false, true].map((route) => text(`"runnable":${run},"eof":${eof}${route ? ',"routeCode":' : ''}`)),
  ),
);
/** Line templates per call: a hash table of 2^TEMPLATE_BITS slots (a collision only costs a line written field by field). */
const TEMPLATE_BITS = 10;
const TEMPLATES = 1 << TEMPLATE_BITS;
/** 1 for the bytes a JSON string holds as they are (printable ASCII but " and \\). */
const PLAIN = Uint8Array.from({ length: 256 }, (_, c) => (c >= 0x20 && c <= 0x7e && c !== 34 && c !== 92 ? 1 : 0));
const LINE_END = text('}\n');
const LINE_END_QUOTED = text('Z"}\n');
// the fixed parts of the lines of a chatter run and of a damaged span (as ChatterEvent, DamagedBytesEvent, ParserErrorEvent)
const CHATTER_HEAD = ascii('{"runnable":true,"fileName":"stdout","fileBytes":"');
const CHATTER_TAIL = ascii('","eof":false}\n');
const DAMAGED_HEAD = ascii('{"testId":"subunit.parser","runnable":true,"mimeType":"application/octet-stream","fileName":"Packet data","fileBytes":"');
const REASON_HEAD = ascii(
  '","eof":true}\n{"testId":"subunit.parser","status":"fail","runnable":true,"mimeType":"text/plain;charset=utf8","fileName":"Parser Error","fileBytes":"',
);
const DAMAGED_TAIL = ascii('","eof":true}\n');

/**
 * A chunked pass over one input that writes its events' JSON lines into
 * `out`. A core call that the pass undoes (it ended in chatter that the next
 * bytes go on with) wrote lines that must not stay: lines count only once
 * their call is yielded (`committed`); the next call writes over the rest.
 */
export class JsonLines extends ChunkedPass<true> {
  out: Buffer;
  /** Bytes written; out[0, at) are whole lines between the steps of push(). */
  at = 0;
  /** End of the lines of calls the pass kept. */
  private committed = 0;
  /** Room that packet() made for its line. */
  private lineRoom = 0;
  /** The second of the last timestamp, and its text: YYYY-MM-DDTHH:MM:SS. (remade when it changes). */
  private second = -1;
  private readonly stamp: Text = { bytes: new Uint8Array(20), words: new Int32Array(5) };
  private day = -1;
  /** A view of the window step() is in, for str()'s four-byte reads. */
  private input: DataView = new DataView(new ArrayBuffer(0));
  /** Count of core calls; a tag set's text is reused only in the call that wrote it (ids are per call). */
  private call = 0;
  /** Per tag-set value id: the call and the out[start, start + length) of its "tags":[…], text. */
  private readonly tagCall = new Int32Array(VALUE_ID_MAX + 1).fill(-1);
  private readonly tagStart = new Int32Array(VALUE_ID_MAX + 1);
  private readonly tagLength = new Int32Array(VALUE_ID_MAX + 1);
  /** A view of `out` for put()'s four-byte writes. */
  private view: DataView;
  /**
   * Line templates of this call (see packet()): per hash slot, the key, the
   * call and out[start, start + length).
   */
  private readonly tplKey = new Int32Array(TEMPLATES);
  private readonly tplCall = new Int32Array(TEMPLATES).fill(-1);
  private readonly tplStart = new Int32Array(TEMPLATES);
  private readonly tplLength = new Int32Array(TEMPLATES);

  constructor(core: Core, out: Buffer = Buffer.allocUnsafe(1 << 20)) {
    super(core);
    this.out = out;
    this.view = new DataView(out.buffer, out.byteOffset, out.length);
    this.recycle = true; // the lines are copies: nothing views a chunk once push() is done with it
  }

  /**
   * Write the lines of a chunk, pausing after each core call's lines (to
   * take() them, if you like). Run it to the end before
   * the next push.
   */
  *push(chunk: Uint8Array): Generator<void> {
    for (const _ of this.pushLazily(chunk)) {
      this.committed = this.at;
      yield;
    }
    this.at = this.committed;
  }

  /**
   * Write the lines of `n` bytes read into fillArea() (0: the end of input),
   * pausing after each core call's lines as push() does.
   */
  *fill(n: number): Generator<void> {
    for (const _ of this.filled(n)) {
      this.committed = this.at;
      yield;
    }
  }

  /** The end of the input: lines for what is still pending (a cut packet becomes the parser-error lines). */
  end(): void {
    this.endItems(); // never undone: nothing follows
    this.committed = this.at;
  }

  /** Take out[0, at) as written; the next lines start at 0 again. */
  take(): Buffer {
    const lines = this.out.subarray(0, this.at);
    this.at = this.committed = 0;
    return lines;
  }

  protected step(window: Uint8Array, pos: number, eof: boolean, ctx: number, ctxLen: number): true | null {
    const core = this.core;
    this.at = this.committed; // lines of an undone call
    const count = core.scan(window, pos, eof, ctx, ctxLen, true);
    this.call++;
    this.input = new DataView(window.buffer, window.byteOffset, window.length);
    const rec = core.records;
    const base = core.base;
    for (let r = 0, end = count * RECORD_STRIDE; r < end; r += RECORD_STRIDE) {
      const kind = rec[r + R_KIND];
      if (kind === KIND_PACKET) this.packet(window, rec, r, base);
      else {
        const start = base + rec[r + R_START];
        const bytes = window.subarray(start, start + rec[r + R_LENGTH]);
        if (kind === KIND_CHATTER) {
          this.bytes(CHATTER_HEAD);
          this.base64(bytes);
          this.bytes(CHATTER_TAIL);
        } else {
          const reason = errorReason(rec[r + R_FLAGS], rec[r + R_DETAIL_A], rec[r + R_DETAIL_B], rec[r + R_DETAIL_C], rec[r + R_DETAIL_D]);
          this.bytes(DAMAGED_HEAD);
          this.base64(bytes);
          this.bytes(REASON_HEAD);
          this.base64(Buffer.from(`${reason} (at byte ${this.offset + start})`));
          this.bytes(DAMAGED_TAIL);
        }
      }
    }
    return count > 0 ? true : null;
  }

  /**
   * One packet's line. Room for the whole line is made first (every field's
   * text is at most three times its bytes, base64 4/3), then it is written
   * with the position in a local: no bounds check or field store per part.
   */
  private packet(b: Uint8Array, rec: Int32Array, r: number, base: number): void {
    const flags = rec[r + R_FLAGS];
    this.lineRoom = 256 + 3 * rec[r + R_LENGTH];
    this.room(this.lineRoom);
    let buf = this.out;
    let view = this.view;
    let at = this.at;
    if (flags & F_TEST_ID) {
      at = put(view, buf, at, TEST_ID);
      at = this.str(buf, at, b, base + rec[r + R_TESTID_OFF], rec[r + R_TESTID_LEN]);
      buf = this.out;
      view = this.view;
      buf[at++] = 44; // ,
    } else buf[at++] = 123; // {
    let seconds = rec[r + R_SECONDS] >>> 0;
    let nanos = rec[r + R_NANOS];
    // the wire allows nanoseconds up to 2^30 - 1: they carry into the seconds, as in Timestamp
    if (nanos >= 1e9) {
      seconds += 1;
      nanos -= 1e9;
    }
    // Most lines of a run differ from an earlier one of the call only in the
    // test id and the timestamp: the text between them (status, tags,
    // runnable, eof, route code, the timestamp's key) is the same for the
    // same flags, tag set and route code (value ids). The first such line is
    // written field by field and its text is copied for the others in one
    // native call (a third of the time of the fields).
    let slot = -1;
    let key = 0;
    const ids = rec[r + R_VALUE_IDS];
    if ((flags & (F_MIME | F_FILE)) === 0 && (!(flags & F_TAGS) || (ids & 0xff) !== 0) && (!(flags & F_ROUTE_CODE) || ids >>> 24 !== 0)) {
      key = (flags & 0x7ff) | ((ids & 0xff) << 12) | ((ids >>> 24) << 20); // the flags but the version and F_TEST_ID
      slot = Math.imul(key, 0x9e3779b1) >>> (32 - TEMPLATE_BITS);
      if (this.tplKey[slot] === key && this.tplCall[slot] === this.call) {
        const from = this.tplStart[slot];
        const n = this.tplLength[slot];
        buf.copyWithin(at, from, from + n);
        this.at = this.lineEnd(view, buf, at + n, flags, seconds, nanos);
        return;
      }
    }
    const lineAt = at;
    if (flags & F_STATUS) at = put(view, buf, at, STATUS_FIELD[(flags & F_STATUS) - 1]);
    const tagId = ids & 0xff;
    if (tagId !== 0 && this.tagCall[tagId] === this.call) {
      // the same tag set earlier in this call: copy its text (out keeps its offsets when it grows)
      const from = this.tagStart[tagId];
      const n = this.tagLength[tagId];
      let i = 0;
      for (; i + 4 <= n; i += 4) view.setInt32(at + i, view.getInt32(from + i, true), true);
      for (; i < n; i++) buf[at + i] = buf[from + i];
      at += n;
    } else if (flags & F_TAGS) {
      const tagsAt = at;
      at = put(view, buf, at, TAGS);
      let p = base + rec[r + R_TAGS_OFF];
      for (let i = 0, n = rec[r + R_TAGS_COUNT]; i < n; i++) {
        if (i > 0) buf[at++] = 44;
        // a length varint (1–4 bytes) and the tag
        const w = (b[p] >> 6) + 1;
        let len = b[p] & 0x3f;
        for (let k = 1; k < w; k++) len = (len << 8) | b[p + k];
        at = this.str(buf, at, b, p + w, len);
        buf = this.out;
      view = this.view;
        p += w + len;
      }
      buf[at++] = 93; // ]
      buf[at++] = 44;
      if (tagId !== 0) {
        this.tagCall[tagId] = this.call;
        this.tagStart[tagId] = tagsAt;
        this.tagLength[tagId] = at - tagsAt;
      }
    }
    const route = (flags & F_ROUTE_CODE) !== 0;
    if ((flags & (F_MIME | F_FILE)) === 0) {
      // the common packet: runnable, eof and the routeCode key in one copy
      at = put(view, buf, at, MIDDLE[+((flags & F_RUNNABLE) !== 0)][+((flags & F_EOF) !== 0)][+route]);
    } else {
      at = put(view, buf, at, flags & F_RUNNABLE ? RUNNABLE : NOT_RUNNABLE);
      if (flags & F_MIME) {
        at = put(view, buf, at, MIME);
        at = this.str(buf, at, b, base + rec[r + R_MIME_OFF], rec[r + R_MIME_LEN]);
        buf = this.out;
        view = this.view;
      }
      if (flags & F_FILE) {
        at = put(view, buf, at, FILE_NAME);
        at = this.str(buf, at, b, base + rec[r + R_NAME_OFF], rec[r + R_NAME_LEN]);
        buf = this.out;
        view = this.view;
        at = put(view, buf, at, FILE_BYTES);
        const off = base + rec[r + R_FILE_OFF];
        const len = rec[r + R_FILE_LEN];
        if (len > 0) at += latin1Write.call(buf, base64Slice.call(b, off, off + len), at);
        buf[at++] = 34;
      }
      at = put(view, buf, at, flags & F_EOF ? EOF : NOT_EOF);
      if (route) at = put(view, buf, at, ROUTE);
    }
    if (route) {
      at = this.str(buf, at, b, base + rec[r + R_ROUTE_OFF], rec[r + R_ROUTE_LEN]);
      buf = this.out;
      view = this.view;
    }
    if (flags & F_TIMESTAMP) at = put(view, buf, at, TIMESTAMP);
    if (slot >= 0) {
      this.tplKey[slot] = key;
      this.tplCall[slot] = this.call;
      this.tplStart[slot] = lineAt;
      this.tplLength[slot] = at - lineAt;
    }
    this.at = this.lineEnd(view, buf, at, flags, seconds, nanos);
  }

  /** The end of a packet's line at buf[at …]: the timestamp's value, if any, and the closing bytes. */
  private lineEnd(view: DataView, buf: Uint8Array, at: number, flags: number, seconds: number, nanos: number): number {
    if (!(flags & F_TIMESTAMP)) return put(view, buf, at, LINE_END);
    if (seconds !== this.second) this.setSecond(seconds);
    at = put(view, buf, at, this.stamp);
    // nine digits of nanoseconds, three at a time
    const hi = Math.floor(nanos / 1e6);
    const rest = nanos - hi * 1e6;
    const mid = Math.floor(rest / 1000);
    at = digits3(buf, at, hi);
    at = digits3(buf, at, mid);
    at = digits3(buf, at, rest - mid * 1000);
    return put(view, buf, at, LINE_END_QUOTED);
  }

  /**
   * Make the stamp of another second: the date once per day (its digits in
   * the same place), the time of day by arithmetic (a Date per second cost
   * 15 %), in place.
   */
  private setSecond(seconds: number): void {
    this.second = seconds;
    const t = this.stamp.bytes;
    const day = Math.floor(seconds / 86400);
    if (day !== this.day) {
      this.day = day;
      const date = new Date(day * 86400_000).toISOString(); // YYYY-MM-DDT…: seconds are u32, so four-digit years
      for (let i = 0; i < 11; i++) t[i] = date.charCodeAt(i);
    }
    const inDay = seconds - day * 86400;
    const hours = Math.floor(inDay / 3600);
    const minutes = Math.floor((inDay - hours * 3600) / 60);
    digits2(t, 11, hours);
    t[13] = 58; // :
    digits2(t, 14, minutes);
    t[16] = 58;
    digits2(t, 17, inDay - hours * 3600 - minutes * 60);
    t[19] = 46; // .
    setWords(this.stamp);
  }

  /** Room for n more bytes (the buffer grows; its content is kept). */
  private room(n: number): void {
    if (this.at + n <= this.out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.out.length, this.at + n));
    this.out.copy(grown, 0, 0, this.at);
    this.out = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
  }

  private bytes(s: Uint8Array): void {
    this.room(s.length);
    const buf = this.out;
    let at = this.at;
    for (let i = 0; i < s.length; i++) buf[at++] = s[i];
    this.at = at;
  }

  /**
   * Write the validated UTF-8 string b[off, off + len) at buf[at …] in JSON
   * quotes, as JSON.stringify writes it; returns where it ends. `out` may
   * have grown (a string that needs escapes): the caller reloads it.
   */
  private str(buf: Uint8Array, at: number, b: Uint8Array, off: number, len: number): number {
    const from = at;
    buf[at++] = 34;
    let i = off;
    const end = off + len;
    // four bytes at a time while none needs a look (a test id is mostly plain ASCII)
    const input = this.input;
    const view = this.view;
    for (; i + 4 <= end; i += 4, at += 4) {
      const w = input.getInt32(i, true);
      if (notPlain(w)) break;
      view.setInt32(at, w, true);
    }
    for (; i < end; i++) {
      const c = b[i];
      // controls, quote, backslash and anything past ASCII: JSON.stringify decides
      if (PLAIN[c] === 0) {
        const json = JSON.stringify(readString(b, off, len));
        this.at = from;
        this.room(3 * json.length + this.lineRoom); // and the rest of the line
        return from + utf8Write.call(this.out, json, from);
      }
      buf[at++] = c;
    }
    buf[at++] = 34;
    return at;
  }

  private base64(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const text = base64Slice.call(bytes, 0, bytes.length);
    this.room(text.length);
    this.at += latin1Write.call(this.out, text, this.at);
  }
}

/**
 * Whether any of the four bytes of w is not PLAIN: below 0x20, above 0x7e,
 * a quote or a backslash (the word tests of "Bit Twiddling Hacks": a byte
 * less than n, more than n, equal to zero).
 */
function notPlain(w: number): number {
  const q = w ^ 0x22222222;
  const s = w ^ 0x5c5c5c5c;
  return (((w - 0x20202020) & ~w) | (w + 0x01010101) | w | ((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s)) & 0x80808080;
}

/**
 * Copy a constant of a few dozen bytes, four at a time (a third of the time
 * of a byte loop, which beats set()'s call); `view` views `buf`.
 */
function put(view: DataView, buf: Uint8Array, at: number, t: Text): number {
  const words = t.words;
  for (let i = 0; i < words.length; i++, at += 4) view.setInt32(at, words[i], true);
  const bytes = t.bytes;
  for (let i = 4 * words.length; i < bytes.length; i++) buf[at++] = bytes[i];
  return at;
}

/** n (0–99) as two decimal digits. */
function digits2(buf: Uint8Array, at: number, n: number): number {
  const t = Math.floor(n / 10);
  buf[at] = 48 + t;
  buf[at + 1] = 48 + n - t * 10;
  return at + 2;
}

/** "000" … "999", three bytes each: a load instead of two divisions per digit group. */
const DIGITS3 = ascii(Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0')).join(''));

/** n (0–999) as three decimal digits. */
function digits3(buf: Uint8Array, at: number, n: number): number {
  const d = 3 * n;
  buf[at] = DIGITS3[d];
  buf[at + 1] = DIGITS3[d + 1];
  buf[at + 2] = DIGITS3[d + 2];
  return at + 3;
}
