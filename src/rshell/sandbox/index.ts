/**
 * The rshell sandbox: the only way scripts touch the filesystem.
 *
 * Threat model. rshell runs caller-supplied scripts inside a Lambda that holds AWS
 * credentials and the Datadog API key. A script may do anything the language allows; it
 * must not read outside the allowed roots, write anything, or learn the Lambda's secrets.
 *
 * - Read-only by construction: SandboxFS has no write method; files are opened O_RDONLY.
 * - Confinement: a path is cleaned lexically against the working directory (like Go's
 *   filepath.Join, so `a/../../x` is judged as `x`'s real location) and must fall inside an
 *   allowed root, else "permission denied". Inside the root, components are walked with
 *   lstat like Go's os.Root; `..` or a symlink leading out is "path escapes from parent"
 *   unless rshell's cross-root rule applies (the link lands in another allowed root, ≤ 10
 *   hops; absolute link targets get the container host prefix). See resolve.ts.
 * - No openat in Node, so the final open uses the fully resolved real path with
 *   O_NOFOLLOW|O_NONBLOCK and then checks on the fd that dev/inode are those the walk
 *   resolved (a swap between walk and open is refused); each walk first re-checks that the
 *   root directory is still the one opened at construction, and a listing is re-checked
 *   after the fact. Residual risk: another process swapping a directory between the
 *   root and the last component for the instant between lstat and open; scripts cannot
 *   do that themselves (no writes), and the Lambda runs nothing else that writes there.
 * - Secrets: the deny list (denylist.ts) refuses /proc/<pid>/{environ,mem,fd,maps,...}
 *   (also under task/<tid>), /proc/self and /proc/thread-self, kcore/kallsyms/keys, every
 *   /dev entry but /dev/null, /sys/firmware and debug/trace areas — on every procfs, devtmpfs
 *   and sysfs mount and under the host prefix — whatever the roots, even `/`; per-process
 *   names are also refused on any procfs by device, so a bind mount of /proc/<pid> is covered.
 *   Every lexical path, every component the walk touches and the final real path are
 *   checked. Opening any character or block device other than the null device is refused
 *   wherever it lives. The environment of the interpreter itself is built from scratch
 *   (interp), so nothing of process.env is visible as variables.
 * - Deliberate consequences: /proc/<pid>/cmdline is refused to scripts (other processes'
 *   argv may carry secrets; `ps -f` gets it through the trusted reader instead), and so are
 *   /proc/net/* and /proc/mounts when spelled that way, because those are links through
 *   /proc/self (read /proc/<pid>/net/... or allow /proc/net itself as a root). Directory
 *   listings of /proc/<pid> are allowed: names are not secrets.
 * - Not covered by the deny list, by design: ordinary files. In Lambda the credentials are
 *   only in the environment (no credential files); /var/runtime, /var/task and /opt hold the
 *   runtime, function and layer code (no secrets unless a deployer puts them there), and
 *   /tmp holds whatever this function writes. Deployers choose allowedPaths accordingly;
 *   allowing `/` exposes all of those files, but not the kernel views above.
 * - Hard links are the file itself: a hard link inside a root to a file elsewhere on the same
 *   filesystem is readable, exactly as with os.Root; scripts cannot create links.
 * - Trusted reads (createTrustedProc) bypass the roots for ps/uname/ss/ip, limited to a fixed
 *   allow-list of proc files (trusted-proc.ts).
 * - Denial of service: directory listings stop at 10,000 entries; FIFOs are opened
 *   non-blocking and polled so they cannot pin a libuv thread.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, realpathSync } from 'node:fs';
import { bytesOf, fromUtf16 } from '../bytes.js';
import { errnoOf } from './errors.js';
import { DenyList } from './denylist.js';
import { clean, isAbs, join } from './paths.js';
import { Resolver, type Root } from './resolve.js';
import { RootSandbox } from './sandbox.js';
import { POSIX_MESSAGES, type SandboxErrorCode, type SandboxFS } from './types.js';

export * from './types.js';
export { createTrustedProc, TRUSTED_PROC_FILES, isTrustedProcFile } from './trusted-proc.js';
export { DENY_RULES, DenyList, type DenyRule } from './denylist.js';
export { MAX_DIR_ENTRIES } from './sandbox.js';
export { MAX_CROSS_ROOT_HOPS, ROOT_MAX_SYMLINKS } from './resolve.js';

export interface SandboxOptions {
  /** Directories scripts may read (bstr); undefined or [] ⇒ every access is denied. */
  allowedPaths?: string[];
  /** Container mode: prefix for host-absolute symlink targets (PAR uses "/host"). */
  hostPrefix?: string;
}

