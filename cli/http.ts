// Local HTTP for `subunit serve` (and the browser tests): static files under
// fixed roots, never outside them, and servers bound to 127.0.0.1 only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

/** Serve `relative` under `root`; 404 for anything missing or outside it. */
export async function sendFile(res: ServerResponse, root: string, relative: string): Promise<void> {
  const base = resolve(root);
  let name: string;
  try {
    name = decodeURIComponent(relative);
  } catch {
    return notFound(res); // a malformed escape (`%zz`) names no file: 404, not a 500
  }
  const path = resolve(base, '.' + sep + name);
  if (path !== base && !path.startsWith(base + sep)) return notFound(res);
  try {
    const info = await stat(path);
    if (!info.isFile()) return notFound(res);
    res.writeHead(200, {
      'content-type': MIME[extname(path)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-store',
    });
    createReadStream(path).pipe(res);
  } catch {
    notFound(res);
  }
}

export function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

/** Listen on 127.0.0.1 only (port 0: any free port); resolves with the base URL. */
export function listenLocal(handler: Handler, port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    // two Host headers make the request's site ambiguous (Node keeps the first); RFC 9112 says 400
    if (req.rawHeaders.filter((name, i) => i % 2 === 0 && name.toLowerCase() === 'host').length > 1) {
      return void res.writeHead(400, { 'content-type': 'text/plain' }).end('more than one Host header\n');
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      // an absolute-form target that is not a URL ("GET http://[ HTTP/1.1"): thrown here, it would end the server
      return void res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request target\n');
    }
    Promise.resolve(handler(req, res, url)).catch((e: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${e.message}\n`);
    });
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      const address = server.address() as { port: number };
      done({ server, url: `http://127.0.0.1:${address.port}/` });
    });
  });
}
