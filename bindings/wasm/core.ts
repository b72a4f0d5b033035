// The WebAssembly backend: a thin wrapper over the module's raw exports
// (numbers and pointers only). Memory views are made once: the module never
// grows its memory (static buffers, stub runtime, no allocation).
import { RECORD_CAPACITY, RECORD_STRIDE, STATE_SLOTS, TEXT_CAPACITY, SEG_CAPACITY, SEG_STRIDE, MAX_COMPONENT, E_FLAGS, E_SECONDS, E_NANOS, E_TESTID_OFF, E_TAGS_COUNT, E_MIME_OFF, E_NAME_OFF, E_FILE_OFF, E_FILE_LEN, E_ROUTE_OFF, E_TAGS, E_OUT_AT, ENCODE_SLOTS, ENC_TOO_LONG, MAX_PACKET, S_NEED, SCAN_EOF, SCAN_APPENDED, SCAN_VALUE_IDS } from '../../assembly/layout.js';
import { packetLength } from '../codec/size.js';
import type { Core } from '../codec/core.js';
import type { StagedPacket } from '../codec/stage.js';
import { fromBase64 } from '../codec/base64.js';
import { writeUtf8 } from '../codec/utf8.js';
import { SubunitError } from '../codec/errors.js';
import { scalarWasm, simdWasm } from './bytes.generated.js';

interface Exports {
  memory: WebAssembly.Memory;
  INPUT_CAPACITY: WebAssembly.Global;
  inputPtr(): number;
  recordsPtr(): number;
  statePtr(): number;
  textPtr(): number;
  scan(len: number, from: number, eof: number, ctx: number, ctxLen: number): number;
  crc32(crc: number, ptr: number, len: number): number;
  stagePtr(): number;
  outPtr(): number;
  encodePtr(): number;
  encode(): number;
  rewrite(len: number, from: number, eof: number, ctx: number, ctxLen: number, op: number, componentLen: number): number;
  rewriteOutPtr(): number;
  segmentsPtr(): number;
  componentPtr(): number;
  REWRITE_CAPACITY: WebAssembly.Global;
}

/** Whether this engine runs fixed-width SIMD: a tiny module using v128 must validate. */
const SIMD_PROBE = fromBase64('AGFzbQEAAAABBQFgAAF7AwIBAAoIAQYAQQD9Dws=');
export const simdSupported = typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);

/**
 * A helper thread checking CRCs in the core's memory (bindings/wasm/helper.ts).
 * The core tells it when it loads bytes and before it overwrites any.
 */
export interface CrcHelper {
  /** Scan flags: SCAN_VERIFIED while the helper's runs can be trusted, else 0. */
  readonly scanFlags: number;
  /** Window bytes [from, to) of the input area are loaded: check their packets' CRCs (if the helper is idle). */
  loaded(from: number, to: number): void;
  /** The input area is about to change: stop the helper and forget its runs. */
  quiesce(): void;
}

export class WasmCore implements Core {
  readonly name = 'wasm' as const;
  readonly records: Int32Array;
  readonly state: Int32Array;
  readonly text: Uint8Array;
  readonly segments: Int32Array;
  readonly rewriteOut: Uint8Array;
  base = 0;
  private readonly x: Exports;
  private readonly input: Uint8Array;
  private readonly stage: Uint8Array;
  private readonly desc: Int32Array;
  readonly encoded: Uint8Array;
  private readonly component: Uint8Array;
  // the slice of the caller's window currently copied into wasm memory
  private loaded: Uint8Array | null = null;
  private loadedEnd = 0;
  private lastNeed = 0;

