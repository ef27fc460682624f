/**
 * Executor figures, each against a baseline measured in the same run:
 * - bundle size of dist/handler.mjs (AWS SDK external);
 * - cold start: a fresh Node process imports the bundle and answers its first batch, versus
 *   the same job traced with dd-trace (bench/variants/ddtrace-handler.ts), and what
 *   NODE_OPTIONS=--enable-source-maps adds (the deployed cold start, AWS round trips
 *   included, is bench/deployed-cold-start.bench.ts);
 * - tracing overhead per task: 100-command scripts (100 echoes; a diagnostic mix reading
 *   files) through the real handler with the tracer sending to a loopback intake, with a span
 *   per command (default) and with RSHELL_DETAILED_TELEMETRY=false, versus the noop tracer:
 *   in separate processes (with the dd-trace variant, same spans, versus itself untraced), in
 *   one process alternating the variants (the steadier figure; each variant its own copy of
 *   the bundle, the import order rotating, a second untraced instance as the control; there
 *   also with head sampling at DD_TRACE_SAMPLE_RATE=0.1), and as main-thread time counted
 *   inside the span hooks;
 * - per-task time by libuv thread-pool size (1, 2, and Node's default 4), the reason for the
 *   construct's UV_THREADPOOL_SIZE default.
 * Every measured process runs with the function's deployed settings (cdk/runtime-defaults.ts)
 * unless a figure varies one of them.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_DEFAULT_ENVIRONMENT, LAMBDA_UV_THREADPOOL_SIZE } from '../cdk/runtime-defaults.js';
import { sqsEvent } from './events.js';
import { startIntakeProcess, tracingOn, TRACING_OFF } from './intake-process.js';
import { coldStarts, median, runProcess } from './measure.js';
import { spanTime } from './span-time.js';

const root = join(import.meta.dirname, '..');
const tmp = join(root, '.bench-tmp');
mkdirSync(tmp, { recursive: true });
// BENCH_NODE=/path/to/node: the measured child processes (cold starts, per-task runs) use
// that binary instead of this one, e.g. to compare Node 24 (AsyncLocalStorage without
// promise hooks) with Node 20.
const nodeBin = process.env.BENCH_NODE || process.execPath;
/** The environment of every measured process: this one's, with the function's deployed settings. */
const deployedEnv: NodeJS.ProcessEnv = { ...process.env, ...LAMBDA_DEFAULT_ENVIRONMENT };

const ECHO_COMMANDS = ['rshell:echo', 'rshell:printf', 'rshell:true'];

/** A ratio minus one as a percentage, e.g. 0.034 → "3.4%". */
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
/** Each sample's ratio to the baseline sample of the same repetition, minus one. */
const pairedRatios = (xs: readonly number[], base: readonly number[]): number[] => xs.map((x, rep) => x / base[rep] - 1);
/** Median of paired overhead ratios with their spread. */
const range = (xs: number[]): string => `${pct(median(xs))} (${pct(Math.min(...xs))}..${pct(Math.max(...xs))})`;

/**
 * `n` copies of the built bundle (entry and chunks), each its own module graph when
 * imported: instances in one process then share no code, as in separate containers.
 */
function bundleCopies(n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const dir = join(tmp, 'instances', `v${i}`);
    rmSync(dir, { recursive: true, force: true });
    cpSync(join(root, 'dist'), dir, { recursive: true });
    return join(dir, 'handler.mjs');
  });
}

