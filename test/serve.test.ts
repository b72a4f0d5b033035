// `subunit serve` end to end: the built command, a real headless Chromium,
// and python-subunit's `subunit-stats` as the judge of the totals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { Encoder, concat } from '../bindings/index.js';
import { listenLocal } from '../cli/http.js';
import { FIXTURES, refEvents } from './helpers.js';
import { launchChromium } from './chromium.js';

const ROOT = new URL('../', import.meta.url).pathname;
const CLI = ROOT + 'dist/bin/subunit.js';
const SCREENSHOTS = ROOT + 'web/screenshots/';
const TMP = mkdtempSync(join(tmpdir(), 'subunit-serve-'));

interface Totals { tests: number; passed: number; failed: number; skipped: number }

const statsCache = new Map<string, Totals>();

/** The reference numbers: python-subunit's subunit-stats (installed by .ci/run); slow, so once per file. */
function subunitStats(file: string): Totals {
  const cached = statsCache.get(file);
  if (cached) return cached;
  let out: string;
  try {
    out = execFileSync('subunit-stats', { input: readFileSync(file), encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
  } catch (e) {
    out = (e as { stdout: string }).stdout; // exit status 1 when the run failed
  }
  const n = (label: string) => Number(new RegExp(`${label} tests:\\s+(\\d+)`).exec(out)![1]);
  const totals = { tests: n('Total'), passed: n('Passed'), failed: n('Failed'), skipped: n('Skipped') };
  statsCache.set(file, totals);
  return totals;
}

interface Served { child: ChildProcess; url: string; stderr: () => string }

const TOKEN_HEADER = 'x-subunit-token';

/** A GET with exactly these headers (fetch would add its own Origin and Sec-Fetch-* rules). */
function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string; bytes: Buffer; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b)).on('end', () => {
        const bytes = Buffer.concat(parts);
        resolve({ status: res.statusCode!, body: bytes.toString('utf8'), bytes, headers: res.headers });
      });
    });
    req.on('error', reject).end();
  });
}

/** The per-server token, as the page carries it. */
async function pageToken(url: string): Promise<string> {
  const page = await get(url, {});
  expect(page.status).toBe(200);
  // another site may not frame the page (to trick clicks on it)
  expect([page.headers['content-security-policy'], page.headers['x-frame-options']]).toEqual(["frame-ancestors 'none'", 'DENY']);
  return /<meta name="subunit-token" content="([^"]*)">/.exec(page.body)![1];
}

