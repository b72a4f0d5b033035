// Writing events back out as v2 packets (tools whose output is a stream).
import { Encoder } from '../bindings/codec/encoder.js';
import type { EventInit, SubunitEvent } from '../bindings/codec/events.js';
import type { BackendName } from '../bindings/codec/core.js';
import type { Output } from './io.js';
import { utf8WholeEnd } from '../bindings/codec/utf8.js';
import { frameLength, varintSize } from '../bindings/codec/size.js';
import { MAX_TAGS, VERSION_2, F_TIMESTAMP, F_TEST_ID, F_TAGS, F_MIME, F_FILE, F_ROUTE_CODE } from '../assembly/layout.js';

/** The fields of an event as encoder input, with some replaced. */
export function eventInit(e: SubunitEvent | EventInit, changes: Partial<EventInit> = {}): EventInit {
  return {
    testId: e.testId, status: e.status, tags: e.tags, runnable: e.runnable, mimeType: e.mimeType,
    fileName: e.fileName, fileBytes: e.fileBytes, eof: e.eof, routeCode: e.routeCode, timestamp: e.timestamp,
    ...changes,
  };
}

const isChatter = (e: SubunitEvent | EventInit) => 'source' in e && e.source === 'chatter';

/**
 * Encodes events into an Output. Chatter becomes "stdout" file packets, as
 * python-subunit forwards it, cut only between UTF-8 characters: the decoder
 * cuts chatter where a read ends, so the bytes of a character split by a read
 * wait for the next chatter (or any other event, or end()). Bytes are never
 * changed or reordered, only regrouped.
 */
export class V2Writer {
  private readonly encoder: Encoder;
  private held: { e: SubunitEvent | EventInit; changes?: Partial<EventInit>; bytes: Uint8Array } | undefined;
  /** Stream bytes [rangeStart, rangeEnd) of `window` to write next (writeRange), not yet written. */
  private rangeStart = 0;
  private rangeEnd = 0;
  /**
   * Small ranges copied out of the window, written as one part when full or
   * before anything else: a view per range (two per test) cost more than copying.
   */
  private stage = new Uint8Array(1 << 15);
  private staged = 0;
  /** `window`: the input whose bytes writeRange() writes. */
  constructor(private readonly out: Output, backend?: BackendName, private readonly window?: InputWindow) {
    this.encoder = new Encoder({ backend });
    window?.onAdvance(() => this.takeRange());
  }

  /** A promise only when the output had to write (see Output.write). */
  write(e: SubunitEvent | EventInit, changes?: Partial<EventInit>): Promise<void> | undefined {
    const flushed = this.flushRange();
    if (flushed) return flushed.then(() => this.write(e, changes));
    if (isChatter(e) && e.fileBytes) {
      const bytes = this.held ? Buffer.concat([this.held.bytes, e.fileBytes]) : e.fileBytes;
      this.held = undefined;
      const end = utf8WholeEnd(bytes);
      if (end < bytes.length) this.held = { e, changes, bytes: Uint8Array.prototype.slice.call(bytes, end) }; // a copy (a Buffer's slice() is a view)
      return end > 0 ? this.send(e, { ...changes, fileBytes: bytes.subarray(0, end) }) : undefined;
    }
    if (this.held) return this.end().then(() => this.send(e, changes));
    return this.send(e, changes);
  }

  /** A packet as it is (bytes the encoder would write for it: see reencodesToItself), in order with the events written. */
  writePacket(bytes: Uint8Array): Promise<void> | undefined {
    const before = this.held ? this.end() : this.flushRange();
    if (before) return before.then(() => this.out.write(bytes));
    return this.out.write(bytes);
  }

  /**
   * The window's bytes [offset, offset + length): packets written as they
   * are (see writePacket). Adjacent ranges are joined and written as one
   * (tests that follow each other in the input go out in a few large
   * writes); the window calls back before it lets the bytes go.
   */
  writeRange(offset: number, length: number): Promise<void> | undefined {
    if (offset === this.rangeEnd && this.rangeEnd > this.rangeStart && !this.held) {
      this.rangeEnd += length;
      return undefined;
    }
    const before = this.held ? this.end() : this.takeRange();
    if (before) return before.then(() => this.writeRange(offset, length));
    this.rangeStart = offset;
    this.rangeEnd = offset + length;
    return undefined;
  }

