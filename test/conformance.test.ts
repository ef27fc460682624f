/**
 * The rshell scenario suite as a test: every scenario runs, and the pass count per
 * top-level group must stay at or above the committed floor (test/conformance/floor.json;
 * raise it as the implementation improves, never lower it). Without the scenario folder the
 * test is skipped, except in CI where that is a failure.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatReport, runConformance, scenarioRoot } from './conformance/harness.js';

const root = scenarioRoot();
const present = existsSync(root);
const floor = JSON.parse(readFileSync(new URL('./conformance/floor.json', import.meta.url), 'utf8')) as Record<string, number>;

describe('rshell scenario conformance', () => {
  it.runIf(!present && process.env.CI === 'true')('has its scenario folder in CI', () => {
    expect.fail(`scenario folder missing: ${root}`);
  });

  it.skipIf(!present)(
    'passes at least the committed floor per group',
    async () => {
      const report = await runConformance(root);
      const below = Object.keys(floor).filter((g) => (report.passedByGroup[g] ?? 0) < floor[g]!);
      if (below.length) console.log(formatReport(report));
      for (const group of Object.keys(floor)) {
        expect(report.passedByGroup[group] ?? 0, `${group}/ scenarios passing`).toBeGreaterThanOrEqual(floor[group]!);
      }
    },
    300_000,
  );
});