function startServe(args: string[]): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', ...args]);
    let out = '';
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    child.stdout.on('data', (b) => {
      out += b;
      const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(out)?.[0];
      if (url) resolve({ child, url, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

function stop(served: Served): Promise<number | null> {
  return new Promise((resolve) => {
    served.child.removeAllListeners('exit');
    served.child.once('exit', (code) => resolve(code));
    served.child.kill('SIGTERM');
  });
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function pageTotals(page: Page): Promise<Totals> {
  const n = async (name: string) => Number((await page.textContent(`[data-total=${name}] .n`))!.replace(/,/g, ''));
  return { tests: await n('tests'), passed: await n('passed'), failed: await n('failed'), skipped: await n('skipped') };
}

/** Wait until the page shows `expected` (the worker posts updates a few times a second). */
async function expectTotals(page: Page, expected: Totals, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    (tests) => document.querySelector('[data-total=tests] .n')?.textContent?.replace(/,/g, '') === String(tests),
    expected.tests,
    { timeout },
  );
  await page.waitForTimeout(400); // one more update, so passed/failed are from the same flush
  expect(await pageTotals(page)).toEqual(expected);
}

let browser: Awaited<ReturnType<typeof launchChromium>>;
const pageErrors: string[] = [];

async function newPage(url: string): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(url);
  return page;
}

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  rmSync(TMP, { recursive: true, force: true });
});

describe('subunit serve: command line', () => {
  it('refuses a missing file with one line, before listening', async () => {
    const r = await runCli(['serve', 'no-such.subunit']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('subunit serve: no-such.subunit: no such file\n');
  });

  it('refuses a bad --proxy-timeout with one line', async () => {
    for (const bad of ['0', '-1', 'soon', 'Infinity']) {
      const r = await runCli(['serve', `--proxy-timeout=${bad}`]);
      expect([bad, r.code, r.stderr]).toEqual([bad, 2, `subunit serve: --proxy-timeout must be a positive number of seconds, not "${bad}"\n`]);
    }
  });

  it('refuses a bad port with one line', async () => {
    const r = await runCli(['serve', '--port', 'http']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('subunit serve: --port must be a number from 0 to 65535, not "http"\n');
  });

  it('listens on 127.0.0.1 only, answers only to its own host name, and stops cleanly', async () => {
    const served = await startServe([FIXTURES + 'chatter.subunit']);
    let stopped = false;
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
      const token = await pageToken(served.url);
      const own = new URL(served.url).host;
      expect((await get(served.url + 'api/inputs', { host: own, [TOKEN_HEADER]: token })).status).toBe(200);
      expect((await get(served.url + 'api/inputs', { host: 'attacker.example:80', [TOKEN_HEADER]: token })).status).toBe(403);
      stopped = true;
      expect(await stop(served)).toBe(0);
    } finally {
      if (!stopped) await stop(served); // a failed check leaves no server behind
    }
  });
});

describe('subunit serve: only its own page may use the API (issue 17)', () => {
  let served: Served;
  let token: string;
  let target: { server: Server; url: string };
  let targetHits: string[];
  beforeAll(async () => {
    targetHits = [];
    target = await listenLocal((req, res) => {
      targetHits.push(req.url!);
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(FIXTURES + 'chatter.subunit'));
    });
    served = await startServe([FIXTURES + 'chatter.subunit', target.url + 'given']);
    token = await pageToken(served.url);
  });
  afterAll(async () => {
    target?.server.close();
    if (served) await stop(served);
  });
  const proxied = (to: string) => `${served.url}api/proxy?url=${encodeURIComponent(to)}`;

  it('puts a fresh random token in each server\'s page', async () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    const other = await startServe([]);
    try {
      expect(await pageToken(other.url)).not.toBe(token);
    } finally {
      await stop(other);
    }
  });

  it('refuses every API and raw-bytes request from another site, before fetching anything', async () => {
    const evil = { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' };
    for (const url of [proxied(target.url + 'secret'), served.url + 'api/inputs', served.url + 'api/input/0', served.url + 'api/input/1']) {
      // with the right token too: a cross-site request is refused whatever it carries
      for (const headers of <Record<string, string>[]>[evil, { ...evil, [TOKEN_HEADER]: token }, { origin: 'http://evil.example', [TOKEN_HEADER]: token }, { 'sec-fetch-site': 'same-site', [TOKEN_HEADER]: token }]) {
        const r = await get(url, headers);
        expect([url, headers, r.status]).toEqual([url, headers, 403]);
      }
    }
    expect(targetHits).toEqual([]);
  });

  it('refuses requests without the token or with a wrong one, even with no Origin', async () => {
    const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const url of [proxied(target.url + 'secret'), served.url + 'api/inputs', served.url + 'api/input/0', served.url + 'api/input/1']) {
      for (const headers of <Record<string, string>[]>[{}, { [TOKEN_HEADER]: '' }, { [TOKEN_HEADER]: wrong }, { [TOKEN_HEADER]: token + 'x' }, { [TOKEN_HEADER]: 'short' }]) {
        const r = await get(url, headers);
        expect([url, headers, r.status, r.body]).toEqual([url, headers, 403, 'forbidden: missing or wrong token\n']);
      }
    }
    // the token in the query string is not the token
    expect((await get(proxied(target.url + 'secret') + `&token=${token}`, {})).status).toBe(403);
    expect(targetHits).toEqual([]);
  });

  it('proxies only http and https URLs', async () => {
    for (const to of ['file:///etc/passwd', 'data:,hello', 'ftp://127.0.0.1/x', 'javascript:alert(1)', '/etc/passwd', 'http//x', '']) {
      const r = await get(proxied(to), { [TOKEN_HEADER]: token });
      expect([to, r.status, r.body]).toEqual([to, 400, 'only http and https URLs\n']);
    }
    expect(targetHits).toEqual([]);
  });

  it('serves its own page\'s requests: same origin, with the token', async () => {
    const own = { origin: served.url.slice(0, -1), 'sec-fetch-site': 'same-origin', [TOKEN_HEADER]: token };
    const r = await get(proxied(target.url + 'typed'), own);
    expect(r.status).toBe(200);
    expect(r.bytes.equals(readFileSync(FIXTURES + 'chatter.subunit'))).toBe(true);
    expect((await get(served.url + 'api/input/1', { [TOKEN_HEADER]: token })).status).toBe(200); // no Origin: a same-origin GET
    expect(JSON.parse((await get(served.url + 'api/inputs', own)).body)).toEqual([
      { name: FIXTURES + 'chatter.subunit', url: '/api/input/0' },
      { name: target.url + 'given', url: '/api/input/1' },
    ]);
    expect(targetHits).toEqual(['/typed', '/given']);
    targetHits.length = 0;
  });

  it('in Chromium: a page of another origin cannot make the server fetch anything', async () => {
    targetHits.length = 0;
    const evil = await listenLocal((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>evil</title>'));
    const page = await newPage(evil.url);
    try {
      const results = await page.evaluate(
        async ({ proxy, inputs }) => {
          const out: string[] = [];
          for (const init of [{ mode: 'no-cors' }, { mode: 'cors' }, { mode: 'cors', headers: { 'x-subunit-token': 'guess' } }] as RequestInit[]) {
            for (const url of [proxy, inputs]) {
              try {
                const r = await fetch(url, init);
                out.push(`${init.mode} ${r.type} ${r.status}`);
              } catch {
                out.push(`${init.mode} failed`);
              }
            }
          }
          // and a plain image load, which no CORS rule stops from being sent
          await new Promise((done) => Object.assign(new Image(), { onload: done, onerror: done, src: proxy }));
          return out;
        },
        { proxy: proxied(target.url + 'from-chromium'), inputs: served.url + 'api/inputs' },
      );
      expect(results.every((r) => / (opaque 0|failed)$/.test(r))).toBe(true);
      expect(targetHits).toEqual([]);
    } finally {
      await page.close();
      evil.server.close();
    }
  });
});

/** Bytes sent as they are (a request target no HTTP client would send); what came back, once the server closes or `ms` pass. */
function rawExchange(url: string, request: string, ms = 5000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('data', (b) => (got += b.toString('latin1'))).on('error', () => {}).on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.write(request);
  });
}

