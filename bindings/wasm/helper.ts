// A wasm core whose CRC checks run on a second thread (Node). CRC-32 is half of
// the scan time of a real run; a helper thread, sharing the core's memory,
// walks each window the core loads and reports the runs of packets whose CRCs
// are right (assembly/verify.ts), while the main thread scans, skipping the CRC
// of those packets, and makes events. Events are the same with or without the
// helper: a packet it has not reached, or walked past, is hashed by the scanner.
import { Worker } from 'node:worker_threads';
import { SCAN_VERIFIED, V_SEQ, V_DONE, V_FROM, V_TO, V_ABORT, V_RUNS, V_SYNC, VERIFY_SLOTS } from '../../assembly/layout.js';
import type { Core } from '../codec/core.js';
import { SubunitError } from '../codec/errors.js';
import { WasmCore, fromEmbedded, simdSupported, type CrcHelper } from './core.js';
import { sharedPages, sharedWasm } from './shared.generated.js';

/** Fewer new bytes than this are not worth waking the helper for (the scanner would catch up with it). */
const MIN_JOB = 256 << 10;
/** How long the main thread waits for the helper to stop before it stops trusting it for good. */
const STOP_TIMEOUT_MS = 2000;

// The helper: instantiates the shared module on the same memory, then runs
// one verify() per job posted in the control block. (A dynamic import: eval
// code is CommonJS or ESM depending on the flags the worker inherits.)
const HELPER_SOURCE = `
import('node:worker_threads').then(({ workerData, parentPort }) => {
  const { module, memory } = workerData;
  const x = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const c = new Int32Array(memory.buffer, x.verifyControlPtr(), ${VERIFY_SLOTS});
  parentPort.postMessage('ready');
  for (let seen = 0; ; ) {
    Atomics.wait(c, ${V_SEQ}, seen);
    seen = Atomics.load(c, ${V_SEQ});
    x.verify(Atomics.load(c, ${V_FROM}), Atomics.load(c, ${V_TO}));
    Atomics.store(c, ${V_DONE}, seen);
    Atomics.notify(c, ${V_DONE});
  }
});
`;

class Helper implements CrcHelper {
  private seq = 0;
  /** Whether a job was posted since the runs were last cleared. */
  private posted = false;
  private trusted = true;

  constructor(private readonly control: Int32Array) {}

  get scanFlags(): number {
    return this.trusted ? SCAN_VERIFIED : 0;
  }

  private idle(): boolean {
    return Atomics.load(this.control, V_DONE) === this.seq;
  }

  /** One job per loaded window (bytes appended later are hashed by the scanner). */
  loaded(from: number, to: number): void {
    if (!this.trusted || this.posted || to - from < MIN_JOB || !this.idle()) return;
    const c = this.control;
    c[V_SYNC] = from; // the scanner starts its chain where the helper starts its walk
    Atomics.store(c, V_FROM, from);
    Atomics.store(c, V_TO, to);
    Atomics.store(c, V_SEQ, ++this.seq);
    Atomics.notify(c, V_SEQ);
    this.posted = true;
  }

  quiesce(): void {
    if (!this.posted || !this.trusted) return;
    const c = this.control;
    if (!this.idle()) {
      Atomics.store(c, V_ABORT, 1);
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      for (let done = Atomics.load(c, V_DONE); done !== this.seq; done = Atomics.load(c, V_DONE)) {
        const left = deadline - Date.now();
        // a helper that does not answer may still write runs: never read them again
        if (left <= 0) return this.distrust();
        Atomics.wait(c, V_DONE, done, left);
      }
      Atomics.store(c, V_ABORT, 0);
    }
    Atomics.store(c, V_RUNS, 0);
    c[V_SYNC] = -2; // the scanner forgets the runs it read
    this.posted = false;
  }

  distrust(): void {
    this.trusted = false;
  }
}

/**
 * A wasm core (SIMD build, shared memory) with a CRC helper thread: pass it
 * as `backend` to decode() or a Decoder. Worth it for large inputs: starting
 * the thread takes tens of milliseconds, and chunks under 256 KiB are scanned
 * without it. The thread does not keep the process alive. Node only.
 */
export async function crcThreadCore(): Promise<Core> {
  if (!simdSupported || typeof SharedArrayBuffer !== 'function') {
    throw new SubunitError('the CRC helper thread needs wasm SIMD and shared memory');
  }
  const memory = new WebAssembly.Memory({ initial: sharedPages, maximum: sharedPages, shared: true });
  const module = await WebAssembly.compile(fromEmbedded(sharedWasm));
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const x = instance.exports as unknown as { verifyControlPtr(): number };
  const control = new Int32Array(memory.buffer, x.verifyControlPtr(), VERIFY_SLOTS);
  control[V_SYNC] = -1;
  const helper = new Helper(control);
  const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { module, memory } });
  worker.unref();
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new SubunitError(`the CRC helper thread exited (${code}) before it started`)));
  });
  // a helper that dies stops answering: the core hashes everything itself from then on
  worker.on('error', () => helper.distrust());
  worker.on('exit', () => helper.distrust());
  return new WasmCore(instance, helper);
}
