// The test table: the filtered, sorted view is rebuilt at most a few times a
// second, and only the rows in sight exist in the DOM.
import { $, run, failed, duration, seconds, workerName } from './page.js';

const ROW_HEIGHT = 22;
const VIEW_INTERVAL_MS = 300;

/** Indexes of the rows that pass the filters, in display order. */
let view: number[] = [];
let viewTimer: ReturnType<typeof setTimeout> | undefined;
let lastView = 0;
let onSelect: (index: number) => void = () => {};

const table = $('#table');
const pool: HTMLDivElement[] = [];

export function initTable(select: (index: number) => void): void {
  onSelect = select;
  for (const id of ['#filter', '#tag']) $(id).addEventListener('input', () => scheduleView(true));
  for (const id of ['#status', '#worker', '#sort']) $(id).addEventListener('change', () => scheduleView(true));
  table.addEventListener('scroll', () => requestAnimationFrame(renderRows));
  new ResizeObserver(() => renderRows()).observe(table);
}

/** A new run: none of the old rows may be drawn (the next view rebuild draws the new ones). */
export function clearTable(): void {
  view = [];
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
  $('#count').textContent = `${view.length.toLocaleString('en')} of ${rows.length.toLocaleString('en')}`;
  $('#spacer').style.height = `${view.length * ROW_HEIGHT}px`;
  renderRows();
}

export function renderRows(): void {
  const first = Math.floor(table.scrollTop / ROW_HEIGHT);
  const count = Math.min(view.length - first, Math.ceil(table.clientHeight / ROW_HEIGHT) + 1);
  while (pool.length < count) {
    const div = document.createElement('div');
    div.className = 'row';
    div.innerHTML = '<span class="status"></span><span class="id"></span><span class="worker num"></span><span class="time num"></span>';
    div.addEventListener('click', () => onSelect(Number(div.dataset.index)));
    table.append(div);
    pool.push(div);
  }
  pool.forEach((div, i) => {
    if (i >= count) return void (div.style.display = 'none');
    const r = run.rows[view[first + i]];
    div.style.display = '';
    div.style.top = `${(first + i) * ROW_HEIGHT}px`;
    div.dataset.index = String(r.index);
    div.classList.toggle('selected', r.index === run.selected);
    const [status, id, route, time] = div.children as unknown as HTMLSpanElement[];
    status.textContent = r.status;
    status.className = `status s-${r.status}`;
    id.textContent = r.id;
    id.title = r.id;
    route.textContent = workerName(r.route);
    time.textContent = seconds(duration(r));
  });
}
