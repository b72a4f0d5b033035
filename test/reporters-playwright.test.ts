// The Playwright Test reporter (subunit-wasm/playwright) on a real run of two
// projects: "unit" (no browser: passes, a failure, a skip, a retried flaky
// test, console output, a text and a 5 MiB attachment) and "chromium" (one
// page in Debian's /usr/bin/chromium, its screenshot attached). Retries: 1,
// two workers. One run serves every assertion; one more is killed halfway.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAll, Encoder, TestResults, type TestResult } from '../bindings/index.js';
import { CHROMIUM } from './chromium.js';
import {
  BIN, attachment, count, expectValidPrefix, killedMidRun, lastOutcomes, mergedStats, ourStats, pythonStats, run, scratchProject, statuses, stestrLoad, text, type Run,
} from './reporter-runs.js';

const BIG = 5 << 20;
const project = scratchProject('playwright', {
  'playwright.config.mjs': `export default {
  testDir: 'tests', retries: 1, workers: 2, fullyParallel: true, outputDir: 'results',
  reporter: [['list'], ['json', { outputFile: 'report.json' }], ['subunit-wasm/playwright', { output: process.env.SUBUNIT_FILE }]],
  projects: [
    { name: 'unit', testMatch: /unit\\.spec/ },
    { name: 'chromium', testMatch: /page\\.spec/, use: { browserName: 'chromium', screenshot: 'on', launchOptions: {
      executablePath: ${JSON.stringify(CHROMIUM)},
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    } } },
  ],
};
`,
  'tests/unit.spec.mjs': `import { test, expect } from '@playwright/test';
test.describe('math', () => {
  test('adds', async () => { console.log('hello from adds'); expect(1 + 1).toBe(2); });
  test('fails', async () => { expect(1 + 1).toBe(3); });
  test.skip('skipped', async () => {});
  test('flaky', async ({}, testInfo) => { expect(testInfo.retry).toBe(1); });
  test('attaches', async ({}, testInfo) => {
    await testInfo.attach('notes', { body: 'some notes', contentType: 'text/plain' });
    await testInfo.attach('big', { body: Buffer.alloc(${BIG}, 7), contentType: 'application/octet-stream' });
  });
  test('slow', async () => { await new Promise((r) => setTimeout(r, 30)); });
  if (process.env.SUBUNIT_HANG) test('hangs', async () => { test.setTimeout(0); await new Promise(() => {}); });
});
`,
  'tests/page.spec.mjs': `import { test, expect } from '@playwright/test';
test('renders', async ({ page }) => {
  await page.setContent('<h1>subunit</h1>');
  await expect(page.locator('h1')).toHaveText('subunit');
});
`,
}, ['@playwright/test']);
const output = join(project, 'run.subunit');
const U = '[unit] unit.spec.mjs::math > ';

interface JsonSuite { suites?: JsonSuite[]; specs?: { tests: { results: unknown[] }[] }[] }
/** Attempts Playwright made, from its JSON report. */
function attempts(suite: JsonSuite): number {
  return (suite.specs ?? []).reduce((n, s) => n + s.tests.reduce((m, t) => m + t.results.length, 0), 0) + (suite.suites ?? []).reduce((n, s) => n + attempts(s), 0);
}

