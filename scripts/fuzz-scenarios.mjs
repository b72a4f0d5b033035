// npm run fuzz:mux|fuzz:serve -- [--minutes N] [--seed S]
//
// One session runner for the scenario fuzzers: builds, then runs
// test/fuzz/NAME-long.fuzz.ts through vitest.fuzz-NAME.config.ts for N
// minutes (default 1) from seed S (default: from the clock, printed).
//   mux    `subunit mux` over workers that misbehave at random (test/fuzz/mux-engine.ts)
//   serve  `subunit serve` on random inputs, sent random and hostile HTTP
//          requests (test/fuzz/serve-engine.ts)
// Failing scenarios are saved in fixtures/fuzz-NAME/. Appends one JSON line
// per session to fuzz/LOG.jsonl ("fuzzer": NAME) and exits 1 if anything failed.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Per fuzzer: the counts its log line keeps from the session summary, and its closing line. */
const FUZZERS = {
  mux: {
    counts: (s) => ({ inputs: s?.scenarios ?? 0, workers: s?.workers ?? 0, mibOut: s ? Number(s.outMiB.toFixed(1)) : 0 }),
    told: (e) => `${e.inputs} scenarios (${e.workers} workers)`,
  },
  serve: {
    counts: (s) => ({
      scenarios: s?.scenarios ?? 0,
      requests: s?.requests ?? 0,
      refused: s?.refused ?? 0,
      filesChecked: s?.filesChecked ?? 0,
      canaryHits: s?.canaryHits ?? 0,
    }),
    told: (e) => `${e.scenarios} scenarios (${e.requests} requests)`,
  },
};
const name = process.argv[2];
const fuzzer = FUZZERS[name];
if (!fuzzer) {
  console.error(`fuzz-scenarios: name a fuzzer: ${Object.keys(FUZZERS).join(' or ')}`);
  process.exit(2);
}
const tag = `fuzz:${name}`;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const logFile = join(root, 'fuzz', 'LOG.jsonl');

let values;
try {
  ({ values } = parseArgs({ args: process.argv.slice(3), options: { minutes: { type: 'string', default: '1' }, seed: { type: 'string' } } }));
} catch (e) {
  console.error(`${tag}: ${e.message.split('\n')[0]}\nusage: npm run ${tag} -- [--minutes N] [--seed S]`);
  process.exit(2);
}
const minutes = Number(values.minutes);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!(minutes >= 0) || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 31) {
  console.error(`${tag}: --minutes needs a non-negative number, --seed an integer below 2^31`);
  process.exit(2);
}

console.log(`${tag}: seed ${seed} (to repeat this session: npm run ${tag} -- --minutes ${minutes} --seed ${seed})`);
const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const summaryFile = join(tmpdir(), `subunit-fuzz-${name}-${process.pid}.json`);
const started = new Date();
const run = spawnSync('npx', ['vitest', 'run', '--config', `vitest.fuzz-${name}.config.ts`], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_MINUTES: String(minutes), FUZZ_SEED: String(seed), FUZZ_SUMMARY: summaryFile },
});
const s = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : null;
rmSync(summaryFile, { force: true });
const failures = s?.failures.length ?? 0;
const status = run.status === 0 && failures === 0 ? 'ok' : failures > 0 ? 'failures' : run.signal ? `killed (${run.signal})` : 'error';
let commit = null;
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
} catch {}

const entry = {
  fuzzer: name,
  date: started.toISOString(),
  seed,
  minutes: Number(((Date.now() - started.getTime()) / 60000).toFixed(2)),
  requestedMinutes: minutes,
  ...fuzzer.counts(s),
  peakRssMiB: s ? Number(s.peakRssMiB.toFixed(1)) : null,
  slowestMs: s?.slowestMs ?? null,
  failures,
  files: (s?.failures ?? []).filter((f) => f.file).map((f) => `fixtures/fuzz-${name}/${f.file}`),
  status,
  commit,
  node: process.version,
};
appendFileSync(logFile, JSON.stringify(entry) + '\n');
console.log(`${tag}: ${fuzzer.told(entry)} in ${entry.minutes} min, ${failures} failures (seed ${seed})`);
process.exit(status === 'ok' ? 0 : 1);
