// Issue 20: the tools' outputs stay byte-identical through the speed work.
// Every fixture × run of tools-golden-runs.mjs, on both backends, against
// test/golden/tools.sha256 (written by scripts/golden-tools.mjs before the
// work). A differing output is left in a temporary folder for diffing.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goldenCases, goldenBytes, goldenLine } from './tools-golden-runs.mjs';

const GOLDEN = new Map(
  readFileSync(new URL('./golden/tools.sha256', import.meta.url), 'utf8').trim().split('\n').map((l) => [l.split(' ').at(-1)!, l]),
);

function run(argv: string[]): Promise<{ status: number | null; stdout: Buffer; stderr: Buffer }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', reject);
    p.on('close', (status) => resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
}

/** Runs them a few at a time (hundreds of short processes). */
async function all<T, R>(items: T[], f: (t: T) => Promise<R>, width = 4): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  }));
  return out;
}

describe('tool outputs against test/golden/tools', () => {
  for (const backend of ['wasm', 'js']) {
    it(`${backend}: every fixture × run byte-identical`, async () => {
      const cases = goldenCases(backend);
      expect(cases.length).toBe(GOLDEN.size);
      const differing: string[] = [];
      const kept = mkdtempSync(join(tmpdir(), `golden-${backend}-`));
      await all(cases, async (c) => {
        const got = goldenBytes(await run(c.argv));
        if (goldenLine(c.file, got) === GOLDEN.get(c.file)) return;
        differing.push(c.file);
        writeFileSync(join(kept, c.file), got);
      });
      expect(differing.sort(), `outputs kept in ${kept}`).toEqual([]);
    }, 600_000);
  }
});