describe('Playwright reporter (subunit-wasm/playwright)', () => {
  let result: Run;
  let stream: Uint8Array;
  let report: { stats: { expected: number; unexpected: number; flaky: number; skipped: number }; suites: JsonSuite[] };
  beforeAll(async () => {
    result = await run(BIN('playwright'), ['test'], { cwd: project, env: { SUBUNIT_FILE: output } });
    stream = readFileSync(output);
    report = JSON.parse(readFileSync(join(project, 'report.json'), 'utf8'));
  });

  it('reports every attempt, project in the id (two projects) and as a tag', () => {
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(statuses(stream).sort()).toEqual([
      '[chromium] page.spec.mjs::renders success', `${U}adds success`, `${U}attaches success`, `${U}fails fail`, `${U}fails fail`,
      `${U}flaky fail`, `${U}flaky success`, `${U}skipped skip`, `${U}slow success`,
    ]);
    for (const e of decodeAll(stream).filter((e) => e.status)) {
      expect(e.tags).toContain(e.testId!.startsWith('[unit]') ? 'unit' : 'chromium');
      // a test skipped without running was in no worker
      expect(e.tags!.filter((t) => /^worker-[01]$/.test(t))).toHaveLength(e.testId === `${U}skipped` ? 0 : 1);
    }
    expect(new Set(decodeAll(stream).flatMap((e) => e.tags ?? []).filter((t) => t.startsWith('worker-')))).toEqual(new Set(['worker-0', 'worker-1']));
  });

  it('agrees with Playwright\'s summary: the last attempt decides; python-subunit, our stats and stestr count every attempt', () => {
    const { expected, unexpected, flaky, skipped } = report.stats;
    const last = lastOutcomes(stream);
    expect([count(last, 'success'), count(last, 'fail'), count(last, 'skip')]).toEqual([expected + flaky, unexpected, skipped]);
    const total = report.suites.reduce((n, s) => n + attempts(s), 0);
    const retries = total - last.size;
    expect(retries).toBe(2); // fails once more, flaky once more
    const py = pythonStats(stream);
    expect(py).toEqual({ total, passed: expected + flaky, failed: unexpected + retries, skipped });
    expect(ourStats(stream)).toMatch(new RegExp(`Total tests:\\s+${py.total}\\nPassed tests:\\s+${py.passed}\\nFailed tests:\\s+${py.failed}\\nSkipped tests:\\s+${py.skipped}\\n`));
    // stestr's repository stores each attachment as one packet, so it cannot hold the 5 MiB one: loaded without it
    const withoutBig = new Encoder().encodeAll(decodeAll(stream).filter((e) => e.fileName !== 'big'));
    expect(stestrLoad(withoutBig)).toEqual({ ran: py.total, failures: py.failed, skips: py.skipped });
    // `subunit merge --retries` folds the attempts: then our stats say what Playwright says
    expect(mergedStats(stream)).toEqual({ total: last.size, passed: expected + flaky, failed: unexpected, skipped });
  });

  it('marks retries: each attempt numbered, the earlier keeps fail, the flaky pass tagged', () => {
    expect(text(attachment(stream, `${U}flaky`, 'attempt'))).toMatch(/^attempt 1 of at most 2 \(worker process \d+\)\nattempt 2 of at most 2/);
    const flaky = decodeAll(stream).filter((e) => e.testId === `${U}flaky` && e.status && e.status !== 'inprogress');
    expect(flaky.map((e) => [e.status, e.tags!.includes('flaky')])).toEqual([['fail', false], ['success', true]]);
  });

  it('keeps stdout, errors as tracebacks, attachments as file packets with their MIME types, large ones split', () => {
    expect(text(attachment(stream, `${U}adds`, 'stdout'))).toBe('hello from adds\n');
    const tb = text(attachment(stream, `${U}fails`, 'traceback'));
    expect(tb).toMatch(/Expected: 3\nReceived: 2/);
    expect(tb).not.toMatch(/\x1b\[/);
    const results: TestResult[] = [];
    const tr = new TestResults();
    for (const e of decodeAll(stream)) {
      const r = tr.add(e);
      if (r) results.push(r);
    }
    const attaches = results.find((r) => r.id === `${U}attaches`)!;
    expect(attaches.attachments.find((a) => a.name === 'notes')).toMatchObject({ mimeType: 'text/plain' });
    const big = attaches.attachments.find((a) => a.name === 'big')!;
    expect(big.mimeType).toBe('application/octet-stream');
    expect(big.bytes.length).toBe(BIG);
    expect(big.bytes.every((b) => b === 7)).toBe(true);
    const packets = attachment(stream, `${U}attaches`, 'big');
    expect(packets.length).toBeGreaterThan(1);
    for (const p of packets) expect(p.fileBytes!.length).toBeLessThan(4 << 20);
    // the page's screenshot, read from disk
    const shot = results.find((r) => r.id === '[chromium] page.spec.mjs::renders')!.attachments.find((a) => a.name === 'screenshot')!;
    expect(shot.mimeType).toBe('image/png');
    expect([...shot.bytes.subarray(1, 4)]).toEqual([...Buffer.from('PNG')]);
  });

  it('leaves a valid stream when Playwright is killed halfway (written as tests run)', async () => {
    const out = join(project, 'killed.subunit');
    const killed = await killedMidRun(BIN('playwright'), ['test', '--project', 'unit', '--workers', '1', '-g', 'slow|hangs'], project, out, `${U}hangs`, { env: { SUBUNIT_HANG: '1', SUBUNIT_FILE: out } });
    expectValidPrefix(killed, `${U}hangs`, [`${U}slow`]);
  });
});
