/**
 * Executor figures, each against a baseline measured in the same run:
 * - bundle size of dist/handler.mjs (AWS SDK external);
 * - cold start: a fresh Node process imports the bundle and answers its first batch, versus
 *   the same job traced with dd-trace (bench/variants/ddtrace-handler.ts);
 * - tracing overhead per task: 100-command scripts (100 echoes; a diagnostic mix reading
 *   files) through the real handler with the tracer sending to a loopback intake, with a span
 *   per command (default) and with RSHELL_DETAILED_TELEMETRY=false, versus the noop tracer.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { taskBody } from '../src/producer/task.js';
import { startIntakeProcess } from './intake-process.js';
import { median } from './measure.js';

const root = join(import.meta.dirname, '..');
const tmp = join(root, '.bench-tmp');
mkdirSync(tmp, { recursive: true });
// BENCH_NODE=/path/to/node: the measured child processes (cold starts, per-task runs) use
// that binary instead of this one, e.g. to compare Node 24 (AsyncLocalStorage without
// promise hooks) with Node 20.
const nodeBin = process.env.BENCH_NODE || process.execPath;

const ECHO_COMMANDS = ['rshell:echo', 'rshell:printf', 'rshell:true'];

function eventWith(command: string, n = 1, allowedCommands = ECHO_COMMANDS, allowedPaths?: string[]) {
  return {
    Records: Array.from({ length: n }, (_, i) => ({
      messageId: `m-${i}`,
      receiptHandle: 'r',
      body: taskBody({ id: `t-${i}`, jobId: `j-${i}`, inputs: { command }, allowedCommands, allowedPaths }),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 's', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
      awsRegion: 'us-east-1',
    })),
  };
}

async function coldStarts(label: string, bundle: string, env: NodeJS.ProcessEnv, runs = 15): Promise<number> {
  const eventFile = join(tmp, 'cold-event.json');
  writeFileSync(eventFile, JSON.stringify(eventWith('echo hello; printf "%s\\n" world')));
  const driver = join(tmp, 'cold-driver.mjs');
  writeFileSync(
    driver,
    `import { readFileSync } from 'node:fs';
const event = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const t0 = performance.now();
const { handler } = await import(process.argv[2]);
const res = await handler(event, { awsRequestId: 'r', invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:f', getRemainingTimeInMillis: () => 10000 });
const t1 = performance.now();
if (!res || !Array.isArray(res.batchItemFailures)) throw new Error('bad response');
process.stderr.write('COLD_START_MS=' + String(t1 - t0) + String.fromCharCode(10));
process.exit(0);
`,
  );
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Asynchronous spawn: the local intake answering the child's flush lives in this process.
    const out = await run(nodeBin, [driver, bundle, eventFile], { ...process.env, ...env });
    if (out.status !== 0) throw new Error(`${label} cold start failed: ${out.stderr.slice(-600)}`);
    const m = /COLD_START_MS=([\d.]+)/.exec(out.stderr);
    if (!m) throw new Error(`${label}: no timing in output`);
    samples.push(Number(m[1]));
  }
  return median(samples);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
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
    const env = { DD_API_KEY: 'bench', DD_TRACE_INTAKE_URL: intake.url, DD_TRACE_AGENT_URL: '' };
    const ours = await coldStarts('ours', bundle, env);
    const dd = await coldStarts('dd-trace', ddBundleInRoot, { ...env, DD_TRACE_AGENT_URL: intake.baseUrl, DD_TRACE_INTAKE_URL: '' });
    console.log(`bundle and cold start (fresh process: import → first batch answered, median of 15; Node ${nodeVersion})`);
    console.table([
      { variant: 'this runner (dist/handler.mjs)', 'bundle KiB': `${bundleKiB.toFixed(1)} (+${(allKiB - bundleKiB).toFixed(1)} lazy)`, 'cold start ms': ours.toFixed(1) },
      { variant: 'same job traced with dd-trace', 'bundle KiB': `${(statSync(ddBundle).size / 1024).toFixed(1)} + dd-trace`, 'cold start ms': dd.toFixed(1) },
    ]);
    console.log(`cold start ratio dd-trace / ours: ${(dd / ours).toFixed(2)}x (target ≥ 3x); bundle target < 300 KiB: ${bundleKiB < 300 ? 'met' : 'NOT met'}`);

    // Tracing overhead per task: the bundled handler (what Lambda runs, not the tsx dev
    // transform) in a fresh process per measurement, tracer on vs off, for two 100-command
    // scripts: 100 echoes (the cheapest possible commands: the worst case for the relative
    // cost of a span per command) and a diagnostic mix reading files under /etc and /proc.
    const echoes = Array.from({ length: 100 }, (_, i) => `echo line ${i}`).join('\n');
    const diagnostic = Array.from({ length: 20 }, () =>
      ['grep -c ID /etc/os-release', 'wc -l /etc/passwd', 'head -n 3 /proc/meminfo', 'ls /etc | head -n 5', 'grep -c processor /proc/cpuinfo'].join('\n'),
    ).join('\n');
    const DIAG_COMMANDS = ['rshell:grep', 'rshell:wc', 'rshell:head', 'rshell:ls'];
    writeFileSync(join(tmp, 'overhead-echo.json'), JSON.stringify(eventWith(echoes, 10)));
    writeFileSync(join(tmp, 'overhead-diag.json'), JSON.stringify(eventWith(diagnostic, 10, DIAG_COMMANDS, ['/etc', '/proc'])));
    const overheadDriver = join(tmp, 'overhead-driver.mjs');
    writeFileSync(
      overheadDriver,
      `import { readFileSync } from 'node:fs';
const event = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const { handler } = await import(process.argv[2]);
const ctx = { awsRequestId: 'r', invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:f', getRemainingTimeInMillis: () => 60000 };
const check = (res) => { if (res.batchItemFailures.length > 0) throw new Error('tasks failed'); };
const per = Number(process.argv[4]); // invocations per round
for (let i = 0; i < per; i++) check(await handler(event, ctx));
const rounds = [];
const cpus = [];
for (let r = 0; r < 7; r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < per; i++) check(await handler(event, ctx));
  rounds.push((performance.now() - t0) / (per * event.Records.length));
  const c = process.cpuUsage(c0);
  cpus.push((c.user + c.system) / 1000 / (per * event.Records.length));
}
rounds.sort((a, b) => a - b);
cpus.sort((a, b) => a - b);
process.stderr.write('MS_PER_TASK=' + rounds[3] + ' CPU_PER_TASK=' + cpus[3] + String.fromCharCode(10));
process.exit(0);
`,
    );
    const perTask = async (eventFile: string, perRound: number, env: NodeJS.ProcessEnv) => {
      // Results go to the log publisher; its stdout is discarded in every run alike.
      const out = await run(nodeBin, [overheadDriver, bundle, join(tmp, eventFile), String(perRound)], { ...process.env, ...env });
      const m = /MS_PER_TASK=([\d.]+) CPU_PER_TASK=([\d.]+)/.exec(out.stderr);
      if (out.status !== 0 || !m) throw new Error(`overhead run failed: ${out.stderr.slice(-600)}`);
      return { wall: Number(m[1]), cpu: Number(m[2]) };
    };
    const OFF = { DD_API_KEY: '', DD_TRACE_INTAKE_URL: '', DD_TRACE_AGENT_URL: '' };
    const ON = { DD_API_KEY: 'bench', DD_TRACE_INTAKE_URL: intake.url, DD_TRACE_AGENT_URL: '' };
    const rows: Array<Record<string, string>> = [];
    const overheads: string[] = [];
    // Off, on and run-spans-only alternate, 5 fresh processes each; medians of the five. Wall
    // time is what Lambda bills; CPU time (this process, GC threads included) is steadier
    // on a shared machine, so both are shown.
    const REPS = 5;
    for (const [label, file, perRound] of [
      ['100 x echo', 'overhead-echo.json', 20],
      ['100-command diagnostic (grep/wc/head/ls on /etc, /proc)', 'overhead-diag.json', 2],
    ] as const) {
      const variants = [
        ['off (noop tracer)', OFF],
        ['on: 102 spans per task (default)', ON],
        ['on, RSHELL_DETAILED_TELEMETRY=false: 2 spans', { ...ON, RSHELL_DETAILED_TELEMETRY: 'false' }],
      ] as const;
      const samples = variants.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
      for (let rep = 0; rep < REPS; rep++) {
        for (let v = 0; v < variants.length; v++) {
          const r = await perTask(file, perRound, variants[v][1]);
          samples[v].wall.push(r.wall);
          samples[v].cpu.push(r.cpu);
        }
      }
      const wall = samples.map((x) => median(x.wall));
      const cpu = samples.map((x) => median(x.cpu));
      const pct = (x: number, base: number): string => `${(((x - base) / base) * 100).toFixed(1)}%`;
      variants.forEach(([name], v) =>
        rows.push({
          script: label,
          tracing: name,
          'wall ms per task': wall[v].toFixed(3),
          'wall overhead': v === 0 ? '' : pct(wall[v], wall[0]),
          'cpu ms per task': cpu[v].toFixed(3),
          'cpu overhead': v === 0 ? '' : pct(cpu[v], cpu[0]),
        }),
      );
      overheads.push(
        `${label}: a span per command ${pct(wall[1], wall[0])} wall / ${pct(cpu[1], cpu[0])} cpu; ` +
          `run spans only ${pct(wall[2], wall[0])} wall / ${pct(cpu[2], cpu[0])} cpu`,
      );
    }
    console.log(`per task: bundled handler, batches of 10, flush to a loopback intake included when on (median of 5 processes x median of 7 rounds; Node ${nodeVersion})`);
    console.table(rows);
    console.log(`tracing overhead (target < 5%):\n  ${overheads.join('\n  ')}`);
  } finally {
    await intake.stop();
  }
}