/** A server that takes requests and does what `answer` says; it notes when each connection closes. */
async function upstream(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const closed: number[] = [];
  let opened = 0;
  const target = await listenLocal(answer);
  target.server.on('connection', (socket) => {
    const n = opened++;
    socket.on('close', () => closed.push(n));
  });
  return { ...target, closed, opened: () => opened };
}

/** A proxied GET: status, body, and whether the response came to a proper end or was broken off. */
function proxiedGet(url: string, token: string, abortAfterMs?: number): Promise<{ status?: number; body: string; complete: boolean }> {
  return new Promise((resolve) => {
    let status: number | undefined;
    let body = '';
    let complete = false;
    const req = request(url, { headers: { [TOKEN_HEADER]: token } }, (res) => {
      status = res.statusCode;
      res.on('data', (b: Buffer) => (body += b.toString('latin1'))).on('end', () => (complete = true));
      res.on('close', () => resolve({ status, body, complete }));
    });
    req.on('error', () => resolve({ status, body, complete }));
    if (abortAfterMs !== undefined) setTimeout(() => req.destroy(), abortAfterMs);
    req.end();
  });
}

const until = async (cond: () => boolean, ms = 10_000) => {
  for (const t0 = Date.now(); !cond() && Date.now() - t0 < ms; ) await new Promise((r) => setTimeout(r, 20));
  return cond();
};