  constructor(
    instance: WebAssembly.Instance,
    private readonly helper: CrcHelper | null = null,
  ) {
    const x = (this.x = instance.exports as unknown as Exports);
    const buf = x.memory.buffer;
    this.input = new Uint8Array(buf, x.inputPtr(), x.INPUT_CAPACITY.value);
    this.records = new Int32Array(buf, x.recordsPtr(), RECORD_CAPACITY * RECORD_STRIDE);
    this.state = new Int32Array(buf, x.statePtr(), STATE_SLOTS);
    this.text = new Uint8Array(buf, x.textPtr(), TEXT_CAPACITY);
    this.stage = new Uint8Array(buf, x.stagePtr(), MAX_PACKET + 1);
    this.desc = new Int32Array(buf, x.encodePtr(), ENCODE_SLOTS);
    this.encoded = new Uint8Array(buf, x.outPtr(), MAX_PACKET + 1);
    this.segments = new Int32Array(buf, x.segmentsPtr(), SEG_CAPACITY * SEG_STRIDE);
    this.rewriteOut = new Uint8Array(buf, x.rewriteOutPtr(), x.REWRITE_CAPACITY.value);
    this.component = new Uint8Array(buf, x.componentPtr(), MAX_COMPONENT + 1);
    // (the views above throw a RangeError if an area lies outside the module's memory)
  }

  /** Callers may read into it, except with a helper: its runs hold only for bytes the core copied itself. */
  get inputArea(): Uint8Array | null {
    return this.helper ? null : this.input;
  }

  scan(window: Uint8Array, from: number, eof: boolean, ctx: number, ctxLen: number, ids = false): number {
    let flags = this.load(window, from) | (ids ? SCAN_VALUE_IDS : 0);
    const helper = this.helper;
    if (helper) {
      helper.loaded(from - this.base, this.loadedEnd - this.base);
      flags |= helper.scanFlags;
    }
    const count = this.x.scan(this.loadedEnd - this.base, from - this.base, flags | this.atEnd(window, eof), ctx, ctxLen);
    this.noteNeed();
    return count;
  }

  rewrite(window: Uint8Array, from: number, eof: boolean, ctx: number, ctxLen: number, op: number, component: Uint8Array): number {
    const flags = this.load(window, from);
    this.component.set(component);
    const count = this.x.rewrite(this.loadedEnd - this.base, from - this.base, flags | this.atEnd(window, eof), ctx, ctxLen, op, component.length);
    this.noteNeed();
    return count;
  }

  /**
   * Copy window[from …] into wasm memory (unless it is there already). When
   * the caller only appended to the window loaded last, copy just the new
   * bytes and tell the core its CRC checkpoints still hold (SCAN_APPENDED);
   * otherwise reload from `from`.
   */
  private load(window: Uint8Array, from: number): number {
    const input = this.input;
    const cap = input.length;
    const last = this.loaded;
    if (window.buffer === input.buffer && window.byteOffset === input.byteOffset) {
      // the caller read into the input area itself (ChunkedPass.fillArea): nothing to copy
      const appended = last !== null && last.buffer === input.buffer && last.byteOffset === input.byteOffset && window.length >= last.length;
      this.loaded = window;
      this.base = 0;
      this.loadedEnd = window.length;
      return appended && from < window.length && this.lastNeed <= window.length ? SCAN_APPENDED : 0;
    }
    if (last && window.buffer === last.buffer && window.byteOffset === last.byteOffset && window.length >= last.length && from >= this.base) {
      const end = Math.min(window.length, this.base + cap);
      if (end > this.loadedEnd) input.set(window.subarray(this.loadedEnd, end), this.loadedEnd - this.base);
      this.loaded = window;
      this.loadedEnd = end;
      if (from < end && this.lastNeed <= end) return SCAN_APPENDED;
    }
    // copy from an 8-byte-aligned source address: into shared memory V8
    // copies misaligned bytes one at a time (7× slower)
    const base = from - Math.min(from, (window.byteOffset + from) & 7);
    const end = Math.min(window.length, base + cap);
    this.helper?.quiesce();
    input.set(window.subarray(base, end));
    this.loaded = window;
    this.base = base;
    this.loadedEnd = end;
    return 0;
  }

  private atEnd(window: Uint8Array, eof: boolean): number {
    return eof && this.loadedEnd === window.length ? SCAN_EOF : 0;
  }

  private noteNeed(): void {
    const need = this.state[S_NEED];
    this.lastNeed = need > 0 ? this.base + need : 0;
  }

  /** Forget the loaded window (a caller may refill the same buffer). */
  reset(): void {
    this.loaded = null;
  }

