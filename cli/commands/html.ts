import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../bindings/codec/errors.js';
import { openInputs, inputBytes } from '../source.js';
import { Output } from '../io.js';
import { collectModules, loaderExpression } from '../repo/inline.js';
import { defineCommand } from '../command.js';

const PACKAGE = new URL('../../../', import.meta.url).pathname;
/** The page's module scripts: the viewer's entries, whose imports name every other module. */
const ENTRY = /<script type="module" src="\/dist\/([^"]+)"><\/script>\n?/g;
/** The server's secret in a served page: a report has no server, and without it the page hides what needs one. */
const TOKEN_META = /<meta name="subunit-token"[^>]*>\n?/;

/** JSON inside a <script>: nothing in it may close the element or open a comment. */
const scriptSafe = (s: string) => s.replace(/</g, '\\u003c');
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const html = defineCommand({
  name: 'html',
  summary: 'one self-contained HTML report of a run (the viewer, no server)',
  usage: 'subunit html [FILE|-]... > report.html',
  description:
    'Writes one HTML file holding the viewer of subunit serve — totals, the test table grouped by\n' +
    'test class with its filters (id, status, worker, tag) and sorting, details with tracebacks\n' +
    'and attachments, the per-worker timeline, output outside tests — and the run itself (gzip,\n' +
    'base64), so it opens from a file:// URL with no network and no server. The viewer\'s own\n' +
    'modules are embedded, not a copy of them; what needs a server (opening a URL) is left out.\n' +
    'Exit status 0 (2 on a usage or input error).',
  options: {},
  async run({ context, positionals }) {
    const chunks: Uint8Array[] = [];
    const names: string[] = [];
    for await (const input of openInputs(positionals)) {
      names.push(input.name === '<stdin>' ? 'stdin' : basename(input.name));
      for await (const c of (await inputBytes(input, context)).chunks) chunks.push(new Uint8Array(c));
    }
    const data = gzipSync(Buffer.concat(chunks)).toString('base64');
    const pagePath = PACKAGE + 'web/index.html';
    let page: string;
    try {
      page = readFileSync(pagePath, 'utf8');
    } catch {
      throw new InputError(`${pagePath}: the viewer page is missing`, pagePath);
    }
    const entries = [...page.matchAll(ENTRY)].map((m) => m[1]);
    if (!entries.length) throw new InputError(`${pagePath}: no <script type="module" src="/dist/…"> to start the viewer`, pagePath);
    const modules = collectModules(PACKAGE + 'dist', entries);
    const name = names.join(' + ') || 'run';
    const boot = `<script>
(() => {
  const viewer = ${scriptSafe(loaderExpression(modules, entries))};
  const NativeWorker = window.Worker;
  window.Worker = class extends NativeWorker {
    constructor(url, options) {
      super(url, viewer.workers.has(String(url)) ? { ...options, type: 'classic' } : options);
    }
  };
  // decoded by the browser's fetch of a data: URL (not a loop on the main thread)
  const run = fetch(${JSON.stringify('data:application/gzip;base64,' + data)})
    .then((r) => r.blob())
    .then((b) => new File([b], ${scriptSafe(JSON.stringify(name + '.gz'))}));
  const loaded = viewer.entries.map((src) => new Promise((resolve, reject) => {
    const entry = document.createElement('script');
    entry.type = 'module';
    entry.async = false; // in page order, as the page's own tags would run
    entry.src = src;
    entry.onload = resolve;
    entry.onerror = reject;
    document.body.append(entry);
  }));
  // opened as a dropped file is: the viewer's own path for a local run
  Promise.all([run, ...loaded]).then(([file]) => {
    const files = new DataTransfer();
    files.items.add(file);
    document.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }));
  });
})();
</script>
`;
    let placed = false; // the boot takes the first entry's place; it loads them all
    const out = new Output();
    await out.write(
      page
        .replace(/<title>[^<]*<\/title>/, `<title>${escapeHtml(name)} — subunit html</title>`)
        .replace(/<h1>[^<]*<\/h1>/, '<h1>subunit html</h1>')
        .replace(TOKEN_META, '')
        .replace(ENTRY, () => (placed ? '' : ((placed = true), boot))),
    );
    await out.flush();
    return 0;
  },
});
