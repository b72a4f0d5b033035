// A/B of core builds: the raw scan (and rewrite) of each over the same
// workloads, alternating round by round so that a slow phase of a shared
// machine hits every build alike; best of ROUNDS rounds (default 25). Times
// are the process's CPU time, not wall time: on a machine shared by more
// runnable processes than cores, wall time mostly measures the waiting.
// Usage: node bench/scan-ab.mjs [--rounds N] [--rewrite] A B ...   (needs `npm run build`)
// A build is a .wasm file, or a directory holding the TypeScript twin's
// compiled scanner.js and rewrite.js (dist/bindings/js/). E.g. keep
// build/subunit.simd.wasm as /tmp/A.wasm and dist/bindings/js as /tmp/A-js,
// change the cores, rebuild, then compare /tmp/A.wasm with
// build/subunit.simd.wasm and /tmp/A-js with dist/bindings/js.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { realRun, smallPackets, attachments, chatterHeavy } from './workloads.mjs';
import { REWRITE_PREFIX, S_NEXT, S_NEED, DEFAULT_INPUT_CAPACITY } from '../dist/assembly/layout.js';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args.splice(i, name === '--rounds' ? 2 : 1)[name === '--rounds' ? 1 : 0];
};
const rounds = Number(option('--rounds') ?? 25);
const withRewrite = option('--rewrite') !== undefined;
const files = args;
if (files.length === 0) throw new Error('usage: node bench/scan-ab.mjs [--rounds N] [--rewrite] A B ...');

/** One build as: input area, state, and scan/rewrite over input[0, len). */
async function load(file) {
  if (file.endsWith('.wasm')) {
    const x = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {}).exports;
    new Uint8Array(x.memory.buffer, x.componentPtr(), 1)[0] = 0x37; // component "7"
    return {
      input: new Uint8Array(x.memory.buffer, x.inputPtr(), x.INPUT_CAPACITY.value),
      state: new Int32Array(x.memory.buffer, x.statePtr(), 4),
      scan: (len, from, eof) => x.scan(len, from, eof, 0, 0),
      rewrite: (len, from, eof) => x.rewrite(len, from, eof, 0, 0, REWRITE_PREFIX, 1),
    };
  }
  const scanner = await import(resolve(file, 'scanner.js'));
  const rewriter = await import(resolve(file, 'rewrite.js'));
  rewriter.component[0] = 0x37;
  const input = new Uint8Array(DEFAULT_INPUT_CAPACITY);
  return {
    input,
    state: scanner.state,
    scan: (len, from, eof) => scanner.scan(input, len, from, eof, 0, 0),
    rewrite: (len, from, eof) => rewriter.rewrite(input, len, from, eof, 0, 0, REWRITE_PREFIX, 1),
  };
}
const builds = await Promise.all(files.map(load));

/** Run `op` over all of `bytes` through one build, window by window; the number of records or segments. */
function runAll(b, op, bytes) {
  let base = 0;
  let records = 0;
  while (base < bytes.length) {
    const len = Math.min(b.input.length, bytes.length - base);
    b.input.set(bytes.subarray(base, base + len));
    const eof = base + len === bytes.length ? 1 : 0;
    let from = 0;
    for (;;) {
      records += b[op](len, from, eof);
      from = b.state[S_NEXT];
      if (from >= len || b.state[S_NEED] > 0) break;
    }
    base += from;
  }
  return records;
}

for (const op of withRewrite ? ['scan', 'rewrite'] : ['scan']) {
  for (const w of [realRun(), smallPackets(), attachments(), chatterHeavy()]) {
    const counts = builds.map((b) => runAll(b, op, w.bytes));
    if (new Set(counts).size > 1) throw new Error(`${op} ${w.name}: the builds disagree on the count (${counts})`);
    const best = builds.map(() => Infinity);
    for (let r = 0; r < rounds; r++) {
      builds.forEach((b, i) => {
        const t = process.cpuUsage();
        runAll(b, op, w.bytes);
        const d = process.cpuUsage(t);
        best[i] = Math.min(best[i], (d.user + d.system) / 1000);
      });
    }
    console.log(`${op.padEnd(7)} ${w.name.padEnd(14)} ${files.map((f, i) => `${f}: ${Math.round(w.bytes.length / 1e3 / best[i])} MB/s`).join('   ')}`);
  }
}
