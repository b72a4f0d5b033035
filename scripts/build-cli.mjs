// Bundle the `subunit` command (dist/cli, compiled by tsc) into dist/bin:
// Node spends about a millisecond per ES module it loads, and a command's
// start-up is most of a short run (bench/mux.mjs). Each command stays in its
// own chunk, loaded only when it runs. Chunks sit one folder below the entry
// so both keep the package root at the same relative URL (package.json, web/).
import { rmSync } from 'node:fs';
import { build } from 'rolldown';

rmSync('dist/bin', { recursive: true, force: true });
await build({
  input: { subunit: 'dist/cli/main.js' },
  platform: 'node',
  external: ['saxes'],
  logLevel: 'warn',
  output: { dir: 'dist/bin', format: 'esm', chunkFileNames: 'chunks/[name]-[hash].js' },
});
