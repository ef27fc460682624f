/**
 * rshell's documented exception: ps, uname, ss and ip read the kernel's process and network
 * views without AllowedPaths. Only the fixed list below is readable — never environ, mem,
 * fd, maps or anything else under a pid — so this cannot leak the Lambda's credentials.
 * `<pid>/cmdline` is on the list because `ps -f` shows it; in Lambda the other processes
 * are the runtime and extensions, whose secrets live in their environment, not argv.
 */
import { constants, promises as fsp, type Dir } from 'node:fs';
import { bytesOf } from '../bytes.js';
import { fromErrno } from './errors.js';
import { SandboxError, type TrustedProc } from './types.js';

/** Largest pid-like segment we accept (pid_max is at most 2^22). */
const PID = '[1-9][0-9]{0,9}';

/** Relative paths under the proc root that the trusted reader serves (whole-string match). */
export const TRUSTED_PROC_FILES: readonly RegExp[] = [
  new RegExp(`^${PID}/stat$`),
  new RegExp(`^${PID}/status$`),
  new RegExp(`^${PID}/cmdline$`),
  /^stat$/,
  /^uptime$/,
  /^loadavg$/,
  /^sys\/kernel\/(ostype|hostname|osrelease|version)$/,
  /^net\/(tcp|tcp6|udp|udp6|unix|route|ipv6_route|dev|if_inet6|fib_trie)$/,
];

/** Most pids listed (rshell's ps cap). */
export const MAX_PIDS = 10_000;
/** Most bytes read from one proc file (a busy host's net/tcp is a few MiB at most). */
export const MAX_PROC_FILE_BYTES = 16 << 20;

export function isTrustedProcFile(rel: string): boolean {
  return TRUSTED_PROC_FILES.some((re) => re.test(rel));
}

const CHUNK = 64 * 1024;

class AllowListedProc implements TrustedProc {
  constructor(private readonly root: string) {}

  async readFile(rel: string): Promise<Buffer> {
    if (!isTrustedProcFile(rel)) throw new SandboxError('EACCES', rel, 'open');
    const full = `${this.root}/${rel}`;
    let fh: fsp.FileHandle;
    try {
      // Proc files report size 0: read to EOF, bounded. O_NOFOLLOW: the last component
      // of an allow-listed name is never a link in a real procfs.
      fh = await fsp.open(bytesOf(full), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e) {
      throw fromErrno(e, rel, 'open', full);
    }
    try {
      const parts: Buffer[] = [];
      let total = 0;
      for (;;) {
        const buf = Buffer.allocUnsafe(CHUNK);
        const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
        if (bytesRead === 0) break;
        total += bytesRead;
        if (total > MAX_PROC_FILE_BYTES) throw new SandboxError('EIO', rel, 'read', `file exceeds ${MAX_PROC_FILE_BYTES} bytes`, full);
        parts.push(buf.subarray(0, bytesRead));
      }
      return Buffer.concat(parts, total);
    } catch (e) {
      throw e instanceof SandboxError ? e : fromErrno(e, rel, 'read', full);
    } finally {
      await fh.close();
    }
  }

  async pids(): Promise<number[]> {
    let dir: Dir;
    try {
      dir = await fsp.opendir(this.root);
    } catch (e) {
      throw fromErrno(e, this.root, 'open');
    }
    const out: number[] = [];
    try {
      for (let d = await dir.read(); d && out.length < MAX_PIDS; d = await dir.read()) {
        if (/^[1-9][0-9]*$/.test(d.name) && d.isDirectory()) out.push(Number(d.name));
      }
    } finally {
      await dir.close().catch(() => undefined);
    }
    return out.sort((a, b) => a - b);
  }
}

/** Allow-listed, non-sandboxed reads under `procPath` (trusted configuration, not script input). */
export function createTrustedProc(procPath = '/proc'): TrustedProc {
  return new AllowListedProc(procPath.replace(/\/+$/, '') || '/');
}
