// The synthetic run the viewer benches open (bench/viewer.mjs, bench/html.mjs): TESTS tests over WORKERS route codes, 1 in 500 failing, and the
// headless Chromium they are measured in, watching main-thread long tasks.
import { chromium } from 'playwright-core';
import { Encoder, concat } from '../dist/bindings/index.js';

export function syntheticRun(tests, workers) {
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
  return concat(parts);
}

/** A page in a fresh headless Chromium profile that records long tasks in window.longTasks. */
export async function benchPage(profile) {
  const context = await chromium.launchPersistentContext(profile, {
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
  return { context, page };
}
