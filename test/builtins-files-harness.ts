/**
 * Test harness for the files/system builtins: a fake CallContext over a real temp dir and the
 * real sandbox (createSandbox with the temp dir as the only allowed root).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSandbox } from '../src/rshell/sandbox/index.js';
import { BufferReader, CollectWriter, type ByteReader } from '../src/rshell/io.js';
import type { Builtin, CallContext } from '../src/rshell/builtins/types.js';
import { SandboxError, type SandboxFS, type TrustedProc } from '../src/rshell/sandbox/types.js';

export interface SetupFile {
  path: string;
  content?: string;
  chmod?: number;
  symlink?: string;
  mtime?: Date;
}

/** Creates a fresh temp dir holding `files`; returns its real path. */
export function makeTree(files: SetupFile[]): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'rshell-files-')));
  for (const f of files) {
    const p = path.join(root, f.path);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    if (f.symlink !== undefined) fs.symlinkSync(f.symlink, p);
    else {
      fs.writeFileSync(p, f.content ?? '', { mode: 0o644 });
      fs.chmodSync(p, f.chmod ?? 0o644);
    }
    if (f.mtime) fs.utimesSync(p, f.mtime, f.mtime);
  }
  return root;
}

/** A TrustedProc over an in-memory map of relative paths (fake /proc). */
export function fakeProc(files: Record<string, string>): TrustedProc {
  return {
    async readFile(rel) {
      const v = files[rel];
      if (v === undefined) throw new SandboxError('ENOENT', rel, 'open');
      return Buffer.from(v, 'latin1');
    },
    async pids() {
      const s = new Set<number>();
      for (const k of Object.keys(files)) {
        const m = /^(\d+)\//.exec(k);
        if (m) s.add(Number(m[1]));
      }
      return [...s].sort((a, b) => a - b);
    },
  };
}

export interface RunOpts {
  dir: string;
  fs?: SandboxFS;
  proc?: TrustedProc;
  now?: Date;
  /** Builtins reachable through runBuiltin (find -exec). */
  builtins?: Record<string, Builtin>;
  /** Allowed command names; all allowed when omitted. */
  allowed?: string[];
  stdin?: ByteReader;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
  warnings: string[];
}

/** Runs `builtin` with a fake CallContext; stdout/stderr are returned as bstr. */
export async function run(builtin: Builtin, name: string, args: string[], opts: RunOpts): Promise<RunResult> {
  const stdout = new CollectWriter();
  const stderr = new CollectWriter();
  const warnings: string[] = [];
  const sandbox = opts.fs ?? createSandbox({ allowedPaths: [opts.dir] }).fs;
  const ac = new AbortController();
  const isAllowed = (n: string) => opts.allowed === undefined || opts.allowed.includes(n);
  const make = (argv0: string, dir: string, stdin: ByteReader): CallContext => {
    const ctx: CallContext = {
      name: argv0,
      stdin,
      stdout,
      stderr,
      fs: sandbox,
      dir,
      now: opts.now ?? new Date(),
      signal: ac.signal,
      checkCanceled() {},
      checkTimeFor() {},
      procPath: '/proc',
      proc: opts.proc ?? fakeProc({}),
      isAllowed,
      allowedBuiltins: () => Object.keys(opts.builtins ?? {}).filter(isAllowed),
      async runBuiltin(argv, o) {
        if (!isAllowed(argv[0])) {
          await stderr.write(`${argv[0]}: command not allowed\n`);
          return 127;
        }
        const b = opts.builtins?.[argv[0]];
        if (!b) {
          await stderr.write(`${argv[0]}: command not found\n`);
          return 127;
        }
        return b(make(argv[0], o?.dir ?? dir, o?.stdin ?? new BufferReader()), argv.slice(1));
      },
      warn(m) {
        warnings.push(m);
      },
    };
    return ctx;
  };
  const code = await builtin(make(name, opts.dir, opts.stdin ?? new BufferReader()), args);
  return { stdout: stdout.bytes().toString('latin1'), stderr: stderr.bytes().toString('latin1'), code, warnings };
}

/** Tiny stand-ins for builtins other groups own (only what -exec tests need). */
export const testBuiltins: Record<string, Builtin> = {
  async echo(ctx, args) {
    await ctx.stdout.write(args.join(' ') + '\n');
    return 0;
  },
  async true() {
    return 0;
  },
  async false() {
    return 1;
  },
  async cat(ctx, args) {
    for (const a of args) {
      const f = await ctx.fs.open(a, ctx.dir);
      const buf = new Uint8Array(4096);
      for (let n = await f.read(buf); n > 0; n = await f.read(buf)) await ctx.stdout.write(buf.slice(0, n));
      await f.close();
    }
    return 0;
  },
};
