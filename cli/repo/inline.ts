// The viewer's compiled modules (dist/web/, dist/bindings/) as one page that
// needs no server: every module's text is embedded, and the page turns them
// into blob: URLs in dependency order, each import pointing at its
// dependency's blob. Nothing is forked: the modules are the viewer's own.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { InputError } from '../../bindings/codec/errors.js';

/** `import … from './x.js'`, `export … from`, `import './x.js'`, `import('./x.js')`, `new URL('./x.js', import.meta.url)`. */
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(?\s*|new URL\(\s*)(['"])(\.{1,2}\/[^'"]+)\2(\s*,\s*import\.meta\.url\s*\))?/g;

export interface InlinedModule {
  /** Path relative to the dist root, e.g. "web/app.js". */
  key: string;
  /** The text with each relative specifier replaced by a placeholder naming the dependency's key. */
  code: string;
  deps: string[];
  /** Modules started as Workers (`new URL('./worker.js', import.meta.url)`): loaded in the worker, not here. */
  workers: string[];
}

const marker = (key: string) => `\u0000${key}\u0000`;
const workerMarker = (key: string) => `\u0001${key}\u0001`;

/**
 * The modules reachable from `entries` (paths under `root`), dependencies
 * first. A cycle cannot be loaded this way (a blob URL is made once its
 * dependencies have theirs): it is reported.
 */
export function collectModules(root: string, entries: string[]): Map<string, InlinedModule> {
  const done = new Map<string, InlinedModule>();
  const visiting = new Set<string>();
  const visit = (key: string): void => {
    if (done.has(key)) return;
    if (visiting.has(key)) throw new InputError(`${key}: import cycle; the viewer cannot be inlined`, key);
    visiting.add(key);
    let text: string;
    try {
      text = readFileSync(join(root, key), 'utf8');
    } catch {
      throw new InputError(`${join(root, key)}: the built viewer is missing (run npm run build)`, key);
    }
    const deps: string[] = [];
    const workers: string[] = [];
    const code = text.replace(SPECIFIER, (_all, lead: string, quote: string, spec: string, metaUrl: string | undefined) => {
      const dep = relative(root, join(dirname(join(root, key)), spec)).split(sep).join('/');
      if (!metaUrl) {
        deps.push(dep);
        return `${lead}${quote}${marker(dep)}${quote}`;
      }
      // new URL('./worker.js', import.meta.url): the URL of a worker bootstrap that loads it
      workers.push(dep);
      return `new URL(${quote}${workerMarker(dep)}${quote})`;
    });
    for (const d of deps) visit(d);
    visiting.delete(key);
    done.set(key, { key, code, deps, workers });
    for (const w of workers) visit(w);
  };
  for (const e of entries) visit(e);
  return done;
}

/** `entries` and what they import, dependencies first, each module once. */
function graphOf(all: Map<string, InlinedModule>, entries: string[]): InlinedModule[] {
  const out: InlinedModule[] = [];
  const seen = new Set<string>();
  const walk = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const d of all.get(key)!.deps) walk(d);
    out.push(all.get(key)!);
  };
  entries.forEach(walk);
  return out;
}

/**
 * Source of an expression that loads the `entries`' module graph where it runs
 * (page or worker): each module becomes a blob: URL, its imports pointing at
 * its dependencies' blobs; a Worker's module graph is embedded in a bootstrap
 * script the Worker runs, which makes the blob URLs itself (a module worker
 * on a file:// page cannot import the page's blob URLs), holds the messages
 * that arrive before the module has loaded, then hands them to it.
 * Evaluates to { entries: the entries' blob URLs, workers: the bootstraps' URLs }:
 * a bootstrap is a classic script (Chromium refuses a module Worker from a
 * blob: URL on a file:// page; a classic one may still import()).
 */
export function loaderExpression(all: Map<string, InlinedModule>, entries: string[]): string {
  const graph = graphOf(all, entries);
  const workers = [...new Set(graph.flatMap((m) => m.workers))];
  const bootstraps = workers.map((w) => [w, workerBootstrap(all, w)]);
  // the markers are matched by escapes, not the characters: an HTML parser turns a NUL inside <script> into U+FFFD
  return `((modules, bootstraps) => {
  const urls = new Map();
  const blob = (text) => URL.createObjectURL(new Blob([text], { type: 'text/javascript' }));
  const workerUrls = new Map(bootstraps.map(([key, text]) => [key, blob(text)]));
  for (const [key, code] of modules) {
    urls.set(key, blob(code.replace(/\\u0000([^\\u0000]+)\\u0000/g, (_, dep) => urls.get(dep)).replace(/\\u0001([^\\u0001]+)\\u0001/g, (_, w) => workerUrls.get(w))));
  }
  return { entries: ${JSON.stringify(entries)}.map((key) => urls.get(key)), workers: new Set(workerUrls.values()) };
})(${JSON.stringify(graph.map((m) => [m.key, m.code]))}, ${JSON.stringify(bootstraps)})`;
}

function workerBootstrap(all: Map<string, InlinedModule>, entry: string): string {
  return `const early = [];
const hold = (e) => early.push(e.data);
self.addEventListener('message', hold);
import(${loaderExpression(all, [entry])}.entries[0]).then(() => {
  self.removeEventListener('message', hold);
  for (const data of early) self.dispatchEvent(new MessageEvent('message', { data }));
});
`;
}
