/**
 * rshell interpreter speed against baselines measured in the same run: just-bash (an
 * in-process TS bash, default defenseInDepth), and the system's bash and dash (child
 * processes, so their figures include process start-up, measured separately and shown).
 *
 * Workloads: a 10,000-iteration `for` loop running `echo` (per-command cost), and the
 * 3-stage pipeline `cat f | grep x | wc -l` over a 20 MB file (streaming throughput).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bash } from 'just-bash';
import { createRunner } from '../src/rshell/index.js';
import { median } from './measure.js';

const LOOP_N = 10_000;
const FILE_BYTES = 20 * 1024 * 1024;


/** Median wall time (ms) of `reps` runs after a warm-up. */
async function time(reps: number, f: () => Promise<unknown> | unknown): Promise<number> {
  return (await timeWithCpu(reps, f)).wall;
}

/**
 * Median wall time and this process's median CPU time (ms) per run. CPU time is the fairer
 * figure for the in-process interpreters on a shared, loaded machine; child processes
 * (bash, dash) only have wall time here.
 */
async function timeWithCpu(reps: number, f: () => Promise<unknown> | unknown): Promise<{ wall: number; cpu: number }> {
  await f(); // warm-up
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await f();
    walls.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpus.push((d.user + d.system) / 1000);
  }
  return { wall: median(walls), cpu: median(cpus) };
}

function makeFile(path: string): void {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < FILE_BYTES; i++) {
    const l = i % 2 ? `alpha ${i} x lorem ipsum dolor sit\n` : `beta ${i} y lorem ipsum dolor sit\n`;
    lines.push(l);
    size += l.length;
  }
  writeFileSync(path, lines.join(''));
}

function shell(bin: string, script: string, cwd: string): string {
  const r = spawnSync(bin, ['-c', script], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${bin} failed: ${r.stderr}`);
  return r.stdout;
}

function row(name: string, ms: number, base: number, unit: string, per?: number): string {
  const perText = per ? `${((ms * 1000) / per).toFixed(2).padStart(9)} µs/cmd` : ''.padStart(16);
  return `${name.padEnd(22)} ${ms.toFixed(1).padStart(10)} ms ${perText}   ${(ms / base).toFixed(2).padStart(7)}x ${unit}`;
}

export default async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rshell-bench-'));
  try {
    const data = join(dir, 'f.txt');
    makeFile(data);
    const words = Array.from({ length: LOOP_N }, (_, i) => String(i)).join(' ');
    const loop = `for i in ${words}; do echo $i; done`;
    const pipeline = 'cat f.txt | grep x | wc -l';

    const runner = createRunner({ allowedPaths: [dir], dir, allowAllCommands: true });
    const ours = async (s: string) => {
      const r = await runner.run(s);
      if (r.exitCode !== 0 || r.outcome !== 'success') throw new Error(`rshell failed: ${r.stderr.toString()}`);
      return r.stdout.toString();
    };
    const jb = new Bash({
      files: { '/data/f.txt': readFileSync(data, 'latin1') },
      cwd: '/data',
      executionLimits: { maxCommandCount: 1_000_000, maxExecutionTimeMs: 300_000, maxOutputSize: 256 * 1024 * 1024 },
    });
    const theirs = async (s: string) => {
      const r = await jb.exec(s);
      if (r.exitCode !== 0) throw new Error(`just-bash failed: ${r.stderr}`);
      return r.stdout;
    };

    // Same answers first, so the figures compare equal work.
    const expectLoop = shell('bash', loop, dir);
    const expectPipe = shell('bash', pipeline, dir);
    for (const [name, out] of [
      ['rshell-ts loop', await ours(loop)],
      ['just-bash loop', await theirs(loop)],
      ['dash loop', shell('dash', loop, dir)],
    ] as const) if (out !== expectLoop) throw new Error(`${name}: output differs from bash`);
    for (const [name, out] of [
      ['rshell-ts pipeline', await ours(pipeline)],
      ['just-bash pipeline', await theirs(pipeline)],
      ['dash pipeline', shell('dash', pipeline, dir)],
    ] as const) if (out.trim() !== expectPipe.trim()) throw new Error(`${name}: output ${out.trim()} differs from bash ${expectPipe.trim()}`);

    const startup = { bash: await time(9, () => shell('bash', 'true', dir)), dash: await time(9, () => shell('dash', 'true', dir)) };

    const loopOursT = await timeWithCpu(9, () => ours(loop));
    const loopJbT = await timeWithCpu(3, () => theirs(loop));
    const loopOurs = loopOursT.wall;
    const loopJb = loopJbT.wall;
    const loopBash = await time(5, () => shell('bash', loop, dir));
    const loopDash = await time(5, () => shell('dash', loop, dir));
    console.log(`for loop, ${LOOP_N} x echo (median; ratio = time / rshell-ts time)`);
    console.log(row('rshell-ts', loopOurs, loopOurs, '', LOOP_N));
    console.log(row('just-bash', loopJb, loopOurs, '', LOOP_N));
    console.log(row('bash (process)', loopBash, loopOurs, `(start-up ${startup.bash.toFixed(1)} ms)`, LOOP_N));
    console.log(row('dash (process)', loopDash, loopOurs, `(start-up ${startup.dash.toFixed(1)} ms)`, LOOP_N));
    console.log(
      `CPU time: rshell-ts ${((loopOursT.cpu * 1000) / LOOP_N).toFixed(2)} µs/cmd, just-bash ${((loopJbT.cpu * 1000) / LOOP_N).toFixed(2)} µs/cmd`,
    );
    console.log(
      `just-bash / rshell-ts per command: ${(loopJb / loopOurs).toFixed(1)}x wall, ${(loopJbT.cpu / loopOursT.cpu).toFixed(1)}x CPU (target >= 10x)`,
    );

    const pipeOursT = await timeWithCpu(5, () => ours(pipeline));
    const pipeJbT = await timeWithCpu(3, () => theirs(pipeline));
    const pipeOurs = pipeOursT.wall;
    const pipeJb = pipeJbT.wall;
    const pipeBash = await time(5, () => shell('bash', pipeline, dir));
    const pipeDash = await time(5, () => shell('dash', pipeline, dir));
    const mbps = (ms: number) => `${((FILE_BYTES / 1024 / 1024) / (ms / 1000)).toFixed(0)} MiB/s`;
    console.log(`\n${pipeline} over ${FILE_BYTES / 1024 / 1024} MiB (median; ratio = time / rshell-ts time)`);
    console.log(row('rshell-ts', pipeOurs, pipeOurs, mbps(pipeOurs)));
    console.log(row('just-bash', pipeJb, pipeOurs, mbps(pipeJb)));
    console.log(row('bash (process)', pipeBash, pipeOurs, mbps(pipeBash)));
    console.log(row('dash (process)', pipeDash, pipeOurs, mbps(pipeDash)));
    console.log(`CPU time: rshell-ts ${pipeOursT.cpu.toFixed(1)} ms, just-bash ${pipeJbT.cpu.toFixed(1)} ms (${(pipeJbT.cpu / pipeOursT.cpu).toFixed(1)}x)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
