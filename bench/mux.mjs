// Route-code rewriting speed (issue 3): in memory on 1 MiB attachments beside
// memcpy, and `subunit mux FILE > /dev/null` beside `cat FILE > /dev/null`;
// then the peak RSS of `subunit mux --cmd` whatever its workers write (issue
// 17): floods of text on stdout and stderr, real packets, a slow consumer.
// Needs `npm run build`. Usage: node bench/mux.mjs [--quick]
import { writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Encoder, RoutePrefixer } from '../dist/bindings/index.js';
import { jsCore } from '../dist/bindings/js/core.js';
import { wasmCoreOf, simdSupported } from '../dist/bindings/wasm/core.js';

const quick = process.argv.includes('--quick');
const MiB = 1 << 20;
const attachment = new Uint8Array(MiB).map((_, i) => (i * 2654435761) >>> 24);
const enc = new Encoder({ backend: 'js' });
const one = enc.encodeAll([
  { testId: 'pkg.test_big', status: 'inprogress', routeCode: '3' },
  { testId: 'pkg.test_big', fileName: 'log', fileBytes: attachment, mimeType: 'application/octet-stream', routeCode: '3', eof: true },
  { testId: 'pkg.test_big', status: 'success', routeCode: '3' },
]);
const copies = quick ? 32 : 128;
const stream = new Uint8Array(one.length * copies);
for (let i = 0; i < copies; i++) stream.set(one, i * one.length);
const CHUNK = 4 * MiB;

function best(fn, rounds) {
  let t = Infinity;
  for (let r = 0; r < rounds; r++) {
    const s = performance.now();
    fn();
    t = Math.min(t, performance.now() - s);
  }
  return stream.length / 1e6 / (t / 1000); // MB/s
}

const rows = [];
const dst = new Uint8Array(stream.length);
rows.push(['memcpy (Uint8Array#set, same bytes)', best(() => { for (let i = 0; i < stream.length; i += CHUNK) dst.set(stream.subarray(i, i + CHUNK), i); }, 5)]);
const cores = { js: jsCore, 'wasm-scalar': wasmCoreOf('scalar'), ...(simdSupported ? { 'wasm-simd': wasmCoreOf('simd') } : {}) };
for (const [name, core] of Object.entries(cores)) {
  rows.push([`rewrite, prefix "7" (${name})`, best(() => {
    const rw = new RoutePrefixer('7', { backend: core });
    let n = 0;
    for (let i = 0; i < stream.length; i += CHUNK) n += rw.push(stream.subarray(i, i + CHUNK)).length;
    n += rw.end().length;
    if (n <= stream.length) throw new Error('output too short');
  }, 5)]);
}

// the CLI on a file of large attachments
const dir = mkdtempSync(join(tmpdir(), 'muxbench-'));
const file = join(dir, 'big.subunit');
const fileCopies = quick ? 64 : 256 / (one.length / MiB) | 0;
const big = new Uint8Array(one.length * fileCopies);
for (let i = 0; i < fileCopies; i++) big.set(one, i * one.length);
writeFileSync(file, big);
const cli = new URL('../dist/bin/subunit.js', import.meta.url).pathname;
/** Best wall time of a shell command, in seconds. */
function timeShell(cmd) {
  let t = Infinity;
  for (let r = 0; r < 3; r++) {
    const s = performance.now();
    execFileSync('sh', ['-c', cmd]);
    t = Math.min(t, performance.now() - s);
  }
  return t / 1000;
}
const empty = join(dir, 'empty.subunit');
writeFileSync(empty, new Uint8Array(0));
const rate = (seconds) => big.length / 1e6 / seconds;
rows.push([`cat FILE > /dev/null (${(big.length / MiB).toFixed(0)} MiB)`, rate(timeShell(`cat "${file}" > /dev/null`))]);
// Node's own start-up, the floor under any command (NODE_EXTRA_CA_CERTS, set on some machines, adds a read of the CA bundle)
const nodeStart = timeShell(`"${process.execPath}" -e 0`);
const startup = {};
for (const backend of ['wasm', 'js']) {
  const run = (f) => timeShell(`"${process.execPath}" "${cli}" mux --backend ${backend} "${f}" > /dev/null`);
  const whole = run(file);
  startup[backend] = run(empty);
  rows.push([`subunit mux FILE > /dev/null (${backend})`, rate(whole)]);
  // the same command less its fixed cost (Node start, module loading, exit): the rate at which it moves bytes
  rows.push([`  the same, less an empty file's ${(startup[backend] * 1000).toFixed(0)} ms`, rate(whole - startup[backend])]);
}

// Peak RSS of the mux over workers that write a lot (the --require hook writes it at exit)
const maxrss = new URL('../test/workers/maxrss.cjs', import.meta.url).pathname;
const flood = quick ? 200_000_000 : 1_000_000_000;
const slowReader = `"${process.execPath}" -e "process.stdin.on('data', () => { process.stdin.pause(); setTimeout(() => process.stdin.resume(), 1); })"`;
const memoryCases = [
  [`stdout: ${flood / 1e9} GB of non-subunit bytes`, `head -c ${flood} /dev/zero`, 'wc -c'],
  [`stderr: ${flood / 1e9} GB`, `head -c ${flood} /dev/zero >&2`, 'wc -c'],
  [`stdout: ${(big.length / MiB).toFixed(0)} MiB of packets (1 MiB attachments)`, `cat "${file}"`, 'wc -c'],
  [`stdout: ${flood / 4e9} GB, slow consumer (1 ms pause per read)`, `head -c ${flood / 4} /dev/zero`, slowReader],
];
const memoryRows = [];
for (const backend of ['wasm', 'js']) {
  for (const [what, cmd, reader] of memoryCases) {
    const rssFile = join(dir, 'maxrss');
    const s = performance.now();
    execFileSync('sh', ['-c', `"${process.execPath}" --require "${maxrss}" "${cli}" mux --backend ${backend} --cmd '${cmd}' </dev/null | ${reader} >/dev/null`], { env: { ...process.env, MAXRSS_FILE: rssFile } });
    memoryRows.push([`subunit mux --cmd, ${what} (${backend})`, Number(readFileSync(rssFile, 'utf8')) / 1024, (performance.now() - s) / 1000]);
  }
}
rmSync(dir, { recursive: true, force: true });

console.log(`node -e 0: ${(nodeStart * 1000).toFixed(0)} ms${process.env.NODE_EXTRA_CA_CERTS ? ' (NODE_EXTRA_CA_CERTS is set)' : ''}`);
console.log(`stream: ${copies} x (1 MiB attachment + 2 status packets) = ${(stream.length / 1e6).toFixed(0)} MB in ${CHUNK / MiB} MiB chunks; node ${process.version}`);
const memcpy = rows[0][1];
for (const [task, mbs] of rows) console.log(`${task.padEnd(48)} ${Math.round(mbs).toString().padStart(7)} MB/s  ${(mbs / memcpy).toFixed(2)}x memcpy`);
console.log('');
for (const [task, mib, seconds] of memoryRows) console.log(`${task.padEnd(80)} peak RSS ${mib.toFixed(0).padStart(4)} MiB  ${seconds.toFixed(1).padStart(5)} s`);
