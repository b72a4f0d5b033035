// What the decoder and the route rewriter share: feeding a core window by
// window, carrying the unresolved tail (at most one packet) to the next push,
// and never rescanning bytes that are resolved.
import { S_NEXT, S_NEED, S_CTX, S_CTX_LEN, DEFAULT_INPUT_CAPACITY } from '../../assembly/layout.js';
import type { Core } from './core.js';
import { SubunitError } from './errors.js';

const EMPTY = new Uint8Array(0);
/** The fill path's area for a core that has none of its own: like the wasm input area, one largest packet and 1 MiB more. */
const FILL_CAPACITY = DEFAULT_INPUT_CAPACITY;

export abstract class ChunkedPass<T> {
  protected readonly core: Core;
  /**
   * Unresolved bytes carried to the next push: buf[start, tail). The buffer
   * only grows at its end (events may view bytes before `start`), so the core
   * sees an appended window and keeps its CRC checkpoints: a run of damaged
   * candidates that each claim 4 MiB is resolved in linear time.
   */
  private buf = new Uint8Array(0);
  private start = 0;
  private tail = 0;
  /** How many bytes from `start` the core needs before it can decide anything. */
  private need = 0;
  /** Chatter bytes just before buf[start], for the UTF-8 rule. */
  private ctx = 0;
  private ctxLen = 0;
  /** The last carried pass undid its last call: it ended in chatter that the rest of the chunk may continue. */
  private rejoin = false;
  /** Stream offset of window[0] during a pass (of buf[0] between passes). */
  protected offset = 0;
  private ended = false;
  /**
   * Set by a subclass whose caller is done with everything a push returned
   * before it pushes again: carried tails then reuse two buffers in turn
   * instead of fresh memory per push (which costs a page fault per 4 KiB).
   * `free` is reusable now; `dropped` was let go in this push (its items may
   * still be in use) and becomes free at the next.
   */
  protected recycle = false;
  private free = EMPTY;
  private dropped = EMPTY;
  /** The fill path (fillArea/filled): area[0, have) read, of which [0, done) resolved; offset is area[0]'s. */
  private area: Uint8Array | null = null;
  private have = 0;
  private done = 0;

  constructor(core: Core) {
    this.core = core;
  }

  /** Bytes received but not yet resolved (at most one packet). */
  get buffered(): number {
    return this.tail - this.start;
  }

  /** One core call on window[pos …]; returns what it produced, or null. */
  protected abstract step(window: Uint8Array, pos: number, eof: boolean, ctx: number, ctxLen: number): T | null;

  /*
   * A call can stop inside a run of text before the window's end without
   * waiting for bytes past it: the wasm core reads at most its input area
   * (5 MiB) of the window per call, the js core the whole window. Only the
   * caller's chunks may cut text, so a pass repairs such a stop with one of
   * these (a pass with neither keeps the core's cuts).
   */

  /**
   * Join the text that starts `next` (a call that went on where `held`
   * stopped) to the text that ends `held`; returns what is left of `next`,
   * or null when nothing is.
   */
  protected joinText?(held: T, next: T): T | null;

  /**
   * Take the last piece of text out of `item` (made by a call that stopped
   * at `pos`), to be made again by the next call: returns where that piece
   * starts and the text bytes before it (the UTF-8 context), or null to keep it.
   */
  protected backUpText?(item: T | null, window: Uint8Array, pos: number): { at: number; ctx: number; ctxLen: number } | null;

  protected pushItems(chunk: Uint8Array): T[] {
    return [...this.pushLazily(chunk)];
  }

