// The differential mutation fuzzer: mutates the fixtures, checks every input
// against the invariants of test/invariants.ts (all cores agree, chunked =
// whole, every byte accounted for once), a per-input time limit, and — where
// python-subunit is installed — that every packet the reference decodes we
// decode too. Failing inputs are minimised and saved to fixtures/fuzz/.
// Used by test/fuzz.test.ts (short, seeded, in `npm test`) and
// test/fuzz/long.fuzz.ts (`npm run fuzz -- --minutes N`).
import { deepStrictEqual } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import { encode, eventToJSON, STATUSES, Timestamp, type Core, type EventInit, type SubunitEvent } from '../../bindings/index.js';
import { jsCore } from '../../bindings/js/core.js';
import { crcThreadCore } from '../../bindings/wasm/helper.js';
import { CORES, FIXTURES, PYTHON, decodeWith, fixtureBytes, fixtures, joinBytes, rng } from '../helpers.js';
import { check, expectAccounted, expectChatterBound, randomChunks, shape } from '../invariants.js';

export const FUZZ_DIR = `${FIXTURES}fuzz/`;
const REF_SERVER = new URL('./ref_server.py', import.meta.url).pathname;
const MAX_LENGTH = 4194303;

// ---- seeds ------------------------------------------------------------------

export interface Seed {
  name: string;
  bytes: Uint8Array;
}

/** Saved regressions (fixtures/fuzz/*.subunit), sorted. */
export function regressionFiles(): string[] {
  if (!existsSync(FUZZ_DIR)) return [];
  return readdirSync(FUZZ_DIR).filter((f) => f.endsWith('.subunit')).sort();
}

/** Every fixture, plus the saved regressions (interesting inputs by construction). */
export function loadSeeds(): Seed[] {
  const seeds = fixtures().map((f) => ({ name: f.name, bytes: fixtureBytes(f.name) }));
  for (const f of regressionFiles()) seeds.push({ name: `fuzz/${f}`, bytes: new Uint8Array(readFileSync(FUZZ_DIR + f)) });
  return seeds;
}

// ---- mutations --------------------------------------------------------------

