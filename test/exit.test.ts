// The CLI always exits. Node can deadlock at exit when an optimising compile
// is still running on a V8 worker thread (nodejs/node#54918); cli/exit.ts
// stops new optimisation and waits for the jobs in flight before the last turn
// of the event loop. The run below hung about one time in six without it
// (`from-junit` on a cut .gz: a burst of compiles right before the error
// ends the run), so thirty runs all ending is a test that fails without the fix.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const CLI = new URL('../dist/bin/subunit.js', import.meta.url).pathname;
const EXIT = new URL('../dist/cli/exit.js', import.meta.url).href;

/** Exit status of one run, or 'hung' when it is still running after `ms`. */
function runOnce(args: string[], ms: number): Promise<number | null | 'hung'> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('hung');
    }, ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('leaving', () => {
  it('from-junit on a cut .gz exits, thirty times out of thirty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'subunit-exit-'));
    try {
      const xml =
        '<?xml version="1.0"?>\n<testsuite name="s" tests="3000">\n' +
        Array.from({ length: 3000 }, (_, i) => `  <testcase classname="pkg.mod" name="test_${i}" time="0.01"${i % 7 ? '/>' : '><failure message="boom">trace</failure></testcase>'}\n`).join('') +
        '</testsuite>\n';
      const gz = gzipSync(xml);
      const cut = join(dir, 'cut.xml.gz');
      writeFileSync(cut, gz.subarray(0, gz.length >> 1));
      const codes: (number | null | 'hung')[] = [];
      // two at a time: the machine has two cores, and the hang needs the compiler threads busy
      for (let i = 0; i < 30; i += 2) {
        codes.push(...(await Promise.all([runOnce(['from-junit', cut], 15_000), runOnce(['from-junit', cut], 15_000)])));
      }
      expect(codes).toEqual(Array(30).fill(2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('quiesceCompilers leaves no optimising compile to come', () => {
    // In a child: a function made hot is optimised before, and a fresh one is not after.
    const script = `
      import { setFlagsFromString } from 'node:v8';
      import { quiesceCompilers } from ${JSON.stringify(EXIT)};
      const optimised = (f) => {
        setFlagsFromString('--allow-natives-syntax');
        const wait = new Function('%WaitForBackgroundOptimization()');
        const status = new Function('f', 'return %GetOptimizationStatus(f)');
        setFlagsFromString('--no-allow-natives-syntax');
        for (let i = 0; i < 200000; i++) f(i & 63);
        wait();
        f(1);
        return (status(f) & 16) !== 0; // "is optimised" in V8's status bits
      };
      const make = () => new Function('x', 'let s = 0; for (let i = 0; i < x; i++) s += i * x; return s;');
      const before = optimised(make());
      const quiet = quiesceCompilers();
      const after = optimised(make());
      console.log(JSON.stringify({ before, quiet, after }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ before: true, quiet: true, after: false });
  });
});
