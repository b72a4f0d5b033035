// `npm run fuzz:mux` only (scripts/fuzz-scenarios.mjs mux): the long mux fuzz run, alone, printing as it goes.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/fuzz/mux-long.fuzz.ts'],
    testTimeout: 0,
    hookTimeout: 60_000,
    disableConsoleIntercept: true,
  },
});
