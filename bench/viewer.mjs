// How `subunit serve` copes with a big run: time until the page shows all
// tests, and the main thread's long tasks (> 50 ms) meanwhile. Needs
// /usr/bin/chromium. Usage: node bench/viewer.mjs [TESTS] [WORKERS]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticRun, benchPage } from './synthetic-run.mjs';

const tests = Number(process.argv[2] ?? 100_000);
const workers = Number(process.argv[3] ?? 4);
const dir = mkdtempSync(join(tmpdir(), 'subunit-viewer-bench-'));
const file = join(dir, 'run.subunit');

const bytes = syntheticRun(tests, workers);
writeFileSync(file, bytes);

const server = spawn(process.execPath, ['dist/bin/subunit.js', 'serve', file]);
const url = await new Promise((resolve) => server.stdout.on('data', (b) => resolve(/http:\S+/.exec(String(b))[0])));
const profile = join(dir, 'profile');
const { context, page } = await benchPage(profile);
const cdp = process.env.PROFILE ? await context.newCDPSession(page) : undefined;
if (cdp) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.start'); }
const started = performance.now();
await page.goto(url);
await page.waitForFunction((n) => document.querySelector('[data-total=tests] .n').textContent.replace(/,/g, '') === String(n), tests, { timeout: 300_000 });
const loaded = performance.now() - started;
await page.waitForTimeout(1000); // let the last timeline slices draw
const longTasks = await page.evaluate(() => window.longTasks);
if (cdp) {
  const { profile } = await cdp.send('Profiler.stop');
  const self = new Map();
  const dt = profile.timeDeltas;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  });
  console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `${v.toFixed(0)} ms  ${k}`).join('\n'));
  // the busiest stretches without idle samples, and what filled them
  const stretches = [];
  let current;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    if (f.functionName === '(idle)') return void (current = undefined);
    if (!current) stretches.push((current = { ms: 0, what: new Map() }));
    const ms = (dt[i] ?? 0) / 1000;
    current.ms += ms;
    const key = f.functionName || '(anon)';
    current.what.set(key, (current.what.get(key) ?? 0) + ms);
  });
  for (const s of stretches.sort((a, b) => b.ms - a.ms).slice(0, 4)) {
    console.log(`busy ${s.ms.toFixed(0)} ms:`, [...s.what].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '));
  }
}
console.log(`${tests} tests, ${workers} workers, ${(bytes.length / 1e6).toFixed(1)} MB: all shown after ${(loaded / 1000).toFixed(2)} s`);
console.log(`main-thread long tasks: ${longTasks.length}, longest ${Math.max(0, ...longTasks).toFixed(0)} ms, total ${longTasks.reduce((a, b) => a + b, 0).toFixed(0)} ms`);
await context.close();
server.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });
