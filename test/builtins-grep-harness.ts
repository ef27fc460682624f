/**
 * A fake CallContext for grep/sed unit tests: an in-memory read-only SandboxFS (files and
 * directories by absolute path) and collected stdout/stderr.
 */
import { CollectWriter, type ByteReader } from '../src/rshell/io.js';
import { SandboxError, type FileInfo, type OpenFile, type SandboxFS } from '../src/rshell/sandbox/types.js';
import type { Builtin, CallContext } from '../src/rshell/builtins/types.js';
import { stdinReader } from './helpers/stack.js';

export type FileTree = Record<string, string | Uint8Array | null>; // null = directory

const DIR = '/work';

function info(name: string, size: number, dir: boolean): FileInfo {
  return {
    name,
    kind: dir ? 'dir' : 'file',
    perm: 0o644,
    size,
    mtimeMs: 0,
    mtimeNs: 0n,
    nlink: 1,
    uid: 0,
    gid: 0,
    ino: 1,
    dev: 1,
  };
}

export function memFS(tree: FileTree): SandboxFS {
  const abs = (p: string, dir: string) => (p.startsWith('/') ? p : `${dir}/${p}`).replace(/\/+$/, '');
  const lookup = (p: string, dir: string) => {
    const a = abs(p, dir);
    if (!(a in tree)) throw new SandboxError('ENOENT', p);
    return tree[a];
  };
  return {
    async open(p, dir): Promise<OpenFile> {
      const v = lookup(p, dir);
      const data = v === null ? null : typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from(v);
      let off = 0;
      return {
        async read(buf) {
          if (data === null) throw new SandboxError('EISDIR', p, 'read');
          const n = Math.min(buf.length, data.length - off);
          buf.set(data.subarray(off, off + n));
          off += n;
          return n;
        },
        async stat() {
          return info(p, data?.length ?? 0, data === null);
        },
        async close() {},
      };
    },
    async readDir() {
      return [];
    },
    async stat(p, dir) {
      const v = lookup(p, dir);
      return info(p, v === null ? 0 : v.length, v === null);
    },
    async lstat(p, dir) {
      return this.stat(p, dir);
    },
    async readlink(p) {
      throw new SandboxError('EINVAL', p);
    },
    async access() {},
    abs,
  };
}

export interface RunResult {
  code: number;
  stdout: string; // bstr
  stderr: string;
}

export async function runBuiltin(
  fn: Builtin,
  name: string,
  args: string[],
  opts: { files?: FileTree; stdin?: string | Uint8Array | ByteReader } = {},
): Promise<RunResult> {
  const stdout = new CollectWriter();
  const stderr = new CollectWriter();
  const files: FileTree = {};
  for (const [k, v] of Object.entries(opts.files ?? {})) files[k.startsWith('/') ? k : `${DIR}/${k}`] = v;
  const stdin = stdinReader(opts.stdin);
  const ac = new AbortController();
  const ctx: CallContext = {
    name,
    stdin,
    stdout,
    stderr,
    fs: memFS(files),
    dir: DIR,
    now: new Date(0),
    signal: ac.signal,
    checkCanceled() {},
    checkTimeFor() {},
    procPath: '/proc',
    proc: {
      async readFile() {
        throw new SandboxError('EACCES', '/proc');
      },
      async pids() {
        return [];
      },
    },
    isAllowed: () => true,
    allowedBuiltins: () => [],
    runBuiltin: async () => 127,
    warn() {},
  };
  const code = await fn(ctx, args);
  return { code, stdout: stdout.bytes().toString('latin1'), stderr: stderr.bytes().toString('latin1') };
}

/** A reader producing `total` bytes of `line` repeated, in 64 KiB chunks, without holding them. */
export function repeatReader(line: string, total: number): ByteReader {
  const unit = Buffer.from(line, 'latin1');
  const chunk = Buffer.alloc(Math.max(unit.length, Math.floor(65536 / unit.length) * unit.length));
  for (let i = 0; i < chunk.length; i += unit.length) unit.copy(chunk, i);
  let left = total;
  return {
    async read() {
      if (left <= 0) return null;
      const n = Math.min(left, chunk.length);
      left -= n;
      return Buffer.from(chunk.subarray(0, n));
    },
    cancel() {
      left = 0;
    },
  };
}
