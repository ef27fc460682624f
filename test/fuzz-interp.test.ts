/**
 * Property-based test of the interpreter on generated scripts (valid, rejected and mutated):
 * no exception escapes `run`, no run outlives its deadline by more than 50 ms, outputs stay
 * within their caps, nothing outside the allowed root leaks, and memory stays bounded over
 * the whole sequence. `npm run fuzz -- --runs N` runs the same property for longer.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyScript } from './fuzz-arbitraries.js';
import { checkRun } from './fuzz-oracle.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const RUNS = Number(process.env.FUZZ_INTERP_RUNS ?? 1500);
const SECRET = 'FUZZ-SECRET-5e1f';
const base = makeTree({
  'root/f.txt': 'hello\nworld\na b c\n',
  'root/sub/g.txt': 'sub file\n',
  'root/s1': 'x\n',
  'root/link_out': { link: '../secret/s.txt' },
  'secret/s.txt': `${SECRET}\n`,
});
afterAll(() => removeTree(base));

// grep and sed load on first use (a dynamic import of the RE2 engine) and that load is not
// bounded by the run's deadline (RELIABILITY.md, F5): load them once, untimed, so the
// property measures the interpreter rather than the module loader.
beforeAll(async () => {
  expect((await checkRun('grep x f.txt; sed p f.txt', `${base}/root`, 60_000, SECRET)).ok).toBe(true);
});

describe('interpreter on generated scripts', () => {
  it(`${RUNS} runs: never throw, end within deadline + 50 ms, caps held, no leak, memory bounded`, async () => {
    const rssBefore = process.memoryUsage().rss;
    const outcomes = new Map<string, number>();
    let slowest = 0;
    let stalls = 0;
    await fc.assert(
      fc.asyncProperty(anyScript, async (script) => {
        const c = await checkRun(script, `${base}/root`, 100, SECRET);
        outcomes.set(c.outcome, (outcomes.get(c.outcome) ?? 0) + 1);
        slowest = Math.max(slowest, c.elapsedMs);
        if (c.stalled) stalls++;
        expect({ script, problem: c.problem }).toEqual({ script, problem: undefined });
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 11) },
    );
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    // Each run is independent; what one run allocates must not accumulate.
    expect(rssGrowth).toBeLessThan(256 * 1024 * 1024);
    // The generator reaches real execution, parse errors and deadlines alike.
    expect(outcomes.get('success') ?? 0).toBeGreaterThan(RUNS * 0.3);
    expect(outcomes.get('fatal') ?? 0).toBeGreaterThan(0);
    expect(slowest).toBeLessThanOrEqual(150);
    // Late runs whose replay was on time (machine load) stay rare.
    expect(stalls).toBeLessThan(RUNS * 0.02);
  });
});