export default async function executorBench(): Promise<void> {
  const nodeVersion = execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim();
  const built = execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
  const bundle = join(root, 'dist/handler.mjs');
  // What a cold start loads: the entry plus its static chunks (grep/sed load lazily).
  const bundleKiB = Number(/([\d.]+) KiB minified loaded at cold start/.exec(built)?.[1]);
  const allKiB = Number(/([\d.]+) KiB of JS in all/.exec(built)?.[1]);

  const ddBundle = join(tmp, 'ddtrace-handler.mjs');
  await build({
    entryPoints: [join(root, 'bench/variants/ddtrace-handler.ts')],
    outfile: ddBundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    external: ['@aws-sdk/*', 'dd-trace'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
  // The variant resolves dd-trace from the project's node_modules.
  const ddBundleInRoot = join(root, 'node_modules/.bench-ddtrace-handler.mjs');
  writeFileSync(ddBundleInRoot, (await import('node:fs')).readFileSync(ddBundle));

  // A fast intake in its own process: its work is not the runner's overhead.
  const intake = await startIntakeProcess({ sink: true });
  try {
    const env = tracingOn(intake.url);
    const coldEvent = join(tmp, 'cold-event.json');
    writeFileSync(coldEvent, JSON.stringify(sqsEvent('echo hello; printf "%s\\n" world', 1, ECHO_COMMANDS)));
    const [ours, withMaps, dd] = await coldStarts(
      nodeBin,
      [
        { label: 'ours', bundle, env: { ...deployedEnv, ...env } },
        // What the construct set before: Node then parses every source map at import.
        { label: 'ours, source maps on', bundle, env: { ...deployedEnv, ...env, NODE_OPTIONS: '--enable-source-maps' } },
        { label: 'dd-trace', bundle: ddBundleInRoot, env: { ...deployedEnv, ...env, DD_TRACE_AGENT_URL: intake.baseUrl, DD_TRACE_INTAKE_URL: '' } },
      ],
      coldEvent,
      15,
    );
    console.log(`bundle and cold start (fresh process: import → first batch answered, median of 15, variants alternating; Node ${nodeVersion})`);
    console.table([
      { variant: 'this runner (dist/handler.mjs)', 'bundle KiB': `${bundleKiB.toFixed(1)} (+${(allKiB - bundleKiB).toFixed(1)} lazy)`, 'cold start ms': ours.toFixed(1) },
      { variant: 'same, NODE_OPTIONS=--enable-source-maps', 'bundle KiB': '', 'cold start ms': `${withMaps.toFixed(1)} (+${pct(withMaps / ours - 1)})` },
      { variant: 'same job traced with dd-trace', 'bundle KiB': `${(statSync(ddBundle).size / 1024).toFixed(1)} + dd-trace`, 'cold start ms': dd.toFixed(1) },
    ]);
    console.log(`cold start ratio dd-trace / ours: ${(dd / ours).toFixed(2)}x (target ≥ 3x); bundle target < 300 KiB: ${bundleKiB < 300 ? 'met' : 'NOT met'}`);

    // Tracing overhead per task, tracer on vs off, for two 100-command scripts: 100 echoes
    // (the cheapest commands there are: the worst case for the relative cost of a span per
    // command) and a diagnostic mix reading files under /etc and /proc. Measured for the
    // bundled handler (what Lambda runs) and, as a reference for what a span per command costs
    // elsewhere, for the dd-trace variant with the same spans.
    const DIAG_COMMANDS = ['rshell:grep', 'rshell:wc', 'rshell:head', 'rshell:ls'];
    const TASKS_PER_BATCH = 10;
    const SCRIPTS = [
      {
        label: '100 x echo',
        script: Array.from({ length: 100 }, (_, i) => `echo line ${i}`).join('\n'),
        commands: ECHO_COMMANDS,
        // The queued task names no paths (echo reads none); the counted span time's runner
        // gets `paths`.
        taskPaths: undefined as string[] | undefined,
        paths: ['/'],
        // Invocations per timed round; batches for the counted span time.
        perRound: 20,
        batches: 200,
      },
      {
        label: '100-command diagnostic (grep/wc/head/ls on /etc, /proc)',
        // 20 × 5 commands (the pipeline counts two) = 100 commands, 20 pipeline spans.
        script: Array.from({ length: 20 }, () =>
          ['grep -c processor /proc/cpuinfo', 'wc -l /etc/passwd', 'head -n 3 /proc/meminfo', 'ls /etc | head -n 5'].join('\n'),
        ).join('\n'),
        commands: DIAG_COMMANDS,
        taskPaths: ['/etc', '/proc'],
        paths: ['/etc', '/proc'],
        perRound: 2,
        batches: 20,
      },
    ].map((s, i) => {
      const eventFile = join(tmp, `overhead-${i}.json`);
      writeFileSync(eventFile, JSON.stringify(sqsEvent(s.script, TASKS_PER_BATCH, s.commands, s.taskPaths)));
      return { ...s, eventFile };
    });

    // One driver for every overhead figure: it imports one handler bundle per variant (each
    // instance reads its own environment at import, as at a cold start) in the order given,
    // warms them up, then times invocations round by round, rotating the order of the
    // variants, and prints the median wall and CPU ms per task of each.
    const overheadDriver = join(tmp, 'overhead-driver.mjs');
    writeFileSync(
      overheadDriver,
      `import { readFileSync } from 'node:fs';
const [bundlesJson, eventFile, perArg, roundsArg, variantsJson, orderJson] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const per = Number(perArg);
const rounds = Number(roundsArg);
const variants = JSON.parse(variantsJson);
// One bundle file per variant (the same file for all means one module graph shared by all).
const bundles = JSON.parse(bundlesJson);
// The order the variants are imported and warmed in (default: as given).
const importOrder = orderJson ? JSON.parse(orderJson) : variants.map((_, v) => v);
const ctx = { awsRequestId: 'r', invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:f', getRemainingTimeInMillis: () => 60000 };
const check = (res) => { if (res.batchItemFailures.length > 0) throw new Error('tasks failed'); };
const base = { ...process.env };
const handlers = [];
for (const v of importOrder) {
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, base, variants[v]);
  const { handler } = await import(bundles[v] + '?variant=' + v);
  for (let i = 0; i < per; i++) check(await handler(event, ctx));
  handlers[v] = handler;
}
for (let w = 0; w < 2; w++) for (const v of importOrder) for (let i = 0; i < per; i++) check(await handlers[v](event, ctx));
const wall = variants.map(() => []);
const cpu = variants.map(() => []);
const main = variants.map(() => []);
// The main thread's own CPU time (Linux; ns since it started), where every span is made and
// encoded: unlike the process's CPU time it leaves out the thread pool's file calls.
const schedstat = '/proc/self/task/' + process.pid + '/schedstat';
const mainMs = () => { try { return Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1e6; } catch { return NaN; } };
// The handler's 'invocation done' log line says how long the response waited for the final
// span request after the last task: collected per variant from the timed rounds.
const flushWait = variants.map(() => []);
let timing = -1;
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  if (timing >= 0 && typeof chunk === 'string' && chunk.includes('"msg":"invocation done"')) flushWait[timing].push(JSON.parse(chunk).flush_wait_ms);
  return write(chunk, ...rest);
};
for (let r = 0; r < rounds; r++) {
  for (let j = 0; j < handlers.length; j++) {
    const v = (r + j) % handlers.length;
    const c0 = process.cpuUsage();
    const m0 = mainMs();
    const t0 = performance.now();
    timing = v;
    for (let i = 0; i < per; i++) check(await handlers[v](event, ctx));
    timing = -1;
    wall[v].push((performance.now() - t0) / (per * event.Records.length));
    const c = process.cpuUsage(c0);
    cpu[v].push((c.user + c.system) / 1000 / (per * event.Records.length));
    main[v].push((mainMs() - m0) / (per * event.Records.length));
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
process.stderr.write('PER_TASK=' + JSON.stringify({ wall: wall.map(med), cpu: cpu.map(med), main: main.map(med), flushWait: flushWait.map(med) }) + String.fromCharCode(10));
process.exit(0);
`,
    );
    /**
     * Median ms per task of each variant (environment overrides), all in one fresh process.
     * `handlerFiles`: one bundle for every variant, or one per variant; `importOrder`: the
     * order the variants are imported and warmed in (default: as listed).
     */
    const perTask = async (
      handlerFiles: string | readonly string[],
      s: { eventFile: string; perRound: number },
      rounds: number,
      envs: readonly NodeJS.ProcessEnv[],
      processEnv: NodeJS.ProcessEnv = {},
      importOrder?: readonly number[],
    ) => {
      const files = typeof handlerFiles === 'string' ? envs.map(() => handlerFiles) : handlerFiles;
      // Results go to the log publisher; its stdout is discarded in every run alike.
      const args = [overheadDriver, JSON.stringify(files), s.eventFile, String(s.perRound), String(rounds), JSON.stringify(envs), ...(importOrder ? [JSON.stringify(importOrder)] : [])];
      const out = await runProcess(nodeBin, args, { ...deployedEnv, ...processEnv });
      const m = /PER_TASK=(.*)/.exec(out.stderr);
      if (out.status !== 0 || !m) throw new Error(`overhead run failed: ${out.stderr.slice(-600)}`);
      return JSON.parse(m[1]) as { wall: number[]; cpu: number[]; main: Array<number | null>; flushWait: Array<number | null> };
    };

    const OFF = TRACING_OFF;
    const ON = tracingOn(intake.url);
    const DD = { DD_API_KEY: 'bench', DD_TRACE_AGENT_URL: intake.baseUrl, DD_TRACE_INTAKE_URL: '' };
    const RUN_SPANS_ONLY = { RSHELL_DETAILED_TELEMETRY: 'false' };
    // Per contender: its untraced baseline first, then the traced variants measured against it.
    const contenders = [
      {
        name: 'this runner',
        file: bundle,
        reps: 7,
        variants: [
          ['off (noop tracer)', OFF],
          ['on: a span per command (default)', ON],
          ['on, RSHELL_DETAILED_TELEMETRY=false: run spans only', { ...ON, ...RUN_SPANS_ONLY }],
        ],
      },
      {
        name: 'dd-trace variant',
        file: ddBundleInRoot,
        // A reference figure, and its diagnostic run is twice as long (tasks run one by one).
        reps: 5,
        variants: [
          ['off (no spans, no flush)', { ...DD, BENCH_DDTRACE_OFF: '1' }],
          ['on: a span per command', DD],
          ['on: run spans only', { ...DD, ...RUN_SPANS_ONLY }],
        ],
      },
    ] as const;

    /** One table row per variant; the first variant is the baseline of the others' overheads. */
    const overheadRows = (
      label: string,
      names: readonly string[],
      wall: number[][],
      ratios: Array<{ wall: number[]; cpu: number[]; main?: number[] }>,
      cpu?: number[][],
    ): Array<Record<string, string>> =>
      names.map((name, v) => ({
        script: label,
        tracing: name,
        'wall ms per task': median(wall[v]).toFixed(3),
        'wall overhead (range)': v === 0 ? '' : range(ratios[v].wall),
        ...(cpu ? { 'cpu ms per task': median(cpu[v]).toFixed(3) } : {}),
        'cpu overhead (range)': v === 0 ? '' : range(ratios[v].cpu),
        ...(ratios[v].main?.length ? { 'main-thread cpu overhead (range)': v === 0 ? '' : range(ratios[v].main) } : {}),
      }));
    const summary = (label: string, ratios: Array<{ wall: number[]; cpu: number[]; main?: number[] }>): string => {
      const figures = (r: { wall: number[]; cpu: number[]; main?: number[] }) =>
        `${pct(median(r.wall))} wall / ${pct(median(r.cpu))} cpu` + (r.main?.length ? ` / ${pct(median(r.main))} main-thread cpu` : '');
      return `${label}: a span per command ${figures(ratios[1])}; run spans only ${figures(ratios[2])}`;
    };

    // Separate processes: one variant per process, the variants alternating, `reps` processes
    // each. Each traced variant is compared with the baseline measured just before it in the
    // same repetition, and the median of those paired ratios is shown with their range, so a
    // slow spell of the shared machine lands on both sides of a ratio. Wall time is what Lambda
    // bills; CPU time (the process, GC and thread-pool threads included) is steadier on a
    // shared machine, so both are shown. On this 2-core VM one process in ten can run 20-30%
    // slower than its neighbours whatever it runs: the median of many paired ratios is what
    // stays put between runs.
    const ROUNDS = 9;
    const rows: Array<Record<string, string>> = [];
    const overheads: string[] = [];
    for (const s of SCRIPTS) {
      const samples = contenders.map((c) => c.variants.map(() => ({ wall: [] as number[], cpu: [] as number[] })));
      for (let rep = 0; rep < Math.max(...contenders.map((c) => c.reps)); rep++) {
        for (let c = 0; c < contenders.length; c++) {
          if (rep >= contenders[c].reps) continue;
          for (let v = 0; v < contenders[c].variants.length; v++) {
            const r = await perTask(contenders[c].file, s, ROUNDS, [contenders[c].variants[v][1]]);
            samples[c][v].wall.push(r.wall[0]);
            samples[c][v].cpu.push(r.cpu[0]);
          }
        }
      }
      contenders.forEach((contender, c) => {
        const smp = samples[c];
        const ratios = smp.map((x) => ({ wall: pairedRatios(x.wall, smp[0].wall), cpu: pairedRatios(x.cpu, smp[0].cpu) }));
        const names = contender.variants.map(([name]) => `${contender.name}, ${name}`);
        rows.push(...overheadRows(s.label, names, smp.map((x) => x.wall), ratios, smp.map((x) => x.cpu)));
        overheads.push(summary(`${s.label}, ${contender.name}`, ratios));
      });
    }
    console.log(
      `per task, batches of 10, flush to a loopback intake included when on (${contenders.map((c) => `${c.name}: ${c.reps}`).join(', ')} ` +
        `processes per variant, each the median of ${ROUNDS} rounds; overhead = median of the paired per-process ratios (min..max); Node ${nodeVersion})`,
    );
    console.table(rows);
    console.log(`tracing overhead, separate processes:\n  ${overheads.join('\n  ')}`);

    // The same comparison without the process-to-process spread: this runner's variants
    // alternate inside one process. What it cannot separate: the variants share one heap, so
    // the garbage of the traced instance is partly collected during the untraced one's turns.
    // Two biases it avoids: each variant loads its own copy of the bundle, chunks included
    // (one shared module graph would make the shared code's inline caches see every
    // instance's object shapes, which no Lambda container does), and the import order
    // rotates from process to process, so no variant is always the first one loaded and
    // optimised. A second untraced instance is the control: its "overhead" is what the
    // method reads where there is none.
    const AB_PROCESSES = 5;
    const AB_ROUNDS = 15;
    // Plus head sampling at 0.1: the bench's tasks carry no trace context, so each starts its
    // own trace, and nine in ten make only their action.run span.
    const HEAD_SAMPLED = 3;
    const CONTROL = 4;
    const abVariants = [
      ...contenders[0].variants,
      ['on, DD_TRACE_SAMPLE_RATE=0.1: head sampling', { ...ON, DD_TRACE_SAMPLE_RATE: '0.1' }],
      ['off, a second instance (control)', OFF],
    ] as const;
    const abBundles = bundleCopies(abVariants.length);
    const abRows: Array<Record<string, string>> = [];
    const abSummary: string[] = [];
    for (const s of SCRIPTS) {
      const ratios = abVariants.map(() => ({ wall: [] as number[], cpu: [] as number[], main: [] as number[] }));
      const perTaskMs = abVariants.map(() => [] as number[]);
      // The final span request's wait per invocation, and that wait per task as a share of an
      // untraced task: the part of the overhead that is the intake's answer, not span making.
      const flushWait = abVariants.map(() => [] as number[]);
      const flushShare = abVariants.map(() => [] as number[]);
      for (let p = 0; p < AB_PROCESSES; p++) {
        const order = abVariants.map((_, j) => (j + p) % abVariants.length);
        const r = await perTask(abBundles, s, AB_ROUNDS, abVariants.map(([, env]) => env), {}, order);
        abVariants.forEach((_, v) => {
          const wait = r.flushWait[v];
          if (wait !== null) {
            flushWait[v].push(wait);
            flushShare[v].push(wait / TASKS_PER_BATCH / r.wall[0]);
          }
          ratios[v].wall.push(r.wall[v] / r.wall[0] - 1);
          ratios[v].cpu.push(r.cpu[v] / r.cpu[0] - 1);
          // JSON turns the NaN of a system without schedstat into null.
          if (r.main[v] !== null && r.main[0] !== null) ratios[v].main.push(r.main[v]! / r.main[0]! - 1);
          perTaskMs[v].push(r.wall[v]);
        });
      }
      abRows.push(...overheadRows(s.label, abVariants.map(([name]) => name), perTaskMs, ratios));
      abSummary.push(summary(s.label, ratios));
      const sampled = ratios[HEAD_SAMPLED];
      abSummary.push(`  head sampling at 0.1: ${pct(median(sampled.wall))} wall / ${pct(median(sampled.cpu))} cpu / ${pct(median(sampled.main))} main-thread cpu`);
      const control = ratios[CONTROL];
      abSummary.push(`  control (a second untraced instance): ${range(control.wall)} wall / ${pct(median(control.main))} main-thread cpu`);
      abSummary.push(
        `  of which the final span request's wait: ${abVariants
          .slice(1, CONTROL)
          .map((_, i) => `${median(flushWait[i + 1]).toFixed(2)} ms per invocation of ${TASKS_PER_BATCH} tasks, ${pct(median(flushShare[i + 1]))} of an untraced task`)
          .join('; ')}`,
      );
    }
    console.log(
      `per task, this runner's variants alternating inside one process (${AB_PROCESSES} processes x ${AB_ROUNDS} rounds; overhead = median of the per-process ratios (min..max); Node ${nodeVersion})`,
    );
    console.table(abRows);
    console.log(`tracing overhead, one process (target < 5%):\n  ${abSummary.join('\n  ')}`);

    // The same two scripts in this process (the tsx transform, not the bundle), counting the
    // main-thread time spent in span hooks and body building directly.
    const attribution: Array<Record<string, string>> = [];
    for (const s of SCRIPTS) {
      const t = await spanTime(s.script, s.commands, s.paths, s.batches);
      attribution.push({
        script: s.label,
        'spans per task': t.spansPerTask.toFixed(0),
        'task wall ms': t.taskMs.toFixed(3),
        'µs in span hooks': t.hooksUs.toFixed(1),
        'µs building bodies': t.bodyUs.toFixed(1),
        'share of the task': `${(((t.hooksUs + t.bodyUs) / 1000 / t.taskMs) * 100).toFixed(1)}%`,
        'µs per span': ((t.hooksUs + t.bodyUs) / t.spansPerTask).toFixed(2),
      });
    }
    console.log(`main-thread time of the spans, counted in one process (tsx under this Node, ${process.version}, whatever BENCH_NODE says; no request, no GC share):`);
    console.table(attribution);

    // Thread-pool size: per task, tracing on, separate processes (the pool is per process),
    // the sizes alternating; each size against Node's default of 4 from the same repetition.
    const bigFile = join(tmp, 'pool-big.txt');
    writeFileSync(bigFile, Array.from({ length: 400_000 }, (_, i) => `line ${i} processor value ${i * 7}`).join('\n') + '\n');
    const POOL_SCRIPTS = [
      SCRIPTS[1],
      ...[
        {
          label: 'listings (find -name, ls -l, find /proc/self)',
          script: 'find /etc -maxdepth 2 -name "*.conf" | wc -l\nls -l /etc | wc -l\nfind /proc/self -maxdepth 1 | wc -l',
          commands: ['rshell:find', 'rshell:wc', 'rshell:ls'],
          paths: ['/etc', '/proc'],
          perRound: 2,
        },
        {
          label: '16 MB file (grep -c, wc -l, cat | grep -c, tail)',
          script: `grep -c processor ${bigFile}\nwc -l ${bigFile}\ncat ${bigFile} | grep -c 'value 7'\ntail -n 2 ${bigFile}`,
          commands: ['rshell:grep', 'rshell:wc', 'rshell:cat', 'rshell:tail'],
          paths: [tmp],
          perRound: 1,
        },
      ].map((p, i) => {
        const eventFile = join(tmp, `pool-${i}.json`);
        writeFileSync(eventFile, JSON.stringify(sqsEvent(p.script, 10, p.commands, p.paths)));
        return { label: p.label, eventFile, perRound: p.perRound };
      }),
    ];
    const POOLS = ['1', '2', '4'];
    const POOL_REPS = 5;
    const poolRows: Array<Record<string, string>> = [];
    for (const p of POOL_SCRIPTS) {
      const wall = POOLS.map(() => [] as number[]);
      const cpu = POOLS.map(() => [] as number[]);
      for (let rep = 0; rep < POOL_REPS; rep++) {
        for (let j = 0; j < POOLS.length; j++) {
          const k = (rep + j) % POOLS.length;
          const r = await perTask(bundle, p, ROUNDS, [ON], { UV_THREADPOOL_SIZE: POOLS[k] });
          wall[k].push(r.wall[0]);
          cpu[k].push(r.cpu[0]);
        }
      }
      const base = POOLS.indexOf('4');
      const vsDefault = (xs: number[][], k: number) => range(pairedRatios(xs[k], xs[base]));
      POOLS.forEach((size, k) =>
        poolRows.push({
          script: p.label,
          UV_THREADPOOL_SIZE: size === String(LAMBDA_UV_THREADPOOL_SIZE) ? `${size} (deployed)` : size === '4' ? '4 (Node default)' : size,
          'wall ms per task': median(wall[k]).toFixed(2),
          'wall vs 4 (range)': k === base ? '' : vsDefault(wall, k),
          'cpu ms per task': median(cpu[k]).toFixed(2),
          'cpu vs 4 (range)': k === base ? '' : vsDefault(cpu, k),
        }),
      );
    }
    console.log(
      `per task by thread-pool size (tracing on, batches of 10; ${POOL_REPS} processes per size, each the median of ${ROUNDS} rounds; ` +
        `change = median of the paired per-process ratios to size 4 (min..max); Node ${nodeVersion}, ${availableParallelism()} CPUs)`,
    );
    console.table(poolRows);
  } finally {
    await intake.stop();
  }
}
