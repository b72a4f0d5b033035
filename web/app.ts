// The viewer page (main thread): renders what the Worker reports. Nothing here
// is proportional to the run per frame: the table draws only visible rows,
// the timeline is drawn in slices across animation frames, and the filtered
// view is rebuilt at most a few times a second.
import type { Attachment, SourceProgress, TestRow, Update } from './model.js';
import type { Request, Source } from './worker.js';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;
const ROW_HEIGHT = 22;
const LANE_HEIGHT = 18;
const LABEL_WIDTH = 90;
const AXIS_HEIGHT = 16;
const ROWS_PER_SLICE = 20_000;
const DRAW_INTERVAL_MS = 500;
const VIEW_INTERVAL_MS = 300;
const CHATTER_LIMIT = 200_000;
const FAILED = new Set(['fail', 'uxsuccess']);
const COLOURS: Record<string, string> = {};
for (const s of ['success', 'fail', 'uxsuccess', 'xfail', 'skip', 'inprogress', 'exists']) {
  COLOURS[s] = getComputedStyle(document.documentElement).getPropertyValue(`--${s}`).trim();
}

/** The server's per-start secret, required on every API request (the server puts it in the page). */
const token = $<HTMLMetaElement>('meta[name=subunit-token]').content;
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const post = (request: Request) => worker.postMessage(request);

let generation = 0;
let rows: TestRow[] = [];
let view: number[] = [];
let selected = -1;
let openedAt = 0;
let allDone = false;
const chatter = new Map<string, string>();
const routes = new Set<string>();

// ---- opening runs ----------------------------------------------------------

function openSources(sources: Source[]): void {
  generation++;
  rows = [];
  view = [];
  selected = -1;
  chatter.clear();
  routes.clear();
  allDone = false;
  openedAt = performance.now();
  $('#details').innerHTML = '<p class="hint">Select a test to see its details and attachments.</p>';
  refreshWorkers();
  post({ type: 'open', generation, sources, token });
  scheduleView();
}

$('#open-url').addEventListener('submit', (e) => {
  e.preventDefault();
  const url = $<HTMLInputElement>('#url').value.trim();
  // fetched by the local server: no CORS limits, and the page only talks to 127.0.0.1
  openSources([{ name: url, url: `/api/proxy?url=${encodeURIComponent(url)}` }]);
});
$<HTMLInputElement>('#file').addEventListener('change', (e) => {
  const files = Array.from((e.target as HTMLInputElement).files ?? []);
  if (files.length) openSources(files.map((file) => ({ name: file.name, file })));
});
document.addEventListener('dragover', (e) => {
  e.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', (e) => {
  if (e.relatedTarget === null) document.body.classList.remove('dragging');
});
document.addEventListener('drop', (e) => {
  e.preventDefault();
  document.body.classList.remove('dragging');
  const files = Array.from(e.dataTransfer?.files ?? []);
  if (files.length) openSources(files.map((file) => ({ name: file.name, file })));
});

// ---- updates from the worker --------------------------------------------------

worker.onmessage = ({ data }: MessageEvent<Update | { type: 'attachments'; index: number; attachments: Attachment[] }>) => {
  if (data.type === 'attachments') return showAttachments(data.index, data.attachments);
  if (data.generation !== generation) return;
  for (const row of data.rows) {
    rows[row.index] = row;
    if (!routes.has(row.route)) {
      routes.add(row.route);
      refreshWorkers();
    }
  }
  for (const [route, text] of Object.entries(data.chatter)) {
    const all = (chatter.get(route) ?? '') + text;
    chatter.set(route, all.length > CHATTER_LIMIT ? all.slice(-CHATTER_LIMIT) : all);
    if (!routes.has(route)) {
      routes.add(route);
      refreshWorkers();
    }
  }
  allDone = data.sources.every((s) => s.done);
  showTotals(data.totals);
  showSources(data.sources);
  showChatter();
  if (data.rows.length) {
    scheduleView();
    drawTimeline();
    if (data.rows.some((r) => r.index === selected)) showDetails(selected);
  }
};

