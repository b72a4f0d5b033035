// bytes → core index → lazy events.
import { RECORD_STRIDE, S_TEXT_LEN, TEXT_CHUNK } from '../assembly/layout.js';
import { ChunkedPass, flatten } from './pass.js';
import type { BackendName, Core } from './core.js';
import { jsCore } from './js/core.js';
import { wasmCore, initWasm, privateWasmCore } from './wasm/core.js';
import { pushEvents, readAscii, BatchEvents, type Batch, type SubunitEvent } from './events.js';
import { SubunitError } from './errors.js';

export interface DecodeOptions {
  /**
   * 'wasm' (default) or 'js', the pure-TypeScript twin; both give identical
   * events. A Core object (e.g. a specific wasm build) is used as given.
   */
  backend?: BackendName | Core;
}

/** The core for a backend name. The wasm one may need `await init()` first in browsers. */
export function coreFor(backend: BackendName | Core = 'wasm'): Core {
  if (typeof backend === 'object') return backend;
  if (backend === 'js') return jsCore;
  if (backend === 'wasm') return wasmCore();
  throw new SubunitError(`unknown backend ${JSON.stringify(backend)} (use 'wasm' or 'js')`);
}

/**
 * A core whose input area no other pass reads into: for a pass that reads
 * into the core's own memory (ChunkedPass.fillArea). A caller-given core may
 * be shared (the caller may give one to many passes), so it is used without
 * its input area: the pass reads into memory of its own, which the core copies.
 */
export function privateCoreFor(backend: BackendName | Core = 'wasm'): Core {
  if (backend === 'wasm') return privateWasmCore();
  const core = coreFor(backend);
  return core.inputArea === null ? core : new WithoutInputArea(core);
}

/** A core, lending no input area: every call goes to it. */
class WithoutInputArea implements Core {
  readonly inputArea = null;
  constructor(private readonly core: Core) {}
  get name() { return this.core.name; }
  get records() { return this.core.records; }
  get state() { return this.core.state; }
  get text() { return this.core.text; }
  get base() { return this.core.base; }
  get segments() { return this.core.segments; }
  get rewriteOut() { return this.core.rewriteOut; }
  get encoded() { return this.core.encoded; }
  scan(...a: Parameters<Core['scan']>) { return this.core.scan(...a); }
  rewrite(...a: Parameters<Core['rewrite']>) { return this.core.rewrite(...a); }
  encode(...a: Parameters<Core['encode']>) { return this.core.encode(...a); }
  crc32(...a: Parameters<Core['crc32']>) { return this.core.crc32(...a); }
  reset() { this.core.reset(); }
}

/** Make the backend usable everywhere (compiles the wasm module asynchronously). */
export async function init(backend: BackendName | Core = 'wasm'): Promise<void> {
  if (backend === 'wasm') await initWasm();
}

export class Decoder extends ChunkedPass<SubunitEvent[]> {
  constructor(options: DecodeOptions = {}) {
    super(coreFor(options.backend));
  }

  /** Feed a chunk; returns the events it completed. The events view `chunk`: don't refill it. */
  push(chunk: Uint8Array): SubunitEvent[] {
    return flatten(this.pushItems(chunk));
  }

  /**
   * Like push, as batches (one per core call, up to 4,096 records) made as
   * they are asked for: for large chunks, consume each batch before the next.
   * Iterate to the end before pushing again.
   */
  pushBatches(chunk: Uint8Array): Generator<SubunitEvent[]> {
    return this.pushLazily(chunk);
  }

  /** End of input: everything still pending becomes events (truncated packets become parser errors). */
  end(): SubunitEvent[] {
    return flatten(this.endItems());
  }

  /** Decode a window to batches of events, one batch per core call. */
  batches(window: Uint8Array, eof: boolean): Generator<SubunitEvent[]> {
    return this.passes(window, eof);
  }

  protected step(window: Uint8Array, pos: number, eof: boolean, ctx: number, ctxLen: number): SubunitEvent[] | null {
    const batch = scanBatch(this.core, window, pos, eof, ctx, ctxLen, this.offset);
    if (batch === null) return null;
    const events: SubunitEvent[] = [];
    for (let at = 0; at < batch.rec.length; at += RECORD_STRIDE) pushEvents(events, batch, at);
    return events;
  }
}

/** One core call over window[pos …] as a batch its events can share (null: no records). */
function scanBatch(core: Core, window: Uint8Array, pos: number, eof: boolean, ctx: number, ctxLen: number, offset: number): Batch | null {
  const count = core.scan(window, pos, eof, ctx, ctxLen);
  if (count === 0) return null;
  // the core's text area (ASCII test ids), decoded once per chunk: events slice it
  const text: string[] = [];
  const textLen = core.state[S_TEXT_LEN];
  for (let c = 0; c < textLen; c += TEXT_CHUNK) text.push(readAscii(core.text, c, Math.min(TEXT_CHUNK, textLen - c)));
  // events keep this copy of the records: the next call reuses the core's table
  return { bytes: window, offset, rec: core.records.slice(0, count * RECORD_STRIDE), base: core.base, text, lastText: -1, lastId: undefined };
}

/** Batches of a whole buffer, for decode(). */
class BatchPass extends ChunkedPass<Batch> {
  protected step(window: Uint8Array, pos: number, eof: boolean, ctx: number, ctxLen: number): Batch | null {
    return scanBatch(this.core, window, pos, eof, ctx, ctxLen, this.offset);
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
