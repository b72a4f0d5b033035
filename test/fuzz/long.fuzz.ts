// The long fuzz run: `npm run fuzz -- --minutes N [--seed S]` (scripts/fuzz.mjs
// builds, then runs this file alone with vitest.fuzz.config.ts). Settings come
// from the environment: FUZZ_MINUTES, FUZZ_SEED, FUZZ_SUMMARY (a JSON file the
// running totals are written to, for fuzz/LOG.jsonl).
import { it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { CORES, hasReference } from '../helpers.js';
import { Watchdog, fuzz, type FuzzStats } from './engine.js';

const minutes = Number(process.env.FUZZ_MINUTES ?? 1);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const out = (line: string) => process.stdout.write(line + '\n');

function writeSummary(s: FuzzStats) {
  if (!process.env.FUZZ_SUMMARY) return;
  const failures = s.failures.map((f) => ({ kind: f.kind, message: f.message, bytes: f.input.length, file: f.file, minimisedBytes: f.minimisedBytes }));
  writeFileSync(process.env.FUZZ_SUMMARY, JSON.stringify({ ...s, failures }) + '\n');
}

it(`fuzz for ${minutes} min (seed ${seed})`, async () => {
  out(`fuzz: ${minutes} min, seed ${seed}, cores ${CORES.map(([n]) => n).join(', ')}; python-subunit ${hasReference ? 'checks every packet it decodes' : 'not installed: reference check skipped'}`);
  const watchdog = new Watchdog();
  try {
    const stats = await fuzz({ seed, deadline: Date.now() + minutes * 60_000, reference: hasReference, save: true, progressMs: 30_000, log: out, onProgress: writeSummary, watchdog });
    for (const f of stats.failures) out(`fuzz: failure ${f.kind}: ${f.message} → ${f.file} (${f.minimisedBytes} bytes)`);
    if (stats.failures.length) throw new Error(`${stats.failures.length} fuzz failures (saved in fixtures/fuzz/)`);
  } finally {
    await watchdog.stop();
  }
}, minutes * 60_000 + 3_600_000);
