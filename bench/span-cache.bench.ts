/**
 * What a cold CPU cache does to the span hooks (`npm run bench -- span-cache`).
 *
 * The same hooks cost about 1.1 µs per span in the executor bench's echo script and 2.3-2.5 µs
 * in its diagnostic script: a diagnostic command touches enough memory between two spans to
 * evict the tracer's data. This models that without the interpreter: four tasks' hooks
 * interleaved command by command, the diagnostic script's command and pipeline spans, and a
 * buffer of N KiB read and written between any two hook calls. Only the hook calls are timed
 * (main thread); the baseline is the same loop with nothing touched, in the same run.
 */
import { createTracer } from '../src/tracing/create-tracer.js';
import { rshellHooks } from '../src/tracing/index.js';
import type { RecordingTracer } from '../src/tracing/tracer.js';
import { median } from './measure.js';

const COMMANDS = ['grep', 'wc', 'head', 'ls'].map((name) => ({
  name,
  argc: 3,
  flags: ['-c'],
  isAllowed: true,
  isKnown: true,
  hasStdinPipe: name === 'ls',
  hasOutputRedirect: false,
}));
const COUNTERS = { total: 100, dispatched: 100, unallowed: 0, unknown: 0 };
const ROUNDS = 20;
const WARM_ROUNDS = 10;

/** Median ns per command inside the hooks (an `ls`'s pipeline hooks and a share of the run's end included), and in its start hook alone. */
function measure(touchKiB: number): { total: number; start: number } {
  const tracer = createTracer({ intakeUrl: 'http://127.0.0.1:9/unused', apiKey: 'bench' }) as RecordingTracer;
  const buffer = new Float64Array((touchKiB * 1024) / 8);
  let sum = 0;
  // One read and write per 64-byte line.
  const touch = (): void => {
    for (let i = 0; i < buffer.length; i += 8) sum += buffer[i] += 1;
  };
  const totals: number[] = [];
  const starts: number[] = [];
  for (let round = 0; round < WARM_ROUNDS + ROUNDS; round++) {
    let hookNs = 0n;
    let startNs = 0n;
    let spans = 0;
    for (let wave = 0; wave < 3; wave++) {
      const tasks = [0, 1, 2, 3].map(() => {
        const action = tracer.startSpan('action.run', { service: 'private-action-runner', resource: 'bench', tags: { task_id: 't' } });
        const hooks = rshellHooks(tracer, { parent: action, service: 'rshell' });
        return { action, hooks, run: hooks.runStart!({ version: 'bench' }) };
      });
      for (let i = 0; i < 25; i++) {
        for (const c of COMMANDS) {
          for (const k of tasks) {
            touch();
            const t0 = process.hrtime.bigint();
            const parent = c.hasStdinPipe ? k.hooks.pipelineStart!({ stageCount: 2 }, k.run) : k.run;
            const token = k.hooks.commandStart!(c, parent);
            const t1 = process.hrtime.bigint();
            touch();
            const t2 = process.hrtime.bigint();
            k.hooks.commandEnd!(token, { exitCode: 0 });
            if (parent !== k.run) k.hooks.pipelineEnd!(parent, { exitCode: 0 });
            hookNs += t1 - t0 + process.hrtime.bigint() - t2;
            startNs += t1 - t0;
            spans++;
          }
        }
      }
      for (const k of tasks) {
        touch();
        // Timed too: the run's end makes its recorded spans (src/tracing/rshell-span-log.ts).
        const t0 = process.hrtime.bigint();
        k.hooks.runEnd!(k.run, { exitCode: 0, outcome: 'success', commands: COUNTERS });
        hookNs += process.hrtime.bigint() - t0;
        k.action.finish();
      }
    }
    tracer.release(tracer.drain());
    if (round >= WARM_ROUNDS) {
      totals.push(Number(hookNs) / spans);
      starts.push(Number(startNs) / spans);
    }
  }
  // Keeps the touched values observable, so the loop cannot be dropped.
  if (sum === -1) console.log(sum);
  return { total: median(totals), start: median(starts) };
}

export default async function spanCacheBench(): Promise<void> {
  const sizes = [0, 256, 1024, 4096];
  // Alternating passes over the sizes; the median per size of the passes' medians.
  const runs = sizes.map(() => ({ total: [] as number[], start: [] as number[] }));
  for (let pass = 0; pass < 3; pass++) {
    sizes.forEach((kib, i) => {
      const r = measure(kib);
      runs[i].total.push(r.total);
      runs[i].start.push(r.start);
    });
  }
  const base = median(runs[0].total);
  console.log(`span hooks per command (ls: its pipeline's too), four tasks interleaved, N KiB touched between hook calls (median of 3 passes x ${ROUNDS} rounds; ${process.version})`);
  console.table(
    sizes.map((kib, i) => ({
      'touched between calls': kib === 0 ? 'nothing (baseline)' : `${kib} KiB`,
      'ns per command': median(runs[i].total).toFixed(0),
      'of which commandStart': median(runs[i].start).toFixed(0),
      'ratio to baseline': (median(runs[i].total) / base).toFixed(2),
    })),
  );
}
