// Events: what a packet says, read lazily from the bytes the record points at.
import {
  RECORD_STRIDE, KIND_PACKET, KIND_CHATTER, KIND_ERROR, R_KIND, R_START, R_LENGTH, R_FLAGS, R_SECONDS, R_NANOS,
  R_TESTID_OFF, R_TESTID_LEN, R_TAGS_OFF, R_TAGS_COUNT, R_DETAIL_A, R_DETAIL_B, R_DETAIL_C, R_DETAIL_D, R_MIME_OFF, R_NAME_OFF,
  R_FILE_OFF, R_FILE_LEN, R_ROUTE_OFF, R_TESTID_TEXT, R_VALUE_IDS, TEXT_CHUNK, F_TEST_ID, F_ROUTE_CODE, F_TIMESTAMP, F_RUNNABLE,
  F_TAGS, F_FILE, F_MIME, F_EOF, F_STATUS, ERR_TRUNCATED, ERR_CRC, ERR_OVERRUN, ERR_UTF8, ERR_NUL,
  ERR_TRAILING,
} from '../../assembly/layout.js';
import { Timestamp } from './timestamp.js';
import { toBase64 } from './base64.js';

export const STATUSES = ['exists', 'inprogress', 'success', 'uxsuccess', 'skip', 'fail', 'xfail'] as const;
export type Status = (typeof STATUSES)[number];

/** Status bits (1–7) → name; 0 (undefined) → undefined. */
export function statusName(bits: number): Status | undefined {
  return bits === 0 ? undefined : STATUSES[bits - 1];
}

/** Where an event came from in the byte stream. */
export type EventSource = 'packet' | 'chatter' | 'parser-error';

/** One decoded event: every field a v2 packet can carry. */
export interface SubunitEvent {
  readonly testId?: string;
  readonly status?: Status;
  /** Tags in the order the packet holds them; frozen, and shared by decoded packets with the same tags. */
  readonly tags?: readonly string[];
  readonly runnable: boolean;
  readonly mimeType?: string;
  readonly fileName?: string;
  /** A view of the input bytes: copy it if you reuse the input buffer. */
  readonly fileBytes?: Uint8Array;
  readonly eof: boolean;
  readonly routeCode?: string;
  readonly timestamp?: Timestamp;
  readonly source: EventSource;
  /** Byte offset of the packet (or chatter run, or damaged span) in the stream. */
  readonly offset: number;
  /** Its length in bytes. */
  readonly length: number;
}

/** What the encoder accepts: any event, or a plain object with the same fields. */
export interface EventInit {
  testId?: string;
  status?: Status;
  tags?: readonly string[];
  /** Defaults to true, as in python-subunit. */
  runnable?: boolean;
  mimeType?: string;
  fileName?: string;
  fileBytes?: Uint8Array;
  eof?: boolean;
  routeCode?: string;
  timestamp?: Timestamp | Date;
}

const TEXT_CHUNK_BITS = Math.log2(TEXT_CHUNK);

// ignoreBOM keeps a leading U+FEFF: it is part of the string on the wire
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
// Node's native slice decoders take any Uint8Array and cost about half a
// TextDecoder call (utf8Slice also keeps a BOM); other engines use TextDecoder.
type Slicer = (this: Uint8Array, start: number, end: number) => string;
const nodeBuffer = (globalThis as { Buffer?: { prototype: { utf8Slice?: Slicer; latin1Slice?: Slicer } } }).Buffer?.prototype;
const nodeUtf8Slice = nodeBuffer?.utf8Slice;
const nodeLatin1Slice = nodeBuffer?.latin1Slice;

/** Decode bytes known to be ASCII (the core's text area): latin1 is Node's cheapest decoder, 3× utf8's. */
export function readAscii(b: Uint8Array, off: number, len: number): string {
  return nodeLatin1Slice ? nodeLatin1Slice.call(b, off, off + len) : utf8.decode(b.subarray(off, off + len));
}

