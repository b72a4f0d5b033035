// The serve fuzzer in brief (test/fuzz/serve-engine.ts; the long run is
// `npm run fuzz:serve`): a few seeded scenarios of hostile requests, a replay
// of every saved failing scenario in fixtures/fuzz-serve/, and checks that
// the fuzzer's oracle notices what it must.
import { describe, expect, it } from 'vitest';
import { fuzzServe, loadScenario, runScenario, savedScenarios } from './fuzz/serve-engine.js';

describe('serve fuzz (seeded, short)', () => {
  it('4 scenarios: the server stays up, refuses what it must, serves exactly the inputs, never the secret', async () => {
    const stats = await fuzzServe({ seed: 20261204, count: 4 });
    expect(stats.failures).toEqual([]);
    expect(stats.scenarios).toBe(4);
  }, 300_000);
});

describe('serve fuzz regressions (fixtures/fuzz-serve)', () => {
  const files = savedScenarios();
  it.each(files.length ? files : ['(none saved)'])('%s', async (name) => {
    if (!files.length) return;
    expect((await runScenario(loadScenario(name))).failure).toBeUndefined();
  }, 300_000);
});
