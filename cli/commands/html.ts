import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../bindings/errors.js';
import { openInputs, inputBytes } from '../source.js';
import { Output } from '../io.js';
import { collectModules, loaderExpression } from '../repo/inline.js';
import { defineCommand } from '../command.js';

const PACKAGE = new URL('../../../', import.meta.url).pathname;
const ENTRY = /<script type="module" src="\/dist\/([^"]+)"><\/script>/;

/** JSON inside a <script>: nothing in it may close the element or open a comment. */
const scriptSafe = (s: string) => s.replace(/</g, '\\u003c');
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const html = defineCommand({
  name: 'html',
  summary: 'one self-contained HTML report of a run (the viewer, no server)',
  usage: 'subunit html [FILE|-]... > report.html',
  description:
    'Writes one HTML file holding the viewer of subunit serve — totals, the test table with its\n' +
    'filters (id, status, worker, tag) and sorting, details with tracebacks and attachments, the\n' +
    'per-worker timeline, output outside tests — and the run itself (gzip, base64), so it opens\n' +
    'from a file:// URL with no network and no server. The viewer\'s own modules are embedded, not\n' +
    'a copy of them. Exit status 0 (2 on a usage or input error).',
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
    const entry = ENTRY.exec(page);
    if (!entry) throw new InputError(`${pagePath}: no <script type="module" src="/dist/…"> to start the viewer`, pagePath);
    const modules = collectModules(PACKAGE + 'dist', [entry[1]]);
    const name = names.join(' + ') || 'run';
    const boot = `<script>
(() => {
  const viewer = ${scriptSafe(loaderExpression(modules, entry[1]))};
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
  // the viewer asks its server for the runs to open: here there is none, and the run is in the page
  const fetchFromNetwork = window.fetch.bind(window);
  window.fetch = (input, init) => String(input) === '/api/inputs' ? Promise.resolve(new Response('[]')) : fetchFromNetwork(input, init);
  const app = document.createElement('script');
  app.type = 'module';
  app.src = viewer.entry;
  // opened as a dropped file is: the viewer's own path for a local run
  app.onload = async () => {
    const files = new DataTransfer();
    files.items.add(await run);
    document.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }));
  };
  document.body.append(app);
})();
</script>`;
    const out = new Output();
    await out.write(
      page
        .replace(/<title>[^<]*<\/title>/, `<title>${escapeHtml(name)} — subunit html</title>`)
        .replace(ENTRY, () => boot),
    );
    await out.flush();
    return 0;
  },
});
