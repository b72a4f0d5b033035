// The wasm core outside JavaScript: examples/c-host compiles build/subunit.wasm
// to C with wasm2c, and must print the same event summary as we derive here
// from `subunit json`, re-encode streams to the bytes `subunit encode` writes,
// and rewrite route codes as `subunit mux` and the Router do.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtures, FIXTURES } from './helpers.js';
import { requireTool } from './tools.js';
import { fromBase64 } from '../bindings/codec/base64.js';
import { Router } from '../bindings/mux/route.js';

const ROOT = new URL('../', import.meta.url).pathname;
const HOST_DIR = ROOT + 'examples/c-host';
const HOST = HOST_DIR + '/build/subunit-summary';
const CLI = ROOT + 'dist/bin/subunit.js';
const STATUSES = ['exists', 'inprogress', 'success', 'uxsuccess', 'skip', 'fail', 'xfail'];

/** Control bytes, DEL and backslash as \xNN, other bytes as latin1 characters (as host.c prints them). */
function escaped(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b < 0x20 || b === 0x7f || b === 0x5c ? `\\x${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b);
  return s;
}
const utf8 = (s: string) => new TextEncoder().encode(s);

/**
 * The summary of `subunit json` output: one line per event with a test id
 * (status or "-", test id, route code if any), the text of every parser
 * error, counts per status, total file bytes.
 */
function summaryOf(jsonl: string): string {
  const counts = new Map(STATUSES.map((s) => [s, 0]));
  let fileBytes = 0;
  let out = '';
  for (const line of jsonl.split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (e.status !== undefined) counts.set(e.status, counts.get(e.status)! + 1);
    const bytes = e.fileName !== undefined ? fromBase64(e.fileBytes) : undefined;
    if (bytes) fileBytes += bytes.length;
    if (e.testId === undefined) continue;
    out += `${e.status ?? '-'}\t${escaped(utf8(e.testId))}${e.routeCode !== undefined ? '\t' + escaped(utf8(e.routeCode)) : ''}\n`;
    if (e.testId === 'subunit.parser' && e.fileName === 'Parser Error') out += `parser-error\t${escaped(bytes!)}\n`;
  }
  out += 'counts' + STATUSES.map((s) => ` ${s}=${counts.get(s)}`).join('') + '\n';
  return out + `file-bytes ${fileBytes}\n`;
}

function cli(args: string[], input?: Buffer): Buffer {
  return execFileSync(process.execPath, [CLI, ...args], { input, maxBuffer: 256 << 20 });
}

function host(args: string[]): Buffer {
  return execFileSync(HOST, args, { maxBuffer: 256 << 20 });
}

const all = fixtures();
const damaged = all.filter((f) => f.kind === 'damaged');
// streams python-subunit wrote with nothing else in them: every event is a packet
const packetsOnly = all.filter((f) => f.kind === 'clean' || f.kind === 'real-run');

describe('C host (wasm2c)', () => {
  beforeAll(() => {
    requireTool('wasm2c');
    requireTool('cc', 'gcc');
    requireTool('make');
    execFileSync('make', ['-s', '-C', HOST_DIR], { stdio: ['ignore', 'ignore', 'inherit'] });
  }, 120_000);

  it('covers damaged fixtures and real runs', () => {
    expect(damaged.length).toBeGreaterThanOrEqual(10);
    expect(packetsOnly.map((f) => f.name)).toEqual(expect.arrayContaining(['sample-run', 'sample-run-parallel', 'varint-boundaries']));
  });

  it.each(all.map((f) => [f.kind, f.name]))('%s %s: same summary as `subunit json`', (_kind, name) => {
    const file = `${FIXTURES}${name}.subunit`;
    const expected = summaryOf(cli(['json', file]).toString('utf8'));
    expect(expected).toMatch(/counts exists=\d+/);
    expect(host([file]).toString('latin1')).toBe(expected);
  });

  it.each(all.filter((f) => statSync(`${FIXTURES}${f.name}.subunit`).size < 100_000).map((f) => [f.name]))('%s: the same summary read in 1- and 7-byte chunks', (name) => {
    const file = `${FIXTURES}${name}.subunit`;
    const whole = host([file]).toString('latin1');
    expect(host(['--chunk', '1', file]).toString('latin1')).toBe(whole);
    expect(host(['--chunk', '7', file]).toString('latin1')).toBe(whole);
  });

  it('the same summary when one read fills the record table several times over', () => {
    // the whole 1.1 MB run in one window: ~9 600 records, more than RECORD_CAPACITY per scan call
    const file = `${FIXTURES}sample-run.subunit`;
    expect(host(['--chunk', String(5 << 20), file]).toString('latin1')).toBe(host([file]).toString('latin1'));
  });

  it('the same summary for a 4 MiB packet read in 1000-byte chunks', () => {
    const file = `${FIXTURES}varint-boundaries.subunit`;
    expect(host(['--chunk', '1000', file]).toString('latin1')).toBe(host([file]).toString('latin1'));
  });

  it.each(packetsOnly.map((f) => [f.name]))('%s: re-encoded by the core from C = `subunit json | subunit encode`', (name) => {
    const file = `${FIXTURES}${name}.subunit`;
    const expected = cli(['encode'], cli(['json', file]));
    expect(expected.length).toBeGreaterThan(0);
    expect(host(['--reencode', file]).equals(expected)).toBe(true);
  });

  it.each(packetsOnly.map((f) => [f.name]))('%s: route codes prefixed from C = `subunit mux --route w`; stripping gives the input back', (name) => {
    const file = `${FIXTURES}${name}.subunit`;
    const prefixed = host(['--prefix', 'w', file]);
    expect(prefixed.equals(cli(['mux', '--route', 'w', file]))).toBe(true);
    const tmp = join(mkdtempSync(join(tmpdir(), 'c-host-')), 'prefixed.subunit');
    writeFileSync(tmp, prefixed);
    expect(host(['--strip', '--chunk', '4096', tmp]).equals(readFileSync(file))).toBe(true);
  });

  it.each(all.map((f) => [f.kind, f.name]))('%s %s: route codes stripped from C = the TypeScript Router', (_kind, name) => {
    const file = `${FIXTURES}${name}.subunit`;
    const router = new Router();
    const bytes = readFileSync(file);
    const pieces = [...router.push(bytes), ...router.end()].map((p) => p.bytes);
    expect(host(['--strip', file]).equals(Buffer.concat(pieces))).toBe(true);
    expect(host(['--strip', '--chunk', '7', file]).equals(Buffer.concat(pieces))).toBe(true);
  });

  it('reports an unreadable file in one line and exits 1', () => {
    const r = spawnSync(HOST, ['/nonexistent.subunit'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('subunit-summary: /nonexistent.subunit: No such file or directory\n');
  });
});