describe('subunit serve: a proxied server cannot hold the proxy open', () => {
  it('answers 504 when the server takes the request and never answers, and drops that connection', async () => {
    const silent = await upstream(() => {});
    const served = await startServe(['--proxy-timeout', '0.5']);
    try {
      const token = await pageToken(served.url);
      const t0 = Date.now();
      const r = await proxiedGet(`${served.url}api/proxy?url=${encodeURIComponent(silent.url + 'never')}`, token);
      expect([r.status, r.body]).toEqual([504, `${silent.url}never: no answer in 0.5 s\n`]);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(await until(() => silent.closed.length === 1)).toBe(true);
    } finally {
      silent.server.close();
      await stop(served);
    }
  });

  it('lets go of the server when the page goes away before the answer', async () => {
    const silent = await upstream(() => {});
    const served = await startServe([]); // the default timeout (30 s) is not what ends it
    try {
      const token = await pageToken(served.url);
      await proxiedGet(`${served.url}api/proxy?url=${encodeURIComponent(silent.url + 'never')}`, token, 300);
      expect(silent.opened()).toBe(1);
      expect(await until(() => silent.closed.length === 1, 5000)).toBe(true);
    } finally {
      silent.server.close();
      await stop(served);
    }
  });

  it('breaks off the page\'s response when the server breaks off mid-run (a cut run never looks ended)', async () => {
    const run = readFileSync(FIXTURES + 'chatter.subunit');
    const cutting = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(run.subarray(0, 100), () => setTimeout(() => res.destroy(), 100));
    });
    const served = await startServe([cutting.url + 'cut']);
    try {
      const token = await pageToken(served.url);
      const r = await proxiedGet(`${served.url}api/input/0`, token);
      expect([r.status, r.complete, Buffer.from(r.body, 'latin1').equals(run.subarray(0, 100))]).toEqual([200, false, true]);
    } finally {
      cutting.server.close();
      await stop(served);
    }
  });
});

describe('subunit serve: requests the serve fuzzer found mishandled', () => {
  it('answers a request target that is not a URL with 400 and stays up (it died: "internal error: Invalid URL")', async () => {
    const served = await startServe([FIXTURES + 'chatter.subunit']);
    try {
      const host = new URL(served.url).host;
      for (const target of ['http://[', 'http://[::1', 'http://a%zz']) {
        const reply = await rawExchange(served.url, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        expect([target, reply.split('\r\n')[0]]).toEqual([target, 'HTTP/1.1 400 Bad Request']);
      }
      const token = await pageToken(served.url);
      expect((await get(served.url + 'api/inputs', { [TOKEN_HEADER]: token })).status).toBe(200);
      expect(served.stderr()).toBe('');
    } finally {
      await stop(served);
    }
  });

  it('answers a malformed escape in a dist/ path with 404, not 500 ("URI malformed")', async () => {
    const served = await startServe([]);
    try {
      for (const path of ['dist/%zz.js', 'dist/%E0%A4%A.js', 'dist/web/%.js']) expect([path, (await get(served.url + path, {})).status]).toEqual([path, 404]);
    } finally {
      await stop(served);
    }
  });

  it('refuses a request with two Host headers, even both its own (RFC 9112: 400; Node kept the first)', async () => {
    const served = await startServe([FIXTURES + 'chatter.subunit']);
    try {
      const host = new URL(served.url).host;
      const token = await pageToken(served.url);
      for (const second of [host, 'evil.example']) {
        const reply = await rawExchange(served.url, `GET /api/inputs HTTP/1.1\r\nHost: ${host}\r\nHost: ${second}\r\n${TOKEN_HEADER}: ${token}\r\nConnection: close\r\n\r\n`);
        expect([second, reply.split('\r\n')[0]]).toEqual([second, 'HTTP/1.1 400 Bad Request']);
        expect(reply).not.toContain('chatter.subunit');
      }
    } finally {
      await stop(served);
    }
  });

  it('sends the status and size of a file with nothing in it yet at once, then its bytes as they come', async () => {
    const file = join(TMP, 'empty-then-growing.subunit');
    writeFileSync(file, '');
    const served = await startServe([file]);
    try {
      const token = await pageToken(served.url);
      const head = await new Promise<{ status: number; size: string | string[] | undefined; first: Promise<Buffer> }>((resolve, reject) => {
        const req = request(served.url + 'api/input/0', { headers: { [TOKEN_HEADER]: token } }, (res) => {
          const first = new Promise<Buffer>((got) => res.once('data', got));
          resolve({ status: res.statusCode!, size: res.headers['x-file-size'], first });
          first.then(() => req.destroy());
        });
        req.on('error', reject).end();
        setTimeout(() => reject(new Error('no response head in 5 s for an empty file')), 5000);
      });
      expect([head.status, head.size]).toEqual([200, '0']);
      appendFileSync(file, 'now\n');
      expect((await head.first).toString()).toBe('now\n');
    } finally {
      await stop(served);
    }
  });
});

/** The raw bytes of /api/input/N until `length` have come (a followed input never ends by itself). */
function inputBytes(url: string, token: string, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const req = request(url, { headers: { [TOKEN_HEADER]: token } }, (res) => {
      res.on('data', (b: Buffer) => {
        parts.push(b);
        if ((got += b.length) >= length) {
          req.destroy();
          resolve(Buffer.concat(parts));
        }
      });
    });
    req.on('error', (e) => got < length && reject(e)).end();
  });
}

