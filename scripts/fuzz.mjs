// npm run fuzz -- [--minutes N] [--seed S]
//
// Builds, then runs the differential mutation fuzzer (test/fuzz/long.fuzz.ts,
// through vitest.fuzz.config.ts) for N minutes (default 1) with seed S
// (default: from the clock, printed). Failing inputs are minimised into
// fixtures/fuzz/. Appends one JSON line per session to fuzz/LOG.jsonl and
// exits 1 if anything failed.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const regressions = join(root, 'fixtures', 'fuzz');
const logFile = join(root, 'fuzz', 'LOG.jsonl');

function usage(problem) {
  if (problem) console.error(`fuzz: ${problem}`);
  console.error('usage: npm run fuzz -- [--minutes N] [--seed S]');
  process.exit(2);
}

let minutes = 1;
let seed = Date.now() % 2 ** 31;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const eq = args[i].indexOf('=');
  const key = eq < 0 ? args[i] : args[i].slice(0, eq);
  if (key === '--help' || key === '-h') usage();
  if (key !== '--minutes' && key !== '--seed') usage(`unknown argument ${JSON.stringify(args[i])}`);
  const value = eq < 0 ? args[++i] : args[i].slice(eq + 1);
  const n = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(n) || n < 0) usage(`${key} needs a non-negative number`);
  if (key === '--minutes') minutes = n;
  else if (!Number.isInteger(n) || n >= 2 ** 31) usage('--seed needs an integer below 2^31');
  else seed = n;
}

console.log(`fuzz: seed ${seed} (to repeat this session: npm run fuzz -- --minutes ${minutes} --seed ${seed})`);
const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const list = () => (existsSync(regressions) ? readdirSync(regressions).filter((f) => f.endsWith('.subunit')) : []);
const before = new Set(list());
const summaryFile = join(tmpdir(), `subunit-fuzz-${process.pid}.json`);
const started = new Date();
const run = spawnSync('npx', ['vitest', 'run', '--config', 'vitest.fuzz.config.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_MINUTES: String(minutes), FUZZ_SEED: String(seed), FUZZ_SUMMARY: summaryFile },
});

const s = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : null;
rmSync(summaryFile, { force: true });
const added = list().filter((f) => !before.has(f));
// a hang kills the run (the watchdog saves the input as hang-*.subunit): count it too
const failures = (s?.failures.length ?? 0) + added.filter((f) => f.startsWith('hang-')).length;
const fuzzMinutes = s ? s.ms / 60000 : (Date.now() - started.getTime()) / 60000;
const status = run.status === 0 && failures === 0 ? 'ok' : failures > 0 ? 'failures' : run.signal ? `killed (${run.signal})` : 'error';
let commit = null;
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
} catch {}

mkdirSync(dirname(logFile), { recursive: true });
const entry = {
  date: started.toISOString(),
  seed,
  minutes: Number(fuzzMinutes.toFixed(2)),
  requestedMinutes: minutes,
  inputs: s?.inputs ?? 0,
  mib: s ? Number((s.bytes / 1048576).toFixed(1)) : 0,
  referenceChecked: s?.referenceChecked ?? 0,
  referencePackets: s?.reference ?? null,
  slowest: s?.slowest ?? null,
  failures,
  files: added.map((f) => `fixtures/fuzz/${f}`),
  status,
  commit,
  node: process.version,
};
appendFileSync(logFile, JSON.stringify(entry) + '\n');
console.log(`fuzz: ${entry.inputs} inputs in ${fuzzMinutes.toFixed(1)} min, ${failures} failures (seed ${seed})`);
process.exit(status === 'ok' ? 0 : 1);
