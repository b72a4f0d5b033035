// Route codes: prefix (mux) and strip (demux) whole packets through the core's
// rewriter, which derives each new CRC from the old one instead of re-hashing.
import {
  REWRITE_PREFIX, REWRITE_STRIP, REWRITE_BY_REF, MAX_COMPONENT, S_OUT_LEN, SEG_STRIDE, SEG_PACKET, G_KIND, G_OUT,
  G_OUT_LEN, G_COMP_OFF, G_COMP_LEN, G_REF_IN, G_REF_LEN, G_REF_AT, G_IN, SEG_CHATTER, WRAP_PIECE,
} from '../../assembly/layout.js';
import type { Core } from '../codec/core.js';
import { ChunkedPass, flatten } from '../codec/pass.js';
import { coreFor, privateCoreFor, init, type BackendOptions } from '../codec/backend.js';
import { chunksOf, type ByteSource } from '../adapters/streams.js';
import { readString } from '../codec/events.js';
import { utf8Length, writeUtf8 } from '../codec/utf8.js';
import { EncodeError } from '../codec/errors.js';
import { concat } from '../codec/bytes.js';

/** UTF-8 bytes of one route component (no '/', at most 255 bytes). */
export function routeComponent(name: string): Uint8Array {
  const len = utf8Length(name, 'route component');
  if (name.includes('/')) throw new EncodeError(`route component ${JSON.stringify(name)} contains "/"`);
  if (len > MAX_COMPONENT) throw new EncodeError(`route component longer than ${MAX_COMPONENT} bytes`);
  const b = new Uint8Array(len);
  writeUtf8(b, 0, name);
  return b;
}

export interface RewriteOptions extends BackendOptions {
  /**
   * The caller is done with the pieces of one push before the next (for mux:
   * with each piece once it asks for the next): memory they view is then
   * reused instead of taken fresh.
   */
  recycle?: boolean;
}

/**
 * Prefix every packet's route code with one component ("3" → "i/3", none →
 * "i"); non-subunit bytes are wrapped in `stdout` packets carrying "i", never
 * splitting a UTF-8 character. push() returns the rewritten bytes (whole packets;
 * a lone large packet passed on unchanged comes back as a view of the chunk).
 */
export class RoutePrefixer extends ChunkedPass<Uint8Array[]> {
  private readonly component: Uint8Array;
  constructor(component: string, options: RewriteOptions = {}) {
    super(coreFor(options.backend));
    this.component = routeComponent(component);
    this.recycle = options.recycle ?? false;
  }
  push(chunk: Uint8Array): Uint8Array {
    return concat(this.pushParts(chunk));
  }
  end(): Uint8Array {
    return concat(this.endParts());
  }
  /**
   * Like push, as pieces, without joining them: large packet bodies are views
   * of `chunk` (keep it unchanged until the pieces are written).
   */
  pushParts(chunk: Uint8Array): Uint8Array[] {
    return flatten(this.pushItems(chunk));
  }
  endParts(): Uint8Array[] {
    return flatten(this.endItems());
  }
  /** The rewritten pieces of `n` bytes read into fillArea() (0: end of input); valid until the next fillArea(). */
  filledParts(n: number): Uint8Array[] {
    return flatten([...this.filled(n)]);
  }
  /**
   * Like pushParts (or filledParts, given a count read into fillArea()), one
   * piece at a time, each made when asked for: with `recycle`, a piece is
   * valid only until the next is asked for, and pieces of the core's output
   * area are views of it instead of fresh copies (a flood of text became a
   * fresh copy of itself, garbage for the GC).
   */
  *pieces(input: Uint8Array | number): Generator<Uint8Array> {
    const calls = typeof input === 'number' ? this.filled(input) : this.pushLazily(input);
    this.viewOutput = this.recycle;
    try {
      for (const parts of calls) yield* parts;
    } finally {
      this.viewOutput = false;
    }
  }
  /** Pieces of the core's output area are views, not copies: each call's pieces are taken before the next call. */
  private viewOutput = false;
  /** Segments the last call made. */
  private count = 0;
  protected step(window: Uint8Array, pos: number, eof: boolean, ctx: number, ctxLen: number): Uint8Array[] | null {
    const core = this.core;
    const count = (this.count = core.rewrite(window, pos, eof, ctx, ctxLen, REWRITE_PREFIX | REWRITE_BY_REF, this.component));
    if (count === 0) return null;
    const parts: Uint8Array[] = [];
    eachPiece(core, window, count, this.viewOutput, (_seg, bytes) => {
      // pieces adjacent in memory go out as one (fewer, larger writes)
      const last = parts.length > 0 ? joined(parts[parts.length - 1], bytes) : undefined;
      if (last) parts[parts.length - 1] = last;
      else parts.push(bytes);
    });
    return parts;
  }