describe('subunit serve: pipes and stdin, read once and followed like a growing file', () => {
  const run = readFileSync(FIXTURES + 'sample-run-parallel.subunit');
  const half = run.length >> 1;

  it('serves a FIFO: listens before anyone writes to it, then gives every page all its bytes as they come', async () => {
    const fifo = join(TMP, 'run.fifo');
    execFileSync('mkfifo', [fifo]);
    const served = await startServe([fifo]); // before: waited here for a writer, forever
    try {
      const token = await pageToken(served.url);
      const writer = createWriteStream(fifo);
      writer.write(run.subarray(0, half));
      expect((await inputBytes(served.url + 'api/input/0', token, half)).equals(run.subarray(0, half))).toBe(true);
      writer.end(run.subarray(half));
      // a second page, after the writer is gone, still gets the whole run
      expect((await inputBytes(served.url + 'api/input/0', token, run.length)).equals(run)).toBe(true);
      expect(JSON.parse((await get(served.url + 'api/inputs', { [TOKEN_HEADER]: token })).body)).toEqual([{ name: fifo, url: '/api/input/0' }]);
    } finally {
      expect(await stop(served)).toBe(0);
    }
  });

  it('serves `-`: the run piped into it, live (stestr run --subunit | subunit serve -)', async () => {
    const served = await startServe(['-', FIXTURES + 'chatter.subunit']);
    try {
      const token = await pageToken(served.url);
      served.child.stdin!.write(run.subarray(0, half));
      expect((await inputBytes(served.url + 'api/input/0', token, half)).equals(run.subarray(0, half))).toBe(true);
      served.child.stdin!.end(run.subarray(half));
      expect((await inputBytes(served.url + 'api/input/0', token, run.length)).equals(run)).toBe(true);
      const chatter = readFileSync(FIXTURES + 'chatter.subunit');
      expect((await inputBytes(served.url + 'api/input/1', token, chatter.length)).equals(chatter)).toBe(true);
    } finally {
      expect(await stop(served)).toBe(0);
    }
  });

  it('refuses `-` twice with one line', async () => {
    const r = await runCli(['serve', '-', '-']);
    expect([r.code, r.stderr]).toEqual([2, 'subunit serve: - (stdin) can be given once\n']);
  });
});

