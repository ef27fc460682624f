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
