// How a `subunit html` report copes with a big run, measured as bench/viewer.mjs
// measures `subunit serve`: the same synthetic run, the report opened from a
// file:// URL, time until the page shows all tests, the main thread's long
// tasks (> 50 ms) meanwhile, then a filter typed and a test opened.
// Needs /usr/bin/chromium. Usage: node bench/html.mjs [TESTS] [WORKERS]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticRun, benchPage } from './synthetic-run.mjs';

const tests = Number(process.argv[2] ?? 100_000);
const workers = Number(process.argv[3] ?? 4);
const dir = mkdtempSync(join(tmpdir(), 'subunit-html-bench-'));
const file = join(dir, 'run.subunit');

const bytes = syntheticRun(tests, workers);
writeFileSync(file, bytes);

const report = join(dir, 'report.html');
let t = performance.now();
writeFileSync(report, execFileSync(process.execPath, ['dist/bin/subunit.js', 'html', file], { maxBuffer: 1 << 30 }));
const written = performance.now() - t;

const { context, page } = await benchPage(join(dir, 'profile'));
t = performance.now();
await page.goto('file://' + report);
await page.waitForFunction((n) => document.querySelector('[data-total=tests] .n').textContent.replace(/,/g, '') === String(n), tests, { timeout: 300_000 });
const loaded = performance.now() - t;
await page.waitForTimeout(1000); // let the last timeline slices draw
const longTasks = await page.evaluate(() => window.longTasks);
// responsiveness after load: a filter typed, the first matching test opened
t = performance.now();
const last = `test_${tests - 1}`;
await page.fill('#filter', last);
await page.waitForFunction((id) => [...document.querySelectorAll('#table .row')].some((r) => r.textContent.includes(id)), last);
const filtered = performance.now() - t;
await context.close();
console.log(`${tests} tests, ${workers} workers, ${(bytes.length / 1e6).toFixed(1)} MB run → ${(statSync(report).size / 1e6).toFixed(2)} MB report written in ${(written / 1000).toFixed(2)} s`);
console.log(`file:// all shown after ${(loaded / 1000).toFixed(2)} s; filter answered in ${filtered.toFixed(0)} ms`);
console.log(`main-thread long tasks: ${longTasks.length}, longest ${Math.max(0, ...longTasks).toFixed(0)} ms, total ${longTasks.reduce((a, b) => a + b, 0).toFixed(0)} ms`);
rmSync(dir, { recursive: true, force: true });
