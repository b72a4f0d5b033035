// The fuzzer in brief (test/fuzz/engine.ts; the long run is `npm run fuzz`):
// a few hundred mutated fixtures with a fixed seed, a replay of every saved
// regression in fixtures/fuzz/ through the same checks, and checks of the
// fuzzer's own oracle and minimiser.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fixtureBytes, hasReference } from './helpers.js';
import { FUZZ_DIR, Reference, compareWithReference, fuzz, minimise, newTally, regressionFiles, replay, type Failure } from './fuzz/engine.js';

const ref = hasReference ? new Reference() : undefined;
afterAll(() => ref?.close());

const describeFailures = (failures: Failure[]) =>
  failures.map((f) => `${f.kind}: ${f.message} (input ${Buffer.from(f.input.subarray(0, 200)).toString('hex')}…)`);

describe('fuzz (seeded, short)', () => {
  it(`300 mutated inputs keep every invariant${hasReference ? ', and every packet python-subunit decodes is ours too' : ''}`, async () => {
    const stats = await fuzz({ seed: 20260407, inputs: 300, large: false, reference: hasReference, referenceAll: true });
    expect(describeFailures(stats.failures)).toEqual([]);
    expect(stats.inputs).toBe(300);
    if (hasReference) expect(stats.referenceChecked).toBeGreaterThan(250);
  });
});

describe('fuzz regressions (fixtures/fuzz)', () => {
  const files = regressionFiles();
  it.each(files.length ? files : ['(none saved)'])('%s', async (name) => {
    if (!files.length) return;
    expect(await replay(new Uint8Array(readFileSync(FUZZ_DIR + name)), ref)).toBeNull();
  });
});

describe('the fuzzer itself', () => {
  it('minimise removes what the failure does not need', async () => {
    const input = new Uint8Array(5000).map((_, i) => (i * 7) & 0x7f);
    input.set([0xb3, 0x29, 0x01], 3210);
    const fails = (b: Uint8Array) => Buffer.from(b).includes(Buffer.from([0xb3, 0x29, 0x01]));
    expect([...(await minimise(input, fails))]).toEqual([0xb3, 0x29, 0x01]);
  });

  it.runIf(hasReference)('the reference check: a packet python-subunit decodes and we lack is a failure; documented differences are not', async () => {
    const input = fixtureBytes('chatter');
    const r = await ref!.decode(input);
    expect(r.packets.length).toBeGreaterThan(3);
    const tally = newTally();
    expect(await compareWithReference(input, r, ref!, undefined, tally)).toBeNull();
    expect(tally.matched).toBe(r.packets.length);
    expect((await compareWithReference(input, r, ref!, []))?.kind).toBe('ref-missing');
    for (const name of ['damaged-version-bits', 'nonminimal-encodings', 'damaged-field-overrun-crash']) {
      const bytes = fixtureBytes(name);
      expect(await compareWithReference(bytes, await ref!.decode(bytes), ref!), name).toBeNull();
    }
  });
});
