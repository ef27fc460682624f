/**
 * Path resolution without openat: rshell's two-step rule, rebuilt over lstat/readlink.
 *
 * 1. Find the allowed root that lexically contains the cleaned absolute path (longest
 *    wins) — none ⇒ "permission denied".
 * 2. Walk the root-relative components like Go's os.Root: every component is lstat'ed;
 *    a symlink's (relative) target is spliced into the remaining components, `..` pops a
 *    resolved component, and popping above the root, or an absolute target, "escapes
 *    from parent"; more than 8 links ⇒ ELOOP.
 * 3. On an escape, rshell's fallback: resolve symlinks lexically from the absolute path,
 *    allowing hops into other allowed roots (absolute targets get the container host
 *    prefix), at most 10 hops; if that lands inside a root, walk there as in 2, otherwise
 *    the escape error stands.
 *
 * Every path the walk touches (before lstat) and the final real path are checked against
 * the deny list. The result is a real path with no symlink in it (except possibly the last
 * component when not following) plus the lstat of the last component, so the caller can
 * open with O_NOFOLLOW and compare the fd's identity.
 */
import { promises as fsp, type BigIntStats } from 'node:fs';
import { bytesOf } from '../bytes.js';
import { fromErrno, denied } from './errors.js';
import { type DenyList } from './denylist.js';
import { PATH_MAX, clean, componentsBelow, isAbs, join, splitComponents, toAbs } from './paths.js';
import { PathEscapeError, SandboxError } from './types.js';

/** Go's os.Root limit (rootMaxSymlinks, __POSIX_SYMLOOP_MAX). */
export const ROOT_MAX_SYMLINKS = 8;
/** rshell's cap on cross-root symlink hops. */
export const MAX_CROSS_ROOT_HOPS = 10;

export interface Root {
  /** The configured root, absolute and clean (what scripts see in ALLOWED_PATHS). */
  abs: string;
  /** Its real path at construction (the root's own symlinks resolved). */
  real: string;
  /** Identity of the opened root directory, re-checked before every walk. */
  dev: bigint;
  ino: bigint;
}

export interface Resolved {
  root: Root;
  /** Absolute real path (bstr). */
  real: string;
  /** lstat of `real`. */
  st: BigIntStats;
  /** Root-relative path as Go would print it ("." for the root itself). */
  rel: string;
}

type WalkResult =
  | { kind: 'ok'; real: string; st: BigIntStats }
  | { kind: 'escape' }
  | { kind: 'denied' }
  | { kind: 'error'; cause: unknown };

function lstat(p: string): Promise<BigIntStats> {
  return fsp.lstat(bytesOf(p), { bigint: true });
}

async function readlink(p: string): Promise<string> {
  return (await fsp.readlink(bytesOf(p), { encoding: 'buffer' })).toString('latin1');
}

function under(base: string, parts: string[]): string {
  if (parts.length === 0) return base;
  return base === '/' ? '/' + parts.join('/') : base + '/' + parts.join('/');
}

export class Resolver {
  constructor(
    private readonly roots: readonly Root[],
    private readonly deny: DenyList,
    private readonly hostPrefix: string | undefined,
  ) {}

  /** The root lexically containing `abs` (longest configured path wins). */
  rootFor(abs: string): { root: Root; parts: string[] } | undefined {
    let best: { root: Root; parts: string[] } | undefined;
    for (const root of this.roots) {
      const parts = componentsBelow(root.abs, abs);
      if (parts && (!best || root.abs.length > best.root.abs.length)) best = { root, parts };
    }
    return best;
  }

  /**
   * Resolves `path` (script spelling) against `dir`. `op` is the caller-facing Go op for
   * denials ("open", "stat", ...) and `rootOp` the os.Root op for failures inside a root
   * ("openat", "statat", ...). Throws SandboxError.
   */
  async resolve(path: string, dir: string, followLast: boolean, op: string, rootOp: string): Promise<Resolved> {
    const abs = toAbs(path, dir);
    // Denials first, whatever the path's length: every read outside the roots (or of a
    // denied path) is "permission denied" before the path is looked at, as in rshell.
    if (this.deny.check(abs)) throw denied(path, op);
    const hit = this.rootFor(abs);
    if (!hit) throw denied(path, op);
    const rel = hit.parts.length ? hit.parts.join('/') : '.';
    if (abs.includes('\0')) throw new SandboxError('EINVAL', path, rootOp, undefined, rel);
    // Linux refuses such a path before reading it. The sandbox cleans paths itself, so
    // without this a start path inflated to megabytes (`./././…`) resolved, and every
    // lookup a walk or glob made below it copied and cleaned it again (glob no longer asks
    // about such paths at all: expand/glob.ts).
    if (path.length >= PATH_MAX) throw fromErrno({ code: 'ENAMETOOLONG' }, path, rootOp);

    const first = await this.walk(hit.root, hit.parts, followLast);
    if (first.kind === 'ok') return { root: hit.root, real: first.real, st: first.st, rel };
    if (first.kind !== 'escape') throw this.failure(first, path, op, rootOp, rel);

    const hop = await this.followAcrossRoots(abs, !followLast);
    if (hop === 'denied') throw denied(path, op);
    if (!hop) throw new PathEscapeError(path, rootOp, rel);
    const hopRel = hop.parts.length ? hop.parts.join('/') : '.';
    const second = await this.walk(hop.root, hop.parts, followLast);
    if (second.kind === 'ok') return { root: hop.root, real: second.real, st: second.st, rel: hopRel };
    if (second.kind === 'escape') throw new PathEscapeError(path, rootOp, hopRel);
    throw this.failure(second, path, op, rootOp, hopRel);
  }

