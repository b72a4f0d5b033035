// scripts/test-deps.sh (npm's pretest): finds what the suites need and names
// the exact apt-get command for what is missing.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = new URL('../scripts/test-deps.sh', import.meta.url).pathname;

describe('npm test setup (scripts/test-deps.sh)', () => {
  it('finds nothing missing on a machine set up by it', () => {
    const r = spawnSync('bash', [SCRIPT, '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('names the packages for tools that are not on PATH, with the command to install them', () => {
    // a PATH with only what the script itself runs: no wasm2c, wasm-objdump, cc or make
    const bin = mkdtempSync(join(tmpdir(), 'subunit-deps-'));
    for (const tool of ['bash', 'awk', 'id']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    const r = spawnSync('/usr/bin/bash', [SCRIPT, '--check'], { encoding: 'utf8', env: { PATH: bin } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^  (sudo )?apt-get update && (sudo )?apt-get install -y wabt gcc make libc6-dev$/m);
  });
});
