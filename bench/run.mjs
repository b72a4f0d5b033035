// npm run bench [-- --quick]: throughput of both backends on the bundled real
// run, repeated to ~16 MB. Needs `npm run build` first (uses dist/).
import { readFileSync } from 'node:fs';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { Bench } from 'tinybench';
import { Decoder, Encoder, decode } from '../dist/bindings/index.js';
import { jsCore } from '../dist/bindings/js/core.js';
import { wasmCoreOf, simdSupported } from '../dist/bindings/wasm/core.js';

const quick = process.argv.includes('--quick');
const sample = new Uint8Array(readFileSync(new URL('../fixtures/sample-run.subunit', import.meta.url)));
const copies = Math.ceil(16e6 / sample.length);
const stream = new Uint8Array(sample.length * copies);
for (let i = 0; i < copies; i++) stream.set(sample, i * sample.length);
const events = [...decode(sample, { backend: 'js' })];
const eventCount = events.length * copies;

const cores = { js: jsCore, 'wasm-scalar': wasmCoreOf('scalar'), ...(simdSupported ? { 'wasm-simd': wasmCoreOf('simd') } : {}) };
const bench = new Bench({ time: quick ? 300 : 2000, warmupTime: quick ? 100 : 500 });

for (const [name, core] of Object.entries(cores)) {
  bench.add(`decode to events (${name})`, () => {
    let n = 0;
    for (const e of decode(stream, { backend: core })) if (e.testId !== undefined && e.status !== undefined) n++;
    if (n === 0) throw new Error('no events');
  });
}
for (const [name, core] of Object.entries(cores)) {
  bench.add(`scan + validate only (${name})`, () => {
    let pos = 0;
    while (pos < stream.length) {
      core.scan(stream, pos, true, 0, 0);
      pos = core.base + core.state[0];
    }
  });
}
for (const backend of ['js', 'wasm']) {
  const enc = new Encoder({ backend });
  bench.add(`encode (${backend})`, () => enc.encodeAll(events));
}
bench.add('zlib.crc32 (limit)', () => zlibCrc32(stream));
bench.add('memcpy (limit)', () => stream.slice());

await bench.run();
const rows = bench.tasks.map((t) => {
  const s = t.result.latency.mean / 1000; // seconds per run
  const bytes = t.name.startsWith('encode') ? sample.length : stream.length;
  const evs = t.name.startsWith('encode') ? events.length : t.name.startsWith('decode') ? eventCount : 0;
  return { task: t.name, 'MB/s': Math.round(bytes / 1e6 / s), 'Mevents/s': evs ? +(evs / 1e6 / s).toFixed(2) : '' };
});
console.log(`input: fixtures/sample-run.subunit x${copies} = ${(stream.length / 1e6).toFixed(1)} MB, ${eventCount} events; node ${process.version}`);
console.table(rows);
const mb = Object.fromEntries(rows.map((r) => [r.task, r['MB/s']]));
const best = mb['decode to events (wasm-simd)'] ?? mb['decode to events (wasm-scalar)'];
console.log(`decode wasm/js: ${(best / mb['decode to events (js)']).toFixed(2)}x`);
