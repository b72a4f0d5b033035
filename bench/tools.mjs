// node bench/tools.mjs [--size MB] [--rounds N] [--commands stats,trace,...] [--json]: the CLI tools
// beside the library on the same ≥100 MB streams, whole process, one run.
// Issue 20's yardstick: each tool's rate as a share of the library's
// full-field decode (every field of every event read) and of TestResults
// (per-test assembly), plus each process's peak RSS. bench/run.mjs calls
// toolsBench() for its rows.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { realRun, smallPackets } from './workloads.mjs';

const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;
const LIB = new URL('./tools-decode.mjs', import.meta.url).pathname;

/** Whole-process seconds and peak RSS (MB) of `node ARGS > /dev/null`, best of `rounds`. */
function timed(args, rounds) {
  let best;
  for (let i = 0; i < rounds; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    // /usr/bin/time prints its line even for a process that failed (the tools
    // exit 1 when tests failed, so only the library's passes must exit 0)
    if (args[0] === LIB && r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr.trim().split('\n').slice(-4).join(' ')}`);
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
export const TOOL_COMMANDS = Object.keys(argsFor);

/** Rows of the tools and the library on the real-run and small-packet streams of at least `sizeMB`. */
export function toolsBench({ sizeMB = 100, rounds = 3, commands = TOOL_COMMANDS } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), 'subunit-tools-bench-'));
  const rows = [];
  try {
    for (const w of [realRun(), smallPackets()]) {
      // the workload repeated until the file holds at least sizeMB
      const path = join(tmp, `${w.name}.subunit`);
      const fd = openSync(path, 'w');
      let size = 0;
      while (size < sizeMB * 1e6) size += writeSync(fd, w.bytes);
      closeSync(fd);
      const mb = size / 1e6;
      console.error(`tools: ${w.name}, ${mb.toFixed(1)} MB`);
      const lib = timed([LIB, 'fields', path], rounds);
      const results = timed([LIB, 'results', path], rounds);
      rows.push({ workload: w.name, what: 'library: full-field decode', ...lib, mbps: mb / lib.seconds });
      rows.push({ workload: w.name, what: 'library: TestResults', ...results, mbps: mb / results.seconds, share: lib.seconds / results.seconds });
      for (const c of commands) {
        const t = timed([CLI, ...argsFor[c](path)], rounds);
        rows.push({ workload: w.name, what: `subunit ${c}`, ...t, mbps: mb / t.seconds, share: lib.seconds / t.seconds });
      }
      rmSync(path);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

/** The rows as a Markdown table. */
export function toolsTable(rows) {
  const lines = ['| stream | what | MB/s | of full-field decode | peak RSS |', '|---|---|--:|--:|--:|'];
  for (const r of rows) {
    const share = r.share === undefined ? '' : `${(100 * r.share).toFixed(0)} %`;
    lines.push(`| ${r.workload} | ${r.what} | ${r.mbps.toFixed(0)} | ${share} | ${r.rssMB.toFixed(0)} MB |`);
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const rounds = Number(arg('--rounds', '3'));
  const load = loadavg()[0];
  const rows = toolsBench({ sizeMB: Number(arg('--size', '100')), rounds, commands: arg('--commands', TOOL_COMMANDS.join(',')).split(',') });
  console.log(`whole process, best of ${rounds}, load ${load.toFixed(1)} → ${loadavg()[0].toFixed(1)}\n`);
  console.log(toolsTable(rows));
  if (process.argv.includes('--json')) writeFileSync(new URL('./tools.json', import.meta.url), JSON.stringify(rows, null, 2));
}
