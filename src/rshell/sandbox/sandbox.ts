/** The read-only SandboxFS over the allowed roots (see index.ts for the threat model). */
import { constants, opendir, promises as fsp, type BigIntStats, type Dir, type Dirent } from 'node:fs';
import { byName, bytesOf } from '../bytes.js';
import { hasPermission, processIdentity } from './access.js';
import { fromErrno, denied } from './errors.js';
import { baseName, isNullDevice, kindOfMode, toFileInfo } from './fileinfo.js';
import { FdFile } from './open-file.js';
import { clean, toAbs } from './paths.js';
import { type Resolved, type Resolver } from './resolve.js';
import { SandboxError, type AccessMode, type DirEntry, type FileInfo, type OpenFile, type SandboxFS } from './types.js';

/** rshell's per-directory cap (MaxGlobEntries). */
export const MAX_DIR_ENTRIES = 10_000;

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

const DIRENT_KINDS: Array<[(d: Dirent<Buffer>) => boolean, DirEntry['kind']]> = [
  [(d) => d.isFile(), 'file'],
  [(d) => d.isDirectory(), 'dir'],
  [(d) => d.isSymbolicLink(), 'symlink'],
  [(d) => d.isFIFO(), 'fifo'],
  [(d) => d.isSocket(), 'socket'],
  [(d) => d.isCharacterDevice(), 'char'],
  [(d) => d.isBlockDevice(), 'block'],
];

/** An entry's kind from its dirent; 'unknown' for DT_UNKNOWN (the caller asks lstat). */
function direntKind(d: Dirent<Buffer>): DirEntry['kind'] {
  for (const [is, kind] of DIRENT_KINDS) if (is(d)) return kind;
  return 'unknown';
}

/**
 * One directory listing: open, every entry (at most `limit`, EMFILE past it), close, each
 * one promise through Node's callback API. `Dir.read()` without a callback makes a promise
 * per entry, which was most of what `ls` allocated (a 135-entry /etc: ~80 KiB per
 * listing); and the promise forms of opendir, read and close run closures Node makes per
 * call or per Dir (`promisify`'s), whose optimised code V8 drops at each major GC and
 * compiles again, listing after listing. The callbacks here are methods bound once per
 * listing, for the same reason.
 */
class Listing {
  private handle: Dir | undefined;
  private readonly entries: DirEntry[] = [];
  /** The settlers of the step under way (open, list or close: one at a time). */
  private settle: Settlers<unknown> | undefined;
  private readonly onOpened = this.opened.bind(this);
  private readonly onEntry = this.entry.bind(this) as (err: Error | null, d: Dirent | null) => void;
  private readonly onClosed = this.closed.bind(this);

  constructor(
    private readonly limit: number,
    private readonly path: string,
  ) {}

  open(real: Buffer): Promise<void> {
    const p = this.step<void>();
    // Buffer names: file names are bytes, not UTF-8.
    opendir(real as unknown as string, { encoding: 'buffer' as BufferEncoding, bufferSize: 256 }, this.onOpened);
    return p;
  }

  list(): Promise<DirEntry[]> {
    const p = this.step<DirEntry[]>();
    this.handle!.read(this.onEntry);
    return p;
  }

  /** Closes the directory if it was opened; never rejects (a failed close loses nothing). */
  close(): Promise<void> {
    if (this.handle === undefined) return Promise.resolve();
    const p = this.step<void>();
    this.handle.close(this.onClosed);
    return p;
  }

  private step<T>(): Promise<T> {
    const p = new Promise<T>(captureSettlers);
    this.settle = captured;
    // Not kept past here: the settlers hold their promise, and so its entries once resolved.
    captured = undefined;
    return p;
  }

  private opened(err: Error | null, dir: Dir): void {
    if (err) return this.settle!.reject(err);
    this.handle = dir;
    this.settle!.resolve(undefined);
  }

