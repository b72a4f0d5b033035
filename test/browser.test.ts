// The universal entry, unchanged and unbundled, in headless Chromium: every
// fixture on both backends, fetch bodies streamed through DecoderStream, gzip
// through DecompressionStream. Files are served from 127.0.0.1 in small
// pieces so the page really sees a stream of chunks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Server } from 'node:http';
import type { Page } from 'playwright-core';
import { listenLocal, notFound, sendFile } from '../cli/http.js';
import { FIXTURES, fixtures } from './helpers.js';
import { expectConformingEvents } from './runtimes.js';
import { launchChromium } from './chromium.js';

const ROOT = new URL('../', import.meta.url).pathname;

/**
 * Write a body in 8 pieces with a pause after each, long enough that a busy
 * machine does not coalesce them into one chunk in the browser.
 */
async function sendInPieces(res: import('node:http').ServerResponse, body: Uint8Array, type: string): Promise<void> {
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
  const piece = Math.ceil(body.length / 8);
  for (let at = 0; at < body.length; at += piece) {
    if (!res.write(body.subarray(at, at + piece))) await new Promise((r) => res.once('drain', r));
    await new Promise((r) => setTimeout(r, 30));
  }
  res.end();
}

// A plain module script, as a user would write it; tests reach the module as window.subunit.
const PAGE = `<!doctype html><title>subunit-wasm</title>
<script type="module">import * as subunit from '/dist/bindings/index.js'; window.subunit = subunit;</script>`;

let server: Server;
let base: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  ({ server, url: base } = await listenLocal(async (_req, res, url) => {
    const path = url.pathname;
    if (path === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    if (path.startsWith('/dist/')) return sendFile(res, ROOT + 'dist', path.slice(6));
    const fixture = /^\/fixtures\/([\w-]+)\.subunit(\.gz)?$/.exec(path);
    if (!fixture) return notFound(res);
    const bytes = readFileSync(`${FIXTURES}${fixture[1]}.subunit`);
    return sendInPieces(res, fixture[2] ? gzipSync(bytes) : bytes, 'application/octet-stream');
  }));
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(base);
  await page.waitForFunction(() => 'subunit' in window);
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

const all = fixtures();

describe('Chromium', () => {
  it('loads the universal entry as a plain module and picks a wasm build', async () => {
    const info = await page.evaluate(async () => {
      const m = (window as any).subunit;
      await m.init();
      return { userAgent: navigator.userAgent, exports: Object.keys(m).length };
    });
    expect(info.userAgent).toMatch(/HeadlessChrome\/\d+/);
    expect(info.exports).toBeGreaterThan(10);
  });

  describe.each(['wasm', 'js'])('whole fixtures, %s backend', (backend) => {
    let decoded: Record<string, string[]>;
    beforeAll(async () => {
      decoded = await page.evaluate(
        async ({ names, backend }) => {
          const m = (window as any).subunit;
          await m.init(backend);
          const out: Record<string, string[]> = {};
          for (const name of names) {
            const bytes = new Uint8Array(await (await fetch(`/fixtures/${name}.subunit`)).arrayBuffer());
            out[name] = m.decodeAll(bytes, { backend }).map(m.eventToJsonLine);
          }
          return out;
        },
        { names: all.map((f) => f.name), backend },
      );
    });
    it.each(all)('$name ($kind)', (fixture) => expectConformingEvents(fixture, decoded[fixture.name]));
  });

  /** fetch → [DecompressionStream] → DecoderStream in the page; the events as JSON Lines and how many chunks arrived. */
  function streamInPage(name: string, backend: string, gzip: boolean) {
    return page.evaluate(
      async ({ name, backend, gzip }) => {
        const m = (window as any).subunit;
        const response = await fetch(`/fixtures/${name}.subunit${gzip ? '.gz' : ''}`);
        let chunks = 0;
        let body: ReadableStream<Uint8Array> = response.body!.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({ transform(c, out) { chunks++; out.enqueue(c); } }),
        );
        if (gzip) body = body.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
        const reader = body.pipeThrough(new m.DecoderStream({ backend })).getReader();
        const lines: string[] = [];
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const e of value as unknown[]) lines.push(m.eventToJsonLine(e));
        }
        return { lines, chunks };
      },
      { name, backend, gzip },
    );
  }

  const streamed = all.filter((f) => ['sample-run-parallel', 'chatter', 'damaged-garbage', 'varint-boundaries'].includes(f.name));
  describe.each(['wasm', 'js'])('fetch body through DecoderStream, %s backend', (backend) => {
    it.each(streamed)('$name', async (fixture) => {
      const { lines, chunks } = await streamInPage(fixture.name, backend, false);
      expect(chunks).toBeGreaterThan(1);
      expectConformingEvents(fixture, lines, true);
    });
  });

  it.each(all.filter((f) => ['sample-run', 'every-field', 'damaged-bad-crc'].includes(f.name)))(
    'gzip through DecompressionStream: $name',
    async (fixture) => {
      const { lines } = await streamInPage(fixture.name, 'wasm', true);
      expectConformingEvents(fixture, lines, true);
    },
  );

  it('raised no uncaught error in the page', () => expect(pageErrors).toEqual([]));
});
