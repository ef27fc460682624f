/**
 * For tests that a builtin stats only what it must: the real sandbox over `dir`, counting its
 * stat and lstat calls.
 */
import { createSandbox, type SandboxFS } from '../../src/rshell/sandbox/index.js';

/** Returns a function running `run` with the counting fs; it answers stdout and the count. */
export function statCounter(
  dir: string,
  run: (fs: SandboxFS, args: string[]) => Promise<{ stdout: string }>,
): (args: string[]) => Promise<{ stdout: string; stats: number }> {
  const base = createSandbox({ allowedPaths: [dir] }).fs;
  let stats = 0;
  const fs: SandboxFS = {
    open: (p, d) => base.open(p, d),
    readDir: (p, d, limit) => base.readDir(p, d, limit),
    readlink: (p, d) => base.readlink(p, d),
    access: (p, d, m) => base.access(p, d, m),
    abs: (p, d) => base.abs(p, d),
    lstat: (p, d) => (stats++, base.lstat(p, d)),
    stat: (p, d) => (stats++, base.stat(p, d)),
  };
  return async (args) => {
    stats = 0;
    const r = await run(fs, args);
    return { stdout: r.stdout, stats };
  };
}
