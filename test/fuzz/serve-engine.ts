// The serve fuzzer: `subunit serve` on random inputs (fixtures, damaged and
// random bytes, gzip whole and cut, an empty file, a file growing while it is
// served) with a secret file beside them, and a canary HTTP server on
// 127.0.0.1 that records every request it gets; then random requests over raw
// TCP — methods, paths (traversal plain and encoded, NUL, unicode, very long),
// request targets, Host / Origin / Sec-Fetch-Site variants, the token right,
// wrong, missing, doubled or in the query, huge headers, proxy URLs at the
// canary in many spellings and schemes, redirects — sent whole, byte by byte,
// cut and aborted, or left half-sent, many at once. Checks per scenario: the
// server never dies nor prints anything on stderr; every request is answered
// (or its connection closed) in time; a request without the right token, from
// another site or to another Host gets no run data, no inputs list and never
// reaches the canary; with them, /api/input/N gives exactly the file's bytes
// and the proxy fetches http(s) targets only; every 200 outside the API is the
// page or a file of dist/; the secret never appears; peak RSS stays bounded.
// Only loopback addresses are ever targeted. Needs `npm run build`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Server } from 'node:http';
import { listenLocal } from '../../cli/http.js';
import { rng, FIXTURES } from '../helpers.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const CLI = ROOT + 'dist/bin/subunit.js';
const MAXRSS = new URL('../workers/maxrss.cjs', import.meta.url).pathname;
export const SERVE_FUZZ_DIR = ROOT + 'fixtures/fuzz-serve/';
/** The bound the server's peak RSS must stay under (README, Robustness). */
export const RSS_LIMIT_MIB = 200;
/** A request must be answered (or its connection closed) within this. */
const ANSWER_MS = 15_000;
const TOKEN = 'x-subunit-token';

// ---- scenarios -----------------------------------------------------------------

export type InputKind = 'fixture' | 'random' | 'damaged' | 'gzip' | 'cut-gzip' | 'empty' | 'growing';
export interface InputPlan {
  kind: InputKind;
  /** A fixture name, for 'fixture', 'damaged', 'gzip', 'cut-gzip'. */
  fixture?: string;
  size: number;
  seed: number;
}

/** Where a proxy URL points: the canary (in some spelling), a redirect from it, or a scheme the proxy must refuse. */
export type Target =
  | { canary: string } // a spelling of the canary's address: 127.0.0.1:P, localhost:P, ...
  | { redirect: string } // the canary answers 302 to this (a URL built at run time, see `redirectTo`)
  | { scheme: string } // file:, data:, javascript:, gopher:, ftp:, ... (never to be fetched)
  | { raw: string }; // a malformed or odd value

export type Send = 'whole' | 'bytewise' | 'split' | 'cut' | 'abort-after-head' | 'hold';

export interface RequestPlan {
  method: string;
  /** The request target; {P} is the server's port, {N} an input index, {T} the token, {proxy} the proxy URL (encoded). */
  target: string;
  proxy?: Target;
  host: 'own' | 'localhost' | 'no-port' | 'foreign' | 'missing' | 'twice' | 'own-then-foreign' | 'foreign-then-own' | 'upper';
  origin?: 'own' | 'localhost' | 'foreign' | 'null';
  fetchSite?: 'same-origin' | 'same-site' | 'cross-site' | 'none';
  token: 'right' | 'wrong' | 'missing' | 'twice' | 'query' | 'prefix' | 'padded';
  extraHeader?: 'huge' | 'many' | 'nul';
  send: Send;
}

export interface Scenario {
  seed: number;
  inputs: InputPlan[];
  /** Extra positional arguments: URLs of the canary (proxied as /api/input/N). */
  urlInputs: number;
  requests: RequestPlan[];
  /** How many requests run at once. */
  parallel: number;
}

