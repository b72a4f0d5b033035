// The CRC helper thread (bindings/wasm/helper.ts, assembly/verify.ts): the
// events are the same with it as without, on clean, damaged and hostile
// input; verify() reports exactly the runs of packets with right CRCs; and the
// scanner skips the CRC only of packets on the helper's walk inside a run.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { Decoder, decodeAll, encode, coreFor, type Core } from '../bindings/index.js';
import { crcThreadCore } from '../bindings/wasm/helper.js';
import { WasmCore, fromEmbedded, type CrcHelper } from '../bindings/wasm/core.js';
import { sharedPages, sharedWasm } from '../bindings/wasm/shared.generated.js';
import { SCAN_VERIFIED, V_RUNS, V_SYNC, VERIFY_SLOTS, KIND_PACKET, KIND_ERROR, RECORD_STRIDE, R_KIND, R_START, R_FLAGS, ERR_CRC } from '../assembly/layout.js';
import { fixtureBytes, joinBytes, rng } from './helpers.js';
import { exact } from './invariants.js';

const sample = fixtureBytes('sample-run');
const repeat = (unit: Uint8Array, times: number) => joinBytes(Array.from({ length: times }, () => unit));

/** Bit flips, junk and fake headers (some claiming megabytes) at random places. */
function damage(src: Uint8Array, next: () => number, count: number): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  let at = 0;
  const cuts = Array.from({ length: count }, () => Math.floor(next() * src.length)).sort((a, b) => a - b);
  for (const cut of cuts) {
    parts.push(src.subarray(at, cut));
    at = cut;
    const kind = Math.floor(next() * 3);
    if (kind === 0) {
      parts.push(new Uint8Array([src[cut] ^ (1 << Math.floor(next() * 8))])); // the byte at `cut`, one bit flipped
      at = cut + 1;
    } else if (kind === 1) parts.push(new Uint8Array(1 + Math.floor(next() * 40)).map(() => (next() < 0.3 ? 0xb3 : next() * 256)));
    else parts.push(new Uint8Array([0xb3, 0x29, 0x01, 0x80 | Math.floor(next() * 64), Math.floor(next() * 256), 0]));
  }
  parts.push(src.subarray(at));
  return joinBytes(parts);
}

describe('decoding with the CRC helper thread', () => {
  let threaded: Core;
  beforeAll(async () => {
    threaded = await crcThreadCore();
  });

  it('gives the events of the default core on a clean run over several windows', () => {
    const input = repeat(sample, 16); // 18.5 MB: the shared build's 16 MiB input area is loaded twice
    expect(exact(decodeAll(input, { backend: threaded }))).toEqual(exact(decodeAll(input)));
  });

  it('gives the events of the default core on damaged runs', () => {
    const next = rng(2026);
    for (let i = 0; i < 6; i++) {
      const input = damage(repeat(sample, 3), next, 1 + i * 40);
      expect(exact(decodeAll(input, { backend: threaded }))).toEqual(exact(decodeAll(input)));
    }
  });

  it('gives the events of the default core on fake headers that each claim 64 KiB', () => {
    // each fits in the window, so the helper would hash 64 KiB per byte of them: it gives up instead
    const fake = new Uint8Array([0xb3, 0x29, 0x01, 0x80, 0xff, 0xf0]);
    const input = joinBytes([repeat(fake, 30_000), sample, repeat(fake, 30_000)]);
    expect(exact(decodeAll(input, { backend: threaded }))).toEqual(exact(decodeAll(input)));
  });

  it('gives the events of the default core when pushed in chunks', () => {
    const input = damage(repeat(sample, 4), rng(7), 30);
    const events = (core: Core) => {
      const d = new Decoder({ backend: core });
      const out = [];
      for (let at = 0; at < input.length; at += 700_000) out.push(...d.push(input.subarray(at, at + 700_000)));
      return exact([...out, ...d.end()]);
    };
    expect(events(threaded)).toEqual(events(coreFor('wasm')));
  });

  it('lets the process exit', () => {
    const dist = new URL('../dist/bindings/node.js', import.meta.url).href;
    const script = `const M = await import(${JSON.stringify(dist)}); const c = await M.crcThreadCore(); console.log(M.decodeAll(new Uint8Array(1 << 20), { backend: c }).length);`;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 }).trim()).toBe('1');
  });
});