function showTotals(t: Update['totals']): void {
  // While a run is live, unfinished tests are "running"; once every input has
  // ended they count as failed, exactly as `subunit stats` counts them.
  const failed = allDone ? t.failed : t.failed - t.incomplete;
  const set = (name: string, n: number) => ($(`[data-total=${name}] .n`).textContent = n.toLocaleString('en'));
  set('tests', t.tests);
  set('passed', t.passed);
  set('failed', failed);
  set('skipped', t.skipped);
  set('running', t.incomplete);
  $('[data-total=running] .label').textContent = allDone ? 'unfinished' : 'running';
}

const mb = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)} MB`;

function showSources(sources: SourceProgress[]): void {
  const seconds = (performance.now() - openedAt) / 1000;
  $('#sources').innerHTML = '';
  for (const s of sources) {
    const line = document.createElement('div');
    let text = `${s.name}: ${mb(s.bytes)}`;
    if (s.total && s.bytes < s.total) {
      const left = ((s.total - s.bytes) / (s.bytes / seconds || 1)).toFixed(0);
      text += ` of ${mb(s.total)} (${Math.floor((100 * s.bytes) / s.total)}%, about ${left} s left)`;
    }
    if (s.gzip) text += ', gzip';
    text += s.error ? '' : s.done ? ', complete' : s.total && s.bytes >= s.total ? ', following' : ', reading';
    line.textContent = text;
    if (s.error) {
      const err = document.createElement('span');
      err.className = 'error';
      err.textContent = ` — ${s.error}`;
      line.append(err);
    }
    $('#sources').append(line);
  }
}

// ---- table -------------------------------------------------------------------------

let viewTimer: ReturnType<typeof setTimeout> | undefined;
let lastView = 0;
function scheduleView(now = false): void {
  if (viewTimer !== undefined) return;
  const wait = now ? 0 : Math.max(0, VIEW_INTERVAL_MS - (performance.now() - lastView));
  viewTimer = setTimeout(() => {
    viewTimer = undefined;
    lastView = performance.now();
    rebuildView();
  }, wait);
}

const duration = (r: TestRow) => r.end - r.start;

function rebuildView(): void {
  const text = $<HTMLInputElement>('#filter').value.toLowerCase();
  const status = $<HTMLSelectElement>('#status').value;
  const route = $<HTMLSelectElement>('#worker').value;
  const tag = $<HTMLInputElement>('#tag').value;
  const sort = $<HTMLSelectElement>('#sort').value;
  view = [];
  for (const r of rows) {
    if (!r || (text && !r.id.toLowerCase().includes(text))) continue;
    if (status && (status === 'failed' ? !FAILED.has(r.status) : r.status !== status)) continue;
    if (route && r.route !== route.slice(1)) continue;
    if (tag && !r.tags.some((t) => t.includes(tag))) continue;
    view.push(r.index);
  }
  if (sort === 'name') view.sort((a, b) => (rows[a].id < rows[b].id ? -1 : rows[a].id > rows[b].id ? 1 : 0));
  else if (sort === 'duration') view.sort((a, b) => (duration(rows[b]) || 0) - (duration(rows[a]) || 0));
  $('#count').textContent = `${view.length.toLocaleString('en')} of ${rows.length.toLocaleString('en')}`;
  $('#spacer').style.height = `${view.length * ROW_HEIGHT}px`;
  renderRows();
}

for (const id of ['#filter', '#tag']) $(id).addEventListener('input', () => scheduleView(true));
for (const id of ['#status', '#worker', '#sort']) $(id).addEventListener('change', () => scheduleView(true));

const table = $('#table');
const pool: HTMLDivElement[] = [];
table.addEventListener('scroll', () => requestAnimationFrame(renderRows));
new ResizeObserver(() => renderRows()).observe(table);

const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)} s` : '');
const workerName = (route: string) => (route === '' ? '—' : route);

