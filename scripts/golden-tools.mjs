// node scripts/golden-tools.mjs: writes test/golden/tools.sha256 from the
// current build (dist/), the outputs test/tools-golden.test.ts holds every
// later build to.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { goldenCases, goldenBytes, goldenLine } from '../test/tools-golden-runs.mjs';

const lines = goldenCases().map((c) => goldenLine(c.file, goldenBytes(spawnSync(process.execPath, c.argv, { maxBuffer: 1 << 30 }))));
writeFileSync(new URL('../test/golden/tools.sha256', import.meta.url), lines.join('\n') + '\n');
