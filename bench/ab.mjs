// node bench/ab.mjs [--rounds N] [--turns N] [--workloads real-run,small-packets,...] ROOT_A ROOT_B ...:
// the same library operations through several builds of the package (each ROOT a
// checkout with `npm run build` done, e.g. a `git worktree` of an older commit).
// For refactors that must not cost speed: the decode rows of bench/run.mjs,
// full-field decode, per-test results and encode. Each build runs in processes of
// its own (two builds in one process share call sites, which then see two sets of
// classes and slow down whichever runs second), the builds taking turns process by
// process so a slow phase of a shared machine hits each alike. Time is CPU time;
// a process reports the median of its rounds, the table the median over turns.
import { resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { realRun, smallPackets, attachments, chatterHeavy } from './workloads.mjs';
import { readAllFields } from './fields.mjs';

const args = process.argv.slice(2);
const r = args.indexOf('--rounds');
const rounds = r < 0 ? 15 : Number(args.splice(r, 2)[1]);
const o = args.indexOf('--workloads');
const only = o < 0 ? undefined : args.splice(o, 2)[1].split(',');
const t = args.indexOf('--turns');
const turns = t < 0 ? 3 : Number(args.splice(t, 2)[1]);
const c = args.indexOf('--child');
const child = c < 0 ? undefined : args.splice(c, 2)[1];
const roots = args.map((a) => resolve(a));
if (!child && roots.length < 2) throw new Error('usage: node bench/ab.mjs [--rounds N] [--turns N] [--workloads ...] ROOT_A ROOT_B ...');

const operations = {
  'decode (id, status)': (bytes, backend, api) => {
    let n = 0;
    for (const e of api.decode(bytes, { backend })) if (e.testId !== undefined && e.status !== undefined) n++;
    return n;
  },
  'decode (every field)': (bytes, backend, api) => {
    let n = 0;
    for (const e of api.decode(bytes, { backend })) n += readAllFields(e);
    return n;
  },
  'TestResults': (bytes, backend, api) => {
    const results = new api.TestResults();
    for (const e of api.decode(bytes, { backend })) results.add(e);
    return results.end().length;
  },
};

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** One process, one build: MB/s per row, median of `rounds` passes. */
async function measure(root) {
  const api = await import(pathToFileURL(`${root}/dist/bindings/index.js`).href);
  const rates = {};
  for (const w of [realRun, smallPackets, attachments, chatterHeavy].map((make) => make()).filter((w) => !only || only.includes(w.name))) {
    const plain = api.decodeAll(w.bytes, { backend: 'js' }).map(api.toPlainEvent);
    const ops = { ...operations, encode: (_bytes, backend) => new api.Encoder({ backend }).encodeAll(plain).length };
    for (const [op, fn] of Object.entries(ops)) {
      for (const backend of ['wasm', 'js']) {
        const times = [];
        let result;
        for (let i = 0; i < rounds; i++) {
          const t0 = cpu();
          result = fn(w.bytes, backend, api);
          times.push(cpu() - t0);
        }
        rates[`| ${w.name} | ${op} | ${backend} |`] = { rate: w.bytes.length / 1e6 / median(times), result };
      }
    }
  }
  return rates;
}

if (child) {
  console.log(JSON.stringify(await measure(child)));
} else {
  const runs = roots.map(() => []);
  for (let turn = 0; turn < turns; turn++) {
    roots.forEach((root, k) => {
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', root, '--rounds', String(rounds), ...(only ? ['--workloads', only.join(',')] : [])], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) throw new Error(`${root}: ${r.stderr}`);
      runs[k].push(JSON.parse(r.stdout));
      console.error(`turn ${turn + 1}/${turns}: ${root} done`);
    });
  }
  const letter = (i) => String.fromCharCode(65 + i);
  console.log(`| workload | operation | backend | ${roots.map((_, i) => `MB/s ${letter(i)}`).join(' | ')} | ${roots.slice(1).map((_, i) => `${letter(i + 1)}/A`).join(' | ')} |`);
  console.log(`|---|---|---|${roots.map(() => '--:').join('|')}|${roots.slice(1).map(() => '--:').join('|')}|`);
  for (const row of Object.keys(runs[0][0])) {
    // every build must do the same work, or the comparison means nothing
    const results = new Set(runs.flat().map((x) => x[row].result));
    if (results.size !== 1) throw new Error(`${row} builds differ: ${[...results].join(', ')}`);
    const rates = runs.map((turnsOf) => median(turnsOf.map((x) => x[row].rate)));
    console.log(`${row} ${rates.map((x) => x.toFixed(0)).join(' | ')} | ${rates.slice(1).map((x) => (x / rates[0]).toFixed(2)).join(' | ')} |`);
  }
  console.log(`\n${roots.map((x, i) => `${letter(i)} = ${x}`).join(', ')}; ${turns} turns of one process per build, ${rounds} passes each; CPU time`);
}
