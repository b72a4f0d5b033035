// Memory and worst-case feeding, run by bench/run.mjs in a fresh process each
// (so peak RSS is this job's alone). Prints one JSON line.
//
//   node bench/memory.mjs stream BACKEND BYTES   push BYTES of a real run through a Decoder in 64 KiB chunks
//   node bench/memory.mjs bytewise BACKEND SIZE  push one SIZE-byte packet 1 byte at a time
import { readFileSync } from 'node:fs';
import { Decoder, encode } from '../dist/bindings/index.js';

const [mode, backend, sizeArg] = process.argv.slice(2);
const size = Number(sizeArg);
const rss = () => process.memoryUsage().rss;

if (mode === 'stream') {
  // Generated on the fly: every chunk is a fresh buffer (as fs reads give),
  // cut from the recorded run at offsets that drift, so packets straddle chunks.
  const pattern = new Uint8Array(readFileSync(new URL('../fixtures/sample-run.subunit', import.meta.url)));
  const CHUNK = 64 * 1024;
  const decoder = new Decoder({ backend });
  const samples = [];
  let peak = rss();
  const startRss = peak;
  let events = 0;
  let withStatus = 0;
  let at = 0;
  const t0 = performance.now();
  for (let done = 0, nextSample = 0; done < size; done += CHUNK) {
    const chunk = new Uint8Array(Math.min(CHUNK, size - done));
    for (let filled = 0; filled < chunk.length; ) {
      const n = Math.min(chunk.length - filled, pattern.length - at);
      chunk.set(pattern.subarray(at, at + n), filled);
      filled += n;
      at = (at + n) % pattern.length;
    }
    for (const e of decoder.push(chunk)) {
      events++;
      if (e.testId !== undefined && e.status !== undefined) withStatus++;
    }
    if (done >= nextSample) {
      const r = rss();
      if (r > peak) peak = r;
      samples.push([done, r]);
      nextSample += size / 16;
    }
  }
  events += decoder.end().length;
  const seconds = (performance.now() - t0) / 1000;
  samples.push([size, rss()]);
  peak = Math.max(peak, ...samples.map((s) => s[1]));
  console.log(JSON.stringify({ mode, backend, bytes: size, seconds, events, withStatus, startRss, peakRss: peak, samples }));
} else if (mode === 'bytewise') {
  // One packet whose file content fills it up to SIZE bytes in total.
  const probe = 1 << 16; // same varint widths as any size from 64 KiB to the maximum
  const overhead = encode({ testId: 't', fileName: 'f', fileBytes: new Uint8Array(probe) }).length - probe;
  const fileBytes = new Uint8Array(size - overhead).fill(0x61);
  const packet = encode({ testId: 't', fileName: 'f', fileBytes });
  const decoder = new Decoder({ backend });
  const out = [];
  const t0 = performance.now();
  for (let i = 0; i < packet.length; i++) for (const e of decoder.push(packet.subarray(i, i + 1))) out.push(e);
  for (const e of decoder.end()) out.push(e);
  const seconds = (performance.now() - t0) / 1000;
  const ok = out.length === 1 && out[0].source === 'packet' && out[0].length === packet.length && out[0].fileBytes.length === fileBytes.length;
  if (!ok) throw new Error(`bytewise: expected one ${packet.length}-byte packet, got ${out.length} events`);
  console.log(JSON.stringify({ mode, backend, bytes: packet.length, seconds, nsPerByte: (seconds * 1e9) / packet.length, peakRss: rss() }));
} else {
  throw new Error('usage: memory.mjs stream|bytewise BACKEND BYTES');
}
