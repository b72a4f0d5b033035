// `npm run fuzz` only (scripts/fuzz.mjs): the long fuzz run, alone, printing as it goes.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/fuzz/long.fuzz.ts'],
    testTimeout: 0,
    hookTimeout: 60_000,
    disableConsoleIntercept: true,
  },
});