  /**
   * pushItems, one item per core call as it is made: a consumer that takes
   * each before asking for the next keeps at most one call's output alive
   * (a 4 MiB chunk is ~36,000 events of a real run; holding them all at once
   * made young-generation GC copy them). Consume it to the end before the
   * next push.
   */
  protected *pushLazily(chunk: Uint8Array): Generator<T> {
    if (this.ended) throw new SubunitError('push() after end(): this decoder is finished; make a new one');
    if (this.dropped.length > 0) {
      if (this.dropped.length > this.free.length) this.free = this.dropped;
      this.dropped = EMPTY;
    }
    // complete the carried candidate with just the bytes it needs, then scan
    // the rest of the chunk in place (no copy). Where that is not enough (a
    // held byte starts another candidate, or the held bytes end in chatter
    // that the chunk may go on with), take the rest of the chunk into the
    // carried buffer and resolve it in one more pass: each chunk is copied
    // at most once, and a run of text is cut only where the chunk ends or a
    // held candidate starts.
    let takeAll = false;
    while (this.tail > this.start && chunk.length > 0) {
      const want = takeAll ? chunk.length : this.need - (this.tail - this.start);
      const take = Math.min(chunk.length, want);
      const rest = chunk;
      this.append(chunk.subarray(0, take));
      chunk = chunk.subarray(take);
      if (this.tail - this.start < this.need) return;
      const startBefore = this.start;
      const borrowedFrom = this.tail - take;
      yield* this.passes(this.buf.subarray(0, this.tail), false, this.start, chunk.length > 0);
      if (this.start >= borrowedFrom && chunk.length > 0) {
        // every held byte is resolved: the unresolved bytes are the chunk's
        // own, so hand them back and scan the chunk in place. Going on in the
        // carried buffer with just what the next candidate needs made one
        // scan call, and one chatter event, per byte of a run like B3 B3 B3 …
        chunk = rest.subarray(take - (this.tail - this.start));
        this.tail = this.start;
      } else if (this.start > startBefore || this.rejoin) takeAll = true; // a held byte starts another candidate, or ends in text: resolve the rest in one pass
    }
    if (chunk.length > 0) yield* this.passes(chunk, false);
  }

  protected endItems(): T[] {
    if (this.ended) return [];
    this.ended = true;
    if (this.tail === this.start) return [];
    return [...this.passes(this.buf.subarray(0, this.tail), true, this.start)];
  }

  /**
   * Run the core over window[pos …], one item per call; keep what is
   * unresolved. `pos` > 0 only for the carried buffer, which the core may
   * know already (a caller's chunk may reuse memory: the core forgets it).
   * `more`: bytes follow the window in this push (see calls()).
   */
  *passes(window: Uint8Array, eof: boolean, pos = 0, more = false): Generator<T> {
    const own = window.buffer === this.buf.buffer && window.byteOffset === this.buf.byteOffset;
    if (!own) {
      this.core.reset();
      // nothing is carried: the window starts where the carried bytes ended
      this.offset += this.start;
      if (this.recycle) this.dropped = this.buf;
      this.buf = new Uint8Array(0);
      this.start = this.tail = 0;
    }
    pos = yield* this.calls(window, pos, eof, more);
    if (own) {
      this.start = pos;
      return;
    }
    // carry the unresolved tail of a caller's chunk (never aliasing it)
    const rest = window.length - pos;
    this.buf = rest > 0 ? this.spare(Math.max(this.need, 64)) : EMPTY;
    this.buf.set(window.subarray(pos));
    this.start = 0;
    this.tail = rest;
    this.offset += pos;
  }

  /**
   * Core calls over window[pos …] until it needs more bytes; returns where
   * the unresolved bytes start (and sets `need`). With `more` (bytes of this
   * push follow the window), a last call that ends in chatter is undone: its
   * item is dropped and `rejoin` set, so that the call is made again once
   * those bytes are in the window and the chatter run goes on into them.
   */
  private *calls(window: Uint8Array, pos: number, eof: boolean, more = false): Generator<T, number> {
    const core = this.core;
    let needAbs = 0;
    this.rejoin = false;
    // an item whose text the core cut only where its input area ended: the next call's text joins it
    let held: T | null = null;
    while (pos < window.length) {
      const from = pos;
      const ctx = this.ctx;
      const ctxLen = this.ctxLen;
      const item = this.step(window, pos, eof, ctx, ctxLen);
      const st = core.state;
      pos = core.base + st[S_NEXT];
      this.ctx = st[S_CTX];
      this.ctxLen = st[S_CTX_LEN];
      needAbs = st[S_NEED] > 0 ? core.base + st[S_NEED] : 0;
      // the call's last record is chatter up to where it stopped (the window's end, or a candidate that needs more)
      if (more && this.ctxLen > 0 && pos > from && (pos >= window.length || needAbs > window.length)) {
        this.ctx = ctx;
        this.ctxLen = ctxLen;
        this.need = 0;
        this.rejoin = true;
        if (held !== null) yield held;
        return from;
      }
      // stopped in text before the window's end, not for bytes past it: the core's input area ended there
      const areaCut = this.ctxLen > 0 && pos > from && pos < window.length && needAbs <= window.length;
      let out = item;
      if (areaCut && this.backUpText) {
        const back = this.backUpText(item, window, pos);
        if (back !== null) {
          pos = back.at;
          this.ctx = back.ctx;
          this.ctxLen = back.ctxLen;
          core.reset(); // the next call starts inside what the core has loaded: make it load again from there
        }
      }
      if (held !== null && out !== null) {
        out = this.joinText!(held, out);
        if (out !== null || !areaCut) {
          yield held;
          held = null;
        }
      }
      if (out !== null) {
        if (areaCut && this.joinText) held = out;
        else yield out;
      }
      if (needAbs > window.length) break;
    }
    if (held !== null) yield held;
    this.need = needAbs > 0 ? needAbs - pos : 0;
    return pos;
  }

