// Shared by the repository tests: the built CLI, and small runs made to order.
import { spawn, spawnSync } from 'node:child_process';
import { encode, concat, Timestamp, type EventInit } from '../bindings/index.js';

export const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  bytes: Buffer;
}

export function subunit(args: string[], opts: { cwd?: string; input?: Uint8Array | string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: opts.cwd, input: opts.input, env: opts.env ?? process.env, maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`subunit ${args.join(' ')} (in ${opts.cwd ?? '.'}) did not run: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString(), bytes: r.stdout };
}

/** The CLI started without waiting (to run several at once). */
export function subunitAsync(args: string[], cwd: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d) => out.push(d));
    p.stderr.on('data', (d) => err.push(d));
    p.on('close', (code) => {
      const bytes = Buffer.concat(out);
      resolve({ code, stdout: bytes.toString(), stderr: Buffer.concat(err).toString(), bytes });
    });
  });
}

export interface FakeTest {
  id: string;
  status: 'success' | 'fail' | 'skip' | 'xfail';
  /** Seconds the test took. */
  seconds?: number;
  traceback?: string;
}

/** A v2 run of these tests, one after another from `start` (epoch seconds). */
export function runBytes(tests: FakeTest[], start = 1_800_000_000): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = start * 1e6; // microseconds
  const ts = (us: number) => new Timestamp(Math.floor(us / 1e6), (us % 1e6) * 1000);
  for (const t of tests) {
    const base: EventInit = { testId: t.id, runnable: true, eof: false };
    parts.push(encode({ ...base, status: 'inprogress', timestamp: ts(at) }));
    at += Math.round((t.seconds ?? 0.001) * 1e6);
    if (t.traceback) {
      parts.push(encode({ ...base, fileName: 'traceback', mimeType: 'text/x-traceback;charset=utf8', fileBytes: new TextEncoder().encode(t.traceback), eof: true, timestamp: ts(at) }));
    }
    parts.push(encode({ ...base, status: t.status, timestamp: ts(at) }));
  }
  return concat(parts);
}
