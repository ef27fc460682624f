import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep worker count modest so timing-sensitive tests stay honest.
    maxWorkers: 2,
  },
});
