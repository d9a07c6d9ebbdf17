import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // CI also lists the test files by duration, so that slow ones are visible
    reporters: process.env.CI ? ['default', './test/support/durations-reporter.ts'] : ['default'],
  },
});