const METHODS = ['GET', 'GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'get', 'GETT', 'CONNECT'];
const CANARY_SPELLINGS = [
  'http://127.0.0.1:{C}/hit/{ID}', 'http://localhost:{C}/hit/{ID}', 'http://[::1]:{C}/hit/{ID}', 'http://2130706433:{C}/hit/{ID}', 'http://0x7f000001:{C}/hit/{ID}', 'http://0177.0.0.1:{C}/hit/{ID}',
  'http://127.1:{C}/hit/{ID}', 'http://[::ffff:127.0.0.1]:{C}/hit/{ID}', 'http://LOCALHOST:{C}/hit/{ID}', 'http://u:p@127.0.0.1:{C}/hit/{ID}', 'http://127.0.0.1:{C}/hit/{ID}#frag', 'http://127.0.0.1:{C}/%2e%2e/x/hit/{ID}',
  'http://127.0.0.1:{C}/hit/{ID}?a=%00&b=\u65e5', 'https://127.0.0.1:{C}/hit/{ID}', 'http://127.0.0.1:1/hit/{ID}', 'http://127.0.0.1:{S}/', 'http://127.0.0.1:{S}/api/inputs', 'http://127.0.0.1:{S}/api/proxy?url=http://127.0.0.1:{C}/hit/{ID}-inner', // the inner request has no token: must never arrive
  // odd spellings URL parsing still reads as http
  'HTTP://127.0.0.1:{C}/hit/{ID}', ' http://127.0.0.1:{C}/hit/{ID}', 'http:127.0.0.1:{C}/hit/{ID}', 'http:\\\\127.0.0.1:{C}\\hit\\{ID}', 'http://127.0.0.1:{C}\t/hit/{ID}',
];
const SCHEMES = ['file:///etc/passwd', 'file://{SECRET}', 'file:{SECRET}', 'data:text/plain,hello', 'javascript:alert(1)', 'gopher://127.0.0.1:{C}/_x', 'ftp://127.0.0.1:{C}/', 'ws://127.0.0.1:{C}/', 'blob:http://127.0.0.1:{C}/x', '//127.0.0.1:{C}/x', '/etc/passwd', '{SECRET}', 'file:/{SECRET}', 'FILE://{SECRET}', ' file://{SECRET}', 'file:\\\\{SECRET}'];
const REDIRECTS = ['http://127.0.0.1:{C}/after/{ID}', 'file://{SECRET}', 'data:text/plain,x', 'http://127.0.0.1:{S}/api/inputs', 'http://127.0.0.1:{C}/redirect/{ID}?to=4', 'ftp://127.0.0.1:{C}/', 'http://localhost:{C}/after/{ID}'];
const PATHS = [
  '/', '/', '/index.html', '/api/inputs', '/api/inputs', '/api/input/{N}', '/api/input/{N}', '/api/input/{N}', '/api/proxy?url={proxy}', '/api/proxy?url={proxy}', '/api/proxy?url={proxy}',
  '/api/input/99', '/api/input/-1', '/api/input/0x0', '/api/input/00', '/api/input/1e0', '/api/input/99999999999999999999', '/api/input/{N}/', '/api/input/{N}?x=1', '/api/input/%30',
  '/api/proxy', '/api/proxy?url=', '/api/proxy?url={proxy}&url=file:///etc/passwd', '/api/%69nputs', '/API/inputs', '/api//inputs', '/api/inputs/', '/api/inputs?token={T}',
  '/dist/web/app.js', '/dist/web/page.js', '/dist/bin/subunit.js', '/dist/../package.json', '/dist/..%2f..%2fpackage.json', '/dist/%2e%2e/%2e%2e/secret.js', '/dist/%2e%2e%2f%2e%2e%2fetc%2fpasswd.js',
  '/dist/..%2F..%2F{SECRETREL}.js', '/dist/%252e%252e/x.js', '/dist/%00.js', '/dist/web/app.js%00', '/dist/%', '/dist/%zz.js', '/dist/%E0%A4%A.js', '/dist//etc/passwd.js', '/dist/web/../web/app.js',
  '/dist/\u00e9\u65e5.js', '/dist/%C3%A9.js', '/dist/web', '/dist/web/', '/dist/', '/web/index.html', '/fixtures/chatter.subunit', '/../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/{SECRETNAME}',
  '//127.0.0.1/api/inputs', '/..;/api/inputs', '*', 'http://127.0.0.1:{P}/api/inputs', 'http://evil.example/api/input/{N}', 'http://[', 'http://[::1', 'http://a b/', 'HTTP://x:{P}/', 'x:/y', 'http://127.0.0.1:{P}/dist/../package.json',
];

export function generate(seed: number): Scenario {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const chance = (p: number) => r() < p;
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.subunit')).sort();
  const kinds: InputKind[] = ['fixture', 'random', 'damaged', 'gzip', 'cut-gzip', 'empty', 'growing'];
  const inputs: InputPlan[] = Array.from({ length: int(5) }, () => ({
    kind: pick(kinds),
    fixture: pick(fixtures),
    size: chance(0.1) ? 1_000_000 + int(4_000_000) : int(70_000),
    seed: int(2 ** 31),
  }));
  const requests: RequestPlan[] = Array.from({ length: 20 + int(60) }, () => {
    // most requests look like the page's own, so the checks on served bytes get exercised
    const page = chance(0.45);
    const target = page ? pick(['/api/input/{N}', '/api/input/{N}', '/api/inputs', '/api/proxy?url={proxy}', '/api/proxy?url={proxy}', '/', '/dist/web/app.js']) : pick(PATHS);
    const k = r();
    const proxy: Target = k < 0.45 ? { canary: pick(CANARY_SPELLINGS) } : k < 0.65 ? { redirect: pick(REDIRECTS) } : k < 0.95 ? { scheme: pick(SCHEMES) } : { raw: pick(['', '%', '%00', 'http://', 'http://[', 'http://127.0.0.1:99999/', '\u65e5\u672c', 'x'.repeat(5000)]) };
    const plan: RequestPlan = {
      method: page ? 'GET' : pick(METHODS),
      target,
      proxy,
      host: page || chance(0.5) ? pick(['own', 'own', 'localhost'] as const) : pick(['own', 'localhost', 'no-port', 'foreign', 'missing', 'twice', 'own-then-foreign', 'foreign-then-own', 'upper'] as const),
      token: page || chance(0.4) ? 'right' : pick(['right', 'wrong', 'missing', 'twice', 'query', 'prefix', 'padded'] as const),
      send: page ? pick(['whole', 'whole', 'whole', 'split', 'bytewise'] as const) : pick(['whole', 'whole', 'bytewise', 'split', 'cut', 'abort-after-head', 'hold'] as const),
    };
    if (page ? chance(0.3) : chance(0.5)) plan.origin = page ? pick(['own', 'localhost'] as const) : pick(['own', 'localhost', 'foreign', 'null'] as const);
    if (page ? chance(0.5) : chance(0.5)) plan.fetchSite = page ? 'same-origin' : pick(['same-origin', 'same-site', 'cross-site', 'none'] as const);
    if (!page && chance(0.08)) plan.extraHeader = pick(['huge', 'many', 'nul'] as const);
    return plan;
  });
  return { seed, inputs, urlInputs: int(3), requests, parallel: 1 + int(24) };
}

// ---- inputs --------------------------------------------------------------------

function inputBytes(p: InputPlan): Uint8Array {
  const r = rng(p.seed);
  const fixture = () => readFileSync(FIXTURES + p.fixture!);
  switch (p.kind) {
    case 'fixture':
      return fixture();
    case 'random':
      return Uint8Array.from({ length: p.size }, () => Math.floor(r() * 256));
    case 'damaged': {
      const b = Buffer.from(fixture());
      for (let n = 1 + Math.floor(r() * 20); n > 0 && b.length; n--) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      return b;
    }
    case 'gzip':
      return gzipSync(fixture());
    case 'cut-gzip': {
      const z = gzipSync(fixture());
      return z.subarray(0, Math.floor(r() * z.length));
    }
    case 'empty':
      return new Uint8Array(0);
    case 'growing': // written in pieces while served (see `grow`)
      return Uint8Array.from({ length: Math.min(p.size, 300_000) }, (_, i) => (i * 7 + 13) & 0xff);
  }
}

// ---- raw HTTP ------------------------------------------------------------------

interface Reply {
  /** The connection closed with nothing sent back. */
  closed: boolean;
  status?: number;
  head?: string;
  body: Buffer;
  ms: number;
  timedOut: boolean;
}

/** The head and body of what came back (chunked bodies decoded as far as they go). */
function parseReply(raw: Buffer): { status?: number; head?: string; body: Buffer } {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { body: Buffer.alloc(0) };
  const head = raw.subarray(0, end).toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
  let body = raw.subarray(end + 4);
  if (/^transfer-encoding:\s*chunked/im.test(head)) {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = body.indexOf('\r\n', at);
      if (eol < 0) break;
      const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
      if (!(size > 0)) break;
      parts.push(body.subarray(eol + 2, Math.min(eol + 2 + size, body.length)));
      at = eol + 2 + size + 2;
      if (at > body.length) break;
    }
    body = Buffer.concat(parts);
  }
  return { status: Number.isNaN(status) ? undefined : status, head, body };
}

