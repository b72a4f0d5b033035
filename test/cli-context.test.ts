import { describe, expect, it } from 'vitest';
import { RunContext } from '../cli/failure.js';

async function* failingAfter(chunks: Uint8Array[], error: Error): AsyncGenerator<Uint8Array> {
  yield* chunks;
  throw error;
}

describe('RunContext', () => {
  it('keeps the first input failure of its own run only', async () => {
    const a = new RunContext();
    const b = new RunContext();
    const got: Uint8Array[] = [];
    for await (const c of a.guarded('one.subunit', failingAfter([Uint8Array.of(1)], new Error('EIO: i/o error')))) got.push(c);
    for await (const c of a.guarded('two.subunit', failingAfter([], new Error('second')))) got.push(c);
    expect(got).toEqual([Uint8Array.of(1)]); // what was read before the failure is kept
    expect(a.failure?.message).toMatch(/^one\.subunit: /);
    expect(b.failure).toBeUndefined(); // another run (e.g. a command run in the same process) is unaffected
  });

  it('guards fill sources the same way', async () => {
    const c = new RunContext();
    const source = c.guardedFill('f', { fill: async () => { throw new Error('read failed'); } });
    expect(await source.fill(new Uint8Array(4))).toBe(0);
    expect(c.failure?.message).toMatch(/^f: /);
  });
});
