// node bench/crc-thread.mjs [rounds]: decode each workload with the default
// wasm core and with the CRC helper thread (crcThreadCore), alternating in one
// process; prints min and median per workload and their ratio. Uses dist/.
import { allWorkloads } from './workloads.mjs';
import { decode } from '../dist/bindings/index.js';
import { crcThreadCore } from '../dist/bindings/wasm/helper.js';

const rounds = Number(process.argv[2] ?? 30);
const threaded = await crcThreadCore();
const median = (t) => [...t].sort((a, b) => a - b)[t.length >> 1];
for (const { name, bytes } of allWorkloads()) {
  const times = { one: [], helper: [] };
  for (let r = 0; r < rounds; r++) {
    for (const [k, backend] of [['one', 'wasm'], ['helper', threaded]]) {
      const start = performance.now();
      let n = 0;
      for (const e of decode(bytes, { backend })) if (e.testId !== undefined && e.status !== undefined) n++;
      times[k].push(performance.now() - start);
    }
  }
  const [a, b] = [median(times.one), median(times.helper)];
  console.log(`${name.padEnd(14)} one thread ${a.toFixed(2)} ms (min ${Math.min(...times.one).toFixed(2)}), with the CRC thread ${b.toFixed(2)} ms (min ${Math.min(...times.helper).toFixed(2)}): ${(a / b).toFixed(2)}×`);
}