  private entry(err: Error | null, d: Dirent<Buffer> | null): void {
    if (err) return this.settle!.reject(err);
    const entries = this.entries;
    if (!d) return this.settle!.resolve(entries);
    if (entries.length >= this.limit) {
      return this.settle!.reject(new SandboxError('EMFILE', this.path, 'readdir', `directory has too many entries (cap: ${this.limit})`));
    }
    const name = Buffer.isBuffer(d.name) ? d.name.toString('latin1') : String(d.name);
    entries.push({ name, kind: direntKind(d) });
    // Buffered entries come back on the next tick, so a large directory never recurses deeply.
    this.handle!.read(this.onEntry);
  }

  private closed(): void {
    this.settle!.resolve(undefined);
  }
}

interface Settlers<T> {
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

/**
 * The settlers of the promise being made, taken by `captureSettlers`, a module function
 * (Node 20 has no Promise.withResolvers): a promise's executor runs synchronously inside
 * its constructor, so each `new Promise(captureSettlers)` reads its own right after.
 */
let captured: Settlers<unknown> | undefined;
function captureSettlers(resolve: (v: never) => void, reject: (e: unknown) => void): void {
  captured = { resolve: resolve as (v: unknown) => void, reject };
}

/** Some filesystems report DT_UNKNOWN in listings: ask lstat instead (the entry may be gone). */
async function lstatKind(real: string): Promise<DirEntry['kind']> {
  try {
    return kindOfMode((await fsp.lstat(bytesOf(real), { bigint: true })).mode);
  } catch {
    return 'unknown';
  }
}

/**
 * Whether the kernel opened `real` itself. The walk and the inode check cannot see a
 * directory on the path being swapped for a symlink by another process between the walk's
 * lstat and the open (the walk may even have stat'ed the outside file); the kernel's name
 * for the fd can. Without /proc (not Linux) the inode check stands alone.
 */
async function openedAt(fh: fsp.FileHandle, real: string): Promise<boolean> {
  let name: Buffer;
  try {
    name = await fsp.readlink(`/proc/self/fd/${fh.fd}`, { encoding: 'buffer' });
  } catch {
    return true;
  }
  return name.equals(bytesOf(real));
}

export class RootSandbox implements SandboxFS {
  constructor(private readonly resolver: Resolver) {}

  abs(path: string, dir: string): string {
    return toAbs(path, dir);
  }

  /** Go resolves "" to the working directory; POSIX (and every coreutil) says ENOENT. */
  private rejectEmpty(path: string, op: string, rootOp: string, dir: string): void {
    if (path !== '') return;
    if (!this.resolver.rootFor(toAbs('.', dir))) throw denied(path, op);
    throw new SandboxError('ENOENT', path, rootOp);
  }

  /**
   * Opens the resolved real path with O_NOFOLLOW and checks, on the fd, that it is the very
   * inode the walk resolved (narrows the window for a swap between walk and open) and not a
   * device other than the null device.
   */
  private async openResolved(r: Resolved, path: string, op: string, rootOp: string) {
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(bytesOf(r.real), READ_FLAGS);
    } catch (e) {
      throw fromErrno(e, path, rootOp, r.rel);
    }
    try {
      const st = await fh.stat({ bigint: true });
      const kind = kindOfMode(st.mode);
      const swapped = st.dev !== r.st.dev || st.ino !== r.st.ino || !(await openedAt(fh, r.real));
      if (swapped || ((kind === 'char' || kind === 'block') && !isNullDevice(st))) throw denied(path, op);
      return { fh, st };
    } catch (e) {
      await fh.close();
      throw e instanceof SandboxError ? e : fromErrno(e, path, rootOp, r.rel);
    }
  }

  async open(path: string, dir: string, opts?: { signal?: AbortSignal }): Promise<OpenFile> {
    this.rejectEmpty(path, 'open', 'openat', dir);
    const r = await this.resolver.resolve(path, dir, true, 'open', 'openat');
    const { fh } = await this.openResolved(r, path, 'open', 'openat');
    return new FdFile(fh, path, baseName(clean(path)), opts?.signal);
  }