describe('subunit serve: the page, on a real parallel run (3 workers)', () => {
  const file = FIXTURES + 'sample-run-parallel.subunit';
  let served: Served;
  let page: Page;
  beforeAll(async () => {
    served = await startServe([file]);
    page = await newPage(served.url);
    await expectTotals(page, subunitStats(file)); // every test below starts from the loaded run
  });
  afterAll(async () => {
    await page?.close();
    if (served) await stop(served);
  });

  it('shows exactly the totals subunit-stats prints', async () => {
    const expected = subunitStats(file);
    expect(expected.tests).toBeGreaterThan(3000);
    await expectTotals(page, expected);
    expect(await page.textContent('#sources')).toMatch(/sample-run-parallel\.subunit: 1\.27 MB/);
  });

  it('lists the tests, filters by status, worker and tag, sorts by duration', async () => {
    const rowCount = () => page.$$eval('#table .row', (rs) => rs.filter((r) => (r as HTMLElement).style.display !== 'none').length);
    expect(await rowCount()).toBeGreaterThan(10); // virtualised: only what fits
    expect(await rowCount()).toBeLessThan(100);
    await page.selectOption('#status', 'fail');
    await expect.poll(() => page.textContent('#count')).toMatch(new RegExp(`^${subunitStats(file).failed} of `));
    const statuses = await page.$$eval('#table .row .status', (s) => s.filter((e) => (e.parentElement as HTMLElement).style.display !== 'none').map((e) => e.textContent));
    expect(new Set(statuses)).toEqual(new Set(['fail']));

    await page.selectOption('#status', '');
    // one row per test: the enumeration (exists) this run starts with shares each test's row
    const keys = new Set(refEvents('sample-run-parallel').filter((e) => typeof e.testId === 'string').map((e) => `${e.routeCode ?? ''}|${e.testId}`));
    await expect.poll(() => page.textContent('#count')).toBe(`${keys.size.toLocaleString('en')} of ${keys.size.toLocaleString('en')}`);
    await page.selectOption('#worker', '=1');
    await expect.poll(() => page.$$eval('#table .row:not([style*="none"]) .worker', (s) => [...new Set(s.map((e) => e.textContent))])).toEqual(['1']);
    await page.selectOption('#worker', '');
    await page.fill('#tag', 'worker-2');
    await expect.poll(() => page.$$eval('#table .row:not([style*="none"]) .worker', (s) => [...new Set(s.map((e) => e.textContent))])).toEqual(['2']);
    await page.fill('#tag', '');

    await page.selectOption('#sort', 'duration');
    await expect.poll(async () => {
      const times = await page.$$eval('#table .row:not([style*="none"]) .time', (s) => s.map((e) => parseFloat(e.textContent!)));
      return times.length > 5 && times.every((t, i) => i === 0 || times[i - 1] >= t);
    }).toBe(true);
    await page.selectOption('#sort', 'order');
  });

  it('groups by test class on request, with each class\'s counts; offers the open-URL box', async () => {
    expect(await page.isVisible('#open-url')).toBe(true); // served: a URL can be opened
    expect(await page.isChecked('#group')).toBe(false); // served pages open flat
    await page.selectOption('#status', 'fail');
    await page.check('#group');
    const failed = subunitStats(file).failed;
    const headers = () => page.$$eval('#table .row.group:not([style*="none"])', (rs) => rs.map((r) => r.textContent));
    // every failure sits under its class's header, which counts it
    await expect.poll(() => page.textContent('#count')).toMatch(new RegExp(`^${failed} of [\\d,]+, \\d+ classes$`));
    // fold every class, so all the headers fit in sight
    const unfolded = page.locator('#table .row.group:not([style*="none"])', { has: page.locator('.status', { hasText: '▾' }) });
    while (await unfolded.count()) {
      const name = (await unfolded.first().getAttribute('data-class'))!;
      await unfolded.first().click();
      await expect.poll(() => page.$eval(`#table .row.group[data-class="${name}"]`, (r) => r.querySelector('.status')!.textContent)).toMatch(/^▸/);
    }
    const classes = Number(/(\d+) classes$/.exec((await page.textContent('#count'))!)![1]);
    const shown = await headers();
    expect(shown).toHaveLength(classes);
    expect(shown.map((h) => Number(/ (\d+) failed/.exec(h!)![1])).reduce((a, b) => a + b, 0)).toBe(failed);
    await page.uncheck('#group');
    await page.selectOption('#status', '');
    await expect.poll(() => headers()).toEqual([]);
  });

  it('opens a failure with its traceback attachment', async () => {
    await page.selectOption('#status', 'fail');
    const first = page.locator('#table .row').first();
    const id = await first.locator('.id').textContent();
    await first.click();
    await expect.poll(() => page.textContent('#details h2')).toBe(id);
    await expect.poll(() => page.textContent('#details .attachment h3')).toMatch(/^traceback — text\/x-traceback/);
    expect(await page.textContent('#details .attachment pre')).toMatch(/^Traceback \(most recent call last\):/);
    await page.screenshot({ path: SCREENSHOTS + 'serve-failure.png' });
  });

  it('draws a timeline with one lane per worker, bars in every lane, and hover details', async () => {
    await page.selectOption('#status', '');
    await expect.poll(() => page.getAttribute('#timeline', 'data-lanes')).toBe('3');
    // bar pixels in each lane's band (right of the labels), read back from the canvas
    const bars = await page.evaluate(() => {
      const c = document.querySelector('#timeline') as HTMLCanvasElement;
      const g = c.getContext('2d')!;
      const ratio = c.width / c.clientWidth;
      return [0, 1, 2].map((lane) => {
        const y = Math.round((16 + lane * 18 + 9) * ratio);
        const data = g.getImageData(Math.round(90 * ratio), y, c.width - Math.round(90 * ratio), 1).data;
        const xs: number[] = [];
        // bars are saturated status colours; background, labels and faded gridlines are light
        for (let i = 0; i < data.length; i += 4) if (Math.min(data[i], data[i + 1], data[i + 2]) < 150) xs.push(i / 4 / ratio + 90);
        return xs;
      });
    });
    for (const xs of bars) expect(xs.length).toBeGreaterThan(50);
    const box = (await page.locator('#timeline').boundingBox())!;
    await page.mouse.move(box.x + bars[1][Math.floor(bars[1].length / 2)], box.y + 16 + 18 + 9);
    await expect.poll(() => page.isVisible('#tip')).toBe(true);
    expect(await page.textContent('#tip')).toMatch(/ — (success|fail|skip|xfail|uxsuccess), [\d.]+ s, worker 1$/);
    await page.screenshot({ path: SCREENSHOTS + 'serve-overview.png' });
  });
});

