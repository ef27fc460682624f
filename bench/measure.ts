/** Measuring helpers shared by the benchmarks. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Runner } from '../src/rshell/index.js';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export interface Figure {
  /** Median wall ms over the timed runs. */
  ms: number;
  /** Median user+system CPU ms (NaN without /usr/bin/time). */
  cpuMs: number;
  /** Peak MB: RSS of the whole `bash -c` (0 without /usr/bin/time), or this process's RSS growth. */
  peakMB: number;
  /** Output of the last run, as a bstr (latin1). */
  stdout: string;
  stderr: string;
  exit: number;
}

/**
 * Runs `script` with the system's bash (GNU tools) `reps` times after one warm-up, from `dir`,
 * timing each run; /usr/bin/time, when present, adds CPU time and peak memory.
 */
export function timeGnu(dir: string, script: string, reps: number, env: NodeJS.ProcessEnv = process.env): Figure {
  const hasTime = existsSync('/usr/bin/time');
  const times: number[] = [];
  const cpus: number[] = [];
  let peak = 0;
  let last = { stdout: '', stderr: '', exit: 0 };
  for (let i = 0; i <= reps; i++) {
    const argv = hasTime ? ['/usr/bin/time', '-f', '%M %U %S', 'bash', '-c', script] : ['bash', '-c', script];
    const t = performance.now();
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: dir, env, encoding: 'latin1', maxBuffer: 64 * 1024 * 1024 });
    const ms = performance.now() - t;
    let stderr = r.stderr;
    let cpuMs = NaN;
    if (hasTime) {
      const lines = stderr.trimEnd().split('\n');
      const [kb, user, sys] = (lines.pop() ?? '').split(' ').map(Number);
      if (Number.isFinite(kb)) peak = Math.max(peak, kb / 1024);
      cpuMs = (user + sys) * 1000;
      stderr = lines.length ? lines.join('\n') + '\n' : '';
    }
    last = { stdout: r.stdout, stderr, exit: r.status ?? -1 };
    if (i > 0) {
      times.push(ms);
      cpus.push(cpuMs);
    }
  }
  return { ms: median(times), cpuMs: median(cpus), peakMB: peak, ...last };
}

/**
 * Runs `script` with this interpreter `reps` times after one warm-up run for the JIT (with
 * `reps` 0 that single run is timed), like timeGnu; peak memory is this process's RSS growth
 * during a run, sampled every 5 ms.
 */
export async function timeOurs(runner: Runner, script: string, reps: number): Promise<Figure> {
  const times: number[] = [];
  const cpus: number[] = [];
  let peak = 0;
  let last = { stdout: '', stderr: '', exit: 0 };
  for (let i = 0; i <= reps; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const cpu0 = process.cpuUsage();
    const base = process.memoryUsage().rss;
    let max = base;
    const timer = setInterval(() => {
      max = Math.max(max, process.memoryUsage().rss);
    }, 5);
    const t = performance.now();
    const r = await runner.run(script);
    const ms = performance.now() - t;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(timer);
    max = Math.max(max, process.memoryUsage().rss);
    last = { stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1'), exit: r.exitCode };
    if (i > 0 || reps === 0) {
      times.push(ms);
      cpus.push((cpu.user + cpu.system) / 1000);
    }
    peak = Math.max(peak, (max - base) / 1048576);
  }
  return { ms: median(times), cpuMs: median(cpus), peakMB: peak, ...last };
}

/** Runs a child process asynchronously (so that stubs served by this process keep answering). */
export function runProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

export interface ColdStartVariant {
  label: string;
  bundle: string;
  env: NodeJS.ProcessEnv;
}

/**
 * Median cold start (bench/cold-start-driver.mjs: fresh process, import to first batch
 * answered) of each variant over `runs` rounds, the variants alternating so that a slow spell
 * of the machine falls on all of them. Fails if a run errors or leaves a record for retry.
 */
export async function coldStarts(nodeBin: string, variants: readonly ColdStartVariant[], eventFile: string, runs: number): Promise<number[]> {
  const driver = new URL('./cold-start-driver.mjs', import.meta.url).pathname;
  const samples = variants.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(i + k) % variants.length]!;
      const out = await runProcess(nodeBin, [driver, v.bundle, eventFile], v.env);
      const ms = /COLD_START_MS=([\d.]+)/.exec(out.stderr);
      const retried = /RETRIED=(\d+)/.exec(out.stderr);
      if (out.status !== 0 || !ms || !retried) throw new Error(`${v.label}: cold start failed: ${out.stderr.slice(-600)}`);
      if (retried[1] !== '0') throw new Error(`${v.label}: ${retried[1]} records left for retry`);
      samples[(i + k) % variants.length]!.push(Number(ms[1]));
    }
  }
  return samples.map(median);
}
