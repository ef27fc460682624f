/**
 * find's traversal and expression evaluation. Pre-order depth-first walk over sorted
 * directory listings; -L follows symlinks (falling back to lstat for dangling ones) and
 * detects loops by (dev, ino) of the ancestors; -exec/-execdir run builtins through
 * ctx.runBuiltin.
 */
import type { CallContext } from '../../types.js';
import { SandboxError, type DirEntry, type FileInfo, type FileKind } from '../../../sandbox/types.js';
import { globMatch } from '../glob.js';
import { fsMessage, isNotFound } from '../fserr.js';
import type { Expr } from './expr.js';
import { matchPerm } from './perm.js';

const TYPE_CHAR: Record<FileKind, string> = {
  file: 'f',
  dir: 'd',
  symlink: 'l',
  fifo: 'p',
  socket: 's',
  char: 'c',
  block: 'b',
  unknown: '?',
};

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const FLUSH_AT = 16 * 1024;
/**
 * Entries read from one directory. rshell streams directories without a cap; the sandbox
 * lists whole directories, so allow far more than its 10,000 default (glob's cap) while
 * keeping one listing's memory bounded.
 */
const MAX_DIR_ENTRIES = 100_000;

export interface WalkOptions {
  expr: Expr | null;
  implicitPrint: boolean;
  follow: boolean;
  maxDepth: number;
  minDepth: number;
  /** mtime (ns) of each -newer reference, resolved before the walk. */
  newer: Map<string, bigint>;
}

/** What the expression sees of one file: its type always, its metadata when it was read. */
interface Subject {
  path: string;
  kind: FileKind;
  info: FileInfo | null;
}

/** Whether evaluating `e` needs more than a file's name and type. */
export function needsMetadata(e: Expr | null): boolean {
  if (!e) return false;
  switch (e.k) {
    case 'and':
    case 'or':
      return needsMetadata(e.l) || needsMetadata(e.r);
    case 'not':
      return needsMetadata(e.e);
    case 'size':
    case 'empty':
    case 'newer':
    case 'mtime':
    case 'mmin':
    case 'perm':
      return true;
    default:
      return false;
  }
}

function metadata(s: Subject): FileInfo {
  if (!s.info) throw new Error(`find: metadata of '${s.path}' was not read`);
  return s.info;
}

interface Outcome {
  matched: boolean;
  prune: boolean;
  quit: boolean;
}

/** Buffers stdout so a large listing is not one write per line; flushed before -exec runs. */
class Out {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly ctx: CallContext) {}
  async write(s: string): Promise<void> {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= FLUSH_AT) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.size === 0) return;
    const s = this.parts.join('');
    this.parts = [];
    this.size = 0;
    await this.ctx.stdout.write(s);
  }
}

export class Walker {
  failed = false;
  quit = false;
  private readonly out: Out;
  /**
   * Without -L and without metadata predicates, the directory listing's entry types are
   * all the walk needs, so children are not stat'ed (one sandbox lstat per file otherwise).
   */
  private readonly typesOnly: boolean;

  constructor(
    private readonly ctx: CallContext,
    private readonly opts: WalkOptions,
  ) {
    this.out = new Out(ctx);
    this.typesOnly = !opts.follow && !needsMetadata(opts.expr);
  }

  /** The `{}` in each argument of an -exec template, counted once. */
  private readonly braces = new Map<string[], number[]>();

  async error(msg: string): Promise<void> {
    await this.out.flush();
    await this.ctx.stderr.write(msg);
    this.failed = true;
  }

  async finish(): Promise<void> {
    await this.out.flush();
  }

  private async info(path: string): Promise<FileInfo> {
    const { fs, dir } = this.ctx;
    if (!this.opts.follow) return fs.lstat(path, dir);
    try {
      return await fs.stat(path, dir);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      return fs.lstat(path, dir);
    }
  }

  /** Walks one starting point. */
  async walk(start: string): Promise<void> {
    let info: FileInfo;
    try {
      info = await this.info(start);
    } catch (e) {
      await this.error(`find: '${start}': ${fsMessage(e)}\n`);
      return;
    }
    await this.visit({ path: start, kind: info.kind, info }, 0, []);
  }

