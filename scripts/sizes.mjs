// Sizes of what a browser or Deno user downloads: the wasm modules, and the
// universal entry with every module it imports (the wasm embedded as base64).
// Usage: npm run build && node scripts/sizes.mjs
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = new URL('../', import.meta.url).pathname;
const gz = (b) => gzipSync(b, { level: 9 }).length;
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

for (const wasm of ['build/subunit.wasm', 'build/subunit.simd.wasm']) {
  const b = readFileSync(join(root, wasm));
  console.log(`${wasm}: ${kb(b.length)}, gzip ${kb(gz(b))}`);
}

/** Every file reachable by static imports; bare specifiers would be dependencies (Node's own modules, for Node-only entries). */
function graph(entry, { nodeBuiltins = false } = {}, seen = new Map()) {
  if (seen.has(entry)) return seen;
  const source = readFileSync(entry);
  seen.set(entry, source);
  for (const [, spec] of String(source).matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)) {
    if (nodeBuiltins && spec.startsWith('node:')) continue;
    if (!spec.startsWith('.')) throw new Error(`${relative(root, entry)} imports "${spec}": the entry must have no dependencies`);
    graph(join(dirname(entry), spec), { nodeBuiltins }, seen);
  }
  return seen;
}

const files = graph(join(root, 'dist/bindings/index.js'));
const all = Buffer.concat([...files.values()]);
const perFile = [...files.values()].reduce((sum, b) => sum + gz(b), 0);
console.log(`dist/bindings/index.js and its ${files.size - 1} imports: ${kb(all.length)}, gzip ${kb(gz(all))} as one file (${kb(perFile)} file by file); no dependencies`);

// The test-runner reporters are subpaths of their own (Node only), never part of the universal entry.
for (const name of ['node-test', 'vitest', 'jest', 'playwright', 'mocha']) {
  const reporter = graph(join(root, `dist/bindings/reporters/${name}.js`), { nodeBuiltins: true });
  const own = [...reporter.keys()].filter((f) => !files.has(f));
  const size = own.reduce((n, f) => n + reporter.get(f).length, 0);
  console.log(`subunit-wasm/${name}: ${own.length} files beyond the universal entry's, ${kb(size)}`);
}
