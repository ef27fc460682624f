/**
 * Tracing overhead counted in instructions, not time: the 100-command diagnostic task of the
 * executor bench, tracing on versus off, under valgrind's callgrind. Wall-clock ratios on a
 * shared 2-core VM move by several points from run to run; an instruction count does not
 * depend on load. Each process warms up uncounted (callgrind `--instr-atstart=no`), then
 * counts every thread's user-space instructions over its timed invocations (the flush
 * included), and the difference is split by where it runs: V8's garbage collector and
 * compiler, IC and other builtins, JavaScript (JIT code, named through `--perf-basic-prof`),
 * the rest of Node and libc. Kernel work (file calls, the span request's socket) and waiting
 * are not counted: the gap between this figure and the wall-clock one is theirs.
 *
 * Needs `valgrind` (Debian package; skipped without it). About 10–15 minutes on 2 cores (the
 * 200 uncounted warm-up invocations are most of it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAMBDA_DEFAULT_ENVIRONMENT } from '../cdk/runtime-defaults.js';
import { sqsEvent } from './events.js';
import { startIntakeProcess, tracingOn, TRACING_OFF } from './intake-process.js';
import { runProcess } from './measure.js';

const root = join(import.meta.dirname, '..');
const TASKS_PER_BATCH = 5;
/** INSTR_WARM, INSTR_COUNTED, INSTR_REPLICATES override these (e.g. a longer warm-up). */
const intEnv = (name: string, dflt: number): number => {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v > 0 ? v : dflt;
};
// A warm container's steady state: after 10 invocations the traced variant (more code: the
// tracer's, and per-invocation paths such as the flush, hot only after many invocations)
// still had first compiles falling in the counted window, +5 to +8 M instructions per task.
const WARM_INVOCATIONS = intEnv('INSTR_WARM', 200);
const COUNTED_INVOCATIONS = intEnv('INSTR_COUNTED', 30);
const REPLICATES = intEnv('INSTR_REPLICATES', 2);
const SCRIPT = Array.from({ length: 20 }, () =>
  ['grep -c processor /proc/cpuinfo', 'wc -l /etc/passwd', 'head -n 3 /proc/meminfo', 'ls /etc | head -n 5'].join('\n'),
).join('\n');

/**
 * Warms up, then has callgrind count the timed invocations (instrumentation toggled by pid).
 * The variant's tracing settings come in its environment; the intake is another process, so
 * its work on the span requests is not counted as the traced variant's.
 */
const DRIVER = `import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
const [bundle, eventFile, warm, counted] = process.argv.slice(2);
const ctl = (on) => new Promise((res) => spawn('callgrind_control', ['-i', on, String(process.pid)], { stdio: 'ignore' }).on('exit', res));
const { handler } = await import(bundle);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const ctx = { awsRequestId: 'r', invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:f', getRemainingTimeInMillis: () => 600000 };
process.stdout.write = () => true;
const check = (r) => { if (r.batchItemFailures.length > 0) throw new Error('tasks failed'); };
for (let i = 0; i < Number(warm); i++) check(await handler(event, ctx));
await ctl('on');
for (let i = 0; i < Number(counted); i++) check(await handler(event, ctx));
await ctl('off');
process.exit(0);
`;

type Category = 'garbage collector' | 'JIT compiler' | 'IC builtins' | 'other builtins' | 'JavaScript' | 'Node, V8 runtime, libc';

function categoryOf(name: string): Category {
  if (name.startsWith('JS ')) return 'JavaScript';
  if (/Marking|Sweep|Scaveng|Heap|Evacuat|Pretenur|MemoryChunk|RememberedSet|SlotSet|BodyDescriptor|SizeFromMap|Compactor|ArrayBufferSweeper/.test(name)) return 'garbage collector';
  if (/compiler::|maglev|RelocIterator/i.test(name)) return 'JIT compiler';
  if (/Builtins_\w*IC/.test(name)) return 'IC builtins';
  if (name.includes('Builtins_')) return 'other builtins';
  return 'Node, V8 runtime, libc';
}

/** Instructions per category of one callgrind profile; JIT code is named from the process's perf map. */
function profile(outFile: string): Map<Category, number> {
  const pid = /^pid: (\d+)/m.exec(readFileSync(outFile, 'utf8'))![1];
  const mapFile = `/tmp/perf-${pid}.map`;
  const jit = readFileSync(mapFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [a, size] = l.split(' ');
      return [parseInt(a!, 16), parseInt(size!, 16)] as const;
    })
    .sort((x, y) => x[0] - y[0]);
  if (process.env.INSTR_KEEP !== '1') rmSync(mapFile, { force: true });
  const isJit = (addr: number): boolean => {
    let lo = 0;
    let hi = jit.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (jit[mid]![0] <= addr) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && addr < jit[hi]![0] + jit[hi]![1];
  };
  const text = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', outFile], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const out = new Map<Category, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$/.exec(line);
    if (!m || m[2]!.startsWith('PROGRAM TOTALS')) continue;
    const addr = /^\?\?\?:0x([0-9a-f]+)/.exec(m[2]!);
    const name = addr && isJit(parseInt(addr[1]!, 16)) ? 'JS ' : m[2]!;
    const c = categoryOf(name);
    out.set(c, (out.get(c) ?? 0) + Number(m[1]!.replace(/,/g, '')));
  }
  return out;
}