  /**
   * Text is wrapped in stdout packets of WRAP_PIECE bytes from where its run
   * starts: a last packet cut short where the wasm core's area ended (js
   * reads the whole window and goes on) is dropped and wrapped again by the
   * next call, so that both make the same packets. Text before it in its run
   * is at least one whole piece (>= 3 bytes) or none (a packet ends there).
   */
  protected override backUpText(parts: Uint8Array[] | null, window: Uint8Array, pos: number): { at: number; ctx: number; ctxLen: number } | null {
    const core = this.core;
    const g = core.segments;
    const last = (this.count - 1) * SEG_STRIDE;
    if (parts === null || last <= 0 || g[last + G_KIND] !== SEG_CHATTER) return null;
    const at = core.base + g[last + G_IN];
    if (pos - at >= WRAP_PIECE) return null; // a whole piece: as js makes it
    let ctx = 0;
    let ctxLen = 0;
    if (g[last - SEG_STRIDE + G_KIND] === SEG_CHATTER) {
      ctxLen = 3;
      for (let i = 0; i < 3; i++) ctx |= window[at - 3 + i] << (i << 3);
    }
    // the piece is the end of the last part (parts adjacent in memory are joined)
    const keep = parts[parts.length - 1].length - g[last + G_OUT_LEN];
    if (keep > 0) parts[parts.length - 1] = parts[parts.length - 1].subarray(0, keep);
    else parts.pop();
    return { at, ctx, ctxLen };
  }
}

/**
 * The output of one rewrite call, piece by piece, in order: the core's output
 * area (copied once: the next call reuses it; viewed when `view`) cut around
 * the large bodies it left in the window, which come as views of the window
 * (no copy).
 */
function eachPiece(core: Core, window: Uint8Array, count: number, view: boolean, f: (seg: number, bytes: Uint8Array) => void): void {
  const out = view ? core.rewriteOut.subarray(0, core.state[S_OUT_LEN]) : core.rewriteOut.slice(0, core.state[S_OUT_LEN]);
  const g = core.segments;
  for (let i = 0; i < count; i++) {
    const s = i * SEG_STRIDE;
    const start = g[s + G_OUT];
    const end = start + g[s + G_OUT_LEN];
    const refLen = g[s + G_REF_LEN];
    if (refLen === 0) {
      if (end > start) f(s, out.subarray(start, end));
      continue;
    }
    const cut = start + g[s + G_REF_AT];
    const ref = core.base + g[s + G_REF_IN];
    if (cut > start) f(s, out.subarray(start, cut));
    f(s, window.subarray(ref, ref + refLen));
    if (end > cut) f(s, out.subarray(cut, end));
  }
}

/** One view of `a` and `b` when `b` follows `a` in memory. */
function joined(a: Uint8Array, b: Uint8Array): Uint8Array | undefined {
  return a.buffer === b.buffer && a.byteOffset + a.length === b.byteOffset ? new Uint8Array(a.buffer, a.byteOffset, a.length + b.length) : undefined;
}

/** Output of the router: bytes for one route (the removed first component), or unrouted (undefined). */
export interface RoutedBytes {
  route: string | undefined;
  bytes: Uint8Array;
}

/**
 * Demultiplex: each packet goes to the route named by the first component of
 * its route code, with that component removed ("0/1" → "1" on route "0",
 * "0" → no route code on route "0"). Packets without a route code and
 * non-subunit bytes are unrouted and pass unchanged.
 */
export class Router extends ChunkedPass<RoutedBytes[]> {
  constructor(options: BackendOptions = {}) {
    super(coreFor(options.backend));
  }
  push(chunk: Uint8Array): RoutedBytes[] {
    return flatten(this.pushItems(chunk));
  }
  end(): RoutedBytes[] {
    return flatten(this.endItems());
  }
  protected step(window: Uint8Array, pos: number, eof: boolean, ctx: number, ctxLen: number): RoutedBytes[] | null {
    const core = this.core;
    const count = core.rewrite(window, pos, eof, ctx, ctxLen, REWRITE_STRIP | REWRITE_BY_REF, EMPTY);
    if (count === 0) return null;
    const g = core.segments;
    const pieces: RoutedBytes[] = [];
    eachPiece(core, window, count, false, (s, bytes) => {
      const route = g[s + G_KIND] === SEG_PACKET ? readString(window, core.base + g[s + G_COMP_OFF], g[s + G_COMP_LEN]) : undefined;
      const last = pieces[pieces.length - 1];
      // consecutive pieces for one route that are adjacent in memory share one view
      const both = last && last.route === route ? joined(last.bytes, bytes) : undefined;
      if (both) last.bytes = both;
      else pieces.push({ route, bytes });
    });
    return pieces;
  }
}

const EMPTY = new Uint8Array(0);

export interface MuxInput {
  source: ByteSource | FillSource;
  /** Route component for this input (default: its index). */
  route?: string;
  /**
   * Called once the mux has passed on all of this input (the consumer asked
   * for the piece after its last): what a truncated packet at its end became
   * is out, so bytes another input adds for this route cannot join it.
   */
  onEnd?(): void;
}

/**
 * A source that reads into memory the consumer lends it, such as a regular
 * file read with readSync: the mux reads it straight into its rewriter's
 * input area (no copy and no fresh buffer per read).
 */
