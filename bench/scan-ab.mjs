// A/B of wasm builds: the raw scan export of each module over the same
// workloads, alternating round by round so that a slow phase of a shared
// machine hits every build alike; best of 25 rounds.
// Usage: node bench/scan-ab.mjs A.wasm B.wasm ...   (needs `npm run build`)
// e.g. keep build/subunit.simd.wasm as /tmp/A.wasm, change assembly/, rebuild,
// then compare /tmp/A.wasm with build/subunit.simd.wasm.
import { readFileSync } from 'node:fs';
import { realRun, smallPackets, attachments, chatterHeavy } from './workloads.mjs';

const files = process.argv.slice(2);
if (files.length === 0) throw new Error('usage: node bench/scan-ab.mjs A.wasm B.wasm ...');
const builds = files.map((f) => new WebAssembly.Instance(new WebAssembly.Module(readFileSync(f)), {}).exports);

/** Scan all of `bytes` through one module, window by window; the number of records. */
function scanAll(x, bytes) {
  const input = new Uint8Array(x.memory.buffer, x.inputPtr(), x.INPUT_CAPACITY.value);
  const state = new Int32Array(x.memory.buffer, x.statePtr(), 4);
  let base = 0;
  let records = 0;
  while (base < bytes.length) {
    const len = Math.min(input.length, bytes.length - base);
    input.set(bytes.subarray(base, base + len));
    const eof = base + len === bytes.length ? 1 : 0;
    let from = 0;
    for (;;) {
      records += x.scan(len, from, eof, 0, 0);
      from = state[0];
      if (from >= len || state[1] > 0) break;
    }
    base += from;
  }
  return records;
}

for (const w of [realRun(), smallPackets(), attachments(), chatterHeavy()]) {
  const counts = builds.map((x) => scanAll(x, w.bytes));
  if (new Set(counts).size > 1) throw new Error(`${w.name}: the builds disagree on the record count (${counts})`);
  const best = builds.map(() => Infinity);
  for (let r = 0; r < 25; r++) {
    builds.forEach((x, i) => {
      const t = performance.now();
      scanAll(x, w.bytes);
      best[i] = Math.min(best[i], performance.now() - t);
    });
  }
  console.log(`${w.name.padEnd(14)} ${files.map((f, i) => `${f}: ${Math.round(w.bytes.length / 1e3 / best[i])} MB/s`).join('   ')}`);
}