function renderRows(): void {
  const first = Math.floor(table.scrollTop / ROW_HEIGHT);
  const count = Math.min(view.length - first, Math.ceil(table.clientHeight / ROW_HEIGHT) + 1);
  while (pool.length < count) {
    const div = document.createElement('div');
    div.className = 'row';
    div.innerHTML = '<span class="status"></span><span class="id"></span><span class="worker num"></span><span class="time num"></span>';
    div.addEventListener('click', () => select(Number(div.dataset.index)));
    table.append(div);
    pool.push(div);
  }
  pool.forEach((div, i) => {
    if (i >= count) return void (div.style.display = 'none');
    const r = rows[view[first + i]];
    div.style.display = '';
    div.style.top = `${(first + i) * ROW_HEIGHT}px`;
    div.dataset.index = String(r.index);
    div.classList.toggle('selected', r.index === selected);
    const [status, id, route, time] = div.children as unknown as HTMLSpanElement[];
    status.textContent = r.status;
    status.className = `status s-${r.status}`;
    id.textContent = r.id;
    id.title = r.id;
    route.textContent = workerName(r.route);
    time.textContent = seconds(duration(r));
  });
}

function refreshWorkers(): void {
  const sorted = [...routes].sort();
  for (const [select, withAny] of [[$<HTMLSelectElement>('#worker'), true], [$<HTMLSelectElement>('#chatter-route'), false]] as const) {
    const current = select.value;
    select.innerHTML = withAny ? '<option value="">any worker</option>' : '';
    for (const r of sorted) {
      if (!withAny && !chatter.has(r)) continue;
      const o = document.createElement('option');
      o.value = '=' + r; // '=' keeps the unrouted worker ('') distinct from "any"
      o.textContent = r === '' ? '(no route code)' : `worker ${r}`;
      select.append(o);
    }
    select.value = current;
  }
}

// ---- failure details and attachments -------------------------------------------

function select(index: number): void {
  selected = index;
  renderRows();
  showDetails(index);
}

function showDetails(index: number): void {
  const r = rows[index];
  const box = $('#details');
  box.innerHTML = '';
  const h = document.createElement('h2');
  h.textContent = r.id;
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.innerHTML = `<span class="status s-${r.status}">${r.status}</span>`;
  meta.append(` · worker ${workerName(r.route)} · ${seconds(duration(r)) || 'no duration'}${r.tags.length ? ' · tags: ' + r.tags.join(', ') : ''}`);
  box.append(h, meta);
  if (r.attachments) post({ type: 'attachments', index });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function showAttachments(index: number, attachments: Attachment[]): void {
  if (index !== selected) return;
  const box = $('#details');
  box.querySelectorAll('.attachment').forEach((n) => n.remove());
  for (const a of attachments) {
    const part = document.createElement('div');
    part.className = 'attachment';
    const title = document.createElement('h3');
    title.textContent = `${a.name || '(unnamed)'}${a.mimeType ? ` — ${a.mimeType}` : ''}`;
    part.append(title);
    let text: string | undefined;
    if (!/^(image|audio|video)\/|octet-stream/.test(a.mimeType)) {
      try {
        text = utf8.decode(a.bytes);
      } catch {
        text = undefined; // not UTF-8: offer the bytes instead
      }
    }
    if (text !== undefined) {
      const pre = document.createElement('pre');
      pre.textContent = text;
      part.append(pre);
    } else {
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([a.bytes as BlobPart], { type: a.mimeType || 'application/octet-stream' }));
      link.download = a.name || 'attachment.bin';
      link.textContent = `download ${a.bytes.length.toLocaleString('en')} bytes`;
      part.append(link);
    }
    box.append(part);
  }
}

// ---- chatter ---------------------------------------------------------------------------

$('#chatter-route').addEventListener('change', () => showChatter());
function showChatter(): void {
  const select = $<HTMLSelectElement>('#chatter-route');
  if (!select.value && chatter.size) refreshWorkers();
  if (!select.value && select.options.length) select.value = select.options[0].value;
  select.hidden = chatter.size === 0;
  const pre = $('#chatter pre');
  const text = chatter.get(select.value.slice(1)) || (chatter.size ? '' : 'none: every byte of the run was subunit');
  if (pre.textContent !== text) pre.textContent = text;
}

