// How a `subunit html` report copes with a big run, measured as bench/viewer.mjs
// measures `subunit serve`: the same synthetic run, the report opened from a
// file:// URL, time until the page shows all tests, the main thread's long
// tasks (> 50 ms) meanwhile, then a filter typed and a test opened.
// Needs /usr/bin/chromium. Usage: node bench/html.mjs [TESTS] [WORKERS]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { Encoder, concat } from '../dist/bindings/index.js';

const tests = Number(process.argv[2] ?? 100_000);
const workers = Number(process.argv[3] ?? 4);
const dir = mkdtempSync(join(tmpdir(), 'subunit-html-bench-'));
const file = join(dir, 'run.subunit');

const encoder = new Encoder();
const parts = [];
const clock = new Array(workers).fill(Date.UTC(2026, 0, 1));
for (let i = 0; i < tests; i++) {
  const w = i % workers;
  const testId = `pkg.module_${Math.floor(i / 1000)}.Test${i % 97}.test_${i}`;
  const start = new Date(clock[w]);
  clock[w] += 1 + (i % 13) * 3;
  parts.push(encoder.encode({ testId, routeCode: String(w), status: 'inprogress', timestamp: start }));
  parts.push(encoder.encode({ testId, routeCode: String(w), status: i % 500 ? 'success' : 'fail', timestamp: new Date(clock[w]) }));
}
const bytes = concat(parts);
writeFileSync(file, bytes);

const report = join(dir, 'report.html');
let t = performance.now();
writeFileSync(report, execFileSync(process.execPath, ['dist/bin/subunit.js', 'html', file], { maxBuffer: 1 << 30 }));
const written = performance.now() - t;

const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const page = await context.newPage();
await page.addInitScript(() => {
  window.longTasks = [];
  new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask', buffered: true });
});
t = performance.now();
await page.goto('file://' + report);
await page.waitForFunction((n) => document.querySelector('[data-total=tests] .n').textContent.replace(/,/g, '') === String(n), tests, { timeout: 300_000 });
const loaded = performance.now() - t;
await page.waitForTimeout(1000); // let the last timeline slices draw
const longTasks = await page.evaluate(() => window.longTasks);
// responsiveness after load: a filter typed, the first matching test opened
t = performance.now();
await page.fill('#filter', 'test_99999');
await page.waitForFunction(() => [...document.querySelectorAll('#table .row')].some((r) => r.textContent.includes('test_99999')));
const filtered = performance.now() - t;
await context.close();
console.log(`${tests} tests, ${workers} workers, ${(bytes.length / 1e6).toFixed(1)} MB run → ${(statSync(report).size / 1e6).toFixed(2)} MB report written in ${(written / 1000).toFixed(2)} s`);
console.log(`file:// all shown after ${(loaded / 1000).toFixed(2)} s; filter answered in ${filtered.toFixed(0)} ms`);
console.log(`main-thread long tasks: ${longTasks.length}, longest ${Math.max(0, ...longTasks).toFixed(0)} ms, total ${longTasks.reduce((a, b) => a + b, 0).toFixed(0)} ms`);
rmSync(dir, { recursive: true, force: true });