/**
 * A run of `tests` tests over `workers` workers, 1 in 500 failing with a
 * traceback, 1 in 50 skipped; with its totals, known by construction (python's
 * subunit-stats needs minutes for it on a busy machine; it judges the real runs above).
 */
function syntheticRun(tests: number, workers: number): { bytes: Uint8Array; totals: Totals } {
  const totals = { tests, passed: 0, failed: 0, skipped: 0 };
  const encoder = new Encoder();
  const parts: Uint8Array[] = [];
  const t0 = Date.UTC(2026, 0, 1) / 1000;
  const clock = new Array(workers).fill(0);
  for (let i = 0; i < tests; i++) {
    const w = i % workers;
    const routeCode = String(w);
    const testId = `pkg.module_${Math.floor(i / 1000)}.Test${i % 97}.test_${i}`;
    const start = clock[w];
    clock[w] += 1 + (i % 13) * 3; // milliseconds
    const ts = (ms: number) => new Date(t0 * 1000 + ms);
    parts.push(encoder.encode({ testId, routeCode, status: 'inprogress', timestamp: ts(start) }));
    const fail = i % 500 === 0;
    if (fail) parts.push(encoder.encode({ testId, routeCode, fileName: 'traceback', mimeType: 'text/x-traceback; charset="utf8"', fileBytes: new TextEncoder().encode(`Traceback: test ${i} failed\n`), eof: true }));
    const status = fail ? 'fail' : i % 50 === 1 ? 'skip' : 'success';
    totals[status === 'fail' ? 'failed' : status === 'skip' ? 'skipped' : 'passed']++;
    parts.push(encoder.encode({ testId, routeCode, status, timestamp: ts(clock[w]), tags: [`worker-${w}`] }));
  }
  return { bytes: concat(parts), totals };
}