  async readDir(path: string, dir: string, limit = MAX_DIR_ENTRIES): Promise<DirEntry[]> {
    // No "unlimited": a non-positive, fractional or infinite limit means the default cap.
    if (!Number.isSafeInteger(limit) || limit <= 0) limit = MAX_DIR_ENTRIES;
    this.rejectEmpty(path, 'readdir', 'openat', dir);
    const r = await this.resolver.resolve(path, dir, true, 'readdir', 'openat');
    if (!r.st.isDirectory()) throw new SandboxError('ENOTDIR', path, 'readdirent');
    const listing = new Listing(limit, path);
    try {
      await listing.open(bytesOf(r.real));
    } catch (e) {
      throw fromErrno(e, path, 'openat', r.rel);
    }
    let entries: DirEntry[];
    try {
      entries = await listing.list();
      for (const e of entries) if (e.kind === 'unknown') e.kind = await lstatKind(`${r.real}/${e.name}`);
    } catch (e) {
      throw e instanceof SandboxError ? e : fromErrno(e, path, 'readdirent');
    } finally {
      await listing.close();
    }
    // Node cannot list an fd, so check after the fact that the directory listed is still the
    // inode the walk resolved (a swap in between would have listed somewhere else).
    let after: BigIntStats;
    try {
      after = await fsp.lstat(bytesOf(r.real), { bigint: true });
    } catch (e) {
      throw fromErrno(e, path, 'openat', r.rel);
    }
    if (after.dev !== r.st.dev || after.ino !== r.st.ino) throw denied(path, 'readdir');
    // bstr comparison is byte order (every char code is one byte).
    return entries.sort(byName);
  }

  /** rshell always lets scripts stat the null device (test -e /dev/null), even without roots. */
  private async statNull(op: string): Promise<FileInfo> {
    try {
      return toFileInfo('null', await fsp.stat('/dev/null', { bigint: true }));
    } catch (e) {
      throw fromErrno(e, '/dev/null', op);
    }
  }

  async stat(path: string, dir: string): Promise<FileInfo> {
    if (path === '/dev/null') return this.statNull('stat');
    this.rejectEmpty(path, 'stat', 'statat', dir);
    const r = await this.resolver.resolve(path, dir, true, 'stat', 'statat');
    return toFileInfo(baseName(clean(path)), r.st);
  }

  async lstat(path: string, dir: string): Promise<FileInfo> {
    if (path === '/dev/null') return this.statNull('lstat');
    this.rejectEmpty(path, 'lstat', 'lstatat', dir);
    const r = await this.resolver.resolve(path, dir, false, 'lstat', 'lstatat');
    return toFileInfo(baseName(clean(path)), r.st);
  }

  async readlink(path: string, dir: string): Promise<string> {
    this.rejectEmpty(path, 'readlink', 'readlinkat', dir);
    const r = await this.resolver.resolve(path, dir, false, 'readlink', 'readlinkat');
    if (!r.st.isSymbolicLink()) throw new SandboxError('EINVAL', path, 'readlinkat', undefined, r.rel);
    try {
      return (await fsp.readlink(bytesOf(r.real), { encoding: 'buffer' })).toString('latin1');
    } catch (e) {
      throw fromErrno(e, path, 'readlinkat', r.rel);
    }
  }

  /** Any failure, including a missing file, is "access <path>: permission denied" as in rshell. */
  async access(path: string, dir: string, mode: AccessMode): Promise<void> {
    let r: Resolved;
    try {
      if (path === '') throw denied(path, 'access');
      r = await this.resolver.resolve(path, dir, true, 'access', 'access');
    } catch {
      throw denied(path, 'access');
    }
    if (!(await this.permits(r, path, mode))) throw denied(path, 'access');
  }

  private async permits(r: Resolved, path: string, mode: AccessMode): Promise<boolean> {
    const who = processIdentity();
    if (mode !== 'r') return hasPermission(r.st, mode, who);
    // Read: the kernel's answer to an actual open is authoritative for regular files (ACLs).
    try {
      const { fh, st } = await this.openResolved(r, path, 'access', 'access');
      await fh.close();
      return st.isFile() || hasPermission(st, 'r', who);
    } catch (e) {
      if (e instanceof SandboxError && e.code === 'EACCES' && e.op === 'access') return false;
      return !r.st.isFile() && hasPermission(r.st, 'r', who);
    }
  }
}
