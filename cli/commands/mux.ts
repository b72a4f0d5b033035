// subunit mux: many inputs (files, stdin, worker processes) → one v2 stream,
// each input's packets under its own route component; stdin packets routed
// back down to the workers.
import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { mux, type MuxInput } from '../../bindings/mux/route.js';
import { Decoder } from '../../bindings/codec/decoder.js';
import { Encoder } from '../../bindings/codec/encoder.js';
import { decodeStream } from '../../bindings/adapters/streams.js';
import { toPlainEvent } from '../../bindings/codec/events.js';
import { utf8WholeEnd } from '../../bindings/codec/utf8.js';
import { UsageError, RunFailure } from '../errors.js';
import type { RunContext } from '../failure.js';
import type { BackendName } from '../../bindings/codec/core.js';
import { openInput, openFill, Output } from '../io.js';
import { defineCommand, BACKEND_OPTION, type ArgToken } from '../command.js';
import { testKey } from '../../bindings/results/outcome.js';

interface Worker {
  route: string;
  command: string;
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Inputs in command-line order; `--route NAME` names the input that follows it. */
function inputsInOrder(tokens: ArgToken[]): { kind: 'cmd' | 'file'; value: string; route?: string }[] {
  const inputs: { kind: 'cmd' | 'file'; value: string; route?: string }[] = [];
  let route: string | undefined;
  for (const t of tokens) {
    if (t.kind === 'option' && t.name === 'route') route = t.value;
    else if ((t.kind === 'option' && t.name === 'cmd') || t.kind === 'positional') {
      inputs.push({ kind: t.kind === 'positional' ? 'file' : 'cmd', value: t.value!, route });
      route = undefined;
    }
  }
  if (route !== undefined) throw new UsageError('--route must come before the input it names');
  return inputs;
}

/** Keep the bytes of an unfinished UTF-8 character for the next chunk. */
function utf8Whole(chunk: Uint8Array, carry: Uint8Array): [Uint8Array, Uint8Array] {
  const b = carry.length ? Buffer.concat([carry, chunk]) : chunk;
  const end = utf8WholeEnd(b);
  return [b.subarray(0, end), b.slice(end)];
}

/** A worker's stderr as `stderr` file packets (the mux adds the route code). */
async function* stderrPackets(stream: NodeJS.ReadableStream, encoder: Encoder): AsyncGenerator<Uint8Array> {
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    let text: Uint8Array;
    [text, carry] = utf8Whole(chunk, carry);
    if (text.length) yield encoder.encode({ fileName: 'stderr', fileBytes: text, mimeType: 'text/plain; charset=utf8' });
  }
  if (carry.length) yield encoder.encode({ fileName: 'stderr', fileBytes: carry, mimeType: 'text/plain; charset=utf8' });
}

/** Tests a worker has in progress, by route code and test id. */
type OpenTests = Map<string, { testId: string; routeCode?: string }>;

/** A worker's stdout, passed through unchanged, while watching which tests it has in progress. */
async function* workerStdout(w: Worker, backend: BackendName, open: OpenTests): AsyncGenerator<Uint8Array> {
  const decoder = new Decoder({ backend, recycle: true }); // events are looked at once, before the next push
  const watch = (events: ReturnType<Decoder['push']>) => {
    for (const e of events) {
      if (e.testId === undefined || e.status === undefined || e.source !== 'packet') continue;
      const key = testKey(e.testId, e.routeCode);
      if (e.status === 'inprogress') open.set(key, { testId: e.testId, routeCode: e.routeCode });
      else open.delete(key);
    }
  };
  for await (const chunk of w.child.stdout as AsyncIterable<Uint8Array>) {
    watch(decoder.push(chunk));
    yield chunk;
  }
  watch(decoder.end());
}

/**
 * After a worker's stdout has gone out whole (`stdoutDone`: a packet its
 * stdout left unfinished has been closed off as text, so nothing can join
 * it) and the worker has exited: a `worker-exit` attachment and a `fail` for
 * each test it left in progress. Records the failure, if any.
 */