/**
 * Send `bytes` as `send` says; collect the reply until the connection closes,
 * `enough(reply)` holds (a followed file never ends; 'soon': a moment later)
 * or the time limit.
 */
function exchange(port: number, bytes: Buffer, send: Send, enough: (got: Buffer) => boolean | 'soon', holdUntil: Promise<void>): Promise<Reply> {
  return new Promise((resolve) => {
    const started = Date.now();
    const got: Buffer[] = [];
    let length = 0;
    let finished = false;
    const sock: Socket = connect(port, '127.0.0.1');
    const finish = (timedOut: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(got);
      resolve({ ...parseReply(raw), closed: raw.length === 0, ms: Date.now() - started, timedOut });
    };
    const timer = setTimeout(() => finish(true), send === 'hold' ? 600_000 : ANSWER_MS);
    sock.on('error', () => finish(false));
    sock.on('close', () => finish(false));
    sock.on('data', (b: Buffer) => {
      got.push(b);
      length += b.length;
      if (send === 'abort-after-head') return finish(false);
      const done = length > 64 << 20 || enough(Buffer.concat(got));
      if (done === 'soon') setTimeout(() => finish(false), 300); // what follows soon is read too
      else if (done) finish(false);
    });
    sock.on('connect', async () => {
      try {
        if (send === 'whole' || send === 'abort-after-head') sock.write(bytes);
        else if (send === 'split') {
          const at = 1 + Math.floor(bytes.length / 2);
          sock.write(bytes.subarray(0, at));
          await sleep(20);
          sock.write(bytes.subarray(at));
        } else if (send === 'bytewise') {
          for (let i = 0; i < bytes.length && !finished; i += 1 + (i >> 6)) {
            sock.write(bytes.subarray(i, i + 1 + (i >> 6)));
            await sleep(1);
          }
        } else if (send === 'cut') {
          sock.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
          await sleep(10);
          finish(false);
        } else {
          // slowloris: half a request, then nothing until the scenario's other requests are done
          sock.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
          await holdUntil;
          finish(false);
        }
      } catch {
        finish(false);
      }
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- running -------------------------------------------------------------------

export interface Outcome {
  failure?: string;
  requests: number;
  /** Requests the server had to refuse, checked for leaks; file reads checked byte for byte. */
  refused: number;
  filesChecked: number;
  rssMiB: number;
  canaryHits: number;
  ms: number;
}

interface Canary {
  server: Server;
  port: number;
  /** The ids (from paths /hit/ID, /redirect/ID, /after/ID) of the requests it got. */
  hits: string[];
  marker: string;
}

async function startCanary(marker: string, redirectTo: (id: string, which: number) => string): Promise<Canary> {
  const hits: string[] = [];
  const { server, url } = await listenLocal((req, res) => {
    const path = req.url ?? '';
    const m = /\/(hit|redirect|after|given)\/([\w-]+)/.exec(path);
    hits.push(m ? m[2] : `(unknown: ${path.slice(0, 80)})`);
    if (m?.[1] === 'redirect') {
      const which = Number(/[?&]to=(\d+)/.exec(path)?.[1] ?? 0);
      res.writeHead(302, { location: redirectTo(m[2], which) }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(`${marker} ${m?.[2] ?? ''}\n`);
  });
  return { server, port: Number(new URL(url).port), hits, marker };
}

interface Started {
  child: ChildProcess;
  port: number;
  stderr: () => string;
  exited: () => boolean;
}

function startServe(args: string[], cwd: string, rssFile: string): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', MAXRSS, CLI, 'serve', ...args], { cwd, env: { ...process.env, MAXRSS_FILE: rssFile } });
    let out = '';
    let err = '';
    let exited = false;
    child.stderr.on('data', (b) => (err += b));
    child.stdout.on('data', (b) => {
      out += b;
      const port = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1];
      if (port) resolve({ child, port: Number(port), stderr: () => err, exited: () => exited });
    });
    child.on('exit', (code) => {
      exited = true;
      reject(new Error(`serve exited ${code} before listening: ${err}`));
    });
  });
}

/** The hashes of every file under dist/ (what /dist/ may serve). */
let distHashes: Set<string> | undefined;
function distFiles(): Set<string> {
  if (distHashes) return distHashes;
  const set = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else set.add(sha(readFileSync(join(dir, e.name))));
    }
  };
  walk(ROOT + 'dist');
  return (distHashes = set);
}
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** What the server must treat as its own page's request (by the rules of the README). */
function authorized(p: RequestPlan): boolean {
  return (p.host === 'own' || p.host === 'localhost') && (p.fetchSite === undefined || p.fetchSite === 'same-origin') && (p.origin === undefined || p.origin === 'own' || p.origin === 'localhost') && p.token === 'right' && !p.extraHeader;
}

/** Run one scenario; the failure (if any) says what went wrong. */
export async function runScenario(s: Scenario, { alter }: { /** Change the server's arguments or the files (to test the oracle). */ alter?: (dir: string, args: string[], secret: string) => void } = {}): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'fuzz-serve-'));
  const started = Date.now();
  const nonce = createHash('sha256').update(`${s.seed}-${Math.random()}`).digest('hex').slice(0, 16);
  const secretMarker = `SECRET-${nonce}`;
  const canaryMarker = `CANARY-${nonce}`;
  const secretName = `secret-${nonce}.txt`;
  const secretPath = join(dir, secretName);
  writeFileSync(secretPath, `${secretMarker}\n`);
  writeFileSync(join(dir, `${secretName}.js`), `${secretMarker}\n`); // a .js beside it too, for /dist/ traversal
  let serve: Started | undefined;
  let canary: Canary | undefined;
  let requests = 0;
  let refused = 0;
  let filesChecked = 0;
  const fail = (failure: string, rssMiB = NaN): Outcome => ({ failure, requests, refused, filesChecked, rssMiB, canaryHits: canary?.hits.length ?? 0, ms: Date.now() - started });
  try {
    canary = await startCanary(canaryMarker, (id, which) => fill(REDIRECTS[which] ?? '/', id));
    const fill = (t: string, id = '') => t.replace(/\{C\}/g, String(canary!.port)).replace(/\{S\}/g, String(serve?.port ?? 1)).replace(/\{SECRET\}/g, secretPath).replace(/\{ID\}/g, id);
    const contents = s.inputs.map(inputBytes);
    const names = s.inputs.map((p, i) => `in${i}-${p.kind}.bin`);
    s.inputs.forEach((p, i) => writeFileSync(join(dir, names[i]), p.kind === 'growing' ? contents[i].subarray(0, contents[i].length >> 3) : contents[i]));
    const urlInputs = Array.from({ length: s.urlInputs }, (_, i) => `http://127.0.0.1:${canary!.port}/given/input${i}`);
    const args = [...names, ...urlInputs];
    alter?.(dir, args, secretPath);
    const rssFile = join(dir, 'maxrss');
    serve = await startServe(args, dir, rssFile);
    const port = serve.port;
    const hostValue = { own: `127.0.0.1:${port}`, localhost: `localhost:${port}`, 'no-port': '127.0.0.1', foreign: `evil.example:${port}`, upper: `LOCALHOST:${port}` } as Record<string, string>;
    const originValue = { own: `http://127.0.0.1:${port}`, localhost: `http://localhost:${port}`, foreign: 'http://evil.example', null: 'null' } as Record<string, string>;

    // the token, as the page carries it
    const pageReply = await exchange(port, Buffer.from(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`), 'whole', () => false, Promise.resolve());
    const token = /<meta name="subunit-token" content="([^"]*)">/.exec(pageReply.body.toString('utf8'))?.[1];
    if (pageReply.status !== 200 || !token) return fail(`the page: status ${pageReply.status}, token ${token}`);
    const pageHashes = new Set([sha(pageReply.body)]);

    // the growing file grows in pieces while requests run
    const growing = s.inputs.map((p, i) => (p.kind === 'growing' ? i : -1)).filter((i) => i >= 0);
    const growth = (async () => {
      for (let step = 1; step <= 8; step++) {
        await sleep(60);
        for (const i of growing) appendFileSync(join(dir, names[i]), contents[i].subarray((contents[i].length * step) >> 3, (contents[i].length * (step + 1)) >> 3));
      }
    })();

    let releaseHeld!: () => void;
    const held = new Promise<void>((r) => (releaseHeld = r));
    const problems: string[] = [];
    const allInputs = [...names.map((n) => ({ kind: 'file' as const, name: n })), ...urlInputs.map((u) => ({ kind: 'url' as const, name: u }))];
    const inputsJson = JSON.stringify(allInputs.map((x, i) => ({ name: x.name, url: `/api/input/${i}` })));

    const one = async (p: RequestPlan, id: string): Promise<void> => {
      const nIndex = allInputs.length ? Number(id.split('-')[1]) % (allInputs.length + 1) : 0; // one past the end now and then
      const proxyUrl = (() => {
        const t = p.proxy;
        if (!t) return '';
        if ('canary' in t) return fill(t.canary, id);
        if ('redirect' in t) return `http://127.0.0.1:${canary!.port}/redirect/${id}?to=${REDIRECTS.indexOf(t.redirect)}`;
        if ('scheme' in t) return fill(t.scheme, id);
        return t.raw;
      })();
      const target = p.target
        .replace(/\{P\}/g, String(port)).replace(/\{N\}/g, String(nIndex)).replace(/\{T\}/g, token)
        .replace(/\{proxy\}/g, encodeURIComponent(proxyUrl)).replace(/\{SECRETREL\}/g, relative(ROOT + 'dist', secretPath)).replace(/\{SECRETNAME\}/g, secretName)
        + (p.token === 'query' ? `${p.target.includes('?') ? '&' : '?'}token=${token}` : '');
      const h: string[] = [];
      if (p.host === 'twice') h.push(`Host: 127.0.0.1:${port}`, `Host: 127.0.0.1:${port}`);
      else if (p.host === 'own-then-foreign') h.push(`Host: 127.0.0.1:${port}`, 'Host: evil.example');
      else if (p.host === 'foreign-then-own') h.push('Host: evil.example', `Host: 127.0.0.1:${port}`);
      else if (p.host !== 'missing') h.push(`Host: ${hostValue[p.host]}`);
      if (p.origin) h.push(`Origin: ${originValue[p.origin]}`);
      if (p.fetchSite) h.push(`Sec-Fetch-Site: ${p.fetchSite}`);
      const tokenLines = { right: [token], wrong: [token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')], missing: [], twice: [token, token], query: [], prefix: [token.slice(0, 20)], padded: [`${token}x`] }[p.token];
      for (const t of tokenLines) h.push(`X-Subunit-Token: ${t}`);
      if (p.extraHeader === 'huge') h.push(`X-Filler: ${'a'.repeat(70_000)}`);
      else if (p.extraHeader === 'many') for (let i = 0; i < 3000; i++) h.push(`X-F${i}: x`);
      else if (p.extraHeader === 'nul') h.push('X-Nul: a\0b');
      h.push('Connection: close');
      const bytes = Buffer.from(`${p.method} ${target} HTTP/1.1\r\n${h.join('\r\n')}\r\n\r\n`, 'utf8');

      const ok = authorized(p);
      const fileInput = p.method === 'GET' && /^\/api\/input\/\d+$/.test(target) ? allInputs[Number(target.slice('/api/input/'.length))] : undefined;
      const expectBytes = ok && fileInput?.kind === 'file' ? contents[names.indexOf(fileInput.name)] : undefined;
      // a followed file never ends: stop once its bytes are all there
      const enough = (got: Buffer) => {
        const r = parseReply(got);
        if (r.head === undefined) return false;
        if (expectBytes !== undefined) return r.body.length >= expectBytes.length;
        return r.status === 200 && target.includes('/api/input/') ? 'soon' : false;
      };
      const reply = await exchange(port, bytes, p.send, enough, held);
      requests++;
      const what = `${p.method} ${target.slice(0, 120)} [${JSON.stringify({ ...p, target: undefined, proxy: p.target.includes('{proxy}') ? proxyUrl.slice(0, 100) : undefined })}]`;
      const body = reply.body;
      const text = body.toString('latin1');
      if (text.includes(secretMarker) || reply.head?.includes(secretMarker)) return void problems.push(`${what}: the secret file's content came back`);
      if (reply.timedOut && p.send !== 'hold' && reply.status === undefined) return void problems.push(`${what}: no answer in ${ANSWER_MS / 1000} s (${body.length} body bytes, status ${reply.status})`);
      if (p.send === 'cut' || p.send === 'hold') return;
      if (reply.status === 500) return void problems.push(`${what}: 500 ${text.slice(0, 120)}`); // a request the server did not expect, not one it refused
      if (!ok) {
        refused++;
        if (text.includes(canaryMarker)) return void problems.push(`${what}: proxied bytes came back to a refused request`);
        if (reply.status === 200 && !pageHashes.has(sha(body)) && !distFiles().has(sha(body)) && !(p.method === 'HEAD' && body.length === 0) && p.send !== 'abort-after-head')
          return void problems.push(`${what}: 200 with ${body.length} bytes that are neither the page nor a dist file`);
        if (text.includes(inputsJson) && allInputs.length) return void problems.push(`${what}: the inputs list came back to a refused request`);
        return;
      }
      if (p.send === 'abort-after-head') return;
      if (expectBytes !== undefined) {
        if (reply.status !== 200) return void problems.push(`${what}: status ${reply.status} for a file input`);
        if (!body.equals(Buffer.from(expectBytes))) return void problems.push(`${what}: ${body.length} bytes differ from the file's ${expectBytes.length}`);
        filesChecked++;
        return;
      }
      if (p.method === 'GET' && target === '/api/inputs' && (reply.status !== 200 || body.toString('utf8') !== inputsJson)) return void problems.push(`${what}: inputs list ${reply.status} ${text.slice(0, 200)}`);
      if (p.method === 'GET' && target.startsWith('/api/proxy?url=') && p.target === '/api/proxy?url={proxy}') {
        let parsed: URL | undefined;
        try {
          parsed = new URL(proxyUrl);
        } catch {}
        const httpish = parsed?.protocol === 'http:' || parsed?.protocol === 'https:';
        if (!httpish && reply.status !== 400) return void problems.push(`${what}: status ${reply.status} for a ${parsed?.protocol ?? 'malformed'} URL (want 400)`);
        if (!httpish && canary!.hits.includes(id)) return void problems.push(`${what}: a ${parsed?.protocol ?? 'malformed'} URL reached the canary`);
        if (reply.status === 200 && !text.includes(canaryMarker) && !(p.proxy && 'redirect' in p.proxy && text.length === 0)) {
          // a 200 from the proxy is the canary's body (or the server's own page, fetched through itself)
          if (!pageHashes.has(sha(body)) && !text.startsWith('<!doctype')) return void problems.push(`${what}: proxy 200 with bytes not from the canary: ${text.slice(0, 120)}`);
        }
        if (reply.status === 200 && text.includes(canaryMarker) && !canary!.hits.includes(id)) return void problems.push(`${what}: canary bytes but the canary saw no request`);
      }
    };

    // run the requests, `parallel` at a time; held (slowloris) ones do not take a slot
    const ids = s.requests.map((_, i) => `r-${i}-${nonce.slice(0, 6)}`);
    const heldRuns: Promise<void>[] = [];
    let next = 0;
    const lane = async () => {
      while (next < s.requests.length) {
        const i = next++;
        if (s.requests[i].send === 'hold') heldRuns.push(one(s.requests[i], ids[i]));
        else await one(s.requests[i], ids[i]);
      }
    };
    await Promise.all(Array.from({ length: s.parallel }, lane));
    await growth;
    // while the slowloris connections still hang, the server must still answer
    const alive = await exchange(port, Buffer.from(`GET /api/inputs HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${TOKEN}: ${token}\r\nConnection: close\r\n\r\n`), 'whole', () => false, Promise.resolve());
    releaseHeld();
    await Promise.all(heldRuns);
    if (alive.status !== 200 || alive.body.toString('utf8') !== inputsJson) problems.push(`with half-sent requests held open, /api/inputs gave ${alive.status} ${alive.body.toString('latin1').slice(0, 100)}`);

    // the canary: each request it got must come from a request the server had to honour
    for (const hit of canary.hits) {
      if (hit.startsWith('input')) continue; // URLs given on the command line
      const i = ids.indexOf(hit);
      if (i < 0) {
        problems.push(`the canary got a request no fuzz request asked for: ${hit}`);
        break;
      }
      if (!authorized(s.requests[i])) {
        problems.push(`request ${hit} reached the canary without the right token and same-origin headers: ${JSON.stringify(s.requests[i])}`);
        break;
      }
    }
    if (serve.exited()) problems.unshift(`the server died: ${serve.stderr().slice(0, 500)}`);
    else if (serve.stderr()) problems.unshift(`the server wrote to stderr: ${serve.stderr().slice(0, 500)}`);
    const code = await stopServe(serve);
    const rssMiB = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : NaN;
    if (!problems.length && code !== 0) problems.push(`exit ${code} on SIGTERM`);
    if (!problems.length && !(rssMiB < RSS_LIMIT_MIB)) problems.push(`peak RSS ${rssMiB.toFixed(1)} MiB (limit ${RSS_LIMIT_MIB})`);
    serve = undefined;
    return problems.length ? fail(problems[0], rssMiB) : { requests, refused, filesChecked, rssMiB, canaryHits: canary.hits.length, ms: Date.now() - started };
  } catch (e) {
    return fail(`the fuzzer: ${(e as Error).stack ?? e}`);
  } finally {
    if (serve && !serve.exited()) serve.child.kill('SIGKILL');
    canary?.server.closeAllConnections();
    canary?.server.close();
    if (process.env.FUZZ_KEEP) console.log(`fuzz-serve: seed ${s.seed} ran in ${dir} (kept: FUZZ_KEEP is set)`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

function stopServe(s: Started): Promise<number | null> {
  return new Promise((resolve) => {
    if (s.exited()) return resolve(null);
    s.child.removeAllListeners('exit');
    const timer = setTimeout(() => s.child.kill('SIGKILL'), 10_000);
    s.child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    s.child.kill('SIGTERM');
  });
}

// ---- saving and replaying ------------------------------------------------------

/** Save a failing scenario as fixtures/fuzz-serve/seed-S.json (replayed by test/fuzz-serve.test.ts). */
export function saveScenario(s: Scenario, failure: string): string {
  mkdirSync(SERVE_FUZZ_DIR, { recursive: true });
  const name = `seed-${s.seed}.json`;
  writeFileSync(join(SERVE_FUZZ_DIR, name), JSON.stringify({ failure, scenario: s }, null, 1) + '\n');
  return name;
}

export function savedScenarios(): string[] {
  return existsSync(SERVE_FUZZ_DIR) ? readdirSync(SERVE_FUZZ_DIR).filter((f) => f.endsWith('.json')).sort() : [];
}

export function loadScenario(name: string): Scenario {
  return JSON.parse(readFileSync(join(SERVE_FUZZ_DIR, name), 'utf8')).scenario;
}

export interface ServeFuzzStats {
  scenarios: number;
  requests: number;
  refused: number;
  filesChecked: number;
  canaryHits: number;
  peakRssMiB: number;
  slowestMs: number;
  failures: { seed: number; failure: string; file?: string }[];
}

/** Scenarios from `seed` on, until `count` are run or the deadline passes. */
export async function fuzzServe(opts: { seed: number; count?: number; deadline?: number; save?: boolean; log?: (line: string) => void; onProgress?: (s: ServeFuzzStats) => void; progressMs?: number }): Promise<ServeFuzzStats> {
  const stats: ServeFuzzStats = { scenarios: 0, requests: 0, refused: 0, filesChecked: 0, canaryHits: 0, peakRssMiB: 0, slowestMs: 0, failures: [] };
  let lastProgress = Date.now();
  for (let i = 0; (opts.count === undefined || i < opts.count) && (opts.deadline === undefined || Date.now() < opts.deadline); i++) {
    const s = generate((opts.seed + i) >>> 0);
    const o = await runScenario(s);
    stats.scenarios++;
    stats.requests += o.requests;
    stats.refused += o.refused;
    stats.filesChecked += o.filesChecked;
    stats.canaryHits += o.canaryHits;
    stats.peakRssMiB = Math.max(stats.peakRssMiB, o.rssMiB || 0);
    stats.slowestMs = Math.max(stats.slowestMs, o.ms);
    if (o.failure) {
      const file = opts.save ? saveScenario(s, o.failure) : undefined;
      stats.failures.push({ seed: s.seed, failure: o.failure, file });
      opts.log?.(`fuzz-serve: seed ${s.seed}: ${o.failure}${file ? ` → fixtures/fuzz-serve/${file}` : ''}`);
    }
    if (opts.progressMs && Date.now() - lastProgress > opts.progressMs) {
      lastProgress = Date.now();
      opts.log?.(`fuzz-serve: ${stats.scenarios} scenarios, ${stats.requests} requests (${stats.refused} refused, ${stats.filesChecked} file reads checked), ${stats.canaryHits} canary hits, peak RSS ${stats.peakRssMiB.toFixed(0)} MiB, ${stats.failures.length} failures`);
      opts.onProgress?.(stats);
    }
  }
  opts.onProgress?.(stats);
  return stats;
}
