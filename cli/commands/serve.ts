// `subunit serve`: a local web viewer. The server only hands out the page,
// the built modules and the raw input bytes (files followed as they grow, URLs
// proxied); all decoding happens in the browser, in a Worker, with the wasm
// backend. Only its own page may read runs or make it fetch: see `refusal`.
import { mkdtempSync, rmSync, writeFileSync, createReadStream, createWriteStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { spawn } from 'node:child_process';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InputError } from '../../bindings/codec/errors.js';
import { UsageError } from '../errors.js';
import { describe } from '../io.js';
import { listenLocal, notFound, sendFile } from '../http.js';
import { TOKEN_HEADER } from '../../web/messages.js';
import { defineCommand } from '../command.js';

const PACKAGE = new URL('../../../', import.meta.url).pathname;
const FOLLOW_POLL_MS = 250;
const CHUNK = 1 << 20;

/**
 * An input as the user gave it (`name`: a path, a URL, or `-`); a file's bytes
 * are read from `path`: the file itself, or the spool of a pipe.
 */
type Input = { name: string; kind: 'url' } | { name: string; kind: 'file'; path: string };

/** Where index.html carries the token (a meta tag's content). */
const TOKEN_SLOT = '{{subunit-token}}';

/** What one running server answers to: its own host names and origins, and its token. */
interface Site {
  inputs: Input[];
  hosts: Set<string>;
  origins: Set<string>;
  token: string;
  /** How long a proxied server may take to answer (its headers; a live body may idle). */
  proxyTimeoutMs: number;
}