async function* workerEpilogue(w: Worker, stdoutDone: Promise<void>, open: OpenTests, encoder: Encoder, failures: string[]): AsyncGenerator<Uint8Array> {
  await stdoutDone;
  const { code, signal } = await w.exit;
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  if (signal || code !== 0) failures.push(`worker ${w.route} (${w.command}) ${how}`);
  else if (open.size > 0) failures.push(`worker ${w.route} (${w.command}) ${how} with ${plural(open.size, 'test')} in progress`);
  const now = new Date();
  for (const t of open.values()) {
    const message = new TextEncoder().encode(`worker ${w.route} (${w.command}) ${how} while this test was in progress\n`);
    yield encoder.encodeAll([
      { ...t, fileName: 'worker-exit', fileBytes: message, mimeType: 'text/plain; charset=utf8', eof: true, timestamp: now },
      { ...t, status: 'fail', timestamp: now },
    ]);
  }
}

/**
 * Stdin routed down to the workers. A worker whose stdin is closed (it exited
 * or closed it) gets no more: the packets for it read after that are dropped
 * and counted, while routing to the others goes on. Routing stops, leaving
 * the rest of stdin unread, once no worker takes stdin, or when stop() is
 * called.
 */
class StdinRouter {
  private stopping = false;
  private readonly done: Promise<void>;
  /** Bytes dropped per worker (route → count). */
  readonly dropped = new Map<string, number>();

  constructor(private readonly workers: Map<string, Worker>, private readonly encoder: Encoder, backend: BackendName, context: RunContext) {
    this.done = this.route(backend, context).finally(() => workers.forEach((w) => w.child.stdin!.end()));
  }

  /** Stop reading stdin (nothing is left to route to) and wait until routing has ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.workers.forEach((w) => w.child.stdin!.destroy()); // a write waiting for room ends
    process.stdin.destroy(); // a read waiting for bytes ends
    await this.done;
  }

  /** `stdin` files for "i/rest" go to worker i as packets for "rest"; for "i", as raw bytes. */
  private async route(backend: BackendName, context: RunContext): Promise<void> {
    const taking = () => [...this.workers.values()].some((w) => takesStdin(w));
    if (!taking()) return;
    for await (const batch of decodeStream(context.guarded('<stdin>', this.untilStopped()), { backend })) {
      for (const e of batch) {
        if (e.fileName !== 'stdin' || e.routeCode === undefined) continue;
        const slash = e.routeCode.indexOf('/');
        const w = this.workers.get(slash < 0 ? e.routeCode : e.routeCode.slice(0, slash));
        if (!w) continue;
        const data = slash < 0 ? e.fileBytes! : this.encoder.encode({ ...toPlainEvent(e), routeCode: e.routeCode.slice(slash + 1) });
        if (!takesStdin(w)) {
          if (this.stopping || !taking()) return; // nothing read from here on is dropped: it stays unread
          this.dropped.set(w.route, (this.dropped.get(w.route) ?? 0) + data.length);
          continue;
        }
        if (!w.child.stdin!.write(data)) await roomOrClose(w.child.stdin!);
      }
      if (!taking()) return;
    }
  }

  /** Stdin's chunks, ending quietly when stop() destroyed it. */
  private async *untilStopped(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of process.stdin as AsyncIterable<Uint8Array>) yield chunk;
    } catch (e) {
      if (!this.stopping) throw e;
    }
  }
}

const plural = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

const takesStdin = (w: Worker) => !w.child.stdin!.destroyed && !w.child.stdin!.writableEnded;

/** Resolves when the stream has room again, or is closed (a write to a worker that exited fails with EPIPE, then closes). */
function roomOrClose(stream: Writable): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

