// The test table: the filtered, sorted view is rebuilt at most a few times a
// second, and only the rows in sight exist in the DOM. Grouped by class, a
// header row per class (its counts; a click folds it) precedes its tests.
import { $, run, failed, duration, seconds, workerName, testClass } from './page.js';
import type { TestRow } from './messages.js';

const ROW_HEIGHT = 22;
const VIEW_INTERVAL_MS = 300;

interface Group {
  name: string;
  size: number;
  passed: number;
  failed: number;
  skipped: number;
}

/** What is drawn, in order: a test's row index (≥ 0), or -1 - k for the header of groups[k]. */
let view: number[] = [];
let groups: Group[] = [];
/** Classes folded by the reader: kept across rebuilds, forgotten with the run. */
const folded = new Set<string>();
/** The run's classes by number, and each row's class number, worked out once (a row's id never changes). */
let classNumbers = new Map<string, number>();
let classNames: string[] = [];
let classOfRow: number[] = [];
let viewTimer: ReturnType<typeof setTimeout> | undefined;
let lastView = 0;
let onSelect: (index: number) => void = () => {};

const table = $('#table');
const pool: HTMLDivElement[] = [];

export function initTable(select: (index: number) => void): void {
  onSelect = select;
  for (const id of ['#filter', '#tag']) $(id).addEventListener('input', () => scheduleView(true));
  for (const id of ['#status', '#worker', '#sort', '#group']) $(id).addEventListener('change', () => scheduleView(true));
  table.addEventListener('scroll', () => requestAnimationFrame(renderRows));
  new ResizeObserver(() => renderRows()).observe(table);
}

/** A new run: none of the old rows may be drawn (the next view rebuild draws the new ones). */
export function clearTable(): void {
  view = [];
  groups = [];
  classNumbers = new Map();
  classNames = [];
  classOfRow = [];
  folded.clear();
}

function toggleGroup(name: string): void {
  if (!folded.delete(name)) folded.add(name);
  scheduleView(true);
}

export function scheduleView(now = false): void {
  if (viewTimer !== undefined) return;
  const wait = now ? 0 : Math.max(0, VIEW_INTERVAL_MS - (performance.now() - lastView));
  viewTimer = setTimeout(() => {
    viewTimer = undefined;
    lastView = performance.now();
    rebuildView();
  }, wait);
}

function rebuildView(): void {
  const { rows } = run;
  const text = $<HTMLInputElement>('#filter').value.toLowerCase();
  const status = $<HTMLSelectElement>('#status').value;
  const route = $<HTMLSelectElement>('#worker').value;
  const tag = $<HTMLInputElement>('#tag').value;
  const sort = $<HTMLSelectElement>('#sort').value;
  view = [];
  for (const r of rows) {
    if (!r || (text && !r.id.toLowerCase().includes(text))) continue;
    if (status && (status === 'failed' ? !failed(r) : r.status !== status)) continue;
    if (route && r.route !== route.slice(1)) continue;
    if (tag && !r.tags.some((t) => t.includes(tag))) continue;
    view.push(r.index);
  }
  if (sort === 'name') view.sort((a, b) => (rows[a].id < rows[b].id ? -1 : rows[a].id > rows[b].id ? 1 : 0));
  else if (sort === 'duration') view.sort((a, b) => (duration(rows[b]) || 0) - (duration(rows[a]) || 0));
  const shown = view.length;
  groups = [];
  if ($<HTMLInputElement>('#group').checked) view = groupByClass(view);
  $('#count').textContent = `${shown.toLocaleString('en')} of ${rows.length.toLocaleString('en')}${groups.length ? `, ${groups.length.toLocaleString('en')} classes` : ''}`;
  $('#spacer').style.height = `${view.length * ROW_HEIGHT}px`;
  renderRows();
}

function classOf(row: number): number {
  if (classOfRow[row] !== undefined) return classOfRow[row];
  const name = testClass(run.rows[row].id);
  let c = classNumbers.get(name);
  if (c === undefined) classNumbers.set(name, (c = classNames.push(name) - 1));
  return (classOfRow[row] = c);
}

