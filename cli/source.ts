// Inputs → event batches for the tools: files or stdin, gzip detected by its
// magic bytes, then the v2 decoder. Every tool reads through here.
import type { ZlibOptions } from 'node:zlib';
import { decodeStream } from '../bindings/adapters/streams.js';
import { InputError } from '../bindings/codec/errors.js';
import type { SubunitEvent } from '../bindings/codec/events.js';
import { TestAggregator, resultOf, isFailed, type TestResult, type TestRecord } from '../bindings/results/results.js';
import type { BackendName } from '../bindings/codec/core.js';
import { openInput, openFill, checkInput, type Input, type InputOptions } from './io.js';
import type { FillSource } from '../bindings/mux/route.js';
import { looksLikeV1, v1ToV2 } from './v1.js';
import type { RunContext } from './failure.js';

export type { RunContext };

/** Replays the chunks already read in front of the rest of the iterator. */
async function* prepend(head: Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* head;
  for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
}

/** The input's bytes, gunzipped when they start with the gzip magic (1F 8B). */
export async function sniffed(input: Input): Promise<{ kind: 'gzip' | 'plain'; chunks: AsyncIterable<Uint8Array>; head: Uint8Array }> {
  const it = input.chunks[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  // enough to tell gzip, v2 and a v1 directive apart, without waiting on a live stream
  const enough = () => size >= 2 && (head[0][0] === 0xb3 || size >= 16 || head.some((h) => h.includes(10)));
  while (!enough()) {
    const r = await it.next();
    if (r.done) break;
    if (r.value.length === 0) continue;
    head.push(r.value);
    size += r.value.length;
  }
  // several chunks are replayed from one copy (with a reused read buffer they
  // may be read into again); one chunk is replayed as it is, in the order it
  // came, so a reused buffer is read into again no sooner than without the sniff
  const first = head.length === 1 ? head[0] : Buffer.concat(head);
  const raw = prepend(first.length ? [first] : [], it);
  if (first[0] !== 0x1f || first[1] !== 0x8b) return { kind: 'plain', chunks: raw, head: first };
  return { kind: 'gzip', chunks: gunzipped(input.name, raw), head: first };
}

/** Compressed bytes per write to zlib: bounds the output held per step. */
const GZIP_PIECE = 1 << 16;

/**
 * Gunzip, handing out everything zlib produced before an error, then the
 * error as an InputError with the byte where zlib stopped. (Iterating a zlib
 * stream directly loses its buffered output when it fails: a consumer slower
 * than zlib would miss the end of a cut file.) Each piece of input is written
 * and its output taken before the next, so memory stays bounded.
 */
async function* gunzipped(name: string, raw: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  // the readable side never pushes back (a write completes at once): output is taken after each write
  const { createGunzip } = await import('node:zlib'); // loaded only for gzip input (startup time)
  const g = createGunzip({ readableHighWaterMark: 2 ** 30 } as ZlibOptions);
  let failed: NodeJS.ErrnoException | undefined;
  let ended = false;
  let wake = () => {};
  const sleep = () => new Promise<void>((resolve) => (wake = resolve));
  g.on('error', (e) => {
    failed ??= e;
    wake();
  });
  g.on('readable', () => wake());
  g.on('end', () => {
    ended = true;
    wake();
  });
  function* drain(): Generator<Uint8Array> {
    for (let c: Buffer | null; (c = g.read() as Buffer | null) !== null; ) yield c;
  }
  let fed = 0; // compressed bytes zlib has taken
  let piece = 0; // the size of the one being written
  for await (const chunk of raw) {
    for (let at = 0; at < chunk.length && !failed; at += GZIP_PIECE) {
      let written = false;
      piece = Math.min(GZIP_PIECE, chunk.length - at);
      g.write(chunk.subarray(at, at + piece), () => {
        written = true;
        wake();
      });
      while (!written && !failed) await sleep();
      if (!failed) fed += piece;
      yield* drain();
    }
    if (failed) break;
  }
  const atEnd = !failed;
  if (!failed) {
    g.end();
    for (;;) {
      yield* drain();
      if (ended || failed) break;
      await sleep();
    }
  }
  yield* drain();
  g.destroy();
  if (failed) {
    // at the end, zlib took every byte (a cut: the input's length); in a write, the fault lies in that piece
    const where = atEnd ? `at byte ${fed}` : `between bytes ${fed} and ${fed + piece}`;
    const why = failed.code === 'Z_BUF_ERROR' ? 'gzip data cut short' : `bad gzip data: ${failed.message}`;
    throw new InputError(`${name}: ${why} (${where})`, name, fed);
  }
}

/**
 * Decoded bytes of one opened input (gzip removed, v1 converted). They never
 * throw: a failure ends them early and is kept in the run's context.
 */
export async function inputBytes(input: Input, context: RunContext): Promise<{ name: string; chunks: AsyncIterable<Uint8Array> }> {
  const { name } = input;
  // sniffing reads the first chunks: a damaged gzip header fails here
  const plain = context.guarded(name, input.chunks);
  const s = await sniffed({ name, chunks: plain });
  if (s.kind === 'gzip') {
    // look again under the gzip layer: it may hold v1
    const inner = await sniffed({ name, chunks: context.guarded(name, s.chunks) });
    return { name, chunks: looksLikeV1(inner.head) ? v1ToV2(inner.chunks) : inner.chunks };
  }
  return { name, chunks: looksLikeV1(s.head) ? v1ToV2(s.chunks) : s.chunks };
}

/**
 * Check that every input ("-" = stdin; none = stdin) can be opened before
 * reading any, so that a missing, unreadable or directory argument fails
 * before any output; then open them one at a time (thousands of files never
 * hold thousands of descriptors).
 */
export async function* openInputs(paths: string[], options: InputOptions = {}): AsyncGenerator<Input> {
  const all = paths.length ? paths : ['-'];
  for (const path of all) await checkInput(path);
  for (const path of all) yield await openInput(path, options);
}

/** Bytes of a file's start that plainFill() looks at. */
const PEEK = 1 << 16;

/**
 * A regular file of plain v2 bytes as a FillSource, or null (stdin, a pipe,
 * gzip, v1, or a start that might be v1: read those with inputBytes). The
 * look at the file's start says v2 only where sniffed() would too: a
 * plausible signature in a prefix is one in the whole head, and v1's first
 * line is recognised by its first word.
 */
function plainFill(path: string): FillSource | null {
  const fill = openFill(path);
  if (fill === null) return null;
  const head = new Uint8Array(PEEK);
  let n: number;
  try {
    n = fill.peek(head);
  } catch {
    n = -1; // inputBytes reads it again and reports the failure as usual
  }
  if (n < 0 || (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) || looksLikeV1(head.subarray(0, n))) {
    fill.close?.();
    return null;
  }
  return fill;
}

/**
 * Inputs for a reader that can read into a pass's own memory (ChunkedPass
 * fillArea/filled): a regular file of plain v2 bytes as a FillSource (no
 * copy of the bytes into the core), anything else as its plain bytes
 * (inputBytes). Every input is checked before any is read (openInputs). A
 * failed read ends the input early and is kept in the run's context.
 */
export async function* passInputs(paths: string[], context: RunContext): AsyncGenerator<{ name: string } & ({ fill: FillSource } | { chunks: AsyncIterable<Uint8Array> })> {
  const all = paths.length ? paths : ['-'];
  for (const path of all) await checkInput(path);
  for (const path of all) {
    const fill = plainFill(path);
    if (fill !== null) yield { name: path, fill: context.guardedFill(path, fill) };
    else yield await inputBytes(await openInput(path, { reuse: true }), context);
  }
}

export interface EventOptions extends InputOptions {
  /** Sees each input's bytes (v2, gzip and v1 undone) on their way to the decoder (a new call per input). */
  watch?(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array>;
}

/**
 * Event batches of every input in turn, up to the first failing one (kept in
 * context.failure). With `reuse`, read buffers are refilled (see InputOptions):
 * the caller must be done with a batch's events (they view the input) once
 * it has taken the batches of the next read and asked for more; copy what is kept.
 */
export async function* inputEvents(paths: string[], backend: BackendName | undefined, context: RunContext, options: EventOptions = {}): AsyncGenerator<SubunitEvent[]> {
  for await (const input of openInputs(paths, options)) {
    const { chunks } = await inputBytes(input, context);
    yield* decodeStream(options.watch ? options.watch(chunks) : chunks, { backend });
    if (context.failure) return;
  }
}

export { BACKEND_OPTION } from './command.js';

interface EventHandlers {
  /** Keep attachment bytes (default true). */
  attachments?: boolean;
  /** Events that belong to no test (chatter, run-level files). */
  onOther?(e: SubunitEvent): void | Promise<void>;
  /** Every event, before it is folded into results. */
  onEvent?(e: SubunitEvent): void | Promise<void>;
  /** After each batch of events (given, to look back over): the moment to flush live output. */
  onBatchEnd?(batch: readonly SubunitEvent[]): void | Promise<void>;
  /** The handlers keep no event (nor its bytes) past their call: input buffers may then be reused. */
  keepsNoEvents?: boolean;
}

export interface ResultHandlers extends EventHandlers {
  /** Every finished test, then the unfinished ones at the end. */
  onResult(r: TestResult): void | Promise<void>;
}

export interface RecordHandlers extends EventHandlers {
  /**
   * Every finished test as the aggregator's record (finalStatus(t) its status,
   * t.finished false for the unfinished ones at the end): for tools that need
   * no attachments, no result object per test.
   */
  onRecord(t: TestRecord, tests: TestAggregator): void | Promise<void>;
}

/**
 * Drive the per-test aggregator over the inputs. A handler's promise is
 * awaited only when it returns one: synchronous handlers cost no turn of the
 * microtask queue per event.
 */
export async function forEachRecord(paths: string[], backend: BackendName | undefined, context: RunContext, h: RecordHandlers): Promise<void> {
  const tests = new TestAggregator({ attachments: h.attachments ?? true });
  const { onEvent, onOther, onRecord, onBatchEnd } = h;
  let waiting: void | Promise<void>;
  for await (const batch of inputEvents(paths, backend, context, { reuse: h.keepsNoEvents })) {
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i];
      if (onEvent && (waiting = onEvent.call(h, e))) await waiting;
      if (e.testId === undefined) {
        if (onOther && (waiting = onOther.call(h, e))) await waiting;
        continue;
      }
      const t = tests.add(e)!;
      if (t.finished && (waiting = onRecord.call(h, t, tests))) await waiting;
    }
    if (onBatchEnd && (waiting = onBatchEnd.call(h, batch))) await waiting;
  }
  for (const t of tests.end()) await onRecord.call(h, t, tests);
}

/** forEachRecord with each test as a TestResult (its attachments joined). */
export function forEachResult(paths: string[], backend: BackendName | undefined, context: RunContext, h: ResultHandlers): Promise<void> {
  return forEachRecord(paths, backend, context, {
    attachments: h.attachments,
    keepsNoEvents: h.keepsNoEvents,
    onEvent: h.onEvent?.bind(h),
    onOther: h.onOther?.bind(h),
    onBatchEnd: h.onBatchEnd?.bind(h),
    onRecord: (t, tests) => h.onResult(resultOf(tests, t)),
  });
}

/** Did the run fail? (as testtools' StreamSummary: fail, uxsuccess, or never finished) */
export const isFailure = (r: TestResult): boolean => isFailed(r.status);
