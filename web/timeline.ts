// The timeline: one lane per worker, a bar per test, drawn in slices across
// animation frames so no frame is proportional to the run; hover shows a
// test, click opens it.
import { $, run, duration, seconds, workerName } from './page.js';
import type { TestRow } from './messages.js';

const LANE_HEIGHT = 18;
const LABEL_WIDTH = 90;
const AXIS_HEIGHT = 16;
const ROWS_PER_SLICE = 20_000;
const DRAW_INTERVAL_MS = 500;

// Which status shows where several tests share a pixel: failures win, passes give way.
const PAINT_ORDER = ['', 'exists', 'success', 'unknown', 'inprogress', 'xfail', 'skip', 'uxsuccess', 'fail'];
const PAINT_RANK: Record<string, number> = Object.fromEntries(PAINT_ORDER.map((s, i) => [s, i]));
const COLOURS = PAINT_ORDER.map((s) => (s ? getComputedStyle(document.documentElement).getPropertyValue(`--${s}`).trim() : ''));

const canvas = $<HTMLCanvasElement>('#timeline');
const tip = $('#tip');
let lanes: string[] = [];
let laneRows = new Map<string, number[]>();
let span = { t0: 0, t1: 1 };
let drawJob = 0;
let drawQueued = false;
let lastDraw = -Infinity;
/** The index of the test under the pointer (-1: none): what a click opens. */
let hovered = -1;

export function initTimeline(select: (index: number) => void): void {
  new ResizeObserver(() => drawTimeline()).observe(canvas);
  canvas.addEventListener('mousemove', (e) => hover(e));
  canvas.addEventListener('mouseleave', () => {
    hovered = -1;
    tip.style.display = 'none';
  });
  canvas.addEventListener('click', () => {
    if (hovered >= 0) select(hovered);
  });
}

/** Redraw at most every DRAW_INTERVAL_MS; a newer draw cancels one still in progress. */
export function drawTimeline(): void {
  if (drawQueued) return;
  drawQueued = true;
  const wait = Math.max(0, DRAW_INTERVAL_MS - (performance.now() - lastDraw));
  setTimeout(() => requestAnimationFrame(redraw), wait);
}

/** A running test's bar reaches the latest time seen. */
const endOf = (r: TestRow, latest: number) => (Number.isFinite(r.end) ? r.end : r.status === 'inprogress' ? latest : r.start);

/**
 * Tests → per lane and pixel column, the most important status touching it
 * (ROWS_PER_SLICE tests per animation frame), then one rectangle per run of
 * equal columns: at most lanes × width rectangles, however big the run.
 */
function redraw(): void {
  drawQueued = false;
  lastDraw = performance.now();
  const job = ++drawJob;
  const { rows } = run;
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
  const columns = Math.max(1, Math.floor(canvas.clientWidth - LABEL_WIDTH - 4));
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
      const x0 = Math.min(columns - 1, Math.floor((r.start - nextSpan.t0) * scale));
      const x1 = Math.min(columns - 1, Math.floor((endOf(r, nextSpan.t1) - nextSpan.t0) * scale));
      const rank = PAINT_RANK[r.status];
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
        g.fillStyle = COLOURS[rank];
        g.fillRect(LABEL_WIDTH + x, AXIS_HEIGHT + lane * LANE_HEIGHT + 2, end - x, LANE_HEIGHT - 4);
      }
      x = end;
    }
  });
}

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

function hover(e: MouseEvent): void {
  const { rows } = run;
  const box = canvas.getBoundingClientRect();
  const lane = lanes[Math.floor((e.clientY - box.top - AXIS_HEIGHT) / LANE_HEIGHT)];
  const scale = Math.max(1, Math.floor(canvas.clientWidth - LABEL_WIDTH - 4)) / (span.t1 - span.t0);
  const t = span.t0 + (e.clientX - box.left - LABEL_WIDTH) / scale;
  const slack = 1 / scale; // a pixel, so the thinnest bars can be hovered
  const hit = lane === undefined ? undefined : laneRows.get(lane)?.find((i) => rows[i].start - slack <= t && t <= endOf(rows[i], span.t1) + slack);
  hovered = hit ?? -1;
  if (hit === undefined) return void (tip.style.display = 'none');
  const r = rows[hit];
  tip.textContent = `${r.id} — ${r.status}, ${seconds(duration(r))}, worker ${workerName(r.route)}`;
  tip.style.display = 'block';
  tip.style.left = `${Math.min(e.clientX - box.left + 16, canvas.clientWidth - tip.offsetWidth)}px`;
  tip.style.top = `${e.clientY - box.top + 14}px`;
}