  /**
   * The free end of the memory the core reads, to read the next bytes into
   * (for wasm, its input area: a file read there is never copied, and no
   * fresh buffer is touched per read). Give what was read to filled(). Moves
   * the unresolved bytes to the area's start first, so what filled() gave
   * before must be done with. Do not mix with push().
   */
  fillArea(): Uint8Array {
    const area = (this.area ??= this.core.inputArea ?? new Uint8Array(FILL_CAPACITY));
    if (this.done > 0) {
      area.copyWithin(0, this.done, this.have);
      this.core.reset(); // its copy moved
      this.have -= this.done;
      this.offset += this.done;
      this.done = 0;
    }
    // cannot happen: the unresolved bytes are at most one packet, and the area holds one and 1 MiB more
    if (this.have === area.length) throw new SubunitError('internal error: the input area is full of unresolved bytes');
    return area.subarray(this.have);
  }

  /** Run the core over `n` bytes just read into fillArea() (0: the end of input); what it yields views the area. */
  *filled(n: number): Generator<T> {
    if (this.ended) throw new SubunitError('filled() after the end of input');
    if (this.area === null) throw new SubunitError('filled() before fillArea()');
    this.ended = n === 0;
    this.have += n;
    this.done = yield* this.calls(this.area.subarray(0, this.have), this.done, this.ended);
  }

  /**
   * A buffer of at least `size` bytes to carry bytes in instead of `buf`:
   * with `recycle`, the one let go a push ago when it is large enough (so a
   * worker's stream of 1 MiB packets reuses two buffers instead of taking
   * several MiB per packet, which lived long enough to wait for a full GC).
   * The core forgets what it loaded: the reused buffer's old bytes are not
   * these.
   */
  private spare(size: number): Uint8Array<ArrayBuffer> {
    if (!this.recycle) return new Uint8Array(size);
    if (this.buf.length > this.dropped.length) this.dropped = this.buf;
    // a power of two: packets of varying sizes soon fit one of the two buffers
    if (size > this.free.length) return new Uint8Array(2 ** Math.ceil(Math.log2(size)));
    const reused = this.free;
    this.free = EMPTY;
    this.core.reset();
    return reused;
  }

  private append(chunk: Uint8Array): void {
    if (this.tail + chunk.length > this.buf.length) {
      // another buffer (events may view the old one), with the live bytes at 0
      const live = this.tail - this.start;
      const grown = this.spare(Math.max(2 * (live + chunk.length), this.need, 64));
      grown.set(this.buf.subarray(this.start, this.tail));
      this.buf = grown;
      this.offset += this.start;
      this.start = 0;
      this.tail = live;
    }
    this.buf.set(chunk, this.tail);
    this.tail += chunk.length;
  }
}

/** The items of several batches as one array: the first batch extended in place (Array#flat is several times slower). */
export function flatten<T>(batches: T[][]): T[] {
  if (batches.length === 0) return [];
  const out = batches[0];
  for (let b = 1; b < batches.length; b++) {
    const batch = batches[b];
    for (let i = 0; i < batch.length; i++) out.push(batch[i]);
  }
  return out;
}
