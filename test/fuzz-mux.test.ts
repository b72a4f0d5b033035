// The mux fuzzer in brief (test/fuzz/mux-engine.ts; the long run is
// `npm run fuzz:mux`): a few seeded scenarios of misbehaving workers, a replay
// of every saved failing scenario in fixtures/fuzz-mux/, and checks that the
// fuzzer's oracle notices what it must.
import { describe, expect, it } from 'vitest';
import { encode } from '../bindings/index.js';
import { fuzzMux, generate, loadScenario, runScenario, savedScenarios, type Scenario } from './fuzz/mux-engine.js';

describe('mux fuzz (seeded, short)', () => {
  it('12 scenarios: the mux ends, memory stays bounded, every worker byte comes out under its route, the exit status is right', async () => {
    const stats = await fuzzMux({ seed: 20261204, count: 12 });
    expect(stats.failures).toEqual([]);
    expect(stats.scenarios).toBe(12);
  }, 300_000);
});

describe('mux fuzz regressions (fixtures/fuzz-mux)', () => {
  const files = savedScenarios();
  it.each(files.length ? files : ['(none saved)'])('%s', async (name) => {
    if (!files.length) return;
    expect((await runScenario(loadScenario(name))).failure).toBeUndefined();
  }, 300_000);
});

describe('the mux fuzzer itself', () => {
  // a scenario with one well-behaved worker, then the same with the oracle's expectations made wrong
  const base = (): Scenario => ({
    seed: 1, backend: 'wasm', pauseMs: 0,
    blobs: [{ parts: [{ packet: { testId: 't', status: 'inprogress' } }, { text: 'hello ó\n' }, { packet: { testId: 't', status: 'success' } }] }, { parts: [{ text: 'to stderr\n' }] }],
    workers: [{ steps: [{ out: 0 }, { err: 1 }], reads: 'all', end: { code: 0 } }],
    stdin: [{ route: '0', bytes: 10, fill: 65 }, { route: '0/x', bytes: 3, fill: 66 }],
  });
  const firstTwo = encode({ testId: 't', status: 'inprogress' }).length + Buffer.byteLength('hello ó\n');
  it('passes a worker that behaves', async () => {
    expect((await runScenario(base())).failure).toBeUndefined();
  });
  it.each([
    ['an exit status', (t: string) => t.replace('exit 0', 'exit 3'), /unexpected reason "worker 0 \(exec sh w0\.sh\) exited with code 3"/],
    ['a byte more on stdout', (t: string) => t.replace('wait', 'printf x\nwait'), /route 0: stdout item 3 of 3 differs/],
    ['a line more on stderr', (t: string) => t.replace('wait', 'echo more >&2\nwait'), /route 0: stderr 15 bytes, want 10/],
    ['a packet missing (its test then left in progress)', (t: string) => t.replace('cat blob0.bin', `head -c ${firstTwo} blob0.bin`), /route 0: stdout item 2 of 3 differs: got undefined/],
    ['stdin not read', (t: string) => t.replace(/^cat <&3.*$/m, ''), /worker 0 read all its stdin but got 0 of the 30 bytes/],
  ])('notices %s', async (_what, alter, message) => {
    expect((await runScenario(base(), { alter })).failure).toMatch(message);
  });
  it('generates every behaviour it claims to', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 300; seed++) {
      const s = generate(seed);
      for (const w of s.workers) {
        for (const st of w.steps) seen.add(Object.keys(st)[0]);
        seen.add('kill' in w.end ? 'kill' : w.end.code ? 'exit-nonzero' : 'exit-0');
        seen.add(typeof w.reads === 'string' ? `reads-${w.reads}` : 'reads-first');
      }
      if (s.blobs.some((b) => b.cut)) seen.add('cut-packet');
      if (s.pauseMs) seen.add('slow-consumer');
    }
    expect([...seen].sort()).toEqual(['closeStdin', 'closeStdout', 'cut-packet', 'err', 'exit-0', 'exit-nonzero', 'kill', 'out', 'reads-all', 'reads-first', 'reads-none', 'sleepMs', 'slow-consumer', 'zeros'].sort());
  });
});