  encode(p: StagedPacket, at = 0): number {
    // refused before staging: what fits in a packet fits in the stage area
    if (packetLength(p) < 0) return ENC_TOO_LONG;
    const d = this.desc;
    d[E_FLAGS] = p.flags;
    d[E_SECONDS] = p.seconds;
    d[E_NANOS] = p.nanos;
    d[E_OUT_AT] = at;
    let s = this.put(p.testId, p.testIdLen, E_TESTID_OFF, 0);
    s = this.put(p.mimeType, p.mimeLen, E_MIME_OFF, s);
    s = this.put(p.fileName, p.nameLen, E_NAME_OFF, s);
    s = this.put(p.routeCode, p.routeLen, E_ROUTE_OFF, s);
    d[E_FILE_OFF] = s;
    d[E_FILE_LEN] = p.fileBytes.length;
    if (p.fileBytes.length > 0) this.stage.set(p.fileBytes, s); // even an empty set() costs ~30 ns
    s += p.fileBytes.length;
    d[E_TAGS_COUNT] = p.tags.length;
    for (let i = 0; i < p.tags.length; i++) s = this.put(p.tags[i], p.tagLens[i], E_TAGS + 2 * i, s);
    return this.x.encode();
  }

  /** Stage string `str` (UTF-8 length `len`) at stage[s …] and describe it in `slot`; returns where staging goes on. */
  private put(str: string, len: number, slot: number, s: number): number {
    this.desc[slot] = s;
    this.desc[slot + 1] = len;
    return writeUtf8(this.stage, s, str);
  }

  crc32(bytes: Uint8Array, crc = 0): number {
    const input = this.input;
    this.helper?.quiesce();
    for (let i = 0; i < bytes.length; i += input.length) {
      const part = bytes.subarray(i, i + input.length);
      input.set(part);
      crc = this.x.crc32(crc, input.byteOffset, part.length) >>> 0;
    }
    this.loaded = null;
    return crc >>> 0;
  }
}

let compiled: WebAssembly.Module | undefined;
let core: WasmCore | undefined;
let pending: Promise<void> | undefined;

/** Node decodes the embedded module natively (the portable decoder, cold, took 2 ms of start-up). */
const nodeBuffer = (globalThis as { Buffer?: { from(s: string, enc: 'base64'): Uint8Array<ArrayBuffer> } }).Buffer;

/** Base64 → bytes (Node decodes natively). */
export function fromEmbedded(b64: string): Uint8Array<ArrayBuffer> {
  return nodeBuffer ? nodeBuffer.from(b64, 'base64') : fromBase64(b64);
}

/** The embedded module of one build. */
function bytes(build: 'simd' | 'scalar'): Uint8Array<ArrayBuffer> {
  return fromEmbedded(build === 'simd' ? simdWasm : scalarWasm);
}

/** The build this engine runs best. */
const BEST = simdSupported ? 'simd' : 'scalar';

/**
 * Compile and instantiate the wasm core asynchronously. Browsers refuse to
 * compile modules over 4 KiB synchronously on the main thread: await this
 * before using the wasm backend there (the stream adapters do it for you).
 */
export function initWasm(): Promise<void> {
  if (core) return Promise.resolve();
  pending ??= WebAssembly.compile(bytes(BEST))
    .then((m) => WebAssembly.instantiate((compiled ??= m), {}))
    .then((inst) => {
      core ??= new WasmCore(inst);
    });
  return pending;
}

/** The wasm core, instantiated synchronously on first use where the engine allows it. */
export function wasmCore(): WasmCore {
  return (core ??= privateWasmCore());
}

/** A new instance that nothing else uses (for a pass that reads into the core's input area). */
export function privateWasmCore(): WasmCore {
  try {
    return new WasmCore(new WebAssembly.Instance((compiled ??= new WebAssembly.Module(bytes(BEST))), {}));
  } catch (e) {
    throw new SubunitError(`the wasm backend is not ready here: await init() first (${(e as Error).message})`);
  }
}

/** A separate instance of one build, for tests and benchmarks that compare builds. */
export function wasmCoreOf(build: 'simd' | 'scalar'): Core {
  if (build === 'simd' && !simdSupported) throw new SubunitError('this engine has no wasm SIMD');
  return new WasmCore(new WebAssembly.Instance(new WebAssembly.Module(bytes(build)), {}));
}