/** Decode validated UTF-8. Short ASCII strings (tags, route codes) skip the native call. */
export function readString(b: Uint8Array, off: number, len: number): string {
  if (len <= 16) {
    let s = '';
    for (let i = off; i < off + len; i++) {
      const c = b[i];
      if (c >= 0x80) return decodeUtf8(b, off, len);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decodeUtf8(b, off, len);
}

function decodeUtf8(b: Uint8Array, off: number, len: number): string {
  return nodeUtf8Slice ? nodeUtf8Slice.call(b, off, off + len) : utf8.decode(b.subarray(off, off + len));
}

/**
 * What the events of one core call share: the window, their own copy of the
 * record table, and the call's text area decoded once (its ASCII test ids).
 */
export interface Batch {
  readonly bytes: Uint8Array;
  /** Stream offset of bytes[0]. */
  readonly offset: number;
  /** Its records, RECORD_STRIDE each. */
  readonly rec: Int32Array;
  /** Where the core's offsets start in `bytes`. */
  readonly base: number;
  /** The text area, decoded chunk by chunk (TEXT_CHUNK bytes each). */
  readonly text: readonly string[];
  /** The test id cut from the text area last, and its offset there. */
  lastText: number;
  lastId: string | undefined;
  /**
   * The values of this call's R_VALUE_IDS, made when first read: field byte
   * (0 tags, 1 MIME type, 2 file name, 3 route code) × 256 + id.
   */
  values: (string | readonly string[] | undefined)[] | null;
}

/**
 * Whether a reader has read a field that R_VALUE_IDS covers: until then
 * scans do not ask for ids, so readers of test ids and statuses pay nothing.
 */
let idsWanted = false;
export function valueIdsWanted(): boolean {
  return idsWanted;
}

/** The bytes of one tag: its length prefix (1–4 bytes) and its text. */
function tagWidth(b: Uint8Array, p: number): number {
  const w = (b[p] >> 6) + 1;
  let len = b[p] & 0x3f;
  for (let k = 1; k < w; k++) len = (len << 8) | b[p + k];
  return w + len;
}

/**
 * Values made from short byte strings, found again by their bytes: a run's
 * route codes, MIME types, file names and tag sets are a few distinct values
 * repeated in every packet, so hashing and comparing the bytes is cheaper
 * than decoding a string (and allocating it) per read. Two ways per set (a
 * direct-mapped table thrashed on the small-packet stream's 16 tag sets:
 * two of them shared a slot); a miss replaces the way not filled last. Keys
 * are copies (the input may be reused).
 */
class ByteCache<T> {
  private readonly keys: Uint8Array;
  private readonly lens: Int32Array;
  private readonly values: (T | undefined)[];
  /** Per set: the way set() fills next. */
  private readonly victim: Uint8Array;
  /** The set the last get() hashed to (where set() puts its value). */
  private set0 = 0;
  /** The hash's top bits pick the set. */
  private readonly shift: number;

  constructor(
    private readonly sets: number,
    /** Longer keys are not cached. */
    readonly width: number,
  ) {
    this.keys = new Uint8Array(2 * sets * width);
    this.lens = new Int32Array(2 * sets).fill(-1);
    this.values = new Array<T | undefined>(2 * sets).fill(undefined);
    this.victim = new Uint8Array(sets);
    this.shift = 32 - Math.log2(sets);
  }

  /** The value cached for b[start, end), or undefined; a set() of the same range must follow a miss. */
  get(b: Uint8Array, start: number, end: number): T | undefined {
    const len = end - start;
    // four sampled bytes and the length, loaded independently: hashing every
    // byte was a chain of dependent multiplies (values of one field differ at
    // their ends or in their length: worker-3, worker-12, 0/1, text/plain…)
    let h = len;
    if (len > 0) h ^= (b[start] << 8) ^ (b[start + (len >> 1)] << 16) ^ (b[end - 2 + (len === 1 ? 1 : 0)] << 24) ^ (b[end - 1] << 4);
    h = Math.imul(h, 0x9e3779b1);
    const set = (this.set0 = h >>> this.shift);
    const way = 2 * set;
    if (this.lens[way] === len && this.sameKey(way, b, start, len)) return this.values[way];
    if (this.lens[way + 1] === len && this.sameKey(way + 1, b, start, len)) return this.values[way + 1];
    return undefined;
  }

  private sameKey(way: number, b: Uint8Array, start: number, len: number): boolean {
    const keys = this.keys;
    for (let i = 0, k = way * this.width; i < len; i++) if (keys[k + i] !== b[start + i]) return false;
    return true;
  }

  set(b: Uint8Array, start: number, end: number, value: T): T {
    const len = end - start;
    if (len > this.width) return value;
    const set = this.set0;
    const way = 2 * set + this.victim[set];
    this.victim[set] ^= 1;
    // a loop, not subarray() + set(): two native calls cost more than ≤ 64 bytes
    for (let i = 0, k = way * this.width; i < len; i++) this.keys[k + i] = b[start + i];
    this.lens[way] = len;
    this.values[way] = value;
    return value;
  }
}

/** Short strings other than test ids (route codes, MIME types, file names, tags). */
const strings = new ByteCache<string>(256, 64);
/** Tag sets by their wire bytes: shared, frozen arrays. */
const tagSets = new ByteCache<readonly string[]>(128, 64);

/** readString for a field whose values repeat. */
function readCached(b: Uint8Array, off: number, len: number): string {
  const end = off + len;
  if (len > strings.width) return readString(b, off, len);
  return strings.get(b, off, end) ?? strings.set(b, off, end, readString(b, off, len));
}

/** The tags at b[start …], `n` of them: the same frozen array for the same bytes. */
function readTags(b: Uint8Array, start: number, n: number): readonly string[] {
  let end = start;
  for (let i = 0; i < n; i++) end += tagWidth(b, end);
  const cached = end - start <= tagSets.width ? tagSets.get(b, start, end) : undefined;
  if (cached !== undefined) return cached;
  const tags: string[] = [];
  for (let p = start, i = 0; i < n; i++) {
    const w = (b[p] >> 6) + 1;
    const size = tagWidth(b, p);
    tags.push(readCached(b, p + w, size - w));
    p += size;
  }
  return tagSets.set(b, start, end, Object.freeze(tags));
}

/**
 * A well-formed packet: its batch and record index; fields are read from the
 * bytes when asked for. Only its flags (read by every getter) and the test id
 * (read by nearly every consumer, often twice) are kept; caching the rarer
 * fields too cost 5 % of decode on the real run (bigger objects). An ASCII test id is a slice of the batch's text (no
 * decoder call; it keeps that string, at most the batch's test ids, alive).
 */
class PacketEvent implements SubunitEvent {
  private readonly batch: Batch;
  private readonly at: number;
  /** Read by every getter: kept, not re-read from the record through the batch. */
  private readonly flags: number;
  private _testId: string | undefined = undefined;

  constructor(batch: Batch, at: number) {
    this.batch = batch;
    this.at = at;
    this.flags = batch.rec[at + R_FLAGS];
  }

  get offset(): number {
    const b = this.batch;
    return b.offset + b.base + b.rec[this.at + R_START];
  }
  get length(): number {
    return this.batch.rec[this.at + R_LENGTH];
  }

  get source(): 'packet' {
    return 'packet';
  }

  /** A MIME type, file name or route code: the call's value for its id (byte `shift` / 8 of R_VALUE_IDS), else looked up. */
  private str(flag: number, slot: number, shift: number): string | undefined {
    if (!(this.flags & flag)) return undefined;
    const b = this.batch;
    const id = (b.rec[this.at + R_VALUE_IDS] >>> shift) & 0xff;
    if (id === 0) {
      idsWanted = true;
      return readCached(b.bytes, b.base + b.rec[this.at + slot], b.rec[this.at + slot + 1]);
    }
    const values = (b.values ??= new Array(1024));
    const k = (shift << 5) | id;
    return (values[k] as string | undefined) ?? (values[k] = readCached(b.bytes, b.base + b.rec[this.at + slot], b.rec[this.at + slot + 1]));
  }

  get testId() {
    if (this._testId === undefined && this.flags & F_TEST_ID) {
      const b = this.batch;
      const t = b.rec[this.at + R_TESTID_TEXT];
      // test ids are mostly distinct: decoded, not looked up
      if (t < 0) this._testId = readString(b.bytes, b.base + b.rec[this.at + R_TESTID_OFF], b.rec[this.at + R_TESTID_LEN]);
      else {
        // packets in a row that share a copy share its string
        if (b.lastText !== t) {
          const off = t & (TEXT_CHUNK - 1);
          b.lastText = t;
          b.lastId = b.text[t >> TEXT_CHUNK_BITS].slice(off, off + b.rec[this.at + R_TESTID_LEN]);
        }
        this._testId = b.lastId;
      }
    }
    return this._testId;
  }
  get routeCode() {
    return this.str(F_ROUTE_CODE, R_ROUTE_OFF, 24);
  }
  get mimeType() {
    return this.str(F_MIME, R_MIME_OFF, 8);
  }
  get fileName() {
    return this.str(F_FILE, R_NAME_OFF, 16);
  }
  get status() {
    return statusName(this.flags & F_STATUS);
  }
  get runnable() {
    return (this.flags & F_RUNNABLE) !== 0;
  }
  get eof() {
    return (this.flags & F_EOF) !== 0;
  }

  get fileBytes(): Uint8Array | undefined {
    if (!(this.flags & F_FILE)) return undefined;
    const { bytes, rec, base } = this.batch;
    const off = base + rec[this.at + R_FILE_OFF];
    return bytes.subarray(off, off + rec[this.at + R_FILE_LEN]);
  }

  get timestamp(): Timestamp | undefined {
    if (!(this.flags & F_TIMESTAMP)) return undefined;
    const rec = this.batch.rec;
    return new Timestamp(rec[this.at + R_SECONDS] >>> 0, rec[this.at + R_NANOS]);
  }

  get tags(): readonly string[] | undefined {
    if (!(this.flags & F_TAGS)) return undefined;
    const b = this.batch;
    const id = b.rec[this.at + R_VALUE_IDS] & 0xff;
    if (id === 0) {
      idsWanted = true;
      return readTags(b.bytes, b.base + b.rec[this.at + R_TAGS_OFF], b.rec[this.at + R_TAGS_COUNT]);
    }
    const values = (b.values ??= new Array(1024));
    return (values[id] as readonly string[] | undefined) ?? (values[id] = readTags(b.bytes, b.base + b.rec[this.at + R_TAGS_OFF], b.rec[this.at + R_TAGS_COUNT]));
  }

  toJSON() {
    return eventToJSON(this);
  }
}

/** A plain event (chatter, parser errors, events built by callers). */
class PlainEvent implements SubunitEvent {
  testId?: string;
  status?: Status;
  mimeType?: string;
  fileName?: string;
  fileBytes?: Uint8Array;
  runnable = true;
  eof = false;
  constructor(
    readonly source: EventSource,
    readonly offset: number,
    readonly length: number,
    fields: Partial<SubunitEvent>,
  ) {
    Object.assign(this, fields);
  }
  toJSON() {
    return eventToJSON(this);
  }
}

const FIELD_NAMES = ['', 'timestamp', 'test id', 'tags', 'MIME type', 'file name', 'file content', 'route code'];

/** One line, for humans, saying why a damaged span was not a packet. */
export function errorReason(code: number, a: number, b: number, c: number, d: number): string {
  switch (code) {
    case ERR_CRC:
      return `Bad checksum - calculated (0x${(a >>> 0).toString(16)}), stored (0x${(b >>> 0).toString(16)})`;
    case ERR_TRUNCATED:
      return b > 0
        ? `Truncated packet - stream ends after ${a} of ${b} bytes`
        : `Truncated packet header - stream ends after ${a} bytes`;
    case ERR_OVERRUN:
      return `${FIELD_NAMES[a]} at offset ${b} extends past end of packet: claimed ${c} bytes, ${d} available`;
    case ERR_UTF8:
      return `${FIELD_NAMES[a]} is not valid UTF-8 (byte at offset ${b})`;
    case ERR_NUL:
      return `${FIELD_NAMES[a]} contains a NUL byte at offset ${b}`;
    case ERR_TRAILING:
      return `${a} unused bytes after the last field at offset ${b}`;
    default:
      return `unknown decoder error ${code}`;
  }
}

const encoder = new TextEncoder();

/** The "Parser Error" event after a damaged span; its message is made only when read (hostile input makes many). */
class ParserErrorEvent implements SubunitEvent {
  readonly source = 'parser-error' as const;
  readonly length = 0;
  readonly testId = 'subunit.parser';
  readonly status = 'fail' as const;
  readonly fileName = 'Parser Error';
  readonly mimeType = 'text/plain;charset=utf8';
  readonly runnable = true;
  readonly eof = true;
  private bytes: Uint8Array | undefined;
  // the record's error code and details (R_FLAGS, R_DETAIL_A … R_DETAIL_D)
  private readonly code: number;
  private readonly a: number;
  private readonly b: number;
  private readonly c: number;
  private readonly d: number;
  constructor(
    readonly offset: number,
    rec: Int32Array,
    at: number,
  ) {
    this.code = rec[at + R_FLAGS];
    this.a = rec[at + R_DETAIL_A];
    this.b = rec[at + R_DETAIL_B];
    this.c = rec[at + R_DETAIL_C];
    this.d = rec[at + R_DETAIL_D];
  }
  get fileBytes(): Uint8Array {
    return (this.bytes ??= encoder.encode(`${errorReason(this.code, this.a, this.b, this.c, this.d)} (at byte ${this.offset})`));
  }
  toJSON() {
    return eventToJSON(this);
  }
}

/**
 * Bytes of the input that are not a packet: a chatter run, or the bytes of a
 * damaged span (the first of its two parser-error events). One object each,
 * its view made when read: hostile input makes one of these every few bytes.
 */
abstract class SpanEvent implements SubunitEvent {
  abstract readonly source: EventSource;
  abstract readonly fileName: string;
  abstract readonly eof: boolean;
  constructor(
    protected readonly bytes: Uint8Array,
    protected readonly start: number,
    readonly length: number,
    readonly offset: number,
  ) {}
  get runnable() {
    return true;
  }
  get fileBytes(): Uint8Array {
    return this.bytes.subarray(this.start, this.start + this.length);
  }
  toJSON() {
    return eventToJSON(this);
  }
}

// the constant fields are getters: four fields an object, not up to nine
class ChatterEvent extends SpanEvent {
  static join(a: ChatterEvent, b: ChatterEvent): ChatterEvent | undefined {
    return b.bytes === a.bytes && b.start === a.start + a.length ? new ChatterEvent(a.bytes, a.start, a.length + b.length, a.offset) : undefined;
  }
  get source() {
    return 'chatter' as const;
  }
  get fileName() {
    return 'stdout';
  }
  get eof() {
    return false;
  }
}

/** One chatter event for `a` and the chatter right after it in the same bytes, or undefined if they are not that. */
export function joinChatter(a: SubunitEvent, b: SubunitEvent): SubunitEvent | undefined {
  return a instanceof ChatterEvent && b instanceof ChatterEvent ? ChatterEvent.join(a, b) : undefined;
}

class DamagedBytesEvent extends SpanEvent {
  get source() {
    return 'parser-error' as const;
  }
  get testId() {
    return 'subunit.parser';
  }
  get fileName() {
    return 'Packet data';
  }
  get mimeType() {
    return 'application/octet-stream';
  }
  get eof() {
    return true;
  }
}

/** Append the events for record `at` of a batch to `out` (one, or two for a damaged span). */
export function pushEvents(out: SubunitEvent[], batch: Batch, at: number): void {
  const first = eventAt(batch, at);
  out.push(first);
  if (batch.rec[at + R_KIND] === KIND_ERROR) out.push(new ParserErrorEvent(first.offset, batch.rec, at));
}

/** The (first) event of record `at`; a damaged span's second is a ParserErrorEvent at the same offset. */
function eventAt(batch: Batch, at: number): SubunitEvent {
  const rec = batch.rec;
  const kind = rec[at + R_KIND];
  if (kind === KIND_PACKET) return new PacketEvent(batch, at);
  const start = batch.base + rec[at + R_START];
  const offset = batch.offset + start;
  return kind === KIND_CHATTER
    ? new ChatterEvent(batch.bytes, start, rec[at + R_LENGTH], offset)
    : new DamagedBytesEvent(batch.bytes, start, rec[at + R_LENGTH], offset);
}

/**
 * The events of successive batches, each made when asked for (a plain
 * iterator: a generator's yield* costs ~20 ns an event). Made one by one,
 * events the caller has dropped are garbage before the next young-generation
 * collection instead of being copied by it with the rest of their batch.
 */
export class BatchEvents implements IterableIterator<SubunitEvent> {
  private batch: Batch | undefined;
  private at = 0;
  private end = 0;
  /** The second event of a damaged span. */
  private pending: SubunitEvent | undefined = undefined;
  constructor(private readonly batches: Iterator<Batch>) {}
  next(): IteratorResult<SubunitEvent, undefined> {
    const pending = this.pending;
    if (pending !== undefined) {
      this.pending = undefined;
      return { done: false, value: pending };
    }
    while (this.at === this.end) {
      const r = this.batches.next();
      if (r.done) return { done: true, value: undefined };
      this.batch = r.value;
      this.at = 0;
      this.end = r.value.rec.length;
    }
    const batch = this.batch!;
    const at = this.at;
    this.at += RECORD_STRIDE;
    const event = eventAt(batch, at);
    if (batch.rec[at + R_KIND] === KIND_ERROR) this.pending = new ParserErrorEvent(event.offset, batch.rec, at);
    return { done: false, value: event };
  }
  [Symbol.iterator]() {
    return this;
  }
}

/** Copy any event into a plain object (e.g. to keep it after its input buffer is reused). */
export function toPlainEvent(e: SubunitEvent): SubunitEvent {
  const fields: Record<string, unknown> = {};
  for (const k of ['testId', 'status', 'tags', 'runnable', 'mimeType', 'fileName', 'eof', 'routeCode', 'timestamp'] as const) {
    if (e[k] !== undefined) fields[k] = e[k];
  }
  if (e.fileBytes) fields.fileBytes = new Uint8Array(e.fileBytes); // a copy even for Buffers (their slice() is a view)
  return new PlainEvent(e.source, e.offset, e.length, fields);
}

/** The canonical JSON object of an event (EVENTS-JSONL.md), keys in table order. */
export function eventToJSON(e: SubunitEvent): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (e.testId !== undefined) o.testId = e.testId;
  if (e.status !== undefined) o.status = e.status;
  if (e.tags !== undefined) o.tags = e.tags;
  o.runnable = e.runnable;
  if (e.mimeType !== undefined) o.mimeType = e.mimeType;
  if (e.fileName !== undefined) {
    o.fileName = e.fileName;
    o.fileBytes = toBase64(e.fileBytes ?? new Uint8Array(0));
  }
  o.eof = e.eof;
  if (e.routeCode !== undefined) o.routeCode = e.routeCode;
  if (e.timestamp !== undefined) o.timestamp = e.timestamp.toISOString();
  return o;
}
