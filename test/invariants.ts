// The invariants every input must satisfy, shared by the property tests,
// the adversarial tests and the fuzzer (plain assertions: no test runner needed).
import { deepStrictEqual } from 'node:assert';
import { eventToJSON, type SubunitEvent } from '../bindings/index.js';
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

export function randomChunks(len: number, next: () => number, max: number): number[] {
  const sizes: number[] = [];
  for (let n = 0; n < len; ) {
    const s = 1 + Math.floor(next() * max);
    sizes.push(s);
    n += s;
  }
  return sizes;
}

/** The invariants on one input, across all cores. */
export function check(input: Uint8Array, seed: number): void {
  const [, first] = CORES[0];
  const reference = decodeWith(first, input);
  expectAccounted(reference, input);
  const want = exact(reference);
  const wantShape = shape(reference);
  const next = rng(seed);
  for (const [name, core] of CORES) {
    const whole = decodeWith(core, input);
    deepStrictEqual(exact(whole), want, `${name}: whole-buffer events differ from ${CORES[0][0]}`);
    const chunked = decodeWith(core, input, randomChunks(input.length, next, 64));
    expectAccounted(chunked, input);
    deepStrictEqual(shape(chunked), wantShape, `${name}: chunked events differ from whole-buffer`);
  }
}

