// The universal entry, unchanged and unbundled (dist/bindings/index.js), in
// Deno 2 (the npm `deno` package) with no permissions: both backends decode
// every fixture exactly as they do in Node.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fixtureBytes, fixtures } from './helpers.js';
import { expectConformingEvents } from './runtimes.js';

const denoBin = createRequire(import.meta.url).resolve('deno/bin.cjs');
const script = new URL('./deno/decode-fixtures.mjs', import.meta.url).pathname;

function frame(name: string, bytes: Uint8Array): Buffer {
  const nameBytes = Buffer.from(name);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(nameBytes.length);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(bytes.length);
  return Buffer.concat([head, nameBytes, size, bytes]);
}

/** Run deno without any --allow-* flag; a permission prompt would fail (--no-prompt). */
function runDeno(args: string[], stdin: Buffer): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [denoBin, ...args], { env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(stdin);
  });
}

const all = fixtures();

describe('Deno 2', async () => {
  const input = Buffer.concat(all.map((f) => frame(f.name, fixtureBytes(f.name))));
  const run = await runDeno(['run', '--no-prompt', '--no-config', '--no-lock', script], input);
  const [permissionLine, ...lines] = run.stdout.split('\n').filter(Boolean);
  const results = new Map<string, string[]>();
  for (const line of lines) {
    const r = JSON.parse(line) as { name: string; backend: string; events: string[] };
    results.set(`${r.name} ${r.backend}`, r.events);
  }

  it('runs the script without any permission', () => {
    expect(run.stderr).not.toMatch(/error|NotCapable|PermissionDenied/i);
    expect(run.code).toBe(0);
    expect(results.size).toBe(all.length * 2);
  });

  it('was granted nothing: no file, network, environment or subprocess access', () => {
    const { permissions } = JSON.parse(permissionLine) as { permissions: Record<string, string> };
    for (const name of ['read', 'write', 'net', 'env', 'run', 'ffi', 'sys']) expect(permissions[name], name).not.toBe('granted');
  });

  describe.each(['wasm', 'js'])('%s backend', (backend) => {
    it.each(all)('$name ($kind)', (fixture) => {
      const events = results.get(`${fixture.name} ${backend}`);
      expect(events, run.stderr).toBeDefined();
      expectConformingEvents(fixture, events!);
    });
  });
});
