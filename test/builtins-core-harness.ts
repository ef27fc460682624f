/**
 * A minimal CallContext for unit-testing core builtins: in-memory stdin, collecting
 * stdout/stderr, and a stub sandbox built from a path → FileInfo table.
 */
import { BufferReader, CollectWriter } from '../src/rshell/io.js';
import type { Builtin, CallContext } from '../src/rshell/builtins/types.js';
import { SandboxError, type AccessMode, type FileInfo, type FileKind, type SandboxFS } from '../src/rshell/sandbox/types.js';

export interface StubFile {
  kind: FileKind;
  size?: number;
  mtimeNs?: bigint;
  /** Modes `access` grants (default "rw"). */
  access?: string;
  /** For kind "symlink": the info stat() returns (the target). */
  target?: StubFile;
}

function info(name: string, f: StubFile): FileInfo {
  const ns = f.mtimeNs ?? 0n;
  return { name, kind: f.kind, perm: 0o644, size: f.size ?? 0, mtimeMs: Number(ns / 1000000n), mtimeNs: ns, nlink: 1, uid: 0, gid: 0, ino: 1, dev: 1 };
}

export function stubFS(files: Record<string, StubFile>): SandboxFS {
  const get = (p: string): StubFile => {
    const f = files[p];
    if (!f) throw new SandboxError('ENOENT', p, 'stat');
    return f;
  };
  return {
    open: async (p) => {
      throw new SandboxError('EACCES', p);
    },
    readDir: async (p) => {
      throw new SandboxError('EACCES', p, 'readdir');
    },
    stat: async (p) => {
      const f = get(p);
      if (f.kind === 'symlink') {
        if (!f.target) throw new SandboxError('ENOENT', p, 'stat');
        return info(p, f.target);
      }
      return info(p, f);
    },
    lstat: async (p) => info(p, get(p)),
    readlink: async (p) => {
      throw new SandboxError('EINVAL', p, 'readlink');
    },
    access: async (p, _d, mode: AccessMode) => {
      const f = get(p);
      if (!(f.access ?? 'rw').includes(mode)) throw new SandboxError('EACCES', p, 'access');
    },
    abs: (p, d) => (p.startsWith('/') ? p : `${d}/${p}`),
  };
}

export interface RunResult {
  code: number;
  stdout: string; // latin1 view of the bytes (bstr)
  stderr: string;
}

export interface HarnessOptions {
  name?: string;
  files?: Record<string, StubFile>;
  /** Allowed builtin names (for help); default: all of `builtins`. */
  allowed?: string[];
  builtins?: Record<string, Builtin>;
}

export function makeCtx(opts: HarnessOptions = {}): { ctx: CallContext; out: CollectWriter; err: CollectWriter } {
  const out = new CollectWriter();
  const err = new CollectWriter();
  const all = opts.builtins ?? {};
  const allowed = opts.allowed ?? Object.keys(all);
  const ctx: CallContext = {
    name: opts.name ?? 'cmd',
    stdin: new BufferReader(),
    stdout: out,
    stderr: err,
    fs: stubFS(opts.files ?? {}),
    dir: '/work',
    now: new Date(0),
    signal: new AbortController().signal,
    checkCanceled() {},
    checkTimeFor() {},
    procPath: '/proc',
    proc: {
      readFile: async () => {
        throw new Error('no proc');
      },
      pids: async () => [],
    },
    isAllowed: (n) => allowed.includes(n),
    allowedBuiltins: () => allowed.filter((n) => n in all),
    runBuiltin: async () => 127,
    warn() {},
  };
  return { ctx, out, err };
}

/** Runs `builtin` as `name` with `args`; returns exit code and both streams as bstr. */
export async function run(builtin: Builtin, name: string, args: string[], opts: HarnessOptions = {}): Promise<RunResult> {
  const { ctx, out, err } = makeCtx({ ...opts, name });
  const code = await builtin(ctx, args);
  return { code, stdout: out.bytes().toString('latin1'), stderr: err.bytes().toString('latin1') };
}