// ---- timeline ----------------------------------------------------------------------------

const canvas = $<HTMLCanvasElement>('#timeline');
const tip = $('#tip');
let lanes: string[] = [];
let laneRows = new Map<string, number[]>();
let span = { t0: 0, t1: 1 };
let drawJob = 0;
let drawQueued = false;

/** Redraw at most every DRAW_INTERVAL_MS; a newer draw cancels one still in progress. */
function drawTimeline(): void {
  if (drawQueued) return;
  drawQueued = true;
  const wait = Math.max(0, DRAW_INTERVAL_MS - (performance.now() - lastDraw));
  setTimeout(() => requestAnimationFrame(redraw), wait);
}

let lastDraw = -Infinity;

// Which status shows where several tests share a pixel: failures win, passes give way.
const PAINT_ORDER = ['', 'success', 'inprogress', 'xfail', 'skip', 'uxsuccess', 'fail'];
const PAINT_RANK: Record<string, number> = Object.fromEntries(PAINT_ORDER.map((s, i) => [s, i]));

/** A running test's bar reaches the latest time seen. */
const endOf = (r: TestRow) => (Number.isFinite(r.end) ? r.end : r.status === 'inprogress' ? span.t1 : r.start);

/**
 * Tests → per lane and pixel column, the most important status touching it
 * (ROWS_PER_SLICE tests per animation frame), then one rectangle per run of
 * equal columns: at most lanes × width rectangles, however big the run.
 */
function redraw(): void {
  drawQueued = false;
  lastDraw = performance.now();
  const job = ++drawJob;
  let t0 = Infinity;
  let t1 = -Infinity;
  const byLane = new Map<string, number[]>();
  for (const r of rows) {
    if (!r || !Number.isFinite(r.start)) continue;
    t0 = Math.min(t0, r.start);
    t1 = Math.max(t1, Number.isFinite(r.end) ? r.end : r.start);
    let list = byLane.get(r.route);
    if (!list) byLane.set(r.route, (list = []));
    list.push(r.index);
  }
  const laneNames = [...byLane.keys()].sort();
  const nextSpan = { t0, t1: Math.max(t1, t0 + 1) };
  const width = canvas.clientWidth;
  const columns = Math.max(1, Math.floor(width - LABEL_WIDTH - 4));
  const scale = columns / (nextSpan.t1 - nextSpan.t0);
  const paint = new Uint8Array(laneNames.length * columns);
  const work = laneNames.flatMap((lane) => byLane.get(lane)!);
  const laneOf = new Map(laneNames.map((lane, i) => [lane, i]));
  let at = 0;
  const slice = () => {
    if (job !== drawJob) return;
    const stop = Math.min(work.length, at + ROWS_PER_SLICE);
    for (; at < stop; at++) {
      const r = rows[work[at]];
      const base = laneOf.get(r.route)! * columns;
      const end = Number.isFinite(r.end) ? r.end : r.status === 'inprogress' ? nextSpan.t1 : r.start;
      const x0 = Math.min(columns - 1, Math.floor((r.start - nextSpan.t0) * scale));
      const x1 = Math.min(columns - 1, Math.floor((end - nextSpan.t0) * scale));
      const rank = PAINT_RANK[r.status] ?? 1;
      for (let x = x0; x <= x1; x++) if (paint[base + x] < rank) paint[base + x] = rank;
    }
    if (at < work.length) requestAnimationFrame(slice);
    else paintLanes(laneNames, byLane, nextSpan, paint, columns, scale);
  };
  slice();
}