/** The length varint in 1–4 byte form (`width` 0 = shortest). */
function lengthField(len: number, width: number): number[] {
  const w = width || (len < 0x40 ? 1 : len < 0x4000 ? 2 : len < 0x400000 ? 3 : 4);
  if (w === 1) return [len & 0x3f];
  if (w === 2) return [0x40 | ((len >> 8) & 0x3f), len & 0xff];
  if (w === 3) return [0x80 | ((len >> 16) & 0x3f), (len >> 8) & 0xff, len & 0xff];
  return [0xc0 | ((len >>> 24) & 0x3f), (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff];
}

/** A candidate's claimed length and header size, when its length field uses the 1–3 byte form. */
function claimed(b: Uint8Array, at: number): { len: number; hdr: number } | null {
  if (b[at] !== 0xb3 || at + 4 > b.length) return null;
  const l0 = b[at + 3];
  const form = l0 >> 6;
  if (form === 3 || at + 4 + form > b.length) return null;
  let len = l0 & 0x3f;
  for (let i = 1; i <= form; i++) len = (len << 8) | b[at + 3 + i];
  return len >= 4 + form + 4 ? { len, hdr: 4 + form } : null;
}

/** Make the candidate at `at` carry a correct CRC (when its claimed span fits). */
function fixCrc(b: Uint8Array, at: number): boolean {
  const c = claimed(b, at);
  if (!c || at + c.len > b.length) return false;
  const sum = crc32(b.subarray(at, at + c.len - 4));
  new DataView(b.buffer, b.byteOffset).setUint32(at + c.len - 4, sum);
  return true;
}

function signatures(b: Uint8Array): number[] {
  const at: number[] = [];
  for (let i = b.indexOf(0xb3); i >= 0; i = b.indexOf(0xb3, i + 1)) at.push(i);
  return at;
}

const STRINGS = ['', 'a', 'pkg.test_one', 'ó', '³', '㳊', '😀', 'tag', 'text/plain;charset=utf8', 'stdout', '0/1', 'x'.repeat(70), '\u00b3\u00b3'];

function randomString(next: () => number): string {
  let s = '';
  for (let n = Math.floor(next() * 3); n >= 0; n--) s += STRINGS[Math.floor(next() * STRINGS.length)];
  return s;
}

/** A random event, encoded (string fields may hold 0xB3 bytes inside valid UTF-8). */
function randomPacket(next: () => number): Uint8Array {
  const e: EventInit = {};
  if (next() < 0.8) e.testId = randomString(next);
  if (next() < 0.7) e.status = STATUSES[Math.floor(next() * STATUSES.length)];
  if (next() < 0.3) e.tags = Array.from({ length: Math.floor(next() * 3) }, () => randomString(next));
  if (next() < 0.3) e.mimeType = randomString(next);
  if (next() < 0.4) {
    e.fileName = randomString(next);
    const size = next() < 0.05 ? Math.floor(next() * 20000) : Math.floor(next() * 90);
    e.fileBytes = new Uint8Array(size).map(() => (next() < 0.1 ? 0xb3 : next() * 256));
  }
  if (next() < 0.3) e.routeCode = randomString(next);
  if (next() < 0.6) e.timestamp = new Timestamp(Math.floor(next() * 0xffffffff), Math.floor(next() * 1e9));
  if (next() < 0.2) e.runnable = false;
  if (next() < 0.2) e.eof = true;
  return encode(e, { backend: 'js' });
}

/** A fake header: B3, version-2 flags, a plausible (or boundary, or maximum) length; sometimes a body and a valid CRC. */
function fakeHeader(next: () => number, room: number): Uint8Array {
  const pick = (n: number) => Math.floor(next() * n);
  const hi = next() < 0.05 ? pick(256) : 0x20 | pick(16);
  const lo = next() < 0.05 ? pick(256) : pick(256) & ~0x08;
  const width = next() < 0.7 ? 0 : 1 + pick(next() < 0.1 ? 4 : 3);
  const choices = [
    () => 8 + pick(56),
    () => 8 + pick(Math.max(1, room)),
    () => MAX_LENGTH,
    () => [63, 64, 65, 16383, 16384, 16385, MAX_LENGTH - 1][pick(7)],
    () => pick(MAX_LENGTH + 1),
    () => pick(10),
  ];
  const len = choices[pick(choices.length)]();
  const head = [0xb3, hi, lo, ...lengthField(len, width)]; // a width too small for len gives another length
  if (next() < 0.5 || len > 4096 || len < head.length + 4) return new Uint8Array(head);
  // a whole packet of random fields with a correct CRC: the field parser's turn
  const b = new Uint8Array(len);
  b.set(head);
  for (let i = head.length; i < len - 4; i++) b[i] = next() < 0.5 ? pick(8) : pick(256);
  fixCrc(b, 0);
  return b;
}

/** Bytes biased towards signatures, flags and UTF-8 lead/continuation bytes. */
function junk(next: () => number, n: number): Uint8Array {
  const special = [0xb3, 0xb3, 0x20, 0x21, 0x29, 0xc3, 0xe3, 0xf0, 0x80, 0x0a, 0x00, 0xff, 0xbf];
  return new Uint8Array(n).map(() => (next() < 0.3 ? special[Math.floor(next() * special.length)] : next() * 256));
}

/** A window of a large seed (a slice of a real stream: cut mid-packet at both ends); rarely all of it. */
function window(src: Uint8Array, next: () => number, large: boolean): Uint8Array {
  if (src.length <= 65536) return src;
  const r = next();
  const len = large && r < 0.001 ? src.length : large && r < 0.02 ? 1 + Math.floor(next() * 524288) : 1 + Math.floor(next() * 32768);
  const at = Math.floor(next() * (src.length - Math.min(len, src.length) + 1));
  return src.subarray(at, at + len);
}

export const MUTATIONS = [
  'bitflip', 'insert', 'delete', 'duplicate', 'truncate', 'fake-header', 'splice',
  'packet-edit', 'insert-packet', 'relength', 'utf8-lead', 'recrc-all', 'huge',
] as const;

/**
 * One mutated input from the seeds: 1–6 stacked mutations. `large`: allow
 * inputs of megabytes (whole large fixtures, a completing maximum-length
 * candidate) about once in 500 inputs; they take seconds each to check.
 */
export function mutate(seeds: Seed[], next: () => number, counts?: Map<string, number>, large = true): Uint8Array {
  const pick = (n: number) => Math.floor(next() * n);
  let b: Uint8Array = window(seeds[pick(seeds.length)].bytes, next, large).slice();
  const huge = large && next() < 0.001;
  for (let ops = 1 + pick(6); ops > 0; ops--) {
    const at = pick(b.length + 1);
    const span = 1 + (next() < 0.9 ? pick(64) : pick(4096));
    const op = huge && ops === 1 ? 'huge' : MUTATIONS[pick(MUTATIONS.length - 1)];
    counts?.set(op, (counts.get(op) ?? 0) + 1);
    switch (op) {
      case 'bitflip':
        for (let n = 1 + pick(4); n > 0 && b.length; n--) b[pick(b.length)] ^= 1 << pick(8);
        break;
      case 'insert':
        b = joinBytes([b.subarray(0, at), junk(next, span), b.subarray(at)]);
        break;
      case 'delete':
        b = joinBytes([b.subarray(0, at), b.subarray(at + span)]);
        break;
      case 'duplicate':
        b = joinBytes([b.subarray(0, at + span), b.subarray(at, at + span), b.subarray(at + span)]);
        break;
      case 'truncate':
        b = next() < 0.7 ? b.slice(0, at) : b.slice(at);
        break;
      case 'fake-header':
        b = joinBytes([b.subarray(0, at), fakeHeader(next, b.length - at), b.subarray(at)]);
        break;
      case 'splice': {
        const other = window(seeds[pick(seeds.length)].bytes, next, large);
        const cut = pick(other.length + 1);
        b = next() < 0.5 ? joinBytes([b.subarray(0, at), other.subarray(cut)]) : joinBytes([b.subarray(0, at), other.subarray(cut, cut + span * 4), b.subarray(at)]);
        break;
      }
      case 'packet-edit': {
        // damage a field of a real packet, then give it a correct CRC
        const sigs = signatures(b).filter((s) => claimed(b, s));
        if (!sigs.length) break;
        const s = sigs[pick(sigs.length)];
        const c = claimed(b, s)!;
        const end = Math.min(b.length, s + c.len);
        for (let n = 1 + pick(3); n > 0; n--) {
          const i = s + 1 + pick(Math.max(1, end - s - 1));
          if (i < b.length) b[i] = next() < 0.5 ? b[i] ^ (1 << pick(8)) : pick(256);
        }
        fixCrc(b, s);
        break;
      }
      case 'insert-packet': {
        const p = randomPacket(next);
        b = joinBytes([b.subarray(0, at), next() < 0.8 ? p : p.subarray(0, pick(p.length)), b.subarray(at)]);
        break;
      }
      case 'relength': {
        // rewrite a candidate's length field: other widths (non-minimal), off by a little, or the maximum
        const sigs = signatures(b);
        if (!sigs.length) break;
        const s = sigs[pick(sigs.length)];
        const c = claimed(b, s);
        const old = c ? c.len : 8;
        const len = [old + 1, old - 1, old + pick(16), MAX_LENGTH, pick(8), old][pick(6)];
        const field = lengthField(Math.max(0, len), pick(5));
        b = joinBytes([b.subarray(0, s + 3), new Uint8Array(field), b.subarray(s + 3 + (c ? c.hdr - 3 : 1))]);
        if (next() < 0.5) fixCrc(b, s);
        break;
      }
      case 'utf8-lead':
        // a dangling lead byte (or an open multi-byte character) before a signature
        {
          const sigs = signatures(b);
          const s = sigs.length ? sigs[pick(sigs.length)] : at;
          const lead = [[0xc3], [0xe3], [0xe3, 0xb3], [0xf0], [0xf0, 0x9f], [0xc2], [0xed]][pick(7)];
          b = joinBytes([b.subarray(0, s), new Uint8Array(lead), b.subarray(s)]);
        }
        break;
      case 'recrc-all':
        for (const s of signatures(b)) if (next() < 0.8) fixCrc(b, s);
        break;
      case 'huge': {
        // a maximum-length candidate that completes: real packets inside it, damaged or not
        const filler: Uint8Array[] = [];
        let n = 0;
        while (n < MAX_LENGTH + 1000) {
          const piece = window(seeds[pick(seeds.length)].bytes, next, false);
          filler.push(piece);
          n += piece.length + 1;
          filler.push(new Uint8Array([0x0a]));
        }
        const head = new Uint8Array([0xb3, 0x20 | pick(16), pick(256) & ~0x08, 0xbf, 0xff, 0xff]);
        b = joinBytes([b.subarray(0, at), head, ...filler, b.subarray(at)]);
        if (next() < 0.3) fixCrc(b, at);
        break;
      }
    }
  }
  return b;
}

// ---- checks -----------------------------------------------------------------

export type FailureKind = 'crash' | 'backend-mismatch' | 'chunk-mismatch' | 'accounting' | 'slow' | 'ref-missing' | 'ref-rejected' | 'ref-fields';

export interface Problem {
  kind: FailureKind;
  message: string;
}

export interface Failure extends Problem {
  input: Uint8Array;
  seed: number;
  /** Where the minimised input was saved, if it was. */
  file?: string;
  minimisedBytes?: number;
}

export function classify(err: unknown): Problem {
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  if (/whole-buffer events differ/.test(message)) return { kind: 'backend-mismatch', message };
  if (/chunked events differ|chatter events in \d+ pushes/.test(message)) return { kind: 'chunk-mismatch', message };
  if (/^(event at|bytes differ at|accounted) /.test(message)) return { kind: 'accounting', message };
  const name = err instanceof Error ? err.constructor.name : typeof err;
  return { kind: 'crash', message: `${name}: ${message}` };
}

const CHUNK_MAX = [1, 7, 4096, 1 << 20];

/** The core with the CRC helper thread (started by fuzz()): inputs of 256 KiB and more give it work. */
let threaded: Core | undefined;
const THREADED_MIN = 256 << 10;

/**
 * The invariants on one input: test/invariants.ts `check` (every core, whole
 * and in chunks of ≤ 64 bytes), then one more chunked decode on a core and
 * chunk-size regime chosen by the seed (1-byte, tiny, medium, large chunks).
 */
export function invariants(input: Uint8Array, seed: number): void {
  check(input, seed);
  const next = rng(seed ^ 0x5bd1e995);
  const [name, core] = CORES[Math.floor(next() * CORES.length)];
  let max = CHUNK_MAX[Math.floor(next() * CHUNK_MAX.length)];
  if (max === 1 && input.length > 50_000) max = 7;
  const whole = decodeWith(CORES[0][1], input);
  const want = shape(whole);
  const sizes = randomChunks(input.length, next, max);
  const got = decodeWith(core, input, sizes);
  expectAccounted(got, input);
  deepStrictEqual(shape(got), want, `${name}: chunked events differ from whole-buffer (chunks of at most ${max} bytes)`);
  expectChatterBound(got, whole, sizes.length, name);
  if (threaded && input.length >= THREADED_MIN) deepStrictEqual(shape(decodeWith(threaded, input)), want, 'CRC thread: events differ from the default core');
}

/** The per-input time limit for `invariants` (generous: the machine is shared). */
export function limitMs(bytes: number): number {
  return Number(process.env.FUZZ_LIMIT_MS ?? 10_000) + (bytes / 1048576) * 4_000;
}

/** Run the invariants, timed; a slow input is re-timed twice before it counts as a failure. */
export function checkOne(input: Uint8Array, seed: number, watchdog?: Watchdog, timing?: { ms: number }): Problem | null {
  let best = Infinity;
  for (let attempt = 0; attempt < 3; attempt++) {
    watchdog?.begin(input);
    const t = performance.now();
    try {
      invariants(input, seed);
    } catch (err) {
      return classify(err);
    } finally {
      watchdog?.end();
    }
    best = Math.min(best, performance.now() - t);
    if (timing) timing.ms = best;
    if (best <= limitMs(input.length)) return null;
  }
  return { kind: 'slow', message: `checking ${input.length} bytes took ${best.toFixed(0)} ms (limit ${limitMs(input.length).toFixed(0)} ms)` };
}

// ---- the reference (python-subunit) -----------------------------------------

export interface RefResult {
  /** [offset, length, canonical event] of every packet the reference decoded. */
  packets: [number, number, Record<string, unknown>][];
  /** What the reference raised, if it crashed (not our failure). */
  error: string | null;
}

/** One long-lived python-subunit process (test/fuzz/ref_server.py); requests are answered in order. */
export class Reference {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly waiting: { resolve: (r: RefResult) => void; reject: (e: Error) => void }[] = [];
  private out = '';
  private dead: Error | null = null;

  constructor() {
    this.proc = spawn(PYTHON, [REF_SERVER], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (s: string) => {
      this.out += s;
      for (let nl = this.out.indexOf('\n'); nl >= 0; nl = this.out.indexOf('\n')) {
        const line = this.out.slice(0, nl);
        this.out = this.out.slice(nl + 1);
        this.waiting.shift()?.resolve(JSON.parse(line));
      }
    });
    let err = '';
    this.proc.stderr.on('data', (s) => (err += s));
    this.proc.on('exit', (code) => {
      this.dead = new Error(`python-subunit oracle exited (${code}): ${err.trim().split('\n').pop()}`);
      for (const w of this.waiting.splice(0)) w.reject(this.dead);
    });
    this.proc.stdin.on('error', () => {});
  }

  /** Requests sent and not answered yet. */
  get pending(): number {
    return this.waiting.length;
  }

  decode(input: Uint8Array): Promise<RefResult> {
    if (this.dead) return Promise.reject(this.dead);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(input.length);
    this.proc.stdin.write(head);
    this.proc.stdin.write(input);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  close(): void {
    this.proc.stdin.end();
  }
}

/** The reference keeps microseconds (nanos / 1000, half to even): compare at that resolution. */
function atMicroseconds(ts: string): string {
  const m = /^(.*\.)(\d{6})(\d{3})Z$/.exec(ts);
  if (!m) return ts;
  let us = Number(m[2]);
  const rest = Number(m[3]);
  if (rest > 500 || (rest === 500 && us % 2 === 1)) us++;
  if (us < 1e6) return `${m[1]}${String(us).padStart(6, '0')}000Z`;
  const d = new Date(Date.parse(m[1].slice(0, -1) + 'Z') + 1000);
  return d.toISOString().slice(0, 19) + '.000000000Z';
}

/** Comparison key of an event: tags as a sorted set, timestamp at microseconds, keys sorted. */
function eventKey(o: Record<string, unknown>): string {
  const e = { ...o };
  if (Array.isArray(e.tags)) e.tags = [...new Set(e.tags as string[])].sort();
  if (typeof e.timestamp === 'string') e.timestamp = atMicroseconds(e.timestamp);
  return JSON.stringify(e, Object.keys(e).sort());
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** What the reference comparisons saw (for the progress lines and the log). */
export interface RefTally {
  /** Reference packets found among ours, at the same offset with the same event. */
  matched: number;
  /** Not packets for us on purpose (version nibble, bit 3, implausible length, trailing bytes). */
  deviations: number;
  /** Inside a valid packet of ours that the reference did not see (see compareWithReference). */
  shadowed: number;
}

export const newTally = (): RefTally => ({ matched: 0, deviations: 0, shadowed: 0 });

/**
 * Every packet the reference decoded must be ours too — at the same offset,
 * with the same event (stronger than comparing multisets of events) — except:
 *
 * - where we differ on purpose (README, "Differences from python-subunit"):
 *   a version nibble other than 2, reserved bit 3, a length our rules call
 *   implausible, bytes between the last field and the CRC;
 * - a packet inside a valid packet of ours that the reference did not
 *   decode: it missed the outer packet because it was skipping a damaged
 *   span (it does not rescan after a bad CRC) or took the signature for part
 *   of a UTF-8 character, and then found packets inside its content. That
 *   outer packet must be one the reference decodes, to the same event, when
 *   given its bytes alone (asked through `ref`).
 *
 * The packet's bytes alone must decode to the reference's event, or be one
 * of the differences.
 */
export async function compareWithReference(input: Uint8Array, r: RefResult, ref: Reference, ours?: SubunitEvent[], tally = newTally()): Promise<Problem | null> {
  ours ??= decodeWith(CORES[0][1], input);
  const packets = ours.filter((e) => e.source === 'packet');
  const byOffset = new Map(packets.map((e) => [e.offset, e]));
  const theirs = new Set(r.packets.map(([offset]) => offset));
  for (const [offset, length, event] of r.packets) {
    const raw = input.subarray(offset, offset + length);
    const c = claimed(raw, 0);
    if (raw[1] >> 4 !== 2 || raw[2] & 0x08 || !c || c.len !== length) {
      tally.deviations++; // not a packet for us, on purpose
      continue;
    }
    const alone = decodeWith(jsCore, raw);
    const pkt = alone.length === 1 && alone[0].source === 'packet' ? alone[0] : null;
    if (!pkt) {
      const reason = alone.find((e) => e.fileName === 'Parser Error');
      const why = reason ? new TextDecoder().decode(reason.fileBytes) : alone.map((e) => e.source).join(',');
      if (/unused bytes after the last field/.test(why)) {
        tally.deviations++; // trailing bytes: an error for us, on purpose
        continue;
      }
      return { kind: 'ref-rejected', message: `python-subunit decodes the packet at ${offset} (${length} bytes), we reject it alone: ${why}; bytes ${hex(raw.subarray(0, 64))}` };
    }
    const k = eventKey(event);
    if (k !== eventKey(eventToJSON(pkt))) return { kind: 'ref-fields', message: `packet at ${offset} alone: python-subunit ${k}, we ${eventKey(eventToJSON(pkt))}` };
    const mine = byOffset.get(offset);
    if (mine) {
      if (mine.length !== length || eventKey(eventToJSON(mine)) !== k) return { kind: 'ref-fields', message: `packet at ${offset}: python-subunit ${length} bytes ${k}, we ${mine.length} bytes ${eventKey(eventToJSON(mine))}` };
      tally.matched++;
      continue;
    }
    const what = `python-subunit decodes ${event.testId ?? '(no test id)'} ${event.status ?? ''} at ${offset} (${length} bytes)`;
    const outer = packets.find((q) => q.offset < offset && offset < q.offset + q.length);
    if (!outer) return { kind: 'ref-missing', message: `${what}; we have no packet there: ${k}` };
    if (theirs.has(outer.offset)) return { kind: 'ref-missing', message: `${what}, inside the packet at ${outer.offset} that both decode` };
    const outerRaw = input.slice(outer.offset, outer.offset + outer.length);
    const check = (await ref.decode(outerRaw)).packets;
    if (check.length !== 1 || check[0][0] !== 0 || check[0][1] !== outer.length || eventKey(check[0][2]) !== eventKey(eventToJSON(outer)))
      return { kind: 'ref-missing', message: `${what}, inside our packet at ${outer.offset} (${outer.length} bytes), which python-subunit does not decode alone to our event` };
    tally.shadowed++;
  }
  return null;
}

// ---- hangs --------------------------------------------------------------------

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const { writeFileSync, writeSync, mkdirSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { ctl, time, data, hangMs, dir } = workerData;
const t = setInterval(() => {
  if (Atomics.load(ctl, 0) !== 1 || Date.now() - time[0] < hangMs) return;
  const len = Atomics.load(ctl, 1);
  let where = '(input too large to keep)';
  if (len >= 0) {
    const bytes = Buffer.from(data.slice(0, len));
    mkdirSync(dir, { recursive: true });
    where = dir + 'hang-' + createHash('sha256').update(bytes).digest('hex').slice(0, 12) + '.subunit';
    writeFileSync(where, bytes);
  }
  // fd 2 directly: a worker's process.stderr goes through the (blocked) main thread
  writeSync(2, '\\nfuzz: FAILURE hang: one input (' + len + ' bytes) ran over ' + hangMs + ' ms; saved to ' + where + '; killing the process\\n');
  process.kill(process.pid, 'SIGKILL');
}, 500);
`;

/**
 * A watchdog thread: an input that hangs the main thread (a loop in wasm
 * cannot be interrupted) is written to fixtures/fuzz/hang-<hash>.subunit and
 * the process is killed, so that the hang is reported instead of waited on.
 */
export class Watchdog {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(8));
  private readonly time = new Float64Array(new SharedArrayBuffer(8));
  private readonly data = new Uint8Array(new SharedArrayBuffer(8 << 20));
  private readonly worker: Worker;

  constructor(hangMs = Number(process.env.FUZZ_HANG_MS ?? 120_000)) {
    this.worker = new Worker(WATCHDOG, { eval: true, workerData: { ctl: this.ctl, time: this.time, data: this.data, hangMs, dir: FUZZ_DIR } });
    this.worker.unref();
  }

  begin(input: Uint8Array): void {
    if (input.length <= this.data.length) this.data.set(input);
    Atomics.store(this.ctl, 1, input.length <= this.data.length ? input.length : -1);
    this.time[0] = Date.now();
    Atomics.store(this.ctl, 0, 1);
  }

  end(): void {
    Atomics.store(this.ctl, 0, 0);
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

// ---- minimising and saving ------------------------------------------------------

/** Delta debugging: remove ever smaller chunks while `fails` holds; stops at the budget. */
export async function minimise(input: Uint8Array, fails: (b: Uint8Array) => boolean | Promise<boolean>, budgetMs = 180_000): Promise<Uint8Array> {
  const deadline = Date.now() + budgetMs;
  let cur = input;
  let n = 2;
  while (cur.length > 1 && Date.now() < deadline) {
    const size = Math.ceil(cur.length / n);
    let reduced = false;
    for (let start = 0; start < cur.length && Date.now() < deadline; ) {
      const cand = joinBytes([cur.subarray(0, start), cur.subarray(start + size)]);
      if (cand.length < cur.length && (await fails(cand))) {
        cur = cand;
        reduced = true;
      } else start += size;
    }
    if (!reduced) {
      if (size === 1) break;
      n = Math.min(n * 2, cur.length);
    } else n = Math.max(2, Math.min(n, cur.length));
  }
  return cur;
}

/** Whether `b` still fails with the same kind (chunk-dependent kinds get a few chunkings). */
export async function sameFailure(f: Failure, b: Uint8Array, ref?: Reference): Promise<boolean> {
  if (f.kind.startsWith('ref-')) {
    if (!ref) return false;
    return (await compareWithReference(b, await ref.decode(b), ref))?.kind === f.kind;
  }
  const seeds = f.kind === 'chunk-mismatch' || f.kind === 'accounting' ? [f.seed, 1, 2, 3, 4, 5] : [f.seed, 1];
  for (const s of seeds) {
    try {
      invariants(b, s);
    } catch (err) {
      if (classify(err).kind === f.kind) return true;
    }
  }
  return false;
}

export function saveRegression(bytes: Uint8Array, f: Failure, note: Record<string, unknown> = {}): string {
  mkdirSync(FUZZ_DIR, { recursive: true });
  const name = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const file = `${FUZZ_DIR}${name}.subunit`;
  writeFileSync(file, bytes);
  const meta = { kind: f.kind, message: f.message, seed: f.seed, originalBytes: f.input.length, minimisedBytes: bytes.length, found: new Date().toISOString(), ...note };
  writeFileSync(`${FUZZ_DIR}${name}.json`, JSON.stringify(meta, null, 2) + '\n');
  return file;
}

// ---- the loop -------------------------------------------------------------------

export interface FuzzOptions {
  seed: number;
  /** Stop after this many inputs … */
  inputs?: number;
  /** … or at this time (ms since the epoch). */
  deadline?: number;
  /** Check against python-subunit (when installed). */
  reference?: boolean;
  /** Allow multi-megabyte inputs (default true). */
  large?: boolean;
  /** Send every input to the reference (default: only while it keeps up). */
  referenceAll?: boolean;
  /** Minimise failures and save them to fixtures/fuzz/. */
  save?: boolean;
  progressMs?: number;
  log?: (line: string) => void;
  /** Called with the running totals (at each progress line and at the end). */
  onProgress?: (s: FuzzStats) => void;
  watchdog?: Watchdog;
}

export interface FuzzStats {
  seed: number;
  inputs: number;
  bytes: number;
  referenceChecked: number;
  referenceCrashed: number;
  reference: RefTally;
  /** The input that took longest to check (against the limit of limitMs). */
  slowest: { ms: number; bytes: number };
  failures: Failure[];
  ms: number;
  mutations: Record<string, number>;
  /** Parser-error reasons seen on the inputs checked against the reference (how deep the mutations reach). */
  errorKinds: Record<string, number>;
}

const REF_MAX_BYTES = 256 * 1024;
const REF_MAX_PENDING = 32;

function errorKind(text: string): string {
  return text.replace(/ \(at byte \d+\)$/, '').replace(/0x[0-9a-f]+/g, 'N').replace(/\d+/g, 'N');
}

export async function fuzz(opts: FuzzOptions): Promise<FuzzStats> {
  const log = opts.log ?? (() => {});
  threaded ??= await crcThreadCore();
  const seeds = loadSeeds();
  const next = rng(opts.seed);
  const counts = new Map<string, number>();
  const ref = opts.reference ? new Reference() : undefined;
  const start = Date.now();
  const stats: FuzzStats = { seed: opts.seed, inputs: 0, bytes: 0, referenceChecked: 0, referenceCrashed: 0, reference: newTally(), slowest: { ms: 0, bytes: 0 }, failures: [], ms: 0, mutations: {}, errorKinds: {} };
  const found: Failure[] = [];
  const seen = new Set<string>();
  const report = (f: Failure) => {
    // one report per kind and message shape (the same bug tends to recur)
    const sig = `${f.kind}:${errorKind(f.message).slice(0, 80)}`;
    if (seen.has(sig)) return;
    seen.add(sig);
    found.push(f);
  };
  let lastProgress = start;
  let inflight = 0;
  let refDead = false;
  const snapshot = () => {
    stats.ms = Date.now() - start;
    stats.mutations = Object.fromEntries(counts);
    return stats;
  };
  const done = () => (opts.inputs !== undefined ? stats.inputs >= opts.inputs : Date.now() >= (opts.deadline ?? 0));

  try {
    while (!done()) {
      for (let i = 0; i < 25 && !done(); i++) {
        const seed = Math.floor(next() * 2 ** 31);
        const input = mutate(seeds, next, counts, opts.large ?? true);
        stats.inputs++;
        stats.bytes += input.length;
        const timing = { ms: 0 };
        const p = checkOne(input, seed, opts.watchdog, timing);
        if (timing.ms > stats.slowest.ms) stats.slowest = { ms: Math.round(timing.ms), bytes: input.length };
        if (p) {
          log(`fuzz: FAILURE ${p.kind}: ${p.message} (${input.length} bytes)`);
          report({ ...p, input, seed });
          continue;
        }
        if (ref && !refDead && input.length <= REF_MAX_BYTES && (opts.referenceAll || ref.pending < REF_MAX_PENDING)) {
          const copy = input.slice();
          inflight++;
          void ref
            .decode(copy)
            .then(async (r) => {
              stats.referenceChecked++;
              if (r.error) stats.referenceCrashed++;
              const ours = decodeWith(CORES[0][1], copy);
              for (const e of ours) if (e.fileName === 'Parser Error') {
                const k = errorKind(new TextDecoder().decode(e.fileBytes));
                stats.errorKinds[k] = (stats.errorKinds[k] ?? 0) + 1;
              }
              const q = await compareWithReference(copy, r, ref, ours, stats.reference);
              if (q) {
                log(`fuzz: FAILURE ${q.kind}: ${q.message} (${copy.length} bytes)`);
                report({ ...q, input: copy, seed });
              }
            })
            .catch((err) => {
              if (!refDead) log(`fuzz: python-subunit oracle failed, reference checks stop: ${err.message}`);
              refDead = true;
            })
            .finally(() => inflight--);
        }
      }
      // let the reference's answers in; then deal with new failures
      await new Promise((r) => setImmediate(r));
      await handle(found.splice(0));
      if (opts.progressMs && Date.now() - lastProgress >= opts.progressMs) {
        lastProgress = Date.now();
        const s = (Date.now() - start) / 1000;
        const left = opts.deadline ? `, ${((opts.deadline - Date.now()) / 60000).toFixed(1)} min left` : '';
        log(`fuzz: ${stats.inputs} inputs (${(stats.inputs / s).toFixed(0)}/s, ${(stats.bytes / 1048576).toFixed(0)} MiB), ${stats.referenceChecked} checked against python-subunit (${stats.reference.matched} packets matched), ${stats.failures.length} failures${left}`);
        opts.onProgress?.(snapshot());
      }
    }
    while (inflight > 0) await new Promise((r) => setTimeout(r, 5));
    await handle(found.splice(0));
  } finally {
    ref?.close();
  }
  opts.onProgress?.(snapshot());
  return snapshot();

  async function handle(list: Failure[]) {
    for (const f of list) {
      stats.failures.push(f);
      if (!opts.save) continue;
      let bytes = f.input;
      if (f.kind !== 'slow') {
        const t = Date.now();
        const mref = f.kind.startsWith('ref-') ? new Reference() : undefined;
        try {
          bytes = await minimise(f.input, (b) => sameFailure(f, b, mref), 120_000);
        } finally {
          mref?.close();
        }
        log(`fuzz: minimised ${f.input.length} → ${bytes.length} bytes in ${((Date.now() - t) / 1000).toFixed(0)} s`);
      }
      f.file = saveRegression(bytes, f);
      f.minimisedBytes = bytes.length;
      log(`fuzz: saved ${f.file}`);
    }
  }
}

/** Every check on one saved input (the regression replay): invariants, time limit, the reference. */
export async function replay(input: Uint8Array, ref?: Reference): Promise<Problem | null> {
  for (const seed of [1, 2, 3]) {
    const p = checkOne(input, seed);
    if (p) return p;
  }
  if (input.length <= 20_000) {
    // every core, one byte at a time
    const want = shape(decodeWith(CORES[0][1], input));
    for (const [name, core] of CORES) {
      const got = decodeWith(core, input, Array(input.length).fill(1));
      try {
        expectAccounted(got, input);
        deepStrictEqual(shape(got), want, `${name}: chunked events differ from whole-buffer (1-byte chunks)`);
      } catch (err) {
        return classify(err);
      }
    }
  }
  return ref ? compareWithReference(input, await ref.decode(input), ref) : null;
}