const total = (p: Map<Category, number>) => [...p.values()].reduce((a, b) => a + b, 0);
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

export default async function instructionsBench(): Promise<void> {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.log('valgrind is not installed (apt-get install valgrind): instruction counts skipped');
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'bench-instr-'));
  const intake = await startIntakeProcess({ sink: true });
  // As the executor bench's variants: tracing on (to the intake) or off.
  const variants = { on: tracingOn(intake.url), off: TRACING_OFF };
  try {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
    cpSync(join(root, 'dist'), join(tmp, 'dist'), { recursive: true });
    const driver = join(tmp, 'driver.mjs');
    const eventFile = join(tmp, 'event.json');
    writeFileSync(driver, DRIVER);
    writeFileSync(eventFile, JSON.stringify(sqsEvent(SCRIPT, TASKS_PER_BATCH, ['rshell:grep', 'rshell:wc', 'rshell:head', 'rshell:ls'], ['/etc', '/proc'])));
    const counted = async (variant: 'on' | 'off', rep: number): Promise<Map<Category, number>> => {
      const out = join(tmp, `${variant}-${rep}.out`);
      const args = ['--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${out}`];
      const r = await runProcess('valgrind', [...args, process.execPath, '--perf-basic-prof', driver, join(tmp, 'dist/handler.mjs'), eventFile, String(WARM_INVOCATIONS), String(COUNTED_INVOCATIONS)], {
        ...process.env,
        ...LAMBDA_DEFAULT_ENVIRONMENT,
        ...variants[variant],
      });
      if (r.status !== 0) throw new Error(`callgrind run failed: ${r.stderr.slice(-600)}`);
      return profile(out);
    };
    const pairs: Array<[Map<Category, number>, Map<Category, number>]> = [];
    // One traced and one untraced process at a time, one per core.
    for (let rep = 0; rep < REPLICATES; rep++) pairs.push(await Promise.all([counted('off', rep), counted('on', rep)]));
    const tasks = COUNTED_INVOCATIONS * TASKS_PER_BATCH;
    const offTotal = pairs.reduce((a, [off]) => a + total(off), 0);
    const rows = (['garbage collector', 'JIT compiler', 'IC builtins', 'other builtins', 'JavaScript', 'Node, V8 runtime, libc'] as const).map((c) => {
      const off = pairs.reduce((a, [o]) => a + (o.get(c) ?? 0), 0);
      const on = pairs.reduce((a, [, n]) => a + (n.get(c) ?? 0), 0);
      return {
        where: c,
        'off, M per task': (off / REPLICATES / tasks / 1e6).toFixed(2),
        'on, M per task': (on / REPLICATES / tasks / 1e6).toFixed(2),
        'share of the overhead (points)': ((on - off) / offTotal * 100).toFixed(2),
      };
    });
    console.log(
      `user-space instructions per task, 100-command diagnostic script, ${TASKS_PER_BATCH} tasks per invocation, ` +
        `${COUNTED_INVOCATIONS} counted invocations after ${WARM_INVOCATIONS} uncounted, ${REPLICATES} processes per variant (callgrind; Node ${process.version})`,
    );
    console.table(rows);
    const ratios = pairs.map(([off, on]) => total(on) / total(off) - 1);
    // Processes differ by a few points (when a major GC or a batch of compiles falls in the
    // counted window): the pooled figure, with each pair's.
    const onTotal = pairs.reduce((a, [, on]) => a + total(on), 0);
    console.log(`tracing overhead in instructions: ${pct(onTotal / offTotal - 1)} pooled (pairs: ${ratios.map(pct).join(', ')})`);
    // V8 still compiles now and then (a burst of several M instructions per task lands in a
    // process's window at random, traced or not): the same figure without the compiler.
    const noCompiler = (p: Map<Category, number>) => total(p) - (p.get('JIT compiler') ?? 0);
    const offRest = pairs.reduce((a, [off]) => a + noCompiler(off), 0);
    const onRest = pairs.reduce((a, [, on]) => a + noCompiler(on), 0);
    console.log(`  without the JIT compiler: ${pct(onRest / offRest - 1)} pooled (pairs: ${pairs.map(([off, on]) => pct(noCompiler(on) / noCompiler(off) - 1)).join(', ')})`);
    // Each process's own count, and its compiler's: a pair far from the others shows which
    // side moved.
    const perTask = (p: Map<Category, number>, c?: Category) => (((c ? p.get(c) : total(p)) ?? 0) / tasks / 1e6).toFixed(1);
    for (const v of [0, 1] as const) {
      const name = v === 0 ? 'off' : 'on';
      console.log(`  ${name}, M per task by process: ${pairs.map((pr) => `${perTask(pr[v])} (compiler ${perTask(pr[v], 'JIT compiler')})`).join(', ')}`);
    }
  } finally {
    await intake.stop();
    // INSTR_KEEP=1 keeps the callgrind profiles (and the bundle they ran) for callgrind_annotate.
    if (process.env.INSTR_KEEP === '1') console.log(`profiles kept in ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}
