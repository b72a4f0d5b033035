import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { Decoder, decodeAll, eventToJSON, type SubunitEvent, type Core } from '../bindings/index.js';
import { jsCore } from '../bindings/js/core.js';
import { wasmCoreOf, simdSupported } from '../bindings/wasm/core.js';
import { toBase64, fromBase64 } from '../bindings/codec/base64.js';

export const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

export interface FixtureInfo {
  name: string;
  kind: 'clean' | 'chatter' | 'damaged' | 'real-run';
  description: string;
}

export function fixtures(): FixtureInfo[] {
  return JSON.parse(readFileSync(FIXTURES + 'MANIFEST.json', 'utf8'));
}

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURES}${name}.subunit`));
}

export function refEvents(name: string): Record<string, unknown>[] {
  return readFileSync(`${FIXTURES}${name}.ref.jsonl`, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** Every core to run the same checks against: js, wasm scalar, wasm SIMD (where the engine has it). */
export const CORES: [string, Core][] = [
  ['js', jsCore],
  ['wasm-scalar', wasmCoreOf('scalar')],
  ...(simdSupported ? ([['wasm-simd', wasmCoreOf('simd')]] as [string, Core][]) : []),
];

/** Decode through a specific core (the public API picks the default instance). */
export function decodeWith(core: Core, bytes: Uint8Array, chunks?: number[]): SubunitEvent[] {
  const d = new Decoder({ backend: core });
  if (!chunks) return decodeAll(bytes, { backend: core });
  const out: SubunitEvent[] = [];
  let at = 0;
  for (const size of chunks) {
    if (at >= bytes.length) break;
    for (const e of d.push(bytes.subarray(at, at + size))) out.push(e);
    at += size;
  }
  if (at < bytes.length) for (const e of d.push(bytes.subarray(at))) out.push(e);
  for (const e of d.end()) out.push(e);
  return out;
}

type Json = Record<string, unknown>;

const isChatter = (e: Json) =>
  e.fileName === 'stdout' && e.runnable === true && e.eof === false &&
  Object.keys(e).every((k) => ['fileName', 'fileBytes', 'runnable', 'eof'].includes(k));

/** The comparison form: canonical JSON, adjacent chatter joined, tags as a sorted set (optionally). */
export function normalize(events: (SubunitEvent | Json)[], opts: { sortTags?: boolean } = {}): Json[] {
  const out: Json[] = [];
  for (const ev of events) {
    const e = ('source' in ev ? eventToJSON(ev as SubunitEvent) : { ...ev }) as Json;
    // the reference decodes tags into a set: compare as one
    if (opts.sortTags && Array.isArray(e.tags)) e.tags = [...new Set(e.tags as string[])].sort();
    const last = out[out.length - 1];
    if (last && isChatter(e) && isChatter(last)) {
      const a = fromBase64(last.fileBytes as string);
      const b = fromBase64(e.fileBytes as string);
      const joined = new Uint8Array(a.length + b.length);
      joined.set(a);
      joined.set(b, a.length);
      last.fileBytes = toBase64(joined);
    } else out.push(e);
  }
  return out;
}

export { decodeAll };

/** Deterministic PRNG for tests (mulberry32). */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** /usr/bin/python3 with python-subunit, if installed (CI installs it). */
export const PYTHON = '/usr/bin/python3';
export const hasReference = (() => {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import subunit'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export function listFixtureFiles(): string[] {
  return readdirSync(FIXTURES);
}

/** The parts joined into a new array (always a copy, so a test may edit it; the package's `concat` returns a lone part as is). */
export function joinBytes(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---- hand-written vectors (scanner and conformance tests) -------------------
const te = new TextEncoder();
export const cat = (...parts: (Uint8Array | string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...te.encode(p)] : [...p])));

/** A CRC-valid packet with the given flags and raw body (1-byte length form). */
export function raw(flags: number, body: number[], fixCrc = true): Uint8Array {
  const len = 1 + 2 + 1 + body.length + 4;
  const p = new Uint8Array([0xb3, flags >> 8, flags & 255, len, ...body, 0, 0, 0, 0]);
  const c = fixCrc ? crc32(p.subarray(0, len - 4)) : 0x12345678;
  new DataView(p.buffer).setUint32(len - 4, c);
  return p;
}

export type Brief = [string, string, number, number];
/** (source, testId or chatter text or error reason start, offset, length) for each event */
export function brief(events: SubunitEvent[]): Brief[] {
  return events.map((e) => {
    if (e.source === 'chatter') return ['chatter', new TextDecoder('latin1').decode(e.fileBytes), e.offset, e.length];
    if (e.source === 'parser-error') {
      const what = e.fileName === 'Parser Error' ? new TextDecoder().decode(e.fileBytes).split(' ')[0] : 'data';
      return ['error', what, e.offset, e.length];
    }
    return ['packet', e.testId ?? '', e.offset, e.length];
  });
}

/** Join adjacent chatter so that whole and chunked decodes compare equal. */
export function joined(b: Brief[]): Brief[] {
  const out: Brief[] = [];
  for (const x of b) {
    const last = out[out.length - 1];
    if (last && last[0] === 'chatter' && x[0] === 'chatter') out[out.length - 1] = ['chatter', last[1] + x[1], last[2], last[3] + x[3]];
    else out.push([...x]);
  }
  return out;
}
