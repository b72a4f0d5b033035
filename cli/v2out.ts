// Writing events back out as v2 packets (tools whose output is a stream).
import { Encoder } from '../bindings/codec/encoder.js';
import type { EventInit, SubunitEvent } from '../bindings/codec/events.js';
import type { BackendName } from '../bindings/codec/core.js';
import type { Output } from './io.js';
import { utf8WholeEnd } from '../bindings/codec/utf8.js';

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
  constructor(private readonly out: Output, backend?: BackendName) {
    this.encoder = new Encoder({ backend });
  }

  /** A promise only when the output had to write (see Output.write). */
  write(e: SubunitEvent | EventInit, changes?: Partial<EventInit>): Promise<void> | undefined {
    if (isChatter(e) && e.fileBytes) {
      const bytes = this.held ? Buffer.concat([this.held.bytes, e.fileBytes]) : e.fileBytes;
      this.held = undefined;
      const end = utf8WholeEnd(bytes);
      if (end < bytes.length) this.held = { e, changes, bytes: bytes.slice(end) };
      return end > 0 ? this.send(e, { ...changes, fileBytes: bytes.subarray(0, end) }) : undefined;
    }
    if (this.held) return this.end().then(() => this.send(e, changes));
    return this.send(e, changes);
  }

  /** Write the bytes of an unfinished character still held (at the end of the input, or before another event). */
  async end(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (held) await this.send(held.e, { ...held.changes, fileBytes: held.bytes });
  }

  private send(e: SubunitEvent | EventInit, changes?: Partial<EventInit>): Promise<void> | undefined {
    return this.out.write(this.encoder.encode(changes ? eventInit(e, changes) : e));
  }
}
