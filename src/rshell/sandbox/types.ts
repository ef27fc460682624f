/**
 * The read-only sandboxed filesystem that every builtin, redirect, glob and `$(<f)` goes
 * through. Paths are bstr (see ../bytes.ts), absolute or relative to `dir` (the runner's
 * working directory). Access outside the allowed roots, through `..`, absolute paths or
 * symlinks, fails with EACCES ("permission denied") exactly like rshell's os.Root sandbox.
 */

export type SandboxErrorCode =
  | 'ENOENT' // no such file or directory
  | 'EACCES' // permission denied
  | 'EISDIR' // is a directory
  | 'ENOTDIR' // not a directory
  | 'EEXIST' // file exists
  | 'ELOOP' // too many levels of symbolic links
  | 'EINVAL' // invalid argument
  | 'EMFILE' // too many entries (directory has too many entries (cap: N))
  | 'EIO'; // anything else, normalised

/** POSIX wording, as rshell's allowedpaths/portable.go normalises it. */
export const POSIX_MESSAGES: Record<SandboxErrorCode, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  ELOOP: 'too many levels of symbolic links',
  EINVAL: 'invalid argument',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

export class SandboxError extends Error {
  constructor(
    readonly code: SandboxErrorCode,
    /** The path as the script named it (bstr). */
    readonly path: string,
    /** Go-style operation word for messages that include it ("open", "stat", "readdir"). */
    readonly op = 'open',
    detail?: string,
    /**
     * The path Go's `*os.PathError` would show: the script's path for denials decided
     * before touching a root, the root-relative path for failures inside a root (os.Root
     * wording, e.g. "openat missing.txt: no such file or directory"). Defaults to `path`.
     */
    readonly goPath: string = path,
  ) {
    super(detail ?? POSIX_MESSAGES[code]);
    this.name = 'SandboxError';
  }
  /**
   * What a builtin prints after "<cmd>: <arg>: " (rshell's PortableErrMsg): the POSIX
   * message, e.g. "no such file or directory", or for a symlink escape the full Go text
   * "openat link: path escapes from parent".
   */
  get posixMessage(): string {
    return this.message;
  }
  /**
   * Go's `*os.PathError` text "<op> <path>: <message>" (rshell's PortablePathError), which
   * is what a failed `< file` redirect prints, e.g. "open /dev/null: permission denied".
   */
  get pathMessage(): string {
    return `${this.op} ${this.goPath}: ${this.message}`;
  }
}

/**
 * A symlink (or `..` in one) that leads out of every allowed root: os.Root's "path escapes
 * from parent". Its message already is the whole Go text, so both renderings are the same.
 */
export class PathEscapeError extends SandboxError {
  constructor(path: string, op: string, goPath: string) {
    super('EACCES', path, op, `${op} ${goPath}: path escapes from parent`, goPath);
  }
  override get pathMessage(): string {
    return this.message;
  }
}

export type FileKind = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'char' | 'block' | 'unknown';

export interface FileInfo {
  /** Base name (bstr). */
  name: string;
  kind: FileKind;
  /** Permission bits plus setuid/setgid/sticky (mode & 0o7777). */
  perm: number;
  size: number;
  mtimeMs: number;
  /** mtime with nanosecond precision as a bigint, for `-nt`/`-newer` comparisons. */
  mtimeNs: bigint;
  nlink: number;
  uid: number;
  gid: number;
  ino: number;
  dev: number;
}

export interface DirEntry {
  name: string; // bstr
  kind: FileKind; // of the entry itself (lstat-like: a symlink is 'symlink')
}

export interface OpenFile {
  /** Reads up to buf.length bytes; 0 means end of file. */
  read(buf: Uint8Array): Promise<number>;
  stat(): Promise<FileInfo>;
  close(): Promise<void>;
}

export type AccessMode = 'r' | 'w' | 'x';

export interface SandboxFS {
  /**
   * Opens for reading only. A directory opens (reads then fail with EISDIR), as in Go.
   * `opts.signal` (e.g. the builtin's ctx.signal) ends a read that is waiting on a silent
   * FIFO: it rejects with the signal's reason. Regular files never wait.
   */
  open(path: string, dir: string, opts?: { signal?: AbortSignal }): Promise<OpenFile>;
  /**
   * Entries sorted by name (byte order); at most `limit` (default 10 000 → EMFILE
   * "directory has too many entries (cap: N)" beyond; a non-positive or non-integer limit
   * means the default — there is no unlimited listing).
   */
  readDir(path: string, dir: string, limit?: number): Promise<DirEntry[]>;
  /** Follows symlinks (inside the sandbox). */
  stat(path: string, dir: string): Promise<FileInfo>;
  /** Does not follow the last component. */
  lstat(path: string, dir: string): Promise<FileInfo>;
  readlink(path: string, dir: string): Promise<string>;
  /** Permission check as the process user would get it; rejects with EACCES when denied. */
  access(path: string, dir: string, mode: AccessMode): Promise<void>;
  /** The absolute, cleaned form of `path` against `dir` (no filesystem access). */
  abs(path: string, dir: string): string;
}

/**
 * Trusted, non-sandboxed reads of the kernel's process/network views for ps, uname, ss and
 * ip (rshell's documented exceptions). Only a fixed allow-list of relative paths under the
 * proc root is readable (never environ, mem, fd, maps, ...); anything else is EACCES.
 */
export interface TrustedProc {
  /** Reads `<procRoot>/<rel>` if `rel` is on the allow-list (e.g. "1/stat", "net/tcp"). */
  readFile(rel: string): Promise<Buffer>;
  /** Numeric process ids present under the proc root. */
  pids(): Promise<number[]>;
}
