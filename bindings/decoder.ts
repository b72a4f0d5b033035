// bytes → core index → lazy events.
import { RECORD_STRIDE } from '../assembly/layout.js';
import { ChunkedPass } from './pass.js';
import type { BackendName, Core } from './core.js';
import { jsCore } from './js/core.js';
import { wasmCore, initWasm } from './wasm/core.js';
import { pushEvents, type SubunitEvent } from './events.js';
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
    return this.pushItems(chunk).flat();
  }

  /** End of input: everything still pending becomes events (truncated packets become parser errors). */
  end(): SubunitEvent[] {
    return this.endItems().flat();
  }

  /** Decode a window to batches of events, one batch per core call. */
  batches(window: Uint8Array, eof: boolean): Generator<SubunitEvent[]> {
    return this.passes(window, eof);
  }

  protected step(window: Uint8Array, pos: number, eof: boolean, ctx: number, ctxLen: number): SubunitEvent[] | null {
    const core = this.core;
    const count = core.scan(window, pos, eof, ctx, ctxLen);
    if (count === 0) return null;
    const records = core.records.slice(0, count * RECORD_STRIDE); // events keep this copy
    const batch: SubunitEvent[] = [];
    for (let i = 0; i < count; i++) pushEvents(batch, window, records, i * RECORD_STRIDE, core.base, this.offset);
    return batch;
  }
}

/** Decode a whole buffer; yields events lazily, batch by batch. */
export function* decode(bytes: Uint8Array, options: DecodeOptions = {}): Generator<SubunitEvent> {
  const d = new Decoder(options);
  for (const batch of d.batches(bytes, true)) yield* batch;
}

/** Decode a whole buffer into an array. */
export function decodeAll(bytes: Uint8Array, options: DecodeOptions = {}): SubunitEvent[] {
  return [...decode(bytes, options)];
}
