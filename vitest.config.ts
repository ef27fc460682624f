import { defineConfig } from 'vitest/config';

/**
 * Tests whose assertions include wall-clock bounds (deadlines kept within 50 ms, handlers
 * returning before the Lambda timeout, flushes against hung intakes). They run in a second
 * pass, one file at a time, so another worker's CPU burst cannot push them past their
 * bounds on a 2-core machine; everything else runs first, two files at a time.
 */
const TIMED = [
  'test/hostile-*.test.ts',
  'test/fuzz-*.test.ts',
  'test/faults-*.test.ts',
  'test/soak*.test.ts',
  'test/interp-limits.test.ts',
  'test/tracing-flush.test.ts',
  'test/handler.test.ts',
  'test/local-stack.test.ts',
  'test/freeze.test.ts',
  'test/warm-container.test.ts',
];

// The AWS SDK's warning, under Node 20, that its 2027 releases need Node 22 (the scripts turn
// it off too: scripts/cli.ts); other warnings still print.
const shared = { testTimeout: 60_000, hookTimeout: 60_000, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } };

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/**/*.test.ts'], exclude: TIMED, maxWorkers: 2 } },
      { test: { ...shared, name: 'timed', include: TIMED, fileParallelism: false } },
    ],
  },
});
