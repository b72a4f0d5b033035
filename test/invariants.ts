// The invariants every input must satisfy, shared by the property tests,
// the adversarial tests and the fuzzer (plain assertions: no test runner needed).
import { deepStrictEqual } from 'node:assert';
import { eventToJSON, decode, RoutePrefixer, type Core, type SubunitEvent } from '../bindings/index.js';
import { CORES, decodeWith, rng } from './helpers.js';

/** Comparable form: chatter joined; everything else with its offset and length. */
export function shape(events: SubunitEvent[]): unknown[] {
  const out: unknown[] = [];
  let chatter: Uint8Array[] | null = null;
  for (const e of events) {
    if (e.source === 'chatter') {
      (chatter ??= []).push(e.fileBytes!); // not push(...bytes): a long chatter run overflows the stack
      continue;
    }
    if (chatter) out.push(['chatter', Buffer.concat(chatter).toString('base64')]);
    chatter = null;
    out.push([e.offset, e.length, e.source, eventToJSON(e)]);
  }
  if (chatter) out.push(['chatter', Buffer.concat(chatter).toString('base64')]);
  return out;
}

/** Exact form, chatter cut included (whole-buffer decodes must agree on it too). */
export const exact = (events: SubunitEvent[]) => events.map((e) => [e.offset, e.length, e.source, eventToJSON(e)]);

export function expectAccounted(events: SubunitEvent[], input: Uint8Array) {
  let at = 0;
  for (const e of events) {
    if (e.fileName === 'Parser Error' && e.source === 'parser-error') continue;
    if (e.offset !== at) throw new Error(`event at ${e.offset}, expected ${at}`);
    if (e.source !== 'packet' && !Buffer.from(e.fileBytes!).equals(input.subarray(at, at + e.length))) throw new Error(`bytes differ at ${at}`);
    at += e.length;
  }
  if (at !== input.length) throw new Error(`accounted ${at} of ${input.length} bytes`);
}

const chatterCount = (events: SubunitEvent[]) => events.filter((e) => e.source === 'chatter').length;

/**
 * Chunking cuts chatter, never multiplies it: each of `pushes` chunks ends
 * at a boundary (the last one's is end()) that may cut one run of text.
 */
export function expectChatterBound(chunked: SubunitEvent[], whole: SubunitEvent[], pushes: number, name: string): void {
  if (chatterCount(chunked) > chatterCount(whole) + pushes) throw new Error(`${name}: ${chatterCount(chunked)} chatter events in ${pushes} pushes, ${chatterCount(whole)} whole`);
}

export function randomChunks(len: number, next: () => number, max: number): number[] {
  const sizes: number[] = [];
  for (let n = 0; n < len; ) {
    const s = 1 + Math.floor(next() * max);
    sizes.push(s);
    n += s;
  }
  return sizes;
}

/** The rewriter's output for `input` pushed in chunks of `sizes`, or read into its input area in reads of at most `sizes`. */
function prefixed(core: Core, input: Uint8Array, sizes: number[], how: 'push' | 'fill'): Buffer {
  const rw = new RoutePrefixer('7', { backend: core });
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < input.length || how === 'fill'; i++) {
    if (how === 'push') {
      const n = sizes[i % sizes.length];
      rw.pushParts(input.subarray(at, at + n)).forEach((p) => out.push(Buffer.from(p)));
      at += n;
      continue;
    }
    const area = rw.fillArea();
    const n = Math.min(area.length, input.length - at, sizes[i % sizes.length] ?? 1);
    area.set(input.subarray(at, at + n));
    at += n;
    rw.filledParts(n).forEach((p) => out.push(Buffer.from(p))); // copied before the next read
    if (n === 0) return Buffer.concat(out);
  }
  rw.endParts().forEach((p) => out.push(Buffer.from(p)));
  return Buffer.concat(out);
}

/**
 * What a rewritten stream says under route "7", the component removed and
 * adjacent chatter joined: how the rewriter cuts chatter into stdout
 * packets depends on where reads end.
 */
function under7(bytes: Uint8Array): unknown[] {
  const out: unknown[] = [];
  let text: Uint8Array[] = [];
  const flush = () => {
    if (text.length) out.push(['stdout', Buffer.concat(text).toString('base64')]);
    text = [];
  };
  for (const e of decodeWith(CORES[0][1], bytes)) {
    if (e.source === 'parser-error') continue;
    if (e.routeCode === '7' && e.fileName === 'stdout' && e.testId === undefined && !e.eof && e.mimeType === undefined && e.tags === undefined && e.timestamp === undefined && e.status === undefined) {
      text.push(e.fileBytes!);
      continue;
    }
    flush();
    const j = eventToJSON(e);
    if (j.routeCode === '7') delete j.routeCode;
    else j.routeCode = String(j.routeCode).slice(2);
    out.push(j);
  }
  flush();
  return out;
}

/** The invariants on one input, across all cores. */
export function check(input: Uint8Array, seed: number): void {
  const [, first] = CORES[0];
  const reference = decodeWith(first, input);
  expectAccounted(reference, input);
  const want = exact(reference);
  const wantShape = shape(reference);
  const next = rng(seed);
  let fills: Buffer | undefined;
  const reads = randomChunks(input.length, rng(seed + 1), 4096); // the same for every core
  for (const [name, core] of CORES) {
    const whole = decodeWith(core, input);
    deepStrictEqual(exact(whole), want, `${name}: whole-buffer events differ from ${CORES[0][0]}`);
    const sizes = randomChunks(input.length, next, 64);
    const chunked = decodeWith(core, input, sizes);
    expectAccounted(chunked, input);
    deepStrictEqual(shape(chunked), wantShape, `${name}: chunked events differ from whole-buffer`);
    expectChatterBound(chunked, whole, sizes.length, name);
    deepStrictEqual(exact([...decode(input, { backend: core })]), want, `${name}: decode() differs from the push decoder`);
    const filled = prefixed(core, input, reads, 'fill');
    if (!filled.equals((fills ??= filled))) throw new Error(`${name}: rewriting read into the input area differs from ${CORES[0][0]}`);
    if (name === CORES[0][0]) deepStrictEqual(under7(filled), under7(prefixed(core, input, reads, 'push')), 'rewriting read into the input area says what rewriting pushed chunks says');
  }
}

