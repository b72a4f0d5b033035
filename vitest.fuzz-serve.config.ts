// `npm run fuzz:serve` only (scripts/fuzz-scenarios.mjs serve): the long serve fuzz run, alone, printing as it goes.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/fuzz/serve-long.fuzz.ts'],
    testTimeout: 0,
    hookTimeout: 60_000,
    disableConsoleIntercept: true,
  },
});