export const muxCommand = defineCommand({
  name: 'mux',
  summary: 'multiplex files, stdin and worker processes into one stream',
  usage: 'subunit mux [--backend wasm|js] [[--route NAME] (--cmd COMMAND | FILE | -)]...',
  description:
    'Each input\'s packets leave with its route component in front of their route codes\n' +
    '("3" → "i/3", none → "i"); i is the input\'s index in command-line order unless\n' +
    '--route NAME precedes it. Non-subunit bytes become stdout packets with that route.\n' +
    '--cmd runs COMMAND through the shell as a worker: its stdout is read as subunit,\n' +
    'its stderr becomes stderr packets. With workers (and no "-" input), stdin carries\n' +
    'v2 packets: a "stdin" file for "i/rest" goes to worker i as a packet for "rest";\n' +
    'for "i" its bytes go raw to worker i\'s stdin; end of stdin closes the workers\'\n' +
    'stdin. Bytes for a worker whose stdin is closed are dropped (and said). Tests a\n' +
    'worker leaves in progress when it exits are failed. The mux exits 1 naming every\n' +
    'worker that failed: exited non-zero, was killed, left tests in progress, or had\n' +
    'routed bytes dropped.',
  options: {
    cmd: { type: 'string', multiple: true, help: 'a worker command (run with sh -c)' },
    route: { type: 'string', multiple: true, help: 'route component for the next input' },
    backend: BACKEND_OPTION,
  },
  async run({ context, values, tokens }) {
    const backend = values.backend;
    const specs = inputsInOrder(tokens);
    if (specs.length === 0) specs.push({ kind: 'file', value: '-' });
    let encoder: Encoder | undefined; // for workers only: a file needs no codec core beyond its own
    const failures: string[] = [];
    const workers = new Map<string, Worker>();
    const routes = new Set<string>();
    const inputs: MuxInput[] = [];
    for (const [i, spec] of specs.entries()) {
      const route = spec.route ?? String(i);
      if (routes.has(route)) throw new UsageError(`route ${JSON.stringify(route)} is given to two inputs`);
      routes.add(route);
      if (spec.kind === 'file') {
        // a read error ends this input; the others go on, and main reports it
        const fill = openFill(spec.value); // a regular file: read straight into the core's memory
        if (fill) inputs.push({ source: context.guardedFill(spec.value, fill), route });
        else {
          const input = await openInput(spec.value);
          inputs.push({ source: context.guarded(input.name, input.chunks), route });
        }
        continue;
      }
      const { spawn } = await import('node:child_process'); // loaded only with workers (startup time)
      const child = spawn('sh', ['-c', spec.value], { stdio: ['pipe', 'pipe', 'pipe'] });
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('close', (code, signal) => resolve({ code, signal })),
      );
      child.stdin.on('error', () => {}); // a worker that does not read its stdin
      const w: Worker = { route, command: spec.value, child, exit };
      encoder ??= new Encoder({ backend });
      workers.set(route, w);
      const open: OpenTests = new Map();
      let stdoutDone!: () => void;
      const done = new Promise<void>((resolve) => (stdoutDone = resolve));
      inputs.push({ source: workerStdout(w, backend, open), route, onEnd: stdoutDone });
      inputs.push({ source: stderrPackets(child.stderr, encoder), route });
      inputs.push({ source: workerEpilogue(w, done, open, encoder, failures), route });
    }
    const stdinIsData = specs.some((s) => s.kind === 'file' && s.value === '-');
    const router = workers.size > 0 && !stdinIsData ? new StdinRouter(workers, encoder!, backend, context) : undefined;
    if (!router) workers.forEach((w) => w.child.stdin!.end());

    // pieces view input areas and carried tails that are reused once the next piece is asked for
    const out = new Output(process.stdout);
    for await (const bytes of mux(inputs, { backend, recycle: true })) await out.writeThrough(bytes);
    await router?.stop(); // every worker has exited: nothing left to route to
    for (const [route, n] of router?.dropped ?? []) {
      failures.push(`worker ${route} (${workers.get(route)!.command}) closed its stdin (dropped ${plural(n, 'byte')} routed to it)`);
    }
    if (failures.length) throw new RunFailure(failures.join('; '));
    return 0;
  },
});
