// bytes → core index → lazy events. The backend (which core) is chosen in backend.ts.
import { RECORD_STRIDE, S_TEXT_LEN, TEXT_CHUNK, R_KIND, R_START, R_LENGTH, KIND_CHATTER } from '../../assembly/layout.js';
import { ChunkedPass, flatten } from './pass.js';
import type { Core } from './core.js';
import { coreFor, type BackendOptions } from './backend.js';
import { pushEvents, readAscii, joinChatter, BatchEvents, valueIdsWanted, type Batch, type SubunitEvent } from './events.js';

export interface DecodeOptions extends BackendOptions {
  /**
   * The caller is done with the events of one push before it pushes again:
   * the memory carried bytes are kept in is then reused instead of taken
   * fresh (a stream of large packets otherwise leaves several MiB of garbage
   * per packet).
   */
  recycle?: boolean;
}

/** The chunked pass behind a Decoder, kept inside it so that the pass machinery is not Decoder API. */
class EventPass extends ChunkedPass<SubunitEvent[]> {
  constructor(core: Core, recycle = false) {
    super(core);
    this.recycle = recycle;
  }

  push(chunk: Uint8Array): SubunitEvent[] {
    return flatten(this.pushItems(chunk));
  }

  pushBatches(chunk: Uint8Array): Generator<SubunitEvent[]> {
    return this.pushLazily(chunk);
  }

  end(): SubunitEvent[] {
    return flatten(this.endItems());
  }

  // (events made in the call's step: a batch pass with events made after it was 3-10 % slower, js, small packets)
  protected step(window: Uint8Array, pos: number, eof: boolean, ctx: number, ctxLen: number): SubunitEvent[] | null {
    const batch = scanBatch(this.core, window, pos, eof, ctx, ctxLen, this.offset);
    if (batch === null) return null;
    const events: SubunitEvent[] = [];
    for (let at = 0; at < batch.rec.length; at += RECORD_STRIDE) pushEvents(events, batch, at);
    return events;
  }

  protected override joinText(held: SubunitEvent[], next: SubunitEvent[]): SubunitEvent[] | null {
    const both = joinChatter(held[held.length - 1], next[0]);
    if (both === undefined) return next;
    held[held.length - 1] = both;
    return next.length === 1 ? null : next.slice(1);
  }
}

export class Decoder {
  private readonly pass: EventPass;

  constructor(options: DecodeOptions = {}) {
    this.pass = new EventPass(coreFor(options.backend), options.recycle);
  }

  /** Bytes received but not yet resolved (at most one packet). */
  get buffered(): number {
    return this.pass.buffered;
  }

  /** Feed a chunk; returns the events it completed. The events view `chunk`: don't refill it. */
  push(chunk: Uint8Array): SubunitEvent[] {
    return this.pass.push(chunk);
  }

  /**
   * Like push, as batches (one per core call, up to 4,096 records; a text run the
   * wasm core cut at its area end joins the next call's batch) made as
   * they are asked for: for large chunks, consume each batch before the next.
   * Iterate to the end before pushing again.
   */
  pushBatches(chunk: Uint8Array): Generator<SubunitEvent[]> {
    return this.pass.pushBatches(chunk);
  }

  /** End of input: everything still pending becomes events (truncated packets become parser errors). */
  end(): SubunitEvent[] {
    return this.pass.end();
  }
}

/** One core call over window[pos …] as a batch its events can share (null: no records). */
function scanBatch(core: Core, window: Uint8Array, pos: number, eof: boolean, ctx: number, ctxLen: number, offset: number): Batch | null {
  const count = core.scan(window, pos, eof, ctx, ctxLen, valueIdsWanted());
  if (count === 0) return null;
  // the core's text area (ASCII test ids), decoded once per chunk: events slice it
  const text: string[] = [];
  const textLen = core.state[S_TEXT_LEN];
  for (let c = 0; c < textLen; c += TEXT_CHUNK) text.push(readAscii(core.text, c, Math.min(TEXT_CHUNK, textLen - c)));
  // events keep this copy of the records: the next call reuses the core's table
  return { bytes: window, offset, rec: core.records.slice(0, count * RECORD_STRIDE), base: core.base, text, lastText: -1, lastId: undefined, values: null };
}

/** Batches of a whole buffer, for decode(). */
class BatchPass extends ChunkedPass<Batch> {
  protected step(window: Uint8Array, pos: number, eof: boolean, ctx: number, ctxLen: number): Batch | null {
    return scanBatch(this.core, window, pos, eof, ctx, ctxLen, this.offset);
  }

  protected override joinText(held: Batch, next: Batch): Batch | null {
    const last = held.rec.length - RECORD_STRIDE;
    const end = held.base + held.rec[last + R_START] + held.rec[last + R_LENGTH];
    if (held.rec[last + R_KIND] !== KIND_CHATTER || next.rec[R_KIND] !== KIND_CHATTER || next.base + next.rec[R_START] !== end) return next;
    held.rec[last + R_LENGTH] += next.rec[R_LENGTH];
    return next.rec.length === RECORD_STRIDE ? null : { ...next, rec: next.rec.subarray(RECORD_STRIDE) };
  }
}

/** Decode a whole buffer; yields events lazily, each made when asked for. */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): IterableIterator<SubunitEvent> {
  return new BatchEvents(new BatchPass(coreFor(options.backend)).passes(bytes, true));
}

/** Decode a whole buffer into an array. */
export function decodeAll(bytes: Uint8Array, options: DecodeOptions = {}): SubunitEvent[] {
  return [...decode(bytes, options)];
}