describe('verify() and the scanner, on one thread', () => {
  // a shared-build instance driven by hand: runs are written by verify() or forged
  const memory = new WebAssembly.Memory({ initial: sharedPages, maximum: sharedPages, shared: true });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(fromEmbedded(sharedWasm)), { env: { memory } });
  const x = instance.exports as unknown as { verify(from: number, to: number): number; verifyControlPtr(): number; verifyRunsPtr(): number; inputPtr(): number };
  const control = new Int32Array(memory.buffer, x.verifyControlPtr(), VERIFY_SLOTS);
  const runsTable = new Int32Array(memory.buffer, x.verifyRunsPtr(), 2 * 64);
  const input = new Uint8Array(memory.buffer, x.inputPtr(), 1 << 20);
  const trusting: CrcHelper = { scanFlags: SCAN_VERIFIED, loaded() {}, quiesce() {} };
  const core = new WasmCore(instance, trusting);

  const good = (id: string) => encode({ testId: id, status: 'success' }, { backend: 'js' });
  const bad = (id: string) => {
    const p = good(id).slice();
    p[p.length - 1] ^= 1;
    return p;
  };
  // P1 P2 chatter P3 P4(bad CRC) P5 P6
  const parts = [good('p1'), good('p2'), new TextEncoder().encode('log line\n'), good('p3'), bad('p4'), good('p5'), good('p6')];
  const starts: number[] = [];
  parts.reduce((at, p) => (starts.push(at), at + p.length), 0);
  const end = (i: number) => starts[i] + parts[i].length;
  const stream = joinBytes(parts);

  const runs = () => Array.from({ length: control[V_RUNS] }, (_, k) => [runsTable[2 * k], runsTable[2 * k + 1]]);
  function forge(list: number[][], sync: number) {
    list.forEach(([s, e], k) => ((runsTable[2 * k] = s), (runsTable[2 * k + 1] = e)));
    control[V_RUNS] = list.length;
    control[V_SYNC] = sync;
  }
  /** The scanner's verdict per part start: 'packet', 'error' (with its code), or absent. */
  function verdicts() {
    core.reset();
    const count = core.scan(stream, 0, true, 0, 0);
    const out: Record<number, string> = {};
    for (let i = 0; i < count; i++) {
      const r = core.records.subarray(i * RECORD_STRIDE, (i + 1) * RECORD_STRIDE);
      if (r[R_KIND] === KIND_PACKET) out[r[R_START]] = 'packet';
      if (r[R_KIND] === KIND_ERROR) out[r[R_START]] = r[R_FLAGS] === ERR_CRC ? 'bad crc' : 'error';
    }
    return starts.filter((_, i) => i !== 2).map((s) => out[s]);
  }

  it('reports the runs of back-to-back packets with right CRCs', () => {
    input.set(stream);
    control[V_RUNS] = 0;
    expect(x.verify(0, stream.length)).toBe(5);
    expect(runs()).toEqual([[starts[0], end(1)], [starts[3], end(3)], [starts[5], end(6)]]);
    // a window that ends inside P6: P6 is not reported
    control[V_RUNS] = 0;
    x.verify(0, end(6) - 1);
    expect(runs()).toEqual([[starts[0], end(1)], [starts[3], end(3)], [starts[5], end(5)]]);
  });

  it('leaves packets of 64 KiB and more to the scanner, and starts a new run after each', () => {
    const big = (ok: boolean) => {
      const p = encode({ testId: 'big', fileName: 'log', fileBytes: new Uint8Array(70_000).fill(0x61), eof: true }, { backend: 'js' }).slice();
      if (!ok) p[100] ^= 1;
      return p;
    };
    const pieces = [good('a'), big(true), good('b'), big(false), good('c')];
    const at: number[] = [];
    pieces.reduce((o, p) => (at.push(o), o + p.length), 0);
    const bytes = joinBytes(pieces);
    input.set(bytes);
    control[V_RUNS] = 0;
    expect(x.verify(0, bytes.length)).toBe(3);
    expect(runs()).toEqual([[at[0], at[1]], [at[2], at[3]], [at[4], bytes.length]]);
    // the scanner, trusting those runs, still finds the damaged big packet
    control[V_SYNC] = 0;
    core.reset();
    const count = core.scan(bytes, 0, true, 0, 0);
    const kinds = Array.from({ length: count }, (_, i) => [core.records[i * RECORD_STRIDE + R_KIND], core.records[i * RECORD_STRIDE + R_FLAGS]]);
    expect(kinds.map(([k]) => k)).toEqual([KIND_PACKET, KIND_PACKET, KIND_PACKET, KIND_ERROR, KIND_PACKET]);
    expect(kinds[3][1]).toBe(ERR_CRC);
  });

  it('hashes every packet without runs, and no packet is lost', () => {
    forge([], -2);
    expect(verdicts()).toEqual(['packet', 'packet', 'packet', 'bad crc', 'packet', 'packet']);
  });

  it('trusts a run from its start and along the chain of packets after it', () => {
    // a forged run over the bad P4, entered at P3 (the run's start): P4 is taken on trust
    forge([[starts[3], end(6)]], -2);
    expect(verdicts()).toEqual(['packet', 'packet', 'packet', 'packet', 'packet', 'packet']);
    // entered at the job's start (V_SYNC) and followed packet by packet
    forge([[starts[0], end(1)], [starts[3], end(6)]], starts[0]);
    expect(verdicts()[3]).toBe('packet');
  });

  it('does not trust a packet off the walk, or past the end of a run', () => {
    // the run starts in the chatter, so P3 is not on the walk: P3 and P4 are hashed
    forge([[starts[2], end(6)]], -2);
    expect(verdicts()).toEqual(['packet', 'packet', 'packet', 'bad crc', 'packet', 'packet']);
    // the chain from P1 breaks at the chatter: the run over P1..P4 does not vouch for P4
    forge([[starts[0], end(4)]], starts[0]);
    expect(verdicts()[3]).toBe('bad crc');
    // a run ending one byte short of P4's end
    forge([[starts[3], end(4) - 1]], -2);
    expect(verdicts()[3]).toBe('bad crc');
  });
});
