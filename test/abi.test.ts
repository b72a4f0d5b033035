// The standalone module: no imports, every export and layout constant
// documented in assembly/ABI.md, the size budget, the package subpaths.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import * as layout from '../assembly/layout.js';
import { requireTool } from './tools.js';

const ROOT = new URL('../', import.meta.url).pathname;
const ABI = readFileSync(ROOT + 'assembly/ABI.md', 'utf8');
const BUILDS = ['build/subunit.wasm', 'build/subunit.simd.wasm'];

/** The budget stated in ABI.md §10, per build. */
const BUDGET_RAW = 16 * 1024;
const BUDGET_GZIP = 8 * 1024;

interface Section {
  id: number;
  body: Uint8Array;
}

/** Unsigned LEB128 at `at`: [value, bytes read]. */
function leb(b: Uint8Array, at: number): [number, number] {
  let v = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const byte = b[i++];
    v += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return [v, i - at];
    shift += 7;
  }
}

/** The sections of a binary module, read from its bytes (WebAssembly core spec §5.5). */
function sections(b: Uint8Array): Section[] {
  expect([...b.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const out: Section[] = [];
  let at = 8;
  while (at < b.length) {
    const id = b[at++];
    const [size, n] = leb(b, at);
    at += n;
    out.push({ id, body: b.subarray(at, at + size) });
    at += size;
  }
  expect(at).toBe(b.length);
  return out;
}

const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;
const SECTION_EXPORT = 7;

function exportNames(s: Section): string[] {
  const b = s.body;
  let [count, at] = leb(b, 0);
  const names: string[] = [];
  while (count--) {
    const [len, n] = leb(b, at);
    at += n;
    names.push(new TextDecoder().decode(b.subarray(at, at + len)));
    at += len + 1; // kind byte
    at += leb(b, at)[1]; // index
  }
  return names;
}

it('the section reader finds an import section where there is one', () => {
  // (module (import "e" "f" (func))) by hand: type section, then import section
  const withImport = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 2, 7, 1, 1, 0x65, 1, 0x66, 0, 0]);
  expect(WebAssembly.Module.imports(new WebAssembly.Module(withImport))).toHaveLength(1);
  expect(sections(withImport).map((s) => s.id)).toEqual([1, SECTION_IMPORT]);
});

describe.each(BUILDS)('%s', (file) => {
  const bytes = new Uint8Array(readFileSync(ROOT + file));
  const secs = sections(bytes);

  it('has no import section, and instantiates with an empty import object', () => {
    expect(secs.map((s) => s.id)).not.toContain(SECTION_IMPORT);
    const mod = new WebAssembly.Module(bytes);
    expect(WebAssembly.Module.imports(mod)).toEqual([]);
    expect(() => new WebAssembly.Instance(mod, {})).not.toThrow();
  });

  it('documents every export in ABI.md §3', () => {
    const names = exportNames(secs.find((s) => s.id === SECTION_EXPORT)!);
    expect(names.sort()).toEqual(WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name).sort());
    const documented = [...ABI.matchAll(/^\| `(\w+)` \| (?:func|global|memory)/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(names);
  });

  it('declares the memory ABI.md states and never needs more', () => {
    const mem = secs.find((s) => s.id === SECTION_MEMORY)!.body;
    expect(mem[0]).toBe(1); // one memory
    expect(mem[1]).toBe(0); // no maximum
    const pages = leb(mem, 2)[0];
    expect(ABI).toContain(`| \`memory\` | memory | ${pages} pages, no maximum |`);
    const x = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as Record<string, any>;
    const ends = [
      x.inputPtr() + x.INPUT_CAPACITY.value,
      x.recordsPtr() + layout.RECORD_CAPACITY * layout.RECORD_STRIDE * 4,
      x.statePtr() + layout.STATE_SLOTS * 4,
      x.stagePtr() + x.STAGE_CAPACITY.value,
      x.outPtr() + layout.MAX_PACKET + 1,
      x.encodePtr() + layout.ENCODE_SLOTS * 4,
      x.rewriteOutPtr() + x.REWRITE_CAPACITY.value,
      x.segmentsPtr() + layout.SEG_CAPACITY * layout.SEG_STRIDE * 4,
      x.componentPtr() + layout.MAX_COMPONENT + 1,
    ];
    expect(Math.max(...ends)).toBeLessThanOrEqual(x.memory.buffer.byteLength);
    expect(x.INPUT_CAPACITY.value).toBe(5 << 20);
    expect(x.STAGE_CAPACITY.value).toBe(layout.MAX_PACKET + 1);
  });

  it('contains no unreachable and no memory.grow (it cannot trap or move memory by itself)', () => {
    requireTool('wasm-objdump');
    const dis = execFileSync('wasm-objdump', ['-d', ROOT + file], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(dis).toContain('i32.load'); // the disassembly is really there
    expect(dis).not.toMatch(/\bunreachable\b/);
    expect(dis).not.toMatch(/\bmemory\.grow\b/);
  });

  it(`holds the size budget: ≤ ${BUDGET_RAW} bytes, ≤ ${BUDGET_GZIP} gzipped`, () => {
    expect(bytes.length).toBeLessThanOrEqual(BUDGET_RAW);
    expect(gzipSync(bytes, { level: 9 }).length).toBeLessThanOrEqual(BUDGET_GZIP);
  });
});

describe('ABI.md', () => {
  it('states the budget the tests hold', () => {
    expect(ABI).toContain(`**16 KiB** (${BUDGET_RAW} bytes) raw and **8 KiB**\n(${BUDGET_GZIP} bytes) compressed`);
  });

  it('gives every layout constant with its value', () => {
    const missing: string[] = [];
    for (const [name, value] of Object.entries(layout)) {
      const forms = [String(value), '0x' + value.toString(16).padStart(4, '0')];
      const row = ABI.split('\n').find((l) => l.includes(`\`${name}\``) && forms.some((f) => new RegExp(`(^|[^\\w.])${f}([^\\w.]|$)`, 'i').test(l)));
      if (!row) missing.push(`${name} = ${value}`);
    }
    expect(missing).toEqual([]);
  });
});

describe('package', () => {
  it('exports the plain .wasm files under their own subpaths', () => {
    const require = createRequire(import.meta.url);
    for (const file of BUILDS) {
      const sub = 'subunit-wasm/' + file.slice('build/'.length);
      expect(require.resolve(sub)).toBe(ROOT + file);
    }
  });

  it('ships the .wasm files and ABI.md', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining([...BUILDS, 'assembly/ABI.md']));
  });
});
