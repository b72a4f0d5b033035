// subunit html: one file, opened from file:// in headless Chromium with every
// network request refused; its totals must equal subunit stats, and a
// failure's traceback must open from the embedded run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { execFileSync } from 'node:child_process';
import { runBytes, subunit } from './repo-helpers.js';
import { FIXTURES } from './helpers.js';
import { collectModules, loaderExpression } from '../cli/repo/inline.js';

let browser: { context: BrowserContext; close(): Promise<void> };
const dir = mkdtempSync(join(tmpdir(), 'subunit-html-'));
const SCREENSHOTS = new URL('../web/screenshots/', import.meta.url).pathname;

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

/** The table's rows as drawn, top to bottom: class headers and tests. */
const drawnRows = (page: import('playwright-core').Page) =>
  page.$$eval('#table .row', (rows) =>
    (rows as HTMLElement[])
      .filter((r) => r.style.display !== 'none')
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
      .map((r) => (r.classList.contains('group')
        ? `[${r.querySelector('.status')!.textContent}] ${r.querySelector('.id')!.textContent}: ${r.querySelector('.counts')!.textContent}`
        : `${r.querySelector('.status')!.textContent} ${r.querySelector('.id')!.textContent}`)),
  );

/** Opens a report of `bytes` and waits for all `tests` to be shown. */
async function openReport(name: string, bytes: Uint8Array, tests: number) {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, subunit(['html'], { input: bytes }).bytes);
  const opened = await open(file);
  await opened.page.waitForFunction((n) => document.querySelector('#count')!.textContent!.startsWith(`${n} of ${n}`), tests.toLocaleString('en'), { timeout: 30_000 });
  return opened;
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
    await page.screenshot({ path: SCREENSHOTS + 'html-overview.png' });
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
    await page.screenshot({ path: SCREENSHOTS + 'html-failure.png' });
    await page.close();
  });

  it('groups tests by class (up to the last "::", else the last "."), with counts per class; a class folds', async () => {
    const { page, errors } = await openReport('classes', runBytes([
      { id: 'tests/test_a.py::TestX::test_1[1.5]', status: 'fail', traceback: 'boom' },
      { id: 'src/sum.test.ts::sum > adds 0.1 + 0.2', status: 'success' },
      { id: 'pkg.mod.Class.test_x(with.dot)', status: 'skip' },
      { id: 'tests/test_a.py::TestX::test_2', status: 'success' },
      { id: 'pkg.mod.Class.test_y', status: 'xfail' },
      { id: 'bare', status: 'success' },
    ]), 6);
    const classes = [
      '[▾ 2] tests/test_a.py::TestX: 1 passed · 1 failed · 0 skipped',
      'fail tests/test_a.py::TestX::test_1[1.5]',
      'success tests/test_a.py::TestX::test_2',
      '[▾ 1] src/sum.test.ts: 1 passed · 0 failed · 0 skipped',
      'success src/sum.test.ts::sum > adds 0.1 + 0.2',
      '[▾ 2] pkg.mod.Class: 1 passed · 0 failed · 1 skipped',
      'skip pkg.mod.Class.test_x(with.dot)',
      'xfail pkg.mod.Class.test_y',
      '[▾ 1] (no class): 1 passed · 0 failed · 0 skipped',
      'success bare',
    ];
    // a report opens grouped, classes in order of their first test
    expect(await drawnRows(page)).toEqual(classes);
    expect(await page.textContent('#count')).toBe('6 of 6, 4 classes');
    await page.click('#table .row.group >> text=pkg.mod.Class');
    await expect.poll(() => drawnRows(page)).toEqual([...classes.slice(0, 5), '[▸ 2] pkg.mod.Class: 1 passed · 0 failed · 1 skipped', ...classes.slice(8)]);
    await page.click('#table .row.group >> text=pkg.mod.Class');
    await expect.poll(() => drawnRows(page)).toEqual(classes);
    // failed only: the classes with a failure, counting what they list
    await page.selectOption('#status', 'failed');
    await expect.poll(() => drawnRows(page)).toEqual(['[▾ 1] tests/test_a.py::TestX: 0 passed · 1 failed · 0 skipped', 'fail tests/test_a.py::TestX::test_1[1.5]']);
    await page.selectOption('#status', '');
    await page.uncheck('#group');
    await expect.poll(() => drawnRows(page)).toEqual([1, 4, 6, 2, 7, 9].map((i) => classes[i])); // run order, no headers
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a real run's class header counts what subunit2csv reports for that class", async () => {
    const file = join(dir, 'class-counts.html');
    writeFileSync(file, subunit(['html', FIXTURES + 'sample-run.subunit']).bytes);
    const cls = 'subunit.tests.test_test_protocol.TestExecTestCase';
    let csv: string;
    try {
      csv = execFileSync('subunit2csv', { input: readFileSync(FIXTURES + 'sample-run.subunit'), encoding: 'utf8' });
    } catch (e) {
      csv = (e as { stdout: string }).stdout; // exit status 1: the run failed
    }
    const statuses = csv.split('\n').flatMap((line) => {
      const m = /^(?:"((?:[^"]|"")*)"|([^,"]*)),([a-z]+),/.exec(line);
      const id = m && (m[1] ?? m[2]);
      return id?.startsWith(cls + '.') && !id.slice(cls.length + 1).includes('.') ? [m![3]] : [];
    });
    const n = (...which: string[]) => statuses.filter((s) => which.includes(s)).length;
    expect(statuses.length).toBeGreaterThan(2);
    const { page } = await open(file);
    await page.fill('#filter', cls + '.');
    await expect.poll(() => drawnRows(page), { timeout: 30_000 }).toContain(
      `[▾ ${statuses.length}] ${cls}: ${n('success', 'xfail')} passed · ${n('failure', 'uxsuccess', 'error')} failed · ${n('skip')} skipped`,
    );
    await page.close();
  });

  it('reads stdin and names a missing file in one line', () => {
    const fromStdin = subunit(['html'], { input: readFileSync(FIXTURES + 'chatter.subunit') });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toMatch(/<title>stdin — subunit html<\/title>/);
    expect(subunit(['html', join(dir, 'missing')])).toMatchObject({ code: 2, stdout: '', stderr: `subunit html: ${join(dir, 'missing')}: no such file\n` });
  });
});