  private async visit(subject: Subject, depth: number, ancestors: { id: string; path: string }[]): Promise<void> {
    // A turn for the event loop when due: entries needing no stat (-name only) are visited
    // without I/O, and 127 star patterns over 10,000 names held the loop for 3.5 s.
    const wait = this.ctx.pause?.();
    if (wait) await wait;
    else this.ctx.checkCanceled();
    const { path, kind, info } = subject;
    let childAncestors = ancestors;
    if (this.opts.follow && info && kind === 'dir') {
      const id = `${info.dev}:${info.ino}`;
      const loop = ancestors.find((a) => a.id === id);
      if (loop) {
        await this.error(`find: File system loop detected; '${path}' is part of the same file system loop as '${loop.path}'.\n`);
        return;
      }
      childAncestors = [...ancestors, { id, path }];
    }
    let prune = false;
    if (depth >= this.opts.minDepth) {
      const r = await this.evaluate(this.opts.expr, subject);
      prune = r.prune;
      if (r.matched && this.opts.implicitPrint) await this.out.write(path + '\n');
      if (r.quit) {
        this.quit = true;
        return;
      }
    }
    if (kind !== 'dir' || prune || depth >= this.opts.maxDepth) return;
    let entries: DirEntry[];
    try {
      entries = await this.ctx.fs.readDir(path, this.ctx.dir, MAX_DIR_ENTRIES);
    } catch (e) {
      await this.error(`find: '${path}': ${fsMessage(e)}\n`);
      return;
    }
    for (const entry of entries) {
      if (this.quit) return;
      const child = path.endsWith('/') ? path + entry.name : `${path}/${entry.name}`;
      if (this.typesOnly && entry.kind !== 'unknown') {
        await this.visit({ path: child, kind: entry.kind, info: null }, depth + 1, childAncestors);
        continue;
      }
      let ci: FileInfo;
      try {
        ci = await this.info(child);
      } catch (e) {
        await this.error(`find: '${child}': ${fsMessage(e)}\n`);
        continue;
      }
      await this.visit({ path: child, kind: ci.kind, info: ci }, depth + 1, childAncestors);
    }
  }

  private async evaluate(e: Expr | null, s: Subject): Promise<Outcome> {
    if (e === null) return { matched: true, prune: false, quit: false };
    switch (e.k) {
      case 'and': {
        const l = await this.evaluate(e.l, s);
        if (!l.matched || l.quit) return l;
        const r = await this.evaluate(e.r, s);
        return { matched: r.matched, prune: l.prune || r.prune, quit: r.quit };
      }
      case 'or': {
        const l = await this.evaluate(e.l, s);
        if (l.matched || l.quit) return l;
        const r = await this.evaluate(e.r, s);
        return { matched: r.matched, prune: l.prune || r.prune, quit: r.quit };
      }
      case 'not': {
        const r = await this.evaluate(e.e, s);
        return { matched: !r.matched, prune: r.prune, quit: r.quit };
      }
      case 'prune':
        return { matched: true, prune: true, quit: false };
      case 'quit':
        return { matched: true, prune: false, quit: true };
      case 'print':
        await this.out.write(s.path + '\n');
        return yes;
      case 'print0':
        await this.out.write(s.path + '\0');
        return yes;
      case 'exec':
        return (await this.exec(e.argv, e.inDir, s.path)) ? yes : no;
      default:
        return (await this.test(e, s)) ? yes : no;
    }
  }

  private async test(e: Expr, s: Subject): Promise<boolean> {
    const now = this.ctx.now.getTime();
    switch (e.k) {
      case 'true':
        return true;
      case 'false':
        return false;
      case 'name':
        return globMatch(e.glob, baseName(s.path));
      case 'path':
        return globMatch(e.glob, s.path);
      case 'type':
        return e.types.includes(TYPE_CHAR[s.kind]);
      default:
        return this.testMetadata(e, s.path, metadata(s), now);
    }
  }

