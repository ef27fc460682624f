/**
 * `npm run fuzz -- [--runs N] [--seed S] [--target parser|interp|all] [--timeout-ms T]`
 *
 * Long runs of the fuzz properties of test/fuzz-*.test.ts: the parser's accept/reject decision
 * against sh-syntax, and rshell runs that must not throw, outlive their deadline by more than
 * 50 ms, exceed their caps or leak a secret. Prints a summary with every counterexample found
 * (shrunk by fast-check) and exits 1 if any property failed.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { anyScript } from '../test/fuzz-arbitraries.js';
import { checkRun, DEADLINE_SLACK_MS, parserVerdict } from '../test/fuzz-oracle.js';
import { parseOptions, usageError, wholeNumber } from './cli.js';

const { values } = parseOptions(
  {
    options: {
      runs: { type: 'string', default: '2000' },
      seed: { type: 'string' },
      target: { type: 'string', default: 'all' },
      'timeout-ms': { type: 'string', default: '100' },
    },
  },
  'usage: npm run fuzz -- [--runs N] [--seed S] [--target parser|interp|all] [--timeout-ms T]',
);
const runs = wholeNumber('runs', values.runs, 1, Number.MAX_SAFE_INTEGER);
const seed = values.seed !== undefined ? wholeNumber('seed', values.seed, 0, 2 ** 31 - 1) : Date.now() % 2 ** 31;
const timeoutMs = wholeNumber('timeout-ms', values['timeout-ms'], 1, 3_600_000);
if (!['parser', 'interp', 'all'].includes(values.target)) usageError(`--target must be parser, interp or all, got ${JSON.stringify(values.target)}`);

const SECRET = 'FUZZ-SECRET-long-run';
let failed = false;

async function fuzzParser(): Promise<void> {
  let accepted = 0;
  const known = new Map<string, number>();
  const t0 = performance.now();
  const out = await fc.check(
    fc.asyncProperty(anyScript, async (script) => {
      const v = await parserVerdict(script);
      if (v.ours) accepted++;
      if (v.known) known.set(v.known, (known.get(v.known) ?? 0) + 1);
      else if (v.ours !== v.oracle) throw new Error(`ours ${v.ours ? 'accepts' : `rejects (${v.oursError})`}, sh-syntax ${v.oracle ? 'accepts' : `rejects (${v.oracleError})`}`);
    }),
    { numRuns: runs, seed },
  );
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`parser: ${out.numRuns} scripts in ${s} s, ${accepted} accepted, known divergences ${JSON.stringify(Object.fromEntries(known))}`);
  report('parser', out);
}

async function fuzzInterp(): Promise<void> {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'fuzz-')));
  mkdirSync(join(base, 'root/sub'), { recursive: true });
  mkdirSync(join(base, 'secret'));
  writeFileSync(join(base, 'root/f.txt'), 'hello\nworld\na b c\n');
  writeFileSync(join(base, 'root/sub/g.txt'), 'sub file\n');
  writeFileSync(join(base, 'root/s1'), 'x\n');
  writeFileSync(join(base, 'secret/s.txt'), `${SECRET}\n`);
  symlinkSync('../secret/s.txt', join(base, 'root/link_out'));
  const root = join(base, 'root');
  try {
    await checkRun('grep x f.txt; sed p f.txt', root, 60_000, SECRET); // load the lazy builtins untimed
    const outcomes = new Map<string, number>();
    let slowest = 0;
    let stalls = 0;
    const rss0 = process.memoryUsage().rss;
    let rssMax = rss0;
    const t0 = performance.now();
    const out = await fc.check(
      fc.asyncProperty(anyScript, async (script) => {
        const c = await checkRun(script, root, timeoutMs, SECRET);
        outcomes.set(c.outcome, (outcomes.get(c.outcome) ?? 0) + 1);
        slowest = Math.max(slowest, c.elapsedMs);
        if (c.stalled) stalls++;
        rssMax = Math.max(rssMax, process.memoryUsage().rss);
        if (!c.ok) throw new Error(c.problem);
      }),
      { numRuns: runs, seed },
    );
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    const mb = (n: number) => (n / 2 ** 20).toFixed(0);
    console.log(
      `interp: ${out.numRuns} runs in ${s} s, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}, slowest ${slowest.toFixed(1)} ms ` +
        `(deadline ${timeoutMs} + ${DEADLINE_SLACK_MS} ms; ${stalls} late run(s) on time when replayed), RSS ${mb(rss0)} → max ${mb(rssMax)} → end ${mb(process.memoryUsage().rss)} MiB`,
    );
    report('interp', out);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

function report(name: string, out: fc.RunDetails<[string]>): void {
  if (!out.failed) return;
  failed = true;
  console.log(`${name}: FAILED after ${out.numRuns} runs (seed ${out.seed}, path ${out.counterexamplePath})`);
  console.log(`  counterexample: ${JSON.stringify(out.counterexample?.[0])}`);
  console.log(`  error: ${out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance)}`);
}

console.log(`fuzz: ${runs} runs per target, seed ${seed}`);
if (values.target !== 'interp') await fuzzParser();
if (values.target !== 'parser') await fuzzInterp();
process.exit(failed ? 1 : 0);
