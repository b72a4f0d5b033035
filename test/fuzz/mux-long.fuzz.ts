// The long mux fuzz run: `npm run fuzz:mux -- --minutes N [--seed S]`
// (scripts/fuzz-scenarios.mjs mux builds, then runs this file alone with
// vitest.fuzz-mux.config.ts). Settings come from the environment:
// FUZZ_MINUTES, FUZZ_SEED, FUZZ_SUMMARY (a JSON file the running totals are
// written to, for fuzz/LOG.jsonl).
import { it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { fuzzMux, type MuxFuzzStats } from './mux-engine.js';

const minutes = Number(process.env.FUZZ_MINUTES ?? 1);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const out = (line: string) => process.stdout.write(line + '\n');

function writeSummary(s: MuxFuzzStats) {
  if (process.env.FUZZ_SUMMARY) writeFileSync(process.env.FUZZ_SUMMARY, JSON.stringify(s) + '\n');
}

it(`fuzz the mux for ${minutes} min (seed ${seed})`, async () => {
  out(`fuzz-mux: ${minutes} min, seed ${seed}`);
  const stats = await fuzzMux({ seed, deadline: Date.now() + minutes * 60_000, save: true, progressMs: 60_000, log: out, onProgress: writeSummary });
  if (stats.failures.length) throw new Error(`${stats.failures.length} mux fuzz failures (saved in fixtures/fuzz-mux/)`);
}, minutes * 60_000 + 3_600_000);