export interface Sandbox {
  fs: SandboxFS;
  /** `AllowedPaths: skipping "<path>": <err>` lines (no trailing newline), in input order. */
  warnings: string[];
  /** The accepted roots, absolute and clean (for the ALLOWED_PATHS variable). */
  roots: string[];
}

/** Go's %q (strconv.Quote) for a bstr: printable UTF-8 kept, everything else escaped. */
export function goQuote(s: string): string {
  const named: Record<number, string> = { 0x07: '\\a', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v', 0x22: '\\"', 0x5c: '\\\\' };
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  const bytes = bytesOf(s);
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    if (named[b]) {
      out += named[b];
      i++;
      continue;
    }
    if (b < 0x80) {
      out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${hex(b, 2)}`;
      i++;
      continue;
    }
    // One UTF-8 sequence, valid only if it round-trips (rejects overlongs and surrogates).
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
    const seq = len && i + len <= bytes.length ? bytes.subarray(i, i + len) : undefined;
    const text = seq?.toString('utf8');
    if (!seq || !text || [...text].length !== 1 || !Buffer.from(text, 'utf8').equals(seq)) {
      out += `\\x${hex(b, 2)}`;
      i++;
      continue;
    }
    const cp = text.codePointAt(0)!;
    // unicode.IsPrint: letters, marks, numbers, punctuation, symbols (no other spaces).
    if (/^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(text)) out += seq.toString('latin1');
    else out += cp < 0x10000 ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
    i += len;
  }
  return `"${out}"`;
}

function errText(e: unknown): string {
  const code = errnoOf(e);
  if (code && code in POSIX_MESSAGES) return POSIX_MESSAGES[code as SandboxErrorCode];
  if (code === 'EPERM') return POSIX_MESSAGES.EACCES;
  return code === 'ENAMETOOLONG' ? 'file name too long' : POSIX_MESSAGES.EIO;
}

/** Opens one root like os.OpenRoot (a readable directory) and records its real path. */
function openRoot(abs: string, deny: DenyList): Root | string {
  if (abs.includes('\0')) return `open ${abs}: invalid argument`;
  if (deny.check(abs)) return `open ${abs}: ${POSIX_MESSAGES.EACCES}`;
  let fd: number;
  try {
    fd = openSync(bytesOf(abs), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NONBLOCK);
  } catch (e) {
    return `open ${abs}: ${errText(e)}`;
  }
  try {
    // The native realpath: the JS one decodes Buffer paths as UTF-8, breaking non-UTF-8 names.
    const real = realpathSync.native(bytesOf(abs), { encoding: 'buffer' }).toString('latin1');
    const opened = fstatSync(fd, { bigint: true });
    const atReal = lstatSync(bytesOf(real), { bigint: true });
    if (opened.ino !== atReal.ino || opened.dev !== atReal.dev) return `open ${abs}: path changed while opening root`;
    if (deny.check(real)) return `open ${abs}: ${POSIX_MESSAGES.EACCES}`;
    return { abs, real, dev: opened.dev, ino: opened.ino };
  } catch (e) {
    return `open ${abs}: ${errText(e)}`;
  } finally {
    closeSync(fd);
  }
}

/** Builds the sandbox for one run's allowed paths. Never throws for bad entries: they become warnings. */
export function createSandbox(opts: SandboxOptions = {}): Sandbox {
  const cwd = fromUtf16(process.cwd());
  const hostPrefix = opts.hostPrefix ? (isAbs(opts.hostPrefix) ? clean(opts.hostPrefix) : join(cwd, opts.hostPrefix)) : undefined;
  const deny = new DenyList(hostPrefix);
  const roots: Root[] = [];
  const warnings: string[] = [];
  for (const p of opts.allowedPaths ?? []) {
    const abs = isAbs(p) ? clean(p) : join(cwd, p);
    const root = openRoot(abs, deny);
    if (typeof root === 'string') warnings.push(`AllowedPaths: skipping ${goQuote(abs)}: ${root}`);
    else roots.push(root);
  }
  return { fs: new RootSandbox(new Resolver(roots, deny, hostPrefix)), warnings, roots: roots.map((r) => r.abs) };
}