describe('subunit serve: live, gzip, dropped files, typed URLs, 100 000 tests', () => {
  it('follows a file as it grows (a run still being written)', async () => {
    const full = readFileSync(FIXTURES + 'sample-run.subunit');
    const file = join(TMP, 'growing.subunit');
    const cut = Math.floor(full.length * 0.4) + 7; // inside a packet
    writeFileSync(file, full.subarray(0, cut));
    const served = await startServe([file]);
    const page = await newPage(served.url);
    try {
      await page.waitForFunction(() => Number(document.querySelector('[data-total=tests] .n')!.textContent!.replace(/,/g, '')) > 0);
      const partial = await pageTotals(page);
      expect(partial.tests).toBeLessThan(subunitStats(FIXTURES + 'sample-run.subunit').tests);
      expect(await page.textContent('#sources')).toMatch(/following/);
      appendFileSync(file, full.subarray(cut));
      await expectTotals(page, subunitStats(FIXTURES + 'sample-run.subunit'));
    } finally {
      await page.close();
      await stop(served);
    }
  });

  it('takes a dropped gzip file and a typed URL, detecting gzip by its bytes', async () => {
    const served = await startServe([]);
    const page = await newPage(served.url);
    const { server, url: other } = await listenLocal((_req, res) =>
      void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(gzipSync(readFileSync(FIXTURES + 'nested-routes.subunit'))),
    );
    try {
      // a drop, as the browser delivers it: a DataTransfer holding a File
      const gz = gzipSync(readFileSync(FIXTURES + 'sample-run-parallel.subunit'));
      const transfer = await page.evaluateHandle((b64) => {
        const dt = new DataTransfer();
        dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'run.bin'));
        return dt;
      }, gz.toString('base64'));
      await page.dispatchEvent('body', 'drop', { dataTransfer: transfer });
      await expectTotals(page, subunitStats(FIXTURES + 'sample-run-parallel.subunit'));
      expect(await page.textContent('#sources')).toMatch(/^run\.bin: 0\.\d\d MB, gzip, complete$/);

      await page.fill('#url', other + 'anything');
      await page.click('#open-url button');
      await expectTotals(page, subunitStats(FIXTURES + 'nested-routes.subunit'));
      // nested-routes has output from several workers outside any test
      await expect.poll(() => page.$$eval('#chatter-route option', (o) => o.map((e) => e.textContent))).toContain('worker 0');
      await page.selectOption('#chatter-route', { label: 'worker 0' });
      expect(await page.textContent('#chatter pre')).toMatch(/output from worker 0 test 0/);
    } finally {
      server.close();
      await page.close();
      await stop(served);
    }
  });

  it('a click on the timeline opens the test under the pointer, not another with the same id', async () => {
    // the same test id on two workers: the tooltip text alone cannot tell them apart
    const encoder = new Encoder();
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);
    const file = join(TMP, 'same-id.subunit');
    writeFileSync(file, concat([
      encoder.encode({ testId: 'pkg.same', routeCode: '0', status: 'inprogress', timestamp: at(0) }),
      encoder.encode({ testId: 'pkg.same', routeCode: '1', status: 'inprogress', timestamp: at(0) }),
      encoder.encode({ testId: 'pkg.same', routeCode: '0', status: 'success', timestamp: at(10) }),
      encoder.encode({ testId: 'pkg.same', routeCode: '1', fileName: 'traceback', mimeType: 'text/plain', fileBytes: new TextEncoder().encode('worker 1 failed'), eof: true }),
      encoder.encode({ testId: 'pkg.same', routeCode: '1', status: 'fail', timestamp: at(10) }),
    ]));
    const served = await startServe([file]);
    const page = await newPage(served.url);
    try {
      await expectTotals(page, { tests: 2, passed: 1, failed: 1, skipped: 0 });
      await expect.poll(() => page.getAttribute('#timeline', 'data-lanes')).toBe('2');
      const box = (await page.locator('#timeline').boundingBox())!;
      await page.mouse.move(box.x + 90 + (box.width - 90) / 2, box.y + 16 + 18 + 9); // lane 2: worker 1
      await expect.poll(() => page.textContent('#tip')).toMatch(/^pkg\.same — fail, 10\.0 s, worker 1$/);
      await page.mouse.down();
      await page.mouse.up();
      await expect.poll(() => page.textContent('#details .meta')).toMatch(/^fail · worker 1 · /);
      await expect.poll(() => page.textContent('#details .attachment pre')).toBe('worker 1 failed');
    } finally {
      await page.close();
      await stop(served);
    }
  });

  it('holds a 100 000-test run from 4 workers and stays responsive', { timeout: 240_000 }, async () => {
    const file = join(TMP, 'big.subunit');
    const { bytes, totals: expected } = syntheticRun(100_000, 4);
    writeFileSync(file, bytes);
    const served = await startServe([file]);
    const page = await newPage(served.url);
    try {
      await expectTotals(page, expected, 200_000);
      expect(await page.getAttribute('#timeline', 'data-lanes')).toBe('4');
      // scroll to the end of the table: the last test is drawn, and few rows exist in the DOM
      // (scrolled again on every try: rows may still be arriving after the totals)
      await expect
        .poll(async () => {
          await page.$eval('#table', (t) => (t.scrollTop = t.scrollHeight));
          return page.$$eval('#table .row:not([style*="none"]) .id', (s) => s.map((e) => e.textContent));
        }, { timeout: 20_000 })
        .toContain('pkg.module_99.Test89.test_99999');
      expect(await page.$$eval('#table .row', (r) => r.length)).toBeLessThan(100);
      await page.selectOption('#status', 'fail');
      await expect.poll(() => page.textContent('#count')).toBe(`${expected.failed} of 100,000`);
      await page.selectOption('#status', '');
      await page.screenshot({ path: SCREENSHOTS + 'serve-100k.png' });
    } finally {
      await page.close();
      await stop(served);
    }
  });

  it('raised no uncaught error in any page', () => expect(pageErrors).toEqual([]));
});
