// `subunit serve`: a local web viewer. The server only hands out the page,
// the built modules and the raw input bytes (files followed as they grow, URLs
// proxied); all decoding happens in the browser, in a Worker, with the wasm
// backend.
import { open, stat } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InputError } from '../../bindings/errors.js';
import { UsageError } from '../errors.js';
import { describe } from '../io.js';
import { listenLocal, notFound, sendFile } from '../http.js';
import type { Command } from '../command.js';

const PACKAGE = new URL('../../../', import.meta.url).pathname;
const FOLLOW_POLL_MS = 250;
const CHUNK = 1 << 20;

interface Input {
  name: string;
  kind: 'file' | 'url';
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

export const serve: Command = {
  name: 'serve',
  summary: 'a live web viewer for runs, on 127.0.0.1',
  usage: 'subunit serve [--port N] [--open] [FILE|URL]...',
  description:
    'Serves a page on 127.0.0.1 that decodes the given runs in the browser (WebAssembly, in a\n' +
    'Worker) and shows totals, a filterable table of tests, failures with their attachments, a\n' +
    'timeline with one lane per worker and each worker\'s other output. Files are followed as\n' +
    'they grow (watch a run in progress); URLs are fetched by the server; gzip is detected.\n' +
    'More files can be dropped on the page, or URLs typed into it. Runs until interrupted.',
  options: {
    port: { type: 'string', default: '0', help: 'port to listen on (default 0: any free port)' },
    open: { type: 'boolean', default: false, help: 'open the page in the default browser' },
  },
  async run({ values, positionals }) {
    const port = Number(values.port);
    if (!/^\d+$/.test(String(values.port)) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, not "${values.port}"`);
    const inputs: Input[] = [];
    for (const name of positionals) {
      if (isUrl(name)) inputs.push({ name, kind: 'url' });
      else {
        await checkReadable(name);
        inputs.push({ name, kind: 'file' });
      }
    }
    let listening;
    try {
      listening = await listenLocal((req, res, url) => route(req, res, url, inputs, allowedHost), port);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new InputError(`127.0.0.1:${port}: ${err.code === 'EADDRINUSE' ? 'address in use' : err.message}`);
    }
    const { server, url } = listening;
    const allowedHost = new Set([new URL(url).host, `localhost:${new URL(url).port}`]);
    process.stdout.write(`subunit serve: ${url} (Ctrl-C to stop)\n`);
    if (values.open) openBrowser(url);
    await new Promise<void>((resolve) => {
      const stop = () => {
        server.closeAllConnections();
        server.close(() => resolve());
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};

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

async function route(req: IncomingMessage, res: ServerResponse, url: URL, inputs: Input[], allowedHost: Set<string>): Promise<void> {
  // Another site's page in the same browser must not read runs through DNS rebinding.
  if (!allowedHost.has(req.headers.host ?? '')) {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden host\n');
    return;
  }
  const path = url.pathname;
  if (path === '/') return sendFile(res, PACKAGE + 'web', 'index.html');
  if (path.startsWith('/dist/') && path.endsWith('.js')) return sendFile(res, PACKAGE + 'dist', path.slice('/dist/'.length));
  if (path === '/api/inputs') {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(inputs.map((input, i) => ({ name: input.name, url: `/api/input/${i}` }))));
    return;
  }
  const input = /^\/api\/input\/(\d+)$/.exec(path);
  if (input && inputs[Number(input[1])]) {
    const { name, kind } = inputs[Number(input[1])];
    return kind === 'file' ? followFile(req, res, name) : proxy(res, name);
  }
  if (path === '/api/proxy') {
    const target = url.searchParams.get('url') ?? '';
    if (!isUrl(target)) return void res.writeHead(400, { 'content-type': 'text/plain' }).end('only http and https URLs\n');
    return proxy(res, target);
  }
  notFound(res);
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

async function proxy(res: ServerResponse, target: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(target);
  } catch (e) {
    res.writeHead(502, { 'content-type': 'text/plain' }).end(`${target}: ${(e as Error).cause ?? (e as Error).message}\n`);
    return;
  }
  if (!response.ok || !response.body) {
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
  } finally {
    res.end();
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
