// The tool runs whose outputs test/golden/tools.sha256 fixes byte for byte
// (stdout, stderr, exit status) on every fixture: speed work must not change
// them. Digests, not copies: the outputs of the larger fixtures run to 50 MB.
import { readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';

export const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
export const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;

export const GOLDEN_RUNS = [
  { name: 'stats', args: ['stats'] },
  { name: 'stats-nopass', args: ['stats', '--no-passthrough'] },
  { name: 'ls', args: ['ls'] },
  { name: 'ls-times-exists', args: ['ls', '--times', '--exists', '--no-passthrough'] },
  { name: 'trace', args: ['trace', '--exit-zero'] },
  { name: 'trace-fails-abbrev', args: ['trace', '-a', '--fails', '--slowest', '3'] },
  { name: 'filter', args: ['filter'] },
  { name: 'filter-s', args: ['filter', '-s'] },
  { name: 'filter-xfail-without', args: ['filter', '-s', '--xfail', '--no-passthrough', '--without', 'ping|pong'] },
  { name: 'filter-with-rename', args: ['filter', '-s', '--with', '(?i)fail|error', '--rename', '(test)_', '\\1.'] },
  { name: 'csv', args: ['csv'] },
  { name: 'junit', args: ['junit'] },
  { name: 'json', args: ['json'] },
];

/** Every (fixture, run): the golden file's name and the node argv for a backend. */
export function goldenCases(backend = 'wasm') {
  const out = [];
  for (const fixture of readdirSync(FIXTURES).filter((f) => f.endsWith('.subunit')).sort()) {
    for (const run of GOLDEN_RUNS) {
      out.push({
        file: `${fixture.replace(/\.subunit$/, '')}.${run.name}`,
        argv: [CLI, ...run.args, '--backend', backend, FIXTURES + fixture],
      });
    }
  }
  return out;
}

/** What a golden file holds: exit status, stderr, then stdout's raw bytes. */
export function goldenBytes(r) {
  return Buffer.concat([Buffer.from(`exit ${r.status}\n--- stderr\n`), r.stderr, Buffer.from('--- stdout\n'), r.stdout]);
}

/** A golden line: the digest and size of what a run gave, and its name. */
export function goldenLine(file, bytes) {
  return `${createHash('sha256').update(bytes).digest('hex')} ${String(bytes.length).padStart(9)} ${file}`;
}
