// `subunit summary` over several inputs: the bytes decoded are the sum of
// every input's, though stream offsets restart at 0 in each.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { FIXTURES } from './helpers.js';

const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;

function decodedMB(args: string[]): number {
  const r = spawnSync(process.execPath, [CLI, 'summary', ...args]);
  expect(r.status).toBe(0);
  const m = /^\((\d+\.\d\d) MB decoded in \d+ ms\)\n$/.exec(r.stderr.toString());
  expect(m).not.toBeNull();
  return Number(m![1]);
}

describe('subunit summary', () => {
  it('counts the bytes of every input', () => {
    const file = FIXTURES + 'sample-run.subunit';
    const one = statSync(file).size / 1e6;
    expect(decodedMB([file])).toBeCloseTo(one, 2);
    expect(decodedMB([file, file])).toBeCloseTo(2 * one, 2);
    expect(decodedMB([file, FIXTURES + 'chatter.subunit', file])).toBeCloseTo(2 * one + statSync(FIXTURES + 'chatter.subunit').size / 1e6, 2);
  });
});