  private async testMetadata(e: Expr, path: string, info: FileInfo, now: number): Promise<boolean> {
    switch (e.k) {
      case 'size': {
        const units = info.size <= 0 ? 0 : Math.ceil(info.size / e.unit);
        return e.cmp > 0 ? units > e.n : e.cmp < 0 ? units < e.n : units === e.n;
      }
      case 'empty':
        return this.isEmpty(path, info);
      case 'newer': {
        const ref = this.opts.newer.get(e.ref);
        return ref !== undefined && info.mtimeNs > ref;
      }
      case 'mtime': {
        if (e.cmp === 0) return Math.floor((now - info.mtimeMs) / DAY_MS) === e.n;
        // GNU compares +N/-N against whole seconds of "now".
        const age = Math.floor(now / 1000) * 1000 - info.mtimeMs;
        return e.cmp > 0 ? age >= (e.n + 1) * DAY_MS : age < e.n * DAY_MS;
      }
      case 'mmin': {
        const age = now - info.mtimeMs;
        if (e.cmp === 0) return Math.ceil(age / MINUTE_MS) === e.n;
        return e.cmp > 0 ? age > e.n * MINUTE_MS : age < e.n * MINUTE_MS;
      }
      case 'perm':
        return matchPerm(info.perm, { mode: e.mode, how: e.how });
      default:
        return false;
    }
  }

  private async isEmpty(path: string, info: FileInfo): Promise<boolean> {
    if (info.kind === 'file') return info.size === 0;
    if (info.kind !== 'dir') return false;
    try {
      // A limit of one entry: "more than one" (EMFILE) already means "not empty".
      return (await this.ctx.fs.readDir(path, this.ctx.dir, 1)).length === 0;
    } catch (e) {
      // Not the run's cap on open files (op "openat"): that is an error, as any other.
      if (e instanceof SandboxError && e.code === 'EMFILE' && e.op === 'readdir') return false;
      await this.error(`find: '${path}': ${fsMessage(e)}\n`);
      return false;
    }
  }

  /** Runs a builtin for -exec/-execdir; true when it exits 0. */
  private async exec(template: string[], inDir: boolean, path: string): Promise<boolean> {
    const subst = inDir ? './' + baseName(path) : path;
    // Sized before it is built: an argument of 2 million `{}` made one 535 MB command for a
    // 250-byte name, and four of them an internal panic (Invalid string length).
    let counts = this.braces.get(template);
    if (!counts) this.braces.set(template, (counts = template.map((a) => countOf(a, '{}'))));
    let size = 0;
    for (let k = 0; k < template.length; k++) size += template[k]!.length + counts[k]! * (subst.length - 2);
    if (size > MAX_EXEC_BYTES) {
      await this.error(`find: '${template[0]}': argument list too long\n`);
      return false;
    }
    const argv = template.map((a) => a.split('{}').join(subst));
    await this.out.flush();
    const dir = inDir ? this.ctx.fs.abs(parentDir(path), this.ctx.dir) : undefined;
    const status = await this.ctx.runBuiltin(argv, dir === undefined ? undefined : { dir });
    return status === 0;
  }
}

/** What a command's words may expand to in the shell (its 16 MiB expansion cap). */
const MAX_EXEC_BYTES = 16 * 1024 * 1024;

/** Occurrences of `part` in `s`, not overlapping (as `split` finds them). */
function countOf(s: string, part: string): number {
  let n = 0;
  for (let i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length)) n++;
  return n;
}

const yes: Outcome = { matched: true, prune: false, quit: false };
const no: Outcome = { matched: false, prune: false, quit: false };

/** Last path component, trailing slashes ignored ("dir/" → "dir", "/" → "/"). */
export function baseName(p: string): string {
  let end = p.length;
  while (end > 1 && p[end - 1] === '/') end--;
  const s = p.slice(0, end);
  if (s === '/') return s;
  const i = s.lastIndexOf('/');
  return i < 0 ? s : s.slice(i + 1);
}

/** The directory holding `p` as find printed it ("dir/a" → "dir", "a" → "."). */
function parentDir(p: string): string {
  let end = p.length;
  while (end > 1 && p[end - 1] === '/') end--;
  const s = p.slice(0, end);
  const i = s.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return s.slice(0, i);
}
