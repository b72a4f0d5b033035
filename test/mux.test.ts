// `subunit mux` with real processes: trees of muxes, stdin routed down, workers
// that die mid-test, and python-subunit reading the result.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, PYTHON, hasReference, fixtureBytes, normalize, rng } from './helpers.js';
import { encode, decodeAll, eventToJSON, RoutePrefixer, Router, type SubunitEvent } from '../bindings/index.js';

const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;
const WORKER = new URL('./workers/worker.mjs', import.meta.url).pathname;
const node = process.execPath;
const subunit = `"${node}" "${CLI}"`;
const worker = (args: string) => `"${node}" "${WORKER}" ${args}`;
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`; // sh single quotes

function mux(args: string[], input: Uint8Array = new Uint8Array(0), env: Record<string, string> = {}) {
  const r = spawnSync(node, [CLI, 'mux', ...args], { input, env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  return { code: r.status, events: decodeAll(new Uint8Array(r.stdout)), stderr: r.stderr.toString(), stdout: new Uint8Array(r.stdout) };
}

const text = (e: SubunitEvent) => new TextDecoder().decode(e.fileBytes);

const MAXRSS = new URL('./workers/maxrss.cjs', import.meta.url).pathname;

/**
 * The mux as a child, its output read as it comes (after each chunk, a pause
 * of `pauseMs` when given: a slow consumer); the output's size, and the mux's
 * peak RSS in MiB.
 */
async function muxMeasured(args: string[], { cwd, pauseMs }: { cwd: string; pauseMs?: number }) {
  const rssFile = join(cwd, `maxrss-${Math.random().toString(36).slice(2)}`);
  const child = spawn(node, ['--require', MAXRSS, CLI, 'mux', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MAXRSS_FILE: rssFile } });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b));
  let size = 0;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
  }
  const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('close', resolve)));
  return { code, stderr, size, rssMiB: Number(readFileSync(rssFile, 'utf8')) / 1024 };
}

describe('subunit mux', () => {
  it('builds a two-level tree: route codes, chatter attribution, stdin routed two levels down', () => {
    const intermediary = (a: string, b: string) => `${subunit} mux --cmd ${q(worker(`${a} t1`))} --cmd ${q(worker(`${b} t1`))}`;
    const stdin = Buffer.concat([
      encode({ fileName: 'stdin', fileBytes: new TextEncoder().encode('hello c\n'), routeCode: '1/0' }),
      encode({ fileName: 'stdin', fileBytes: new TextEncoder().encode('to b'), routeCode: '0/1' }),
      encode({ fileName: 'other', fileBytes: new Uint8Array([1]), routeCode: '1/1' }), // not a stdin file: ignored
    ]);
    const r = mux(['--cmd', intermediary('a', 'b'), '--cmd', intermediary('c', 'd')], stdin);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const byTest = (id: string) => r.events.filter((e) => e.testId === id);
    expect(Object.fromEntries(['a', 'b', 'c', 'd'].map((w) => [w, byTest(`${w}.t1`).map((e) => e.routeCode)]))).toEqual({
      a: ['0/0', '0/0'], b: ['0/1', '0/1'], c: ['1/0', '1/0'], d: ['1/1', '1/1'],
    });
    const chatter = r.events.filter((e) => e.fileName === 'stdout').map((e) => [e.routeCode, text(e)]);
    expect(chatter.sort()).toEqual([['0/0', 'chatter from a ó\n'], ['0/1', 'chatter from b ó\n'], ['1/0', 'chatter from c ó\n'], ['1/1', 'chatter from d ó\n']]);
    const stderr = r.events.filter((e) => e.fileName === 'stderr').map((e) => [e.routeCode, text(e)]);
    expect(stderr.sort()).toEqual([['0/0', 'stderr from a\n'], ['0/1', 'stderr from b\n'], ['1/0', 'stderr from c\n'], ['1/1', 'stderr from d\n']]);
    const echoes = r.events.filter((e) => e.fileName === 'echo').map((e) => [e.testId, e.routeCode, text(e)]);
    expect(echoes.sort()).toEqual([['b.stdin', '0/1', 'to b'], ['c.stdin', '1/0', 'hello c\n']]);
  });

  it('fails the tests of a worker that exits mid-test, exits 1 and says which worker', () => {
    const r = mux(['--cmd', worker('a t1'), '--route', 'w', '--cmd', `HANG=1 EXIT_CODE=3 ${worker('b t2')}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^subunit mux: worker w \(HANG=1 EXIT_CODE=3 .*worker\.mjs" b t2\) exited with code 3\n$/);
    const hang = r.events.filter((e) => e.testId === 'b.hang');
    expect(hang.map((e) => [e.status, e.fileName, e.routeCode])).toEqual([['inprogress', undefined, 'w'], [undefined, 'worker-exit', 'w'], ['fail', undefined, 'w']]);
    expect(text(hang[1])).toMatch(/exited with code 3 while this test was in progress/);
  });

  it('reads files and stdin as inputs, and refuses a route used twice', () => {
    const r = mux([FIXTURES + 'chatter.subunit', '-'], fixtureBytes('unicode'));
    expect(r.code).toBe(0);
    expect(new Set(r.events.map((e) => e.routeCode!.split('/')[0]))).toEqual(new Set(['0', '1']));
    const bad = mux(['--route', 'x', FIXTURES + 'chatter.subunit', '--route', 'x', FIXTURES + 'unicode.subunit']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('subunit mux: route "x" is given to two inputs\n');
    const missing = mux(['/no/such']);
    expect(missing.stderr).toBe('subunit mux: /no/such: no such file\n');
    expect(missing.code).toBe(2);
  });

  it('files larger than a read, packets straddling reads (memory is reused): the bytes the rewriter gives in memory, to a pipe and to a file', () => {
    const next = rng(9);
    const sizes = [10, 5000, 300_000, 1_500_000, 3_000_000];
    const stream = (seed: number) => Buffer.concat(Array.from({ length: 14 }, (_, i) => Buffer.concat([
      encode({ testId: `t${i}`, fileName: 'log', routeCode: i % 2 ? 'w' : undefined, fileBytes: new Uint8Array(sizes[Math.floor(next() * sizes.length)]).fill(seed + i) }),
      i % 4 ? new Uint8Array(0) : new TextEncoder().encode(`chatter ${i} ó\n`),
    ])));
    const dir = mkdtempSync(join(tmpdir(), 'mux-'));
    const files = [stream(1), stream(2)].map((bytes, i) => {
      writeFileSync(join(dir, `${i}.subunit`), bytes);
      return { path: join(dir, `${i}.subunit`), bytes };
    });
    expect(files[0].bytes.length).toBeGreaterThan(3 * (4 << 20));
    const prefixed = (route: string, bytes: Uint8Array) => {
      const rw = new RoutePrefixer(route);
      return Buffer.concat([rw.push(bytes), rw.end()]);
    };
    const perRoute = (bytes: Uint8Array) => {
      const r = new Router();
      const out = new Map<string | undefined, Buffer[]>();
      for (const p of [...r.push(bytes), ...r.end()]) (out.get(p.route) ?? out.set(p.route, []).get(p.route)!).push(Buffer.from(p.bytes));
      return new Map([...out].map(([k, v]) => [k, Buffer.concat(v).toString('hex')]));
    };
    const one = mux([files[0].path]);
    expect(one.code).toBe(0);
    expect(Buffer.from(one.stdout).equals(prefixed('0', files[0].bytes))).toBe(true);
    // to a file (written synchronously, unlike a pipe); two inputs interleave at packet boundaries
    const out = join(dir, 'out.subunit');
    execFileSync('sh', ['-c', `${subunit} mux ${files.map((f) => q(f.path)).join(' ')} > ${q(out)}`]);
    const two = perRoute(readFileSync(out));
    expect(two.get('0')).toBe(perRoute(prefixed('0', files[0].bytes)).get('0'));
    expect(two.get('1')).toBe(perRoute(prefixed('1', files[1].bytes)).get('1'));
  });

  it.runIf(hasReference)('python-subunit reads the output: input i under route i or i/<old>, in order, chatter included', () => {
    const names = ['sample-run-parallel', 'chatter', 'nested-routes'];
    const r = mux(names.map((n) => FIXTURES + `${n}.subunit`));
    const dir = mkdtempSync(join(tmpdir(), 'mux-'));
    writeFileSync(join(dir, 'out.subunit'), r.stdout);
    const ref = execFileSync(PYTHON, [new URL('../scripts/ref_events.py', import.meta.url).pathname, join(dir, 'out.subunit')], { maxBuffer: 1 << 28 })
      .toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    names.forEach((name, i) => {
      const mine = ref.filter((e) => String(e.routeCode).split('/')[0] === String(i)).map((e) => {
        const route = String(e.routeCode);
        const { routeCode: _, ...rest } = e;
        return route === String(i) ? rest : { ...rest, routeCode: route.slice(String(i).length + 1) };
      });
      expect(normalize(mine, { sortTags: true })).toEqual(normalize(decodeAll(fixtureBytes(name)).map(eventToJSON), { sortTags: true }));
    });
    expect(ref.every((e) => typeof e.routeCode === 'string')).toBe(true);
  });
});

