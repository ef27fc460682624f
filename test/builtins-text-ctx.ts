/**
 * A fake CallContext for the text builtins: in-memory files behind a stub SandboxFS that
 * raises SandboxError like the real sandbox, stdin from bytes, collected stdout/stderr.
 */
import { CollectWriter, type ByteReader } from '../src/rshell/io.js';
import { SandboxError, type FileInfo, type OpenFile, type SandboxFS } from '../src/rshell/sandbox/types.js';
import type { Builtin, CallContext } from '../src/rshell/builtins/types.js';
import { stdinReader } from './helpers/stack.js';

export type FakeTree = Record<string, string | Uint8Array | { dir: true }>;

function info(name: string, kind: FileInfo['kind'], size: number): FileInfo {
  return { name, kind, perm: 0o644, size, mtimeMs: 0, mtimeNs: 0n, nlink: 1, uid: 0, gid: 0, ino: 1, dev: 1 };
}

/** Serves `tree` (paths relative to /w); reads hand out at most `chunk` bytes at a time. */
export function fakeFs(tree: FakeTree, chunk = 1 << 16): SandboxFS & { opened: number; closed: number } {
  const norm = (p: string, dir: string): string => {
    const abs = p.startsWith('/') ? p : `${dir}/${p}`;
    const rel = abs.replace(/\/+/g, '/').replace(/^\/w(\/|$)/, '').replace(/(^|\/)\.$/, '');
    return rel;
  };
  const fs = {
    opened: 0,
    closed: 0,
    async open(path: string, dir: string): Promise<OpenFile> {
      if (path.startsWith('/') && !path.startsWith('/w/')) throw new SandboxError('EACCES', path);
      const key = norm(path, dir);
      const entry = key === '' ? { dir: true as const } : tree[key];
      if (entry === undefined) throw new SandboxError('ENOENT', path);
      fs.opened++;
      if (typeof entry === 'object' && 'dir' in entry) {
        return {
          read: async () => {
            throw new SandboxError('EISDIR', path, 'read');
          },
          stat: async () => info(path, 'dir', 4096),
          close: async () => {
            fs.closed++;
          },
        };
      }
      const data = typeof entry === 'string' ? Buffer.from(entry, 'latin1') : Buffer.from(entry);
      let pos = 0;
      return {
        read: async (buf: Uint8Array) => {
          const n = Math.min(buf.length, chunk, data.length - pos);
          buf.set(data.subarray(pos, pos + n));
          pos += n;
          return n;
        },
        stat: async () => info(path, 'file', data.length),
        close: async () => {
          fs.closed++;
        },
      };
    },
    readDir: async () => [],
    stat: async (p: string, dir: string) => {
      const key = norm(p, dir);
      const entry = key === '' ? { dir: true as const } : tree[key];
      if (entry === undefined) throw new SandboxError('ENOENT', p, 'stat');
      if (typeof entry === 'object' && 'dir' in entry) return info(p, 'dir', 4096);
      return info(p, 'file', entry.length);
    },
    lstat: async (p: string) => info(p, 'file', 0),
    readlink: async () => '',
    access: async () => {},
    abs: (p: string, dir: string) => (p.startsWith('/') ? p : `${dir}/${p}`),
  };
  return fs;
}

/** A reader handing out `data` in pieces of `size` bytes, recording whether it was canceled. */
export class PieceReader implements ByteReader {
  canceled = false;
  reads = 0;
  private pos = 0;
  constructor(
    private readonly data: Uint8Array,
    private readonly size: number,
  ) {}
  async read(): Promise<Uint8Array | null> {
    if (this.canceled || this.pos >= this.data.length) return null;
    this.reads++;
    const piece = this.data.slice(this.pos, this.pos + this.size);
    this.pos += piece.length;
    return piece;
  }
  cancel(): void {
    this.canceled = true;
  }
}

export interface RunResult {
  out: string;
  err: string;
  code: number;
  stdout: Buffer;
}

export async function run(
  builtin: Builtin,
  name: string,
  args: string[],
  opts: { files?: FakeTree; stdin?: string | Uint8Array | ByteReader; chunk?: number } = {},
): Promise<RunResult> {
  const stdout = new CollectWriter();
  const stderr = new CollectWriter();
  const stdin = stdinReader(opts.stdin);
  const controller = new AbortController();
  const ctx: CallContext = {
    name,
    stdin,
    stdout,
    stderr,
    fs: fakeFs(opts.files ?? {}, opts.chunk),
    dir: '/w',
    now: new Date(0),
    signal: controller.signal,
    checkCanceled: () => {},
    checkTimeFor: () => {},
    procPath: '/proc',
    proc: { readFile: async () => Buffer.alloc(0), pids: async () => [] },
    isAllowed: () => true,
    allowedBuiltins: () => [],
    runBuiltin: async () => 127,
    warn: () => {},
  };
  const code = await builtin(ctx, args.map((a) => Buffer.from(a, 'utf8').toString('latin1')));
  return { out: stdout.bytes().toString('latin1'), err: stderr.bytes().toString('latin1'), code, stdout: stdout.bytes() };
}