function paintLanes(names: string[], byLane: Map<string, number[]>, nextSpan: typeof span, paint: Uint8Array, columns: number, scale: number): void {
  lanes = names;
  laneRows = byLane;
  span = nextSpan;
  canvas.dataset.lanes = String(lanes.length);
  const ratio = window.devicePixelRatio || 1;
  const height = AXIS_HEIGHT + Math.max(1, lanes.length) * LANE_HEIGHT;
  canvas.style.height = `${height}px`;
  canvas.width = canvas.clientWidth * ratio;
  canvas.height = height * ratio;
  const g = canvas.getContext('2d')!;
  g.scale(ratio, ratio);
  g.font = '11px system-ui, sans-serif';
  g.textBaseline = 'middle';
  g.fillStyle = '#66707a';
  lanes.forEach((lane, i) => g.fillText(lane === '' ? '(no route)' : `worker ${lane}`, 4, AXIS_HEIGHT + i * LANE_HEIGHT + LANE_HEIGHT / 2));
  if (!lanes.length) return;
  drawAxis(g, scale, height);
  lanes.forEach((_, lane) => {
    const base = lane * columns;
    for (let x = 0; x < columns; ) {
      const rank = paint[base + x];
      let end = x + 1;
      while (end < columns && paint[base + end] === rank) end++;
      if (rank) {
        g.fillStyle = COLOURS[PAINT_ORDER[rank]];
        g.fillRect(LABEL_WIDTH + x, AXIS_HEIGHT + lane * LANE_HEIGHT + 2, end - x, LANE_HEIGHT - 4);
      }
      x = end;
    }
  });
}
new ResizeObserver(() => drawTimeline()).observe(canvas);

/** Light gridlines at a round step (1, 2 or 5 × 10^k seconds), about six across. */
function drawAxis(g: CanvasRenderingContext2D, scale: number, height: number): void {
  const total = (span.t1 - span.t0) / 1000;
  const rough = total / 6;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  g.fillStyle = '#66707a';
  for (let t = 0; t <= total; t += step) {
    const x = LABEL_WIDTH + t * 1000 * scale;
    g.fillRect(x, AXIS_HEIGHT - 3, 1, height);
    g.fillText(`${Number(t.toPrecision(6))} s`, x + 3, AXIS_HEIGHT / 2);
  }
  g.fillStyle = 'rgba(255, 255, 255, 0.6)'; // fade the gridlines under the bars
  g.fillRect(LABEL_WIDTH, AXIS_HEIGHT, g.canvas.width, height);
}

canvas.addEventListener('mousemove', (e) => {
  const box = canvas.getBoundingClientRect();
  const lane = lanes[Math.floor((e.clientY - box.top - AXIS_HEIGHT) / LANE_HEIGHT)];
  const scale = Math.max(1, Math.floor(canvas.clientWidth - LABEL_WIDTH - 4)) / (span.t1 - span.t0);
  const t = span.t0 + (e.clientX - box.left - LABEL_WIDTH) / scale;
  const slack = 1 / scale; // a pixel, so the thinnest bars can be hovered
  const hit = lane === undefined ? undefined : laneRows.get(lane)?.find((i) => rows[i].start - slack <= t && t <= endOf(rows[i]) + slack);
  if (hit === undefined) return void (tip.style.display = 'none');
  const r = rows[hit];
  tip.textContent = `${r.id} — ${r.status}, ${seconds(duration(r))}, worker ${workerName(r.route)}`;
  tip.style.display = 'block';
  tip.style.left = `${Math.min(e.clientX - box.left + 16, canvas.clientWidth - tip.offsetWidth)}px`;
  tip.style.top = `${e.clientY - box.top + 14}px`;
});
canvas.addEventListener('mouseleave', () => (tip.style.display = 'none'));
canvas.addEventListener('click', () => {
  const text = tip.style.display === 'block' ? tip.textContent : '';
  const hit = rows.find((r) => r && text?.startsWith(`${r.id} — `));
  if (hit) select(hit.index);
});

// ---- start: the runs named on the command line -------------------------------------------

fetch('/api/inputs', { headers: { 'x-subunit-token': token } })
  .then((r) => r.json())
  .then((inputs: { name: string; url: string }[]) => {
    if (inputs.length) openSources(inputs);
  });
