// What the decoder and the route rewriter share: feeding a core window by
// window, carrying the unresolved tail (at most one packet) to the next push,
// and never rescanning bytes that are resolved.
import { S_NEXT, S_NEED, S_CTX, S_CTX_LEN } from '../assembly/layout.js';
import type { Core } from './core.js';

export abstract class ChunkedPass<T> {
  protected readonly core: Core;
  /** Unresolved bytes carried to the next push: pending[0, pendingLen). */
  private pending = new Uint8Array(0);
  private pendingLen = 0;
  /** How many pending bytes the core needs before it can decide anything. */
  private need = 0;
  /** Chatter bytes just before pending[0], for the UTF-8 rule. */
  private ctx = 0;
  private ctxLen = 0;
  /** Stream offset of pending[0]. */
  protected offset = 0;
  private ended = false;

  constructor(core: Core) {
    this.core = core;
  }

  /** Bytes received but not yet resolved (at most one packet). */
  get buffered(): number {
    return this.pendingLen;
  }

  /** One core call on window[pos …]; returns what it produced, or null. */
  protected abstract step(window: Uint8Array, pos: number, eof: boolean, ctx: number, ctxLen: number): T | null;

  protected pushItems(chunk: Uint8Array): T[] {
    if (this.ended) throw new Error('push() after end()');
    const items: T[] = [];
    // complete the carried candidate with only the bytes it needs, then
    // scan the rest of the chunk in place (no copy)
    while (this.pendingLen > 0 && chunk.length > 0) {
      const take = Math.min(chunk.length, this.need - this.pendingLen);
      this.append(chunk.subarray(0, take));
      chunk = chunk.subarray(take);
      if (this.pendingLen < this.need) return items;
      for (const item of this.passes(this.pending.subarray(0, this.pendingLen), false)) items.push(item);
    }
    if (chunk.length > 0) for (const item of this.passes(chunk, false)) items.push(item);
    return items;
  }

  protected endItems(): T[] {
    if (this.ended) return [];
    this.ended = true;
    if (this.pendingLen === 0) return [];
    return [...this.passes(this.pending.subarray(0, this.pendingLen), true)];
  }

  /** Run the core over a window, one item per call; keep what is unresolved. */
  *passes(window: Uint8Array, eof: boolean): Generator<T> {
    const core = this.core;
    core.reset();
    let pos = 0;
    let needAbs = 0;
    while (pos < window.length) {
      const item = this.step(window, pos, eof, this.ctx, this.ctxLen);
      const st = core.state;
      pos = core.base + st[S_NEXT];
      this.ctx = st[S_CTX];
      this.ctxLen = st[S_CTX_LEN];
      needAbs = st[S_NEED] > 0 ? core.base + st[S_NEED] : 0;
      if (item !== null) yield item;
      if (needAbs > window.length) break;
    }
    // carry the unresolved tail (never aliasing `window`: results may view it)
    const rest = window.length - pos;
    this.need = needAbs > 0 ? needAbs - pos : 0;
    const next = new Uint8Array(rest > 0 ? Math.max(this.need, 64) : 0);
    next.set(window.subarray(pos));
    this.pending = next;
    this.pendingLen = rest;
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
