// subunit html: one file, opened from file:// in headless Chromium with every
// network request refused; its totals must equal subunit stats, and a
// failure's traceback must open from the embedded run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { subunit } from './repo-helpers.js';
import { FIXTURES } from './helpers.js';

let browser: { context: BrowserContext; close(): Promise<void> };
const dir = mkdtempSync(join(tmpdir(), 'subunit-html-'));

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => browser?.close());

/** Opens the report from disk; any request that is not file:, blob: or data: is refused and recorded. */
async function open(file: string) {
  const page = await browser.context.newPage();
  const network: string[] = [];
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**', (route) => {
    const url = route.request().url();
    if (/^(file|blob|data):/.test(url)) return route.continue();
    network.push(url);
    return route.abort();
  });
  await page.goto('file://' + file);
  return { page, network, errors };
}

const total = (page: import('playwright-core').Page, name: string) =>
  page.evaluate((n) => document.querySelector(`[data-total=${n}] .n`)!.textContent!.replace(/,/g, ''), name);

describe('subunit html', () => {
  it.each(['sample-run', 'sample-run-parallel'])('%s: opens from file:// with no network, totals equal subunit stats', async (name) => {
    const r = subunit(['html', FIXTURES + `${name}.subunit`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/<script[^>]+src=/); // everything inline
    const file = join(dir, `${name}.html`);
    writeFileSync(file, r.bytes);
    const stats = subunit(['stats', '--no-passthrough', FIXTURES + `${name}.subunit`]).stdout;
    const want = (label: string) => /(\d+)/.exec(stats.split('\n').find((l) => l.startsWith(label))!)![1];
    const { page, network, errors } = await open(file);
    await page.waitForFunction((n) => document.querySelector('[data-total=tests] .n')!.textContent!.replace(/,/g, '') === n, want('Total tests'), { timeout: 30_000 });
    expect(await total(page, 'passed')).toBe(want('Passed tests'));
    expect(await total(page, 'failed')).toBe(want('Failed tests'));
    expect(await total(page, 'skipped')).toBe(want('Skipped tests'));
    expect(network).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('holds no server token and offers nothing that needs a server', async () => {
    const r = subunit(['html', FIXTURES + 'sample-run.subunit']);
    expect(r.stdout).not.toMatch(/<meta name="subunit-token"|{{subunit-token}}/);
    const file = join(dir, 'header.html');
    writeFileSync(file, r.bytes);
    const { page, network, errors } = await open(file);
    await page.waitForFunction(() => document.querySelector('[data-total=tests] .n')!.textContent !== '0', null, { timeout: 30_000 });
    expect(await page.isVisible('#open-url')).toBe(false);
    expect(await page.isVisible('#file')).toBe(true); // another run from disk needs no server
    expect(await page.textContent('h1')).toBe('subunit html');
    expect(network).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a failure's traceback from the embedded run", async () => {
    const file = join(dir, 'fail.html');
    writeFileSync(file, subunit(['html', FIXTURES + 'sample-run.subunit']).bytes);
    const { page } = await open(file);
    await page.waitForFunction(() => document.querySelector('[data-total=failed] .n')!.textContent === '14', null, { timeout: 30_000 });
    await page.fill('#filter', 'TestExecTestCase.test_args');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#table .row')).some((r) => r.textContent!.includes('test_args')), null, { timeout: 10_000 });
    await page.click('#table .row >> text=test_args');
    await page.waitForFunction(() => document.querySelector('#details')!.textContent!.includes('AssertionError: 1 != 0'), null, { timeout: 10_000 });
    await page.close();
  });

  it('reads stdin and names a missing file in one line', () => {
    const fromStdin = subunit(['html'], { input: readFileSync(FIXTURES + 'chatter.subunit') });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toMatch(/<title>stdin — subunit html<\/title>/);
    expect(subunit(['html', join(dir, 'missing')])).toMatchObject({ code: 2, stdout: '', stderr: `subunit html: ${join(dir, 'missing')}: no such file\n` });
  });
});