  /** Write the range held by writeRange, and the ranges staged before it. */
  private flushRange(): Promise<void> | undefined {
    const took = this.takeRange();
    const flushed = this.flushStage();
    return took && flushed ? took.then(() => flushed) : took ?? flushed;
  }

  /**
   * Let go of the range held by writeRange: a small one (a test's packet or
   * two) is copied into the stage, a large one written as views of the window.
   */
  private takeRange(): Promise<void> | undefined {
    const offset = this.rangeStart;
    const length = this.rangeEnd - offset;
    if (length === 0) return undefined;
    this.rangeStart = this.rangeEnd = 0;
    let waiting: Promise<void> | undefined;
    if (length <= STAGED) {
      if (this.staged + length > this.stage.length) waiting = this.flushStage();
      // cannot fail: the window calls back before it lets bytes go
      if (!this.window!.copyInto(offset, length, this.stage, this.staged)) throw new Error('internal error: a packet range left the input window before it was written');
      this.staged += length;
      return waiting;
    }
    waiting = this.flushStage();
    const parts = this.window!.views(offset, length);
    if (parts === null) throw new Error('internal error: a packet range left the input window before it was written');
    for (const part of parts) {
      const wrote = this.out.write(part);
      if (wrote) waiting = waiting ? waiting.then(() => wrote) : wrote;
    }
    return waiting;
  }

  /** Write the staged ranges. */
  private flushStage(): Promise<void> | undefined {
    if (this.staged === 0) return undefined;
    const wrote = this.out.write(this.stage.subarray(0, this.staged));
    // a write that waits may still hold the bytes: the next ones go elsewhere
    if (wrote) this.stage = new Uint8Array(this.stage.length);
    this.staged = 0;
    return wrote;
  }

  /** Write the bytes of an unfinished character still held (at the end of the input, or before another event). */
  async end(): Promise<void> {
    await this.flushRange();
    const held = this.held;
    this.held = undefined;
    if (held) await this.send(held.e, { ...held.changes, fileBytes: held.bytes });
  }

  private send(e: SubunitEvent | EventInit, changes?: Partial<EventInit>): Promise<void> | undefined {
    return this.out.write(this.encoder.encode(changes ? eventInit(e, changes) : e));
  }
}

/** Ranges of up to this many bytes are staged (see V2Writer.takeRange). */
const STAGED = 4096;

/** Where the varint read last by minimalVarint ended. */
let varintEnd = 0;

/** The varint at p[at]; -1 when it is longer than its value needs (the encoder writes the shortest). */
function minimalVarint(p: Uint8Array, at: number): number {
  const width = (p[at] >> 6) + 1;
  let v = p[at] & 0x3f;
  for (let k = 1; k < width; k++) v = v * 256 + p[at + k];
  varintEnd = at + width;
  return varintSize(v) === width ? v : -1;
}

/** Where the length-prefixed string at p[at] ends; -1 when its length is not minimal. */
function stringEnd(p: Uint8Array, at: number): number {
  const len = minimalVarint(p, at);
  return len < 0 ? -1 : varintEnd + len;
}

/**
 * Would the encoder write this well-formed packet's event back as these very
 * bytes? It does unless the packet says something the encoder spells one way
 * only: a version other than 2 or the reserved bit, a varint longer than
 * needed (the packet length included), nanoseconds of a second or more (they
 * carry into the seconds), an empty tag list or MIME type (left out), or
 * bytes after the last field. Then a tool may copy the packet instead of
 * re-encoding it, and write the same bytes.
 */
export function reencodesToItself(p: Uint8Array, start = 0, length = p.length - start): boolean {
  const flags = (p[start + 1] << 8) | p[start + 2];
  if ((flags & 0xf008) !== VERSION_2) return false;
  const width = (p[start + 3] >> 6) + 1;
  if (width > 3 || frameLength(length - width) !== length || minimalVarint(p, start + 3) !== length) return false;
  let at = start + 3 + width;
  if (flags & F_TIMESTAMP) {
    const nanos = minimalVarint(p, at + 4);
    if (nanos < 0 || nanos >= 1e9) return false;
    at = varintEnd;
  }
  if (flags & F_TEST_ID && (at = stringEnd(p, at)) < 0) return false;
  if (flags & F_TAGS) {
    const count = minimalVarint(p, at);
    if (count < 1 || count > MAX_TAGS) return false;
    at = varintEnd;
    for (let i = 0; i < count; i++) if ((at = stringEnd(p, at)) < 0) return false;
  }
  if (flags & F_MIME) {
    if (minimalVarint(p, at) < 1) return false;
    at = stringEnd(p, at);
  }
  if (flags & F_FILE && ((at = stringEnd(p, at)) < 0 || (at = stringEnd(p, at)) < 0)) return false;
  if (flags & F_ROUTE_CODE && (at = stringEnd(p, at)) < 0) return false;
  return at === start + length - 4;
}

