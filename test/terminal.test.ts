// Test ids reach a terminal escaped: a control character in an id (ESC, BEL)
// cannot drive it. Piped output keeps the bytes exact. The terminal is a real
// pseudo-terminal: util-linux's `script`.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from '../bindings/index.js';
import { requireTool } from './tools.js';

const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'subunit-tty-'));
const EVIL = 'pkg.evil\x1b]0;pwned\x07\x1b[2J.test';
const run = join(tmp, 'evil.subunit');
writeFileSync(run, Buffer.concat([
  encode({ testId: EVIL, status: 'inprogress' }),
  encode({ testId: EVIL, fileName: 'reason', fileBytes: Buffer.from('why\x07\x1b[31m'), eof: true }),
  encode({ testId: EVIL, status: 'skip' }),
]));
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The command's output on a pseudo-terminal. */
function onTerminal(args: string[]): string {
  requireTool('script', 'bsdutils'); // essential in Debian: always there
  const r = spawnSync('script', ['-qec', [process.execPath, CLI, ...args].map(quote).join(' '), '/dev/null'], { encoding: 'latin1' });
  return r.stdout;
}
const piped = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'latin1' }).stdout;

describe.each([['ls'], ['csv'], ['trace', '--no-progress']])('%s', (...args) => {
  it('escapes control characters of test ids on a terminal, keeps them when piped', () => {
    const shown = onTerminal([...args, run]);
    expect(shown).toContain('pkg.evil\\x1b]0;pwned\\x07\\x1b[2J.test');
    expect(shown).not.toMatch(/\x07|\x1b\]|\x1b\[2J/);
    expect(piped([...args, run])).toContain(EVIL);
  });
});

it('trace escapes a skip reason on a terminal', () => {
  expect(onTerminal(['trace', '--no-progress', run])).toContain('why\\x07\\x1b[31m');
});
