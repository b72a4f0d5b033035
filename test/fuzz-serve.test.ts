// The serve fuzzer in brief (test/fuzz/serve-engine.ts; the long run is
// `npm run fuzz:serve`): a few seeded scenarios of hostile requests, a replay
// of every saved failing scenario in fixtures/fuzz-serve/, and checks that
// the fuzzer's oracle notices what it must.
import { describe, expect, it } from 'vitest';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { fuzzServe, generate, loadScenario, runScenario, savedScenarios, type RequestPlan, type Scenario } from './fuzz/serve-engine.js';

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

describe('the serve fuzzer itself', () => {
  // one fixture served to its own page's requests: GET /api/input/{N} with N = request index mod (inputs + 1)
  const read: RequestPlan = { method: 'GET', target: '/api/input/{N}', host: 'own', token: 'right', fetchSite: 'same-origin', send: 'whole' };
  const base = (): Scenario => ({
    seed: 1, parallel: 2, urlInputs: 0,
    inputs: [{ kind: 'fixture', fixture: 'chatter.subunit', size: 0, seed: 1 }],
    requests: [read, read, { ...read, target: '/api/inputs' }, { ...read, token: 'wrong' }, { ...read, target: '/api/proxy?url={proxy}', proxy: { canary: 'http://127.0.0.1:{C}/hit/{ID}' } }],
  });
  it('passes a server that behaves', async () => {
    const o = await runScenario(base());
    expect(o.failure).toBeUndefined();
    expect([o.filesChecked, o.refused, o.canaryHits]).toEqual([1, 1, 1]);
  });
  it('notices the secret file served', async () => {
    const reads = { ...base(), requests: [read, read] }; // /api/input/0 and /api/input/1
    expect((await runScenario(reads, { alter: (_dir, args, secret) => args.push(secret) })).failure).toMatch(/GET \/api\/input\/1 .*the secret file's content came back/);
  });
  it('notices bytes that are not the file\'s', async () => {
    expect((await runScenario(base(), { alter: (dir, args) => appendFileSync(join(dir, args[0]), 'x') })).failure).toMatch(/GET \/api\/input\/0 .*bytes differ from the file's/);
  });
  it('notices the inputs list being wrong', async () => {
    expect((await runScenario(base(), { alter: (_dir, args) => args.push(args[0]) })).failure).toMatch(/GET \/api\/inputs .*inputs list 200/);
  });
  it('generates every kind of input, sending, Host, token and proxy target it claims to', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const s = generate(seed);
      for (const i of s.inputs) seen.add(`input:${i.kind}`);
      for (const r of s.requests) {
        seen.add(`send:${r.send}`).add(`host:${r.host}`).add(`token:${r.token}`).add(`proxy:${Object.keys(r.proxy ?? {})[0]}`);
        if (r.extraHeader) seen.add(`header:${r.extraHeader}`);
      }
    }
    expect([...seen].sort()).toEqual([
      'header:huge', 'header:many', 'header:nul',
      'host:foreign', 'host:foreign-then-own', 'host:localhost', 'host:missing', 'host:no-port', 'host:own', 'host:own-then-foreign', 'host:twice', 'host:upper',
      'input:cut-gzip', 'input:damaged', 'input:empty', 'input:fixture', 'input:growing', 'input:gzip', 'input:random',
      'proxy:canary', 'proxy:raw', 'proxy:redirect', 'proxy:scheme',
      'send:abort-after-head', 'send:bytewise', 'send:cut', 'send:hold', 'send:split', 'send:whole',
      'token:missing', 'token:padded', 'token:prefix', 'token:query', 'token:right', 'token:twice', 'token:wrong',
    ]);
  });
});