/**
 * The last chunks of one input as they went into its decoder, to copy a
 * packet's bytes out by its stream offset: the newest and `older` chunks
 * before it (one for reused read buffers: the chunk before the newest is the
 * only one intact). A packet that began earlier is not held.
 */
export class InputWindow {
  private chunks: Uint8Array[] = [];
  /** Stream offsets of chunks[0] and of the end of the newest. */
  private start = 0;
  private end = 0;
  /** Called when the consumer is done with the newest chunk, before the next is read (see onAdvance). */
  private readonly advance: ((keepFrom: number) => Promise<void> | undefined | void)[] = [];
  constructor(private readonly older: number) {}

  /**
   * Call `f` each time the consumer asks for the next chunk, before it is
   * read: a reused read buffer may then overwrite every byte before
   * `keepFrom` (the newest chunk's start), so views of them must be used or
   * copied by then.
   */
  onAdvance(f: (keepFrom: number) => Promise<void> | undefined | void): void {
    this.advance.push(f);
  }

  /** The chunks of a new input (stream offsets start again at 0), noted as they pass. */
  async *watch(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    this.chunks = [];
    this.start = this.end = 0;
    for await (const chunk of chunks) {
      if (chunk.length > 0) {
        this.chunks.push(chunk);
        this.end += chunk.length;
        // not fewer: ranges of the chunk before the newest are let go only by the onAdvance callbacks
        while (this.chunks.length > this.older + 1) {
          this.start += this.chunks.shift()!.length;
        }
      }
      yield chunk;
      for (const f of this.advance) await f(this.end - chunk.length);
    }
    for (const f of this.advance) await f(this.end); // the input is over: nothing stays
    // what the decoder gives after its input ends is not held (it is re-encoded)
    this.chunks = [];
    this.start = this.end;
  }

  /** Where in the chunk locate() returned last its range starts. */
  at = 0;

  /**
   * The chunk holding all of [offset, offset + length) (its place in it left
   * in `at`: no object per packet); null when no one chunk does.
   */
  locate(offset: number, length: number): Uint8Array | null {
    let from = this.end;
    for (let i = this.chunks.length - 1; i >= 0; i--) {
      const chunk = this.chunks[i];
      from -= chunk.length;
      if (offset >= from) {
        if (offset + length > from + chunk.length) return null;
        this.at = offset - from;
        return chunk;
      }
    }
    return null;
  }

  /** Views of the stream's bytes [offset, offset + length) (one per chunk they lie in); null when they are no longer held. */
  views(offset: number, length: number): Uint8Array[] | null {
    if (offset < this.start || offset + length > this.end) return null;
    const out: Uint8Array[] = [];
    let from = this.start;
    for (const chunk of this.chunks) {
      const i = Math.max(offset - from, 0);
      const j = Math.min(offset + length - from, chunk.length);
      if (i < j) out.push(chunk.subarray(i, j));
      from += chunk.length;
    }
    return out;
  }

  /** Copy the stream's bytes [offset, offset + length) into dest[at …]; false when they are no longer held. */
  copyInto(offset: number, length: number, dest: Uint8Array, at: number): boolean {
    if (offset < this.start || offset + length > this.end) return false;
    let from = this.start; // stream offset of the chunk in hand
    let filled = 0;
    for (const chunk of this.chunks) {
      const i = offset + filled - from;
      if (i < chunk.length && filled < length) {
        const n = Math.min(chunk.length - i, length - filled);
        // a packet of a few dozen bytes: a loop beats a view and set()
        if (n <= 128) for (let k = 0; k < n; k++) dest[at + filled + k] = chunk[i + k];
        else dest.set(chunk.subarray(i, i + n), at + filled);
        filled += n;
      }
      from += chunk.length;
    }
    return true;
  }
}