describe('subunit mux: workers that misbehave (issue 17)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mux-'));
  // 50 stdin packets of 1 MiB for worker 0, then a few bytes for worker 1
  const flood = Buffer.concat([
    ...Array.from({ length: 50 }, (_, i) => encode({ fileName: 'stdin', fileBytes: new Uint8Array(1 << 20).fill(i), routeCode: '0' })),
    encode({ fileName: 'stdin', fileBytes: new TextEncoder().encode('for worker 1\n'), routeCode: '1' }),
  ]);

  it('a worker that exits while stdin is routed to it: its bytes are dropped and said once, the others still get theirs, exit 1', () => {
    const got = join(dir, 'got.bin');
    const r = spawnSync(node, [CLI, 'mux', '--cmd', 'sleep 0.3', '--cmd', `cat > ${q(got)}`], { input: flood, timeout: 60_000 });
    expect(r.signal).toBeNull(); // (killed by the timeout: the mux hung)
    expect(r.stderr.toString()).toMatch(/^subunit mux: worker 0 \(sleep 0\.3\) closed its stdin \(dropped [\d,]+ bytes routed to it\)\n$/);
    expect(r.status).toBe(1);
    expect(readFileSync(got, 'utf8')).toBe('for worker 1\n');
  });

  it('a worker that never reads its stdin is not an error: nothing said, exit by its result', () => {
    writeFileSync(join(dir, 'clean.subunit'), encode({ testId: 'a', status: 'success' }));
    for (const [cmd, status] of [['cat clean.subunit', 0], ['cat clean.subunit; exit 4', 1]] as const) {
      const r = spawnSync(node, [CLI, 'mux', '--cmd', cmd], { input: flood, cwd: dir, timeout: 60_000 });
      expect(r.stderr.toString()).toBe(status ? `subunit mux: worker 0 (${cmd}) exited with code 4\n` : '');
      expect(r.status).toBe(status);
      expect(decodeAll(new Uint8Array(r.stdout)).map((e) => [e.testId, e.status, e.routeCode])).toEqual([['a', 'success', '0']]);
    }
  });

  it('a worker that exits 0 with a test in progress fails the run', () => {
    const r = mux(['--cmd', `HANG=1 EXIT_CODE=0 ${worker('b t2')}`]);
    expect(r.stderr).toMatch(/^subunit mux: worker 0 \(.*\) exited with code 0 with 1 test in progress\n$/);
    expect(r.code).toBe(1);
    expect(r.events.filter((e) => e.testId === 'b.hang').map((e) => e.status ?? e.fileName)).toEqual(['inprogress', 'worker-exit', 'fail']);
  });

  it('a worker whose stdout stops mid-packet: the cut packet comes out as text, then the fail for its test (found by the mux fuzzer)', () => {
    const started = encode({ testId: 'cut.t', status: 'inprogress' });
    const cut = encode({ testId: 'cut.t', fileName: 'log', fileBytes: new Uint8Array(5000).fill(0x61) }).subarray(0, 3000);
    writeFileSync(join(dir, 'cut.bin'), Buffer.concat([started, cut]));
    const r = spawnSync(node, [CLI, 'mux', '--cmd', 'cat cut.bin'], { cwd: dir, timeout: 60_000 });
    const events = decodeAll(new Uint8Array(r.stdout));
    expect(events.map((e) => [e.source, e.testId, e.status ?? e.fileName, e.routeCode])).toEqual([
      ['packet', 'cut.t', 'inprogress', '0'], ['packet', undefined, 'stdout', '0'], ['packet', 'cut.t', 'worker-exit', '0'], ['packet', 'cut.t', 'fail', '0'],
    ]);
    expect(Buffer.from(events[1].fileBytes!).equals(Buffer.from(cut))).toBe(true);
    expect(r.status).toBe(1);
  });

  // floods on stdout (non-subunit bytes), stderr, and real packets, all at once
  const packets = join(dir, 'packets.subunit');
  const sizes = [100, 4096, 70_000, 1 << 20];
  writeFileSync(packets, Buffer.concat(Array.from({ length: 150 }, (_, i) => encode({ testId: `t${i}`, fileName: 'log', fileBytes: new Uint8Array(sizes[i % 4]).fill(i) }))));
  const floods = ['--cmd', 'head -c 150000000 /dev/zero', '--cmd', 'head -c 150000000 /dev/zero >&2', '--cmd', `cat ${q(packets)}`];
  const least = 300_000_000 + readFileSync(packets).length;
  // The issue's bound. Three floods at once measure 84–96 MiB, also beside busy
  // loops (the 91–191 MiB seen before were this test runner's own RSS, which
  // getrusage handed down to the mux; before the mux read a lane at a time: 415–426)
  const BOUND_MIB = 150;

  it('the RSS probe measures the mux itself, not the process that started it', () => {
    const ballast = Buffer.alloc(200 << 20, 1); // this process's RSS, which getrusage passes on to a child
    const rssFile = join(dir, 'probe-maxrss');
    execFileSync(node, ['--require', MAXRSS, '-e', '0'], { env: { ...process.env, MAXRSS_FILE: rssFile } });
    expect(ballast[ballast.length - 1]).toBe(1);
    expect(Number(readFileSync(rssFile, 'utf8')) / 1024).toBeLessThan(100); // an idle node: ~40 MiB
  });

  it.each(['wasm', 'js'])('memory stays bounded whatever the workers write, fast consumer (%s)', async (backend) => {
    const r = await muxMeasured(['--backend', backend, ...floods], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.size).toBeGreaterThan(least);
    expect(r.rssMiB).toBeLessThan(BOUND_MIB);
  });

  it('memory stays bounded with a slow consumer: backpressure reaches the workers', async () => {
    const r = await muxMeasured(floods, { cwd: dir, pauseMs: 1 });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.size).toBeGreaterThan(least);
    expect(r.rssMiB).toBeLessThan(BOUND_MIB);
  });

  it.sequential('(cleanup)', () => rmSync(dir, { recursive: true, force: true }));
});
