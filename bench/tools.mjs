// node bench/tools.mjs [--size MB] [--commands stats,trace,...]: the CLI tools
// beside the library on the same ≥100 MB streams, whole process, one run.
// Issue 20's yardstick: each tool's rate as a share of the library's
// full-field decode (every field of every event read) and of TestResults
// (per-test assembly), plus each process's peak RSS.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { realRun, smallPackets } from './workloads.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const SIZE = Number(arg('--size', '100')) * 1e6;
const COMMANDS = arg('--commands', 'stats,ls,trace,filter,csv,junit,json').split(',');
const ROUNDS = Number(arg('--rounds', '3'));
const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;
const LIB = new URL('./tools-decode.mjs', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'subunit-tools-bench-'));

/** The workload repeated until the file holds at least SIZE bytes. */
function materialise(w) {
  const path = join(tmp, `${w.name}.subunit`);
  const fd = openSync(path, 'w');
  let size = 0;
  while (size < SIZE) size += writeSync(fd, w.bytes);
  closeSync(fd);
  return { name: w.name, path, size };
}

/** Whole-process seconds and peak RSS (MB) of `node ARGS > /dev/null`, best of ROUNDS. */
function timed(args) {
  let best;
  for (let i = 0; i < ROUNDS; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const last = r.stderr.trim().split('\n').at(-1);
    const [secs, kb] = last.split(' ').map(Number);
    if (!Number.isFinite(secs)) throw new Error(`${args.join(' ')}: ${r.stderr.trim()}`);
    if (!best || secs < best.seconds) best = { seconds: secs, rssMB: kb / 1024 };
  }
  return best;
}

const argsFor = {
  stats: (f) => ['stats', '--no-passthrough', f],
  ls: (f) => ['ls', '--no-passthrough', f],
  trace: (f) => ['trace', '--exit-zero', f],
  filter: (f) => ['filter', '-s', f],
  csv: (f) => ['csv', f],
  junit: (f) => ['junit', f],
  json: (f) => ['json', f],
};

const rows = [];
const load = loadavg()[0];
for (const w of [realRun(), smallPackets()]) {
  const f = materialise(w);
  const mb = f.size / 1e6;
  console.error(`${f.name}: ${mb.toFixed(1)} MB`);
  const lib = timed([LIB, 'fields', f.path]);
  const results = timed([LIB, 'results', f.path]);
  rows.push({ workload: f.name, what: 'library: full-field decode', ...lib, mbps: mb / lib.seconds });
  rows.push({ workload: f.name, what: 'library: TestResults', ...results, mbps: mb / results.seconds });
  for (const c of COMMANDS) {
    const t = timed([CLI, ...argsFor[c](f.path)]);
    rows.push({ workload: f.name, what: `subunit ${c}`, ...t, mbps: mb / t.seconds, share: lib.seconds / t.seconds });
  }
  rmSync(f.path);
}
rmSync(tmp, { recursive: true, force: true });

console.log(`whole process, best of ${ROUNDS}, load ${load.toFixed(1)} → ${loadavg()[0].toFixed(1)}\n`);
console.log('| stream | what | MB/s | of full-field decode | peak RSS |');
console.log('|---|---|--:|--:|--:|');
for (const r of rows) {
  const share = r.share === undefined ? '' : `${(100 * r.share).toFixed(0)} %`;
  console.log(`| ${r.workload} | ${r.what} | ${r.mbps.toFixed(0)} | ${share} | ${r.rssMB.toFixed(0)} MB |`);
}
if (process.argv.includes('--json')) writeFileSync(new URL('./tools.json', import.meta.url), JSON.stringify(rows, null, 2));
