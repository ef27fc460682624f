/**
 * Test harness for the files/system builtins: a fake CallContext over a real temp dir, with
 * the sandbox from src/rshell/sandbox when it exists and a small rooted stub otherwise.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BufferReader, CollectWriter, type ByteReader } from '../src/rshell/io.js';
import type { Builtin, CallContext } from '../src/rshell/builtins/types.js';
import {
  SandboxError,
  type DirEntry,
  type FileInfo,
  type FileKind,
  type OpenFile,
  type SandboxFS,
  type TrustedProc,
} from '../src/rshell/sandbox/types.js';

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

function kindOf(st: fs.Stats): FileKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  return 'unknown';
}

function infoOf(name: string, st: fs.BigIntStats): FileInfo {
  return {
    name,
    kind: kindOf(st as unknown as fs.Stats),
    perm: Number(st.mode & 0o7777n),
    size: Number(st.size),
    mtimeMs: Number(st.mtimeNs) / 1e6,
    mtimeNs: st.mtimeNs,
    nlink: Number(st.nlink),
    uid: Number(st.uid),
    gid: Number(st.gid),
    ino: Number(st.ino),
    dev: Number(st.dev),
  };
}

/**
 * A minimal rooted SandboxFS for unit tests: paths resolve against `dir`, must stay inside
 * `root` (after resolving symlinks), errors use the sandbox's codes.
 */
export function stubSandbox(root: string): SandboxFS {
  const inside = (p: string) => p === root || p.startsWith(root + '/');
  const wrap = (e: unknown, p: string, op: string): never => {
    if (e instanceof SandboxError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const known = ['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'ELOOP'];
    throw new SandboxError((known.includes(code ?? '') ? code : 'EIO') as 'EIO', p, op);
  };
  const resolve = (p: string, dir: string, followLast: boolean, op: string): string => {
    const abs = path.resolve(Buffer.from(dir, 'latin1').toString(), Buffer.from(p, 'latin1').toString());
    if (!inside(abs)) throw new SandboxError('EACCES', p, op);
    let real: string;
    try {
      real = followLast ? fs.realpathSync(abs) : path.join(fs.realpathSync(path.dirname(abs)), path.basename(abs));
    } catch (e) {
      return wrap(e, p, op);
    }
    if (!inside(real)) throw new SandboxError('EACCES', p, op);
    return real;
  };
  return {
    async open(p, dir): Promise<OpenFile> {
      const real = resolve(p, dir, true, 'open');
      const fd = fs.openSync(real, 'r');
      return {
        async read(buf) {
          try {
            return fs.readSync(fd, buf);
          } catch (e) {
            return wrap(e, p, 'read');
          }
        },
        async stat() {
          return infoOf(path.basename(real), fs.fstatSync(fd, { bigint: true }));
        },
        async close() {
          fs.closeSync(fd);
        },
      };
    },
    async readDir(p, dir, limit = 10_000): Promise<DirEntry[]> {
      const real = resolve(p, dir, true, 'readdir');
      try {
        const ents = fs.readdirSync(real, { withFileTypes: true, encoding: 'buffer' });
        if (ents.length > limit) throw new SandboxError('EMFILE', p, 'readdir', `directory has too many entries (cap: ${limit})`);
        return ents
          .map((e) => ({ name: (e.name as unknown as Buffer).toString('latin1'), kind: kindOf(e as unknown as fs.Stats) }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      } catch (e) {
        return wrap(e, p, 'readdir');
      }
    },
    async stat(p, dir) {
      const real = resolve(p, dir, true, 'stat');
      return infoOf(path.basename(real), fs.statSync(real, { bigint: true }));
    },
    async lstat(p, dir) {
      const real = resolve(p, dir, false, 'lstat');
      try {
        return infoOf(path.basename(real), fs.lstatSync(real, { bigint: true }));
      } catch (e) {
        return wrap(e, p, 'lstat');
      }
    },
    async readlink(p, dir) {
      const real = resolve(p, dir, false, 'readlink');
      try {
        return fs.readlinkSync(real, { encoding: 'buffer' }).toString('latin1');
      } catch (e) {
        return wrap(e, p, 'readlink');
      }
    },
    async access(p, dir, mode) {
      const real = resolve(p, dir, true, 'access');
      try {
        fs.accessSync(real, mode === 'r' ? fs.constants.R_OK : mode === 'w' ? fs.constants.W_OK : fs.constants.X_OK);
      } catch (e) {
        wrap(e, p, 'access');
      }
    },
    abs(p, dir) {
      return path.posix.resolve(dir, p);
    },
  };
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
  const sandbox = opts.fs ?? stubSandbox(opts.dir);
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