  private failure(r: WalkResult, path: string, op: string, rootOp: string, rel: string): SandboxError {
    if (r.kind === 'denied') return denied(path, op);
    if (r.kind === 'error') return fromErrno(r.cause, path, rootOp, rel);
    return new PathEscapeError(path, rootOp, rel);
  }

  /** os.Root-style walk of `parts` below `root` (see the file comment). */
  private async walk(root: Root, parts: string[], followLast: boolean): Promise<WalkResult> {
    if (this.deny.check(root.real)) return { kind: 'denied' };
    // The root directory must still be the one opened at construction: if something renamed
    // it and put a symlink in its place, every path below would silently follow that link.
    let rootSt: BigIntStats;
    try {
      rootSt = await lstat(root.real);
    } catch (cause) {
      return { kind: 'error', cause };
    }
    if (rootSt.dev !== root.dev || rootSt.ino !== root.ino || !rootSt.isDirectory()) return { kind: 'denied' };
    const stack: string[] = [];
    const queue = parts.slice();
    let links = 0;
    // lstat of the current end of `stack`, when known (saves a syscall per resolution).
    let endSt: BigIntStats | undefined = rootSt;
    while (queue.length > 0) {
      const part = queue.shift()!;
      if (part === '.') continue;
      if (part === '..') {
        if (stack.length === 0) return { kind: 'escape' };
        stack.pop();
        endSt = stack.length === 0 ? rootSt : undefined;
        continue;
      }
      const isLast = queue.length === 0;
      const p = under(root.real, [...stack, part]);
      if (this.deny.check(p)) return { kind: 'denied' };
      let st: BigIntStats;
      try {
        st = await lstat(p);
      } catch (cause) {
        return { kind: 'error', cause };
      }
      if (this.deny.checkEntry(part, st.dev)) return { kind: 'denied' };
      if (st.isSymbolicLink() && (!isLast || followLast)) {
        if (++links > ROOT_MAX_SYMLINKS) return { kind: 'error', cause: { code: 'ELOOP' } };
        let target: string;
        try {
          target = await readlink(p);
        } catch (cause) {
          return { kind: 'error', cause };
        }
        if (isAbs(target)) return { kind: 'escape' };
        queue.unshift(...splitComponents(target));
        continue;
      }
      if (!isLast && !st.isDirectory()) return { kind: 'error', cause: { code: 'ENOTDIR' } };
      stack.push(part);
      endSt = st;
    }
    const real = under(root.real, stack);
    if (this.deny.check(real)) return { kind: 'denied' };
    if (endSt) return { kind: 'ok', real, st: endSt };
    try {
      return { kind: 'ok', real, st: await lstat(real) };
    } catch (cause) {
      return { kind: 'error', cause };
    }
  }

  /**
   * rshell's cross-root fallback: lexical symlink resolution from the absolute path,
   * hopping between roots, at most MAX_CROSS_ROOT_HOPS links. Returns where it lands, or
   * undefined when it leaves every root or runs out of hops, 'denied' when it reaches a
   * deny-listed path.
   */
  private async followAcrossRoots(abs: string, preserveLast: boolean): Promise<{ root: Root; parts: string[] } | 'denied' | undefined> {
    let cur = clean(abs);
    for (let hop = 0; hop <= MAX_CROSS_ROOT_HOPS; hop++) {
      if (this.deny.check(cur)) return 'denied';
      const hit = this.rootFor(cur);
      if (!hit) return undefined;
      const { root, parts } = hit;
      let next: string | undefined;
      for (let i = 0; i < parts.length; i++) {
        if (preserveLast && i === parts.length - 1) break;
        const p = under(root.real, parts.slice(0, i + 1));
        if (this.deny.check(p)) return 'denied';
        let st: BigIntStats;
        try {
          st = await lstat(p);
        } catch {
          return hit; // let the walk report the real error
        }
        if (this.deny.checkEntry(parts[i], st.dev)) return 'denied';
        if (!st.isSymbolicLink()) continue;
        let target: string;
        try {
          target = await readlink(p);
        } catch {
          return undefined;
        }
        if (!isAbs(target)) target = join(under(root.abs, parts.slice(0, i)), target);
        const rest = parts.slice(i + 1);
        next = clean(rest.length ? join(target, ...rest) : target);
        const prefix = this.hostPrefix;
        if (prefix && !next.startsWith(prefix + '/')) next = join(prefix, next);
        break;
      }
      if (next === undefined) return hit;
      cur = next;
    }
    return undefined;
  }
}
