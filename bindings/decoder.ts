// bytes → core index → lazy events. The push decoder keeps at most one
// unresolved packet (plus the bytes of the chunk being scanned) and never
// rescans bytes it has already resolved.
import { RECORD_STRIDE, S_NEXT, S_NEED, S_CTX, S_CTX_LEN } from '../assembly/layout.js';
import type { BackendName, Core } from './core.js';
import { jsCore } from './js/core.js';
import { wasmCore, initWasm } from './wasm/core.js';
import { pushEvents, type SubunitEvent } from './events.js';

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
  throw new TypeError(`unknown backend ${JSON.stringify(backend)} (use 'wasm' or 'js')`);
}

/** Make the backend usable everywhere (compiles the wasm module asynchronously). */
export async function init(backend: BackendName | Core = 'wasm'): Promise<void> {
  if (backend === 'wasm') await initWasm();
}

export class Decoder {
  private readonly core: Core;
  /** Unresolved bytes carried to the next push: pending[0, pendingLen). */
  private pending = new Uint8Array(0);
  private pendingLen = 0;
  /** How many pending bytes the core needs before it can decide anything. */
  private need = 0;
  /** Chatter bytes just before pending[0], for the UTF-8 rule. */
  private ctx = 0;
  private ctxLen = 0;
  /** Stream offset of pending[0]. */
  private offset = 0;
  private ended = false;

  constructor(options: DecodeOptions = {}) {
    this.core = coreFor(options.backend);
  }

  /** Bytes received but not yet resolved into events (at most one packet). */
  get buffered(): number {
    return this.pendingLen;
  }

  /** Feed a chunk; returns the events it completed. The events view `chunk`: don't refill it. */
  push(chunk: Uint8Array): SubunitEvent[] {
    if (this.ended) throw new Error('push() after end()');
    if (chunk.length === 0) return [];
    let window = chunk;
    if (this.pendingLen > 0) {
      this.append(chunk);
      if (this.pendingLen < this.need) return [];
      window = this.pending.subarray(0, this.pendingLen);
    }
    const out: SubunitEvent[] = [];
    for (const batch of this.batches(window, false)) for (const e of batch) out.push(e);
    return out;
  }

  /** End of input: everything still pending becomes events (truncated packets become parser errors). */
  end(): SubunitEvent[] {
    if (this.ended) return [];
    this.ended = true;
    if (this.pendingLen === 0) return [];
    const out: SubunitEvent[] = [];
    for (const batch of this.batches(this.pending.subarray(0, this.pendingLen), true)) for (const e of batch) out.push(e);
    return out;
  }

  /** Decode a window to batches of events, one batch per core call; keep what is unresolved. */
  *batches(window: Uint8Array, eof: boolean): Generator<SubunitEvent[]> {
    const core = this.core;
    core.reset();
    let pos = 0;
    let needAbs = 0;
    while (pos < window.length) {
      const count = core.scan(window, pos, eof, this.ctx, this.ctxLen);
      const base = core.base;
      const batch: SubunitEvent[] = [];
      const records = core.records.slice(0, count * RECORD_STRIDE); // events keep this copy
      for (let i = 0; i < count; i++) pushEvents(batch, window, records, i * RECORD_STRIDE, base, this.offset);
      const st = core.state;
      pos = base + st[S_NEXT];
      this.ctx = st[S_CTX];
      this.ctxLen = st[S_CTX_LEN];
      needAbs = st[S_NEED] > 0 ? base + st[S_NEED] : 0;
      if (batch.length > 0) yield batch;
      if (needAbs > window.length) break;
    }
    // carry the unresolved tail (never aliasing `window`: events still view it)
    const rest = window.length - pos;
    const next = new Uint8Array(Math.max(rest * 2, rest > 0 ? 4096 : 0));
    next.set(window.subarray(pos));
    this.pending = next;
    this.pendingLen = rest;
    this.need = needAbs > 0 ? needAbs - pos : 0;
    this.offset += pos;
  }

  private append(chunk: Uint8Array): void {
    const len = this.pendingLen + chunk.length;
    if (len > this.pending.length) {
      const grown = new Uint8Array(Math.max(len, this.pending.length * 2));
      grown.set(this.pending.subarray(0, this.pendingLen));
      this.pending = grown;
    }
    this.pending.set(chunk, this.pendingLen);
    this.pendingLen = len;
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
