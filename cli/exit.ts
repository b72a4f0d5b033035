// Leaving without hanging. Node (20 to 24 at least: nodejs/node#54918) can
// deadlock at exit: an optimising compile still running on a V8 worker thread
// asks the main thread for a garbage collection, while the main thread, on its
// way out, waits for that worker to finish. `subunit from-junit` on a cut
// .gz hung about one run in seven here. The flag that prevents it
// (--no-concurrent-recompilation) only works on node's command line, which a
// `#!/usr/bin/env node` bin cannot portably carry, so before the last turn of
// the event loop we stop new optimisation and wait for the compile jobs in
// flight, with the main thread parked so a collection they need can still
// happen. Nothing after that is hot enough to need optimising.
import { setFlagsFromString } from 'node:v8';

/**
 * Stops new optimised compiles and waits for those in flight. Returns whether
 * it could (false off Node, or if V8 lost the runtime function it uses).
 */
export function quiesceCompilers(): boolean {
  if (process.versions.deno || process.versions.bun) return false;
  try {
    setFlagsFromString('--no-turbofan');
    setFlagsFromString('--no-maglev');
    setFlagsFromString('--allow-natives-syntax');
    try {
      // waits for TurboFan (and Maglev) jobs, the main thread parked meanwhile
      new Function('%WaitForBackgroundOptimization()')();
    } finally {
      setFlagsFromString('--no-allow-natives-syntax');
    }
    return true;
  } catch {
    return false;
  }
}

/** `process.exit`, after the compilers are quiet: its shutdown waits for their threads too. */
export function exitNow(code: number): never {
  quiesceCompilers();
  return process.exit(code);
}
