// The viewer page (main thread): opens runs, hands them to the decoding
// Worker and renders what it reports, through the table, timeline and
// details modules. Nothing here is proportional to the run per frame.
import { $, run } from './page.js';
import { clearTable, initTable, renderRows, scheduleView } from './table.js';
import { drawTimeline, initTimeline } from './timeline.js';
import { clearDetails, showAttachments, showDetails } from './details.js';
import { TOKEN_HEADER, type Reply, type Request, type Source, type SourceProgress, type TestRow, type Update } from './messages.js';

const CHATTER_LIMIT = 200_000;

/**
 * The server's per-start secret, required on every API request (the server
 * puts it in the page). A `subunit html` report has none: it has no server,
 * so the parts of the page that need one are hidden and nothing asks for it.
 */
const token = document.querySelector<HTMLMetaElement>('meta[name=subunit-token]')?.content;
document.body.classList.toggle('no-server', token === undefined);
// a report opens grouped by test class, as subunit2html's does
if (token === undefined) $<HTMLInputElement>('#group').checked = true;
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const post = (request: Request) => worker.postMessage(request);
const fetchAttachments = (index: number) => post({ type: 'attachments', index });

let generation = 0;
let openedAt = 0;
const chatter = new Map<string, string>();
const routes = new Set<string>();

function select(index: number): void {
  const r = run.rows[index];
  if (!r) return;
  run.selected = index;
  renderRows();
  showDetails(r, fetchAttachments);
}

initTable(select);
initTimeline(select);

// ---- opening runs ----------------------------------------------------------

function openSources(sources: Source[]): void {
  generation++;
  run.rows = [];
  run.selected = -1;
  run.allDone = false;
  chatter.clear();
  routes.clear();
  openedAt = performance.now();
  clearTable();
  clearDetails();
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

/** What the details pane shows of a test changed (not merely more bytes of a file it has). */
const detailsChanged = (before: TestRow | undefined, after: TestRow) =>
  !before || before.status !== after.status || before.attachments !== after.attachments || before.end !== after.end || before.tags.join() !== after.tags.join();

worker.onmessage = ({ data }: MessageEvent<Reply>) => {
  if (data.type === 'attachments') return showAttachments(data);
  if (data.generation !== generation) return;
  let reshow = false;
  for (const row of data.rows) {
    if (row.index === run.selected) reshow = detailsChanged(run.rows[row.index], row);
    run.rows[row.index] = row;
    addRoute(row.route);
  }
  for (const [route, text] of Object.entries(data.chatter)) {
    const all = (chatter.get(route) ?? '') + text;
    chatter.set(route, all.length > CHATTER_LIMIT ? all.slice(-CHATTER_LIMIT) : all);
    addRoute(route);
  }
  run.allDone = data.sources.every((s) => s.done);
  showTotals(data.totals);
  showSources(data.sources);
  showChatter();
  if (data.rows.length) {
    scheduleView();
    drawTimeline();
    if (reshow) showDetails(run.rows[run.selected], fetchAttachments);
  }
};

function addRoute(route: string): void {
  if (routes.has(route)) return;
  routes.add(route);
  refreshWorkers();
}

function showTotals(t: Update['totals']): void {
  // While a run is live, unfinished tests are "running"; once every input has
  // ended they count as failed, exactly as `subunit stats` counts them.
  const failed = run.allDone ? t.failed : t.failed - t.incomplete;
  const set = (name: string, n: number) => ($(`[data-total=${name}] .n`).textContent = n.toLocaleString('en'));
  set('tests', t.tests);
  set('passed', t.passed);
  set('failed', failed);
  set('skipped', t.skipped);
  set('running', t.incomplete);
  $('[data-total=running] .label').textContent = run.allDone ? 'unfinished' : 'running';
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

// ---- workers and their output outside tests ----------------------------------------------

function refreshWorkers(): void {
  const sorted = [...routes].sort();
  for (const [list, withAny] of [[$<HTMLSelectElement>('#worker'), true], [$<HTMLSelectElement>('#chatter-route'), false]] as const) {
    const current = list.value;
    list.innerHTML = withAny ? '<option value="">any worker</option>' : '';
    for (const r of sorted) {
      if (!withAny && !chatter.has(r)) continue;
      const o = document.createElement('option');
      o.value = '=' + r; // '=' keeps the unrouted worker ('') distinct from "any"
      o.textContent = r === '' ? '(no route code)' : `worker ${r}`;
      list.append(o);
    }
    list.value = current;
  }
}

$('#chatter-route').addEventListener('change', () => showChatter());
function showChatter(): void {
  const list = $<HTMLSelectElement>('#chatter-route');
  if (!list.value && chatter.size) refreshWorkers();
  if (!list.value && list.options.length) list.value = list.options[0].value;
  list.hidden = chatter.size === 0;
  const pre = $('#chatter pre');
  const text = chatter.get(list.value.slice(1)) || (chatter.size ? '' : 'none: every byte of the run was subunit');
  if (pre.textContent !== text) pre.textContent = text;
}

// ---- start: the runs named on the command line -------------------------------------------

if (token !== undefined) {
  fetch('/api/inputs', { headers: { [TOKEN_HEADER]: token } })
    .then((r) => r.json())
    .then((inputs: { name: string; url: string }[]) => {
      if (inputs.length) openSources(inputs);
    });
}