/**
 * The tests (in display order) under their classes, classes in order of
 * their first test; folded ones keep only their header. A counting sort over
 * class numbers: it runs on every rebuild of a big run's view.
 */
function groupByClass(tests: number[]): number[] {
  const testClasses = Int32Array.from(tests, classOf);
  const size = new Int32Array(classNames.length);
  const counts = new Int32Array(classNames.length * 3);
  const order: number[] = [];
  tests.forEach((row, k) => {
    const c = testClasses[k];
    if (size[c]++ === 0) order.push(c);
    const r = run.rows[row];
    // counted as the totals are: passed = success + xfail, failed as `subunit stats` (running tests are neither yet)
    if (r.status === 'success' || r.status === 'xfail') counts[3 * c]++;
    else if (failed(r)) counts[3 * c + 1]++;
    else if (r.status === 'skip') counts[3 * c + 2]++;
  });
  groups = order.map((c) => ({ name: classNames[c], size: size[c], passed: counts[3 * c], failed: counts[3 * c + 1], skipped: counts[3 * c + 2] }));
  // where each class's next test goes (-1: folded, only its header is drawn)
  const next = new Int32Array(classNames.length);
  const headers: number[] = [];
  let length = 0;
  for (const c of order) {
    const open = !folded.has(classNames[c]);
    headers.push(length);
    next[c] = open ? length + 1 : -1;
    length += 1 + (open ? size[c] : 0);
  }
  const out = new Array<number>(length);
  headers.forEach((at, k) => (out[at] = -1 - k));
  tests.forEach((row, k) => {
    const c = testClasses[k];
    if (next[c] >= 0) out[next[c]++] = row;
  });
  return out;
}

export function renderRows(): void {
  const first = Math.floor(table.scrollTop / ROW_HEIGHT);
  const count = Math.min(view.length - first, Math.ceil(table.clientHeight / ROW_HEIGHT) + 1);
  while (pool.length < count) {
    const div = document.createElement('div');
    div.className = 'row';
    div.innerHTML = '<span class="status"></span><span class="id"></span><span class="worker num"></span><span class="time num"></span><span class="counts num"></span>';
    div.addEventListener('click', () => (div.dataset.class !== undefined ? toggleGroup(div.dataset.class) : onSelect(Number(div.dataset.index))));
    table.append(div);
    pool.push(div);
  }
  pool.forEach((div, i) => {
    if (i >= count) return void (div.style.display = 'none');
    const at = view[first + i];
    div.style.display = '';
    div.style.top = `${(first + i) * ROW_HEIGHT}px`;
    if (at < 0) showGroup(div, groups[-1 - at]);
    else showTest(div, run.rows[at]);
  });
}

function showTest(div: HTMLDivElement, r: TestRow): void {
  delete div.dataset.class;
  div.dataset.index = String(r.index);
  div.classList.remove('group');
  div.classList.toggle('selected', r.index === run.selected);
  const [status, id, route, time] = div.children as unknown as HTMLSpanElement[];
  status.textContent = r.status;
  status.className = `status s-${r.status}`;
  id.textContent = r.id;
  id.title = r.id;
  route.textContent = workerName(r.route);
  time.textContent = seconds(duration(r));
}

function showGroup(div: HTMLDivElement, g: Group): void {
  delete div.dataset.index;
  div.dataset.class = g.name;
  div.classList.add('group');
  div.classList.remove('selected');
  const [status, id, , , counts] = div.children as unknown as HTMLSpanElement[];
  const open = !folded.has(g.name);
  status.textContent = `${open ? '▾' : '▸'} ${g.size.toLocaleString('en')}`;
  status.className = `status ${g.failed ? 's-fail' : ''}`;
  id.textContent = g.name || '(no class)';
  id.title = `${g.name || '(no class)'}: click to ${open ? 'fold' : 'unfold'}`;
  const n = (k: number) => k.toLocaleString('en');
  counts.textContent = `${n(g.passed)} passed · ${n(g.failed)} failed · ${n(g.skipped)} skipped`;
}
