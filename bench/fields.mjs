// Full-field decode: every field of every event read, as python-subunit and
// subunit-js materialise them (bench/run.mjs's "decode (all fields)" rows,
// bench/tools-decode.mjs). A/B of builds:
//   node bench/fields.mjs [--rounds N] [--only real-run,small-packets] [DIST ...]
// each DIST a copy of dist/ (default: ./dist), e.g. `cp -r dist /tmp/A`, change,
// rebuild, `node bench/fields.mjs /tmp/A dist`. Contenders take turns pass by
// pass (a slow phase of the shared machine hits all alike); median ms per
// pass of the process's CPU time (user + system, GC threads included): on a
// machine with more runnable processes than cores, wall time mostly measures
// the waiting (--wall for wall time).
import { resolve } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** Read every field of an event; returns a number so the reads are not dead code. */
export function readAllFields(e) {
  let n = (e.testId?.length ?? 0) + (e.status?.length ?? 0) + (e.tags?.length ?? 0) + (e.mimeType?.length ?? 0);
  n += (e.fileName?.length ?? 0) + (e.fileBytes?.length ?? 0) + (e.routeCode?.length ?? 0) + (e.timestamp?.nanos ?? 0);
  n += (e.runnable ? 1 : 0) + (e.eof ? 1 : 0) + e.offset + e.length;
  return n;
}

/** subunit-js's object for the same fields (it has already made them all). */
export function readAllFieldsSubunitJs(e) {
  let n = (e.testId?.length ?? 0) + (e.status?.length ?? 0) + (e.tags?.length ?? 0) + (e.mimeType?.length ?? 0);
  n += (e.fileName?.length ?? 0) + (e.fileContent?.length ?? 0) + (e.routeCode?.length ?? 0) + (e.timestamp ? 1 : 0);
  n += (e.runnable ? 1 : 0) + (e.eof ? 1 : 0);
  return n;
}

/** subunit-js 0.0.2, the whole buffer in one write (its fastest way); resolves to the events' field sum. */
export function subunitJsAllFields(subunitJs, bytes) {
  return new Promise((done, fail) => {
    const s = new subunitJs.SubunitToObjectStream();
    let events = 0;
    s.on('data', (e) => {
      events++;
      readAllFieldsSubunitJs(e);
    });
    s.on('error', (e) => fail(new Error(String(e))));
    s.on('end', () => done(events));
    s.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  });
}

async function main() {
  const args = process.argv.slice(2);
  const option = (name) => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args.splice(i, 2)[1];
  };
  const rounds = Number(option('--rounds') ?? 15);
  const only = option('--only')?.split(',');
  const wall = args.includes('--wall') && args.splice(args.indexOf('--wall'), 1);
  const now = wall ? () => performance.now() : () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const dists = args.length ? args : ['dist'];
  const { realRun, smallPackets } = await import('./workloads.mjs');
  const subunitJs = createRequire(import.meta.url)('subunit-js');
  const builds = [];
  for (const d of dists) {
    const api = await import(pathToFileURL(resolve(d, 'bindings/index.js')).href);
    builds.push({ name: d, decode: api.decode });
  }
  for (const w of [realRun(), smallPackets()]) {
    if (only && !only.includes(w.name)) continue;
    const tasks = [];
    for (const b of builds) {
      for (const backend of ['wasm', 'js']) {
        tasks.push([`${b.name} ${backend} all fields`, () => {
          let n = 0;
          for (const e of b.decode(w.bytes, { backend })) n += readAllFields(e);
          return n;
        }]);
        tasks.push([`${b.name} ${backend} id + status`, () => {
          let n = 0;
          for (const e of b.decode(w.bytes, { backend })) if (e.testId !== undefined && e.status !== undefined) n++;
          return n;
        }]);
      }
    }
    tasks.push(['subunit-js all fields', () => subunitJsAllFields(subunitJs, w.bytes)]);
    const times = new Map(tasks.map(([name]) => [name, []]));
    for (let r = -1; r < rounds; r++) {
      for (const [name, fn] of tasks) {
        const t = now();
        await fn();
        if (r >= 0) times.get(name).push(now() - t);
      }
    }
    console.log(`${w.name}: ${(w.bytes.length / 1e6).toFixed(1)} MB, median of ${rounds} (min) ms ${wall ? 'wall' : 'CPU'} time, MB/s`);
    for (const [name, ts] of times) {
      ts.sort((a, b) => a - b);
      const med = ts[ts.length >> 1];
      console.log(`  ${name.padEnd(40)} ${med.toFixed(2).padStart(8)} (${ts[0].toFixed(2)})  ${(w.bytes.length / 1e3 / med).toFixed(0).padStart(6)}`);
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
