/** A script run by rshell with every builtin allowed inside `root`, and how long it took. */
import { createRunner, type RunResult } from '../../src/rshell/index.js';

export interface Timed {
  r: RunResult;
  ms: number;
  out: string;
  err: string;
}

export async function timed(root: string, script: string, timeoutMs: number): Promise<Timed> {
  const t0 = performance.now();
  const r = await createRunner({ allowAllCommands: true, allowedPaths: [root], dir: root, timeoutMs }).run(script);
  const ms = performance.now() - t0;
  return { r, ms, out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1') };
}

export interface Probed extends Timed {
  /** The longest stretch in which no timer of the process could run, ms. */
  gap: number;
  /** Growth of the process's peak RSS during the run, MiB. */
  peakMiB: number;
}

/** `timed`, with the longest event-loop gap and the peak RSS growth seen while it ran. */
export async function probed(root: string, script: string, timeoutMs: number): Promise<Probed> {
  const maxRss0 = process.resourceUsage().maxRSS;
  let last = performance.now();
  let gap = 0;
  const iv = setInterval(() => {
    const now = performance.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 5);
  try {
    const t = await timed(root, script, timeoutMs);
    gap = Math.max(gap, performance.now() - last);
    return { ...t, gap, peakMiB: (process.resourceUsage().maxRSS - maxRss0) / 1024 };
  } finally {
    clearInterval(iv);
  }
}

/**
 * `probed`, with the most `sample()` read during the run over what it read before (sampled
 * every `everyMs`, and once at the end): a process-wide peak such as RSS hides a later
 * test's behind an earlier one's, a sample taken around this run does not.
 */
export async function probedPeak(root: string, script: string, timeoutMs: number, sample: () => number, everyMs: number): Promise<Probed & { peak: number }> {
  const base = sample();
  let peak = 0;
  const iv = setInterval(() => (peak = Math.max(peak, sample() - base)), everyMs);
  try {
    const t = await probed(root, script, timeoutMs);
    return { ...t, peak: Math.max(peak, sample() - base) };
  } finally {
    clearInterval(iv);
  }
}
