/**
 * A run's cap on descriptors it holds at once. Every file and directory a run opens is a
 * descriptor of the one Lambda process, whose limit (1,024) the batch's other tasks, the
 * results queue's sockets and the trace flush share: 400 nested `{ …; } < f` groups, or a
 * thousand pipeline stages each reading a file, held one each, and past the process's
 * limit every open of every task failed. Past MAX_OPEN_FILES an open fails as the kernel's
 * would (`openat f: too many open files`), for this run only; the count is given back when
 * the file is closed.
 */
import { SandboxError, type AccessMode, type DirEntry, type FileInfo, type OpenFile, type SandboxFS, type TrustedProc } from '../sandbox/types.js';

/**
 * Files and directory listings one run may have open at once. With the default four
 * tasks at a time (TASK_CONCURRENCY) that is half the process's 1,024.
 */
export const MAX_OPEN_FILES = 128;

/**
 * Files and listings all runs of the process may have open at once: three quarters of
 * Lambda's 1,024, so that however many tasks run at a time (TASK_CONCURRENCY goes to 100),
 * hostile runs together leave a quarter for the results queue's and the intake's sockets.
 */
export const MAX_PROCESS_OPEN_FILES = 768;

/** A count of open descriptors and its maximum. */
export interface OpenCount {
  open: number;
  readonly max: number;
}

/** Every run's files, counted together (one process, one descriptor table). */
const PROCESS_FILES: OpenCount = { open: 0, max: MAX_PROCESS_OPEN_FILES };

/**
 * An open file counted until its first close. A class, not an object of closures made per
 * open: V8 drops the optimised code of closures no longer alive at each major GC and
 * compiles them again, file after file.
 */
class CountedFile implements OpenFile {
  private closed = false;

  constructor(
    private readonly f: OpenFile,
    private readonly count: OpenFiles,
  ) {}

  read(buf: Uint8Array): Promise<number> {
    return this.f.read(buf);
  }

  stat(): Promise<FileInfo> {
    return this.f.stat();
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.count.give();
    }
    return this.f.close();
  }
}

/** The run's count of open descriptors, shared by its file system and proc views. */
export class OpenFiles {
  open = 0;
  constructor(
    readonly max = MAX_OPEN_FILES,
    private readonly all: OpenCount = PROCESS_FILES,
  ) {}

  /** Counts one more; throws EMFILE (nothing counted) when the run, or the process, holds its maximum. */
  take(path: string, op: string): void {
    if (this.open >= this.max || this.all.open >= this.all.max) throw new SandboxError('EMFILE', path, op);
    this.open++;
    this.all.open++;
  }

  give(): void {
    this.open--;
    this.all.open--;
  }

  /** `fs`, with every open file and directory listing counted. */
  fs(fs: SandboxFS): SandboxFS {
    return new CountedFS(fs, this);
  }

  /** `proc`, with each file read and listing counted while it runs. */
  proc(proc: TrustedProc): TrustedProc {
    return new CountedProc(proc, this);
  }
}

/*
 * The counted views are classes, not objects of closures made per run: V8 drops the
 * optimised code of closures no longer alive at each major GC and compiles them again, and
 * a run makes these once per task.
 */

/** A sandbox whose opens and listings are counted (see OpenFiles.fs). */
class CountedFS implements SandboxFS {
  constructor(
    private readonly fs: SandboxFS,
    private readonly count: OpenFiles,
  ) {}

  async open(path: string, dir: string, opts?: { signal?: AbortSignal }): Promise<OpenFile> {
    this.count.take(path, 'openat');
    let f: OpenFile;
    try {
      f = await this.fs.open(path, dir, opts);
    } catch (e) {
      this.count.give();
      throw e;
    }
    return new CountedFile(f, this.count);
  }

  async readDir(path: string, dir: string, limit?: number): Promise<DirEntry[]> {
    this.count.take(path, 'openat');
    try {
      return await this.fs.readDir(path, dir, limit);
    } finally {
      this.count.give();
    }
  }

  stat(path: string, dir: string): Promise<FileInfo> {
    return this.fs.stat(path, dir);
  }

  lstat(path: string, dir: string): Promise<FileInfo> {
    return this.fs.lstat(path, dir);
  }

  readlink(path: string, dir: string): Promise<string> {
    return this.fs.readlink(path, dir);
  }

  access(path: string, dir: string, mode: AccessMode): Promise<void> {
    return this.fs.access(path, dir, mode);
  }

  abs(path: string, dir: string): string {
    return this.fs.abs(path, dir);
  }
}

/** Trusted /proc reads counted while they run (see OpenFiles.proc). */
class CountedProc implements TrustedProc {
  constructor(
    private readonly proc: TrustedProc,
    private readonly count: OpenFiles,
  ) {}

  async readFile(rel: string): Promise<Buffer> {
    this.count.take(rel, 'openat');
    try {
      return await this.proc.readFile(rel);
    } finally {
      this.count.give();
    }
  }

  async pids(): Promise<number[]> {
    this.count.take('.', 'openat');
    try {
      return await this.proc.pids();
    } finally {
      this.count.give();
    }
  }
}