describe('the html inliner', () => {
  const root = mkdtempSync(join(tmpdir(), 'subunit-inline-'));
  mkdirSync(join(root, 'web'));
  mkdirSync(join(root, 'lib'));
  writeFileSync(join(root, 'lib/shared.js'), 'export const x = 1;\n');
  writeFileSync(join(root, 'web/a.js'), "import { x } from '../lib/shared.js';\nnew Worker(new URL('./w.js', import.meta.url));\n");
  writeFileSync(join(root, 'web/b.js'), "import { x } from '../lib/shared.js';\nimport('./late.js');\n");
  writeFileSync(join(root, 'web/late.js'), 'export {};\n');
  writeFileSync(join(root, 'web/w.js'), "import { x } from '../lib/shared.js';\n");

  it("finds every entry's modules from their imports, dependencies first, each once", () => {
    const modules = collectModules(root, ['web/a.js', 'web/b.js']);
    expect([...modules.keys()]).toEqual(['lib/shared.js', 'web/a.js', 'web/w.js', 'web/late.js', 'web/b.js']);
    expect(modules.get('web/a.js')!.workers).toEqual(['web/w.js']);
  });

  it('writes a loader an HTML parser leaves intact: no control characters', () => {
    // a NUL inside <script> becomes U+FFFD: the loader then finds none of its import placeholders
    const loader = loaderExpression(collectModules(root, ['web/a.js', 'web/b.js']), ['web/a.js', 'web/b.js']);
    expect(loader).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });

  it('reports an import cycle and a missing module by name', () => {
    writeFileSync(join(root, 'web/c1.js'), "import './c2.js';\n");
    writeFileSync(join(root, 'web/c2.js'), "import './c1.js';\n");
    expect(() => collectModules(root, ['web/c1.js'])).toThrow('web/c1.js: import cycle; the viewer cannot be inlined');
    expect(() => collectModules(root, ['web/none.js'])).toThrow(`${join(root, 'web/none.js')}: the built viewer is missing (run npm run build)`);
  });
});