/** Only absolute http(s) URLs: never file:, data: or anything else fetch would take. */
function isUrl(s: string): boolean {
  try {
    const { protocol } = new URL(s);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

export const serve = defineCommand({
  name: 'serve',
  summary: 'a live web viewer for runs, on 127.0.0.1',
  usage: 'subunit serve [--port N] [--open] [--proxy-timeout S] [FILE|URL|-]...',
  description:
    'Serves a page on 127.0.0.1 that decodes the given runs in the browser (WebAssembly, in a\n' +
    'Worker) and shows totals, a filterable table of tests, failures with their attachments, a\n' +
    'timeline with one lane per worker and each worker\'s other output. Files are followed as\n' +
    'they grow (watch a run in progress); so are pipes and `-` (stdin): with\n' +
    '`stestr run --subunit | subunit serve -` the page shows the run as it happens. URLs are\n' +
    'fetched by the server; gzip is detected.\n' +
    'More files can be dropped on the page, or URLs typed into it. Runs until interrupted.',
  options: {
    port: { type: 'string', default: '0', help: 'port to listen on (default 0: any free port)' },
    open: { type: 'boolean', default: false, help: 'open the page in the default browser' },
    'proxy-timeout': { type: 'string', default: '30', help: 'seconds a URL\'s server may take to start answering (default 30)' },
  },
  async run({ values, positionals }) {
    const port = Number(values.port);
    if (!/^\d+$/.test(String(values.port)) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${values.port}"`);
    const proxyTimeout = Number(values['proxy-timeout']);
    if (!(proxyTimeout > 0) || !Number.isFinite(proxyTimeout)) throw new UsageError(`--proxy-timeout must be a positive number of seconds, not "${values['proxy-timeout']}"`);
    const inputs: Input[] = [];
    let spool: string | undefined;
    if (positionals.filter((name) => name === '-').length > 1) throw new UsageError('- (stdin) can be given once');
    for (const name of positionals) {
      if (isUrl(name)) inputs.push({ name, kind: 'url' });
      else if (name === '-' || (await isPipe(name))) {
        // a pipe can be read once: spool it to a file that every page follows as it grows
        spool ??= mkdtempSync(join(tmpdir(), 'subunit-serve-'));
        const path = join(spool, `input-${inputs.length}`);
        writeFileSync(path, '');
        inputs.push({ name, kind: 'file', path });
        pipeline(name === '-' ? process.stdin : createReadStream(name), createWriteStream(path, { flags: 'a' })).catch((e) =>
          process.stderr.write(`subunit serve: ${name === '-' ? '<stdin>' : name}: ${describe(e)}\n`),
        );
      } else {
        await checkReadable(name);
        inputs.push({ name, kind: 'file', path: name });
      }
    }
    // a fresh secret per start: a page of another site cannot read it (same-origin policy), so cannot call the API
    const site: Site = { inputs, hosts: new Set(), origins: new Set(), token: randomBytes(32).toString('base64url'), proxyTimeoutMs: proxyTimeout * 1000 };
    let listening;
    try {
      listening = await listenLocal((req, res, url) => route(req, res, url, site), port);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new InputError(`127.0.0.1:${port}: ${err.code === 'EADDRINUSE' ? 'address in use' : err.message}`);
    }
    const { server, url } = listening;
    for (const host of [new URL(url).host, `localhost:${new URL(url).port}`]) {
      site.hosts.add(host);
      site.origins.add(`http://${host}`);
    }
    process.stdout.write(`subunit serve: ${url} (Ctrl-C to stop)\n`);
    if (values.open) openBrowser(url);
    await new Promise<void>((resolve) => {
      const stop = () => {
        if (spool) rmSync(spool, { recursive: true, force: true });
        server.closeAllConnections();
        server.close(() => resolve());
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
});

/** A FIFO, socket or device: bytes that come once, not a file to reopen (stat does not wait for a writer, open would). */
async function isPipe(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    return !info.isFile() && !info.isDirectory();
  } catch {
    return false; // checkReadable says why
  }
}

async function checkReadable(path: string): Promise<void> {
  try {
    const fh = await open(path, 'r');
    const info = await fh.stat();
    await fh.close();
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (e) {
    throw new InputError(`${path}: ${describe(e)}`, path);
  }
}

async function route(req: IncomingMessage, res: ServerResponse, url: URL, site: Site): Promise<void> {
  // Another site's page in the same browser must not read runs through DNS rebinding.
  if (!site.hosts.has(req.headers.host ?? '')) return forbidden(res, 'forbidden host');
  const path = url.pathname;
  if (path === '/') return sendPage(res, site.token);
  if (path.startsWith('/dist/') && path.endsWith('.js')) return sendFile(res, PACKAGE + 'dist', path.slice('/dist/'.length));
  if (!path.startsWith('/api/')) return notFound(res);
  const refused = refusal(req, site);
  if (refused) return forbidden(res, `forbidden: ${refused}`);
  if (path === '/api/inputs') {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(site.inputs.map((input, i) => ({ name: input.name, url: `/api/input/${i}` }))));
    return;
  }
  const input = /^\/api\/input\/(\d+)$/.exec(path);
  if (input && site.inputs[Number(input[1])]) {
    const given = site.inputs[Number(input[1])];
    return given.kind === 'file' ? followFile(req, res, given.path) : proxy(res, given.name, site.proxyTimeoutMs);
  }
  if (path === '/api/proxy') {
    const target = url.searchParams.get('url') ?? '';
    if (!isUrl(target)) return void res.writeHead(400, { 'content-type': 'text/plain' }).end('only http and https URLs\n');
    return proxy(res, target, site.proxyTimeoutMs);
  }
  notFound(res);
}

/**
 * Why an API request (run names, raw bytes, the proxy) is refused, if it is.
 * A request from another site's page is refused by what the browser says of
 * it (Sec-Fetch-Site, Origin); and every request must carry the token that
 * only this server's page holds, which also covers clients that send neither
 * header.
 */
function refusal(req: IncomingMessage, site: Site): string | undefined {
  const from = req.headers['sec-fetch-site'];
  if (from !== undefined && from !== 'same-origin') return `${from} request`;
  const origin = req.headers.origin;
  if (origin !== undefined && !site.origins.has(origin)) return `request from ${origin}`;
  if (!sameSecret(req.headers[TOKEN_HEADER], site.token)) return 'missing or wrong token';
  return undefined;
}

/** Constant time whatever the guess: both sides hashed to one length first. */
function sameSecret(given: string | string[] | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function forbidden(res: ServerResponse, why: string): void {
  res.writeHead(403, { 'content-type': 'text/plain' }).end(`${why}\n`);
}

/** index.html with this server's token in it; never framed by another page. */
async function sendPage(res: ServerResponse, token: string): Promise<void> {
  const html = await readFile(PACKAGE + 'web/index.html', 'utf8');
  if (!html.includes(TOKEN_SLOT)) throw new Error(`web/index.html has no ${TOKEN_SLOT}`);
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  });
  res.end(html.replace(TOKEN_SLOT, token));
}

/** Send the file, then keep sending what is appended to it until the page goes away. */
async function followFile(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`${path}: ${describe(e)}\n`);
    return;
  }
  let gone = false;
  req.on('close', () => (gone = true));
  res.on('close', () => (gone = true));
  try {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'cache-control': 'no-store',
      'x-file-size': String((await fh.stat()).size),
    });
    res.flushHeaders(); // the page learns the size now, even of a file with nothing in it yet
    let position = 0;
    while (!gone) {
      const buf = new Uint8Array(CHUNK);
      const { bytesRead } = await fh.read(buf, 0, CHUNK, position);
      if (bytesRead > 0) {
        position += bytesRead;
        await send(res, buf.subarray(0, bytesRead));
        continue;
      }
      if ((await stat(path)).size < position) break; // truncated or replaced: this run is over
      await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    }
  } finally {
    await fh.close();
    res.end();
  }
}

/**
 * Relay a URL's bytes to the page. The fetch ends when the page goes away (at
 * any point, also before the server answers) and when the server has not
 * started answering in `timeoutMs`: neither side can hold the other open.
 */
async function proxy(res: ServerResponse, target: string, timeoutMs: number): Promise<void> {
  const upstream = new AbortController();
  res.once('close', () => upstream.abort()); // a no-op once the fetch is done
  const noAnswer = new Error(`no answer in ${timeoutMs / 1000} s`);
  const late = setTimeout(() => upstream.abort(noAnswer), timeoutMs);
  let response: Response;
  try {
    response = await fetch(target, { signal: upstream.signal });
  } catch (e) {
    const err = e as Error;
    if (!res.destroyed) res.writeHead(err === noAnswer ? 504 : 502, { 'content-type': 'text/plain' }).end(`${target}: ${err.cause ?? err.message}\n`);
    return;
  } finally {
    clearTimeout(late);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    res.writeHead(502, { 'content-type': 'text/plain' }).end(`${target}: HTTP ${response.status}\n`);
    return;
  }
  const length = response.headers.get('content-length');
  // fetch already undid any Content-Encoding; a .gz file itself stays gzip and the page detects it
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store', ...(length && !response.headers.get('content-encoding') ? { 'x-file-size': length } : {}) });
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (res.destroyed) break; // the page went away: leaving the loop cancels the fetch
      await send(res, chunk);
    }
    res.end();
  } catch {
    // the server broke off: break off too, so the page sees a cut run, not an ended one
    res.destroy();
  }
}

/** Write, then wait while the socket is full; never wait on a response that is already closed. */
function send(res: ServerResponse, chunk: Uint8Array): Promise<void> | void {
  if (res.destroyed || res.write(chunk)) return;
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`subunit serve: could not open a browser (${cmd}); open ${url} yourself\n`));
  child.unref();
}
