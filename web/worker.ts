// The viewer's decoding Worker: streams every source (a URL the server
// follows, a dropped File) through gzip detection and the wasm DecoderStream
// into one RunModel, and posts what changed a few times a second, so the page
// never decodes and stays responsive.
import { DecoderStream, init } from '../bindings/index.js';
import { RunModel } from './model.js';
import { TOKEN_HEADER, type AttachmentsReply, type Request, type Source, type SourceProgress, type Update } from './messages.js';

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
}
const scope = self as unknown as WorkerScope;

const FLUSH_MS = 150;
// The page deserialises each update on its main thread: keep every one small
// (a few ms), and send a backlog in quick succession instead of all at once.
const ROWS_PER_UPDATE = 4000;
const BACKLOG_FLUSH_MS = 20;
let model = new RunModel();
let generation = 0;
let progress: SourceProgress[] = [];
let flushTimer: ReturnType<typeof setTimeout> | undefined;

scope.onmessage = ({ data }) => {
  if (data.type === 'open') open(data.generation, data.sources, data.token);
  else if (data.type === 'attachments') {
    const reply: AttachmentsReply = { type: 'attachments', index: data.index, attachments: model.attachments(data.index) };
    scope.postMessage(reply);
  }
};

/** Aborted when another run is opened: stops its fetches (a followed file never ends by itself). */
let reading = new AbortController();

function open(gen: number, sources: Source[], token: string | undefined): void {
  reading.abort();
  reading = new AbortController();
  generation = gen;
  model = new RunModel();
  progress = sources.map((s) => ({ name: s.name, bytes: 0, gzip: false, done: false }));
  sources.forEach((s, i) => void read(gen, s, progress[i], token, reading.signal));
  scheduleFlush();
}

async function read(gen: number, source: Source, state: SourceProgress, token: string | undefined, signal: AbortSignal): Promise<void> {
  try {
    let body: ReadableStream<Uint8Array>;
    if ('file' in source) {
      body = source.file.stream();
      state.total = source.file.size;
    } else {
      const response = await fetch(source.url, { signal, headers: token === undefined ? {} : { [TOKEN_HEADER]: token } });
      if (!response.ok || !response.body) throw new Error(`${response.status} ${(await response.text()).trim() || response.statusText}`);
      const size = Number(response.headers.get('content-length') ?? response.headers.get('x-file-size') ?? NaN);
      if (size > 0) state.total = size;
      body = response.body;
    }
    await init('wasm');
    const counted = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          state.bytes += chunk.length;
          out.enqueue(chunk);
        },
      }),
    );
    const events = (await gunzipIfNeeded(counted, state)).pipeThrough(new DecoderStream({ backend: 'wasm' })).getReader();
    signal.addEventListener('abort', () => void events.cancel().catch(() => {}));
    for (;;) {
      const { done, value } = await events.read();
      if (done || gen !== generation) break;
      for (const e of value) model.add(e);
      scheduleFlush();
    }
  } catch (e) {
    if (signal.aborted) return; // replaced by another run: nothing to report
    state.error = (e as Error).message;
  }
  state.done = true;
  scheduleFlush();
}

/** Gzip is recognised by its magic bytes (1f 8b), whatever the name or headers say. */
async function gunzipIfNeeded(body: ReadableStream<Uint8Array>, state: SourceProgress): Promise<ReadableStream<Uint8Array>> {
  const reader = body.getReader();
  let first = await reader.read();
  // two bytes decide; a first chunk of one byte is rare but possible
  while (!first.done && first.value.length < 2) {
    const next = await reader.read();
    if (next.done) break;
    const joined = new Uint8Array(first.value.length + next.value.length);
    joined.set(first.value);
    joined.set(next.value, first.value.length);
    first = { done: false, value: joined };
  }
  const head = first.done ? undefined : first.value;
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head) controller.enqueue(head);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  state.gzip = head !== undefined && head[0] === 0x1f && head[1] === 0x8b;
  return state.gzip ? rest.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>) : rest;
}

function scheduleFlush(soon = false): void {
  if (flushTimer === undefined) flushTimer = setTimeout(flush, soon ? BACKLOG_FLUSH_MS : FLUSH_MS);
}

function flush(): void {
  flushTimer = undefined;
  const { rows, chatter, more } = model.takeChanges(ROWS_PER_UPDATE);
  const update: Update = { type: 'update', generation, rows, totals: model.summary.totals(), chatter, sources: progress };
  scope.postMessage(update);
  if (more) scheduleFlush(true);
}