export interface FillSource {
  /** Read at most into.length bytes into `into`; the count, 0 at the end. */
  fill(into: Uint8Array): number | Promise<number>;
  /** Called once the mux is done with the source (at its end, or on stopping early). */
  close?(): void | Promise<void>;
}

/**
 * Multiplex byte sources into one v2 stream. Each source's packets get its
 * route component in front of their route codes and stay in order; sources
 * interleave by arrival at packet boundaries. One read per source is in flight
 * at a time and the next is asked for only after the consumer took the
 * previous output, so a slow consumer slows the sources (no unbounded buffer).
 * With `recycle`, each piece is valid only until the next is asked for, and
 * a source may refill a chunk once asked for the next one; only then are a
 * FillSource's pieces views of the area it reads into (otherwise copies).
 */
export async function* mux(inputs: (ByteSource | FillSource | MuxInput)[], options: RewriteOptions = {}): AsyncGenerator<Uint8Array> {
  // a FillSource lane reads into its own core's memory: its pieces must outlive other lanes' reads
  type Lane = { route: string; rw: RoutePrefixer; onEnd?: () => void } & ({ it: AsyncIterator<Uint8Array> } | { fill: FillSource });
  // a chunk (or, for a FillSource, the count read into its area); null at the end
  type Arrival = { lane: Lane; got: Uint8Array | number | null };
  const given = inputs.map((input, i) => (isMuxInput(input) ? { ...input, route: input.route ?? String(i) } : { route: String(i), source: input }));
  // (the shared core is made only when a lane uses it)
  if (!given.every((g) => isFillSource(g.source))) await init(options.backend);
  const lanes = given.map(({ route, source, onEnd }): Lane => {
    if (isFillSource(source)) return { route, onEnd, fill: source, rw: new RoutePrefixer(route, { ...options, backend: privateCoreFor(options.backend) }) };
    return { route, onEnd, it: chunksOf(source)[Symbol.asyncIterator](), rw: new RoutePrefixer(route, options) };
  });
  const read = async (lane: Lane): Promise<Arrival> => {
    if ('fill' in lane) return { lane, got: (await lane.fill.fill(lane.rw.fillArea())) || null };
    const r = await lane.it.next();
    return { lane, got: r.done ? null : r.value };
  };
  // Arrivals queue up as reads settle. (Not Promise.race over the reads: each
  // race leaves a reaction on every read still pending, holding the race's
  // result, so a lane that waits long kept every chunk the others delivered.)
  const ready: (Arrival | { lane: Lane; error: unknown })[] = [];
  let wake: (() => void) | undefined;
  const reading = new Set<Lane>();
  const ask = (lane: Lane) => {
    reading.add(lane);
    read(lane).then(
      (a) => ready.push(a),
      (error: unknown) => ready.push({ lane, error }),
    ).then(() => wake?.());
  };
  lanes.forEach(ask);
  try {
    while (reading.size > 0) {
      while (ready.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const arrival = ready.shift()!;
      const lane = arrival.lane;
      if ('error' in arrival) {
        reading.delete(lane);
        throw arrival.error;
      }
      const { got } = arrival;
      const fill = 'fill' in lane;
      if (got !== null) {
        if (options.recycle) yield* lane.rw.pieces(got);
        else if (typeof got !== 'number') yield* lane.rw.pushParts(got);
        else for (const piece of lane.rw.filledParts(got)) yield piece.slice(); // the area is read into again
        ask(lane);
        continue;
      }
      reading.delete(lane);
      yield* fill ? lane.rw.filledParts(0) : lane.rw.endParts();
      if (fill) await lane.fill.close?.();
      lane.onEnd?.();
    }
  } finally {
    for (const lane of reading) {
      if ('fill' in lane) await lane.fill.close?.();
      // not awaited: a generator waiting on something of its own returns only once that settles
      else lane.it.return?.()?.catch(() => {});
    }
  }
}

function isFillSource(x: ByteSource | FillSource): x is FillSource {
  // arrays and typed arrays have a fill method too
  return typeof (x as FillSource).fill === 'function' && !(Symbol.iterator in x) && !(Symbol.asyncIterator in x);
}

function isMuxInput(x: ByteSource | FillSource | MuxInput): x is MuxInput {
  return typeof x === 'object' && x !== null && 'source' in x;
}

/**
 * Demultiplex a stream: `onRoute(route, bytes)` receives each run of packets
 * for one first route component, with that component removed; `route` is
 * undefined for packets without a route code and for non-subunit bytes.
 * The next chunk is read only after the callback's promise settles.
 */
export async function demux(
  source: ByteSource,
  onRoute: (route: string | undefined, bytes: Uint8Array) => void | Promise<void>,
  options: BackendOptions = {},
): Promise<void> {
  await init(options.backend);
  const router = new Router(options);
  for await (const chunk of chunksOf(source)) for (const p of router.push(chunk)) await onRoute(p.route, p.bytes);
  for (const p of router.end()) await onRoute(p.route, p.bytes);
}
