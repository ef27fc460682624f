/**
 * ls [OPTION]… [FILE]… — one entry per line (output is never a terminal), GNU -l columns
 * with numeric owner/group (the sandbox has no passwd database), rshell's --offset/--limit
 * pagination for a single directory, ≤1,000 entries per directory and recursion ≤256.
 */
import { byName } from '../../../bytes.js';
import type { Builtin, CallContext } from '../../types.js';
import type { DirEntry, FileInfo, FileKind } from '../../../sandbox/types.js';
import { FlagSet, failFlags } from '../../flags.js';
import { fsMessage, ignoreFsError } from '../fserr.js';
import { blocks512, humanSize, indicator, lsTime, modeString, type IndicatorStyle } from './format.js';

/** Entries listed per directory before truncating with a warning. */
export const MAX_DIR_ENTRIES = 1_000;
const MAX_RECURSION = 256;
/**
 * Raw entries one listing may read. rshell reads only offset+limit entries; the sandbox lists
 * whole directories, so read generously (well past its 10,000 glob default) and page here.
 */
const MAX_READ_ENTRIES = 100_000;
const FLUSH_AT = 16 * 1024;

interface Options {
  all: boolean;
  almostAll: boolean;
  dirOnly: boolean;
  reverse: boolean;
  sort: 'name' | 'size' | 'time';
  style: IndicatorStyle;
  recursive: boolean;
  long: boolean;
  human: boolean;
  offset: number;
  limit: number;
}

interface Entry {
  /** Name as printed (an operand, or a base name inside a directory). */
  name: string;
  /** Path for filesystem calls. */
  path: string;
  kind: FileKind;
  /** Metadata; null when nothing printed or sorted needs it (see Lister.needsMetadata). */
  info: FileInfo | null;
}

function meta(e: Entry): FileInfo {
  if (!e.info) throw new Error(`ls: metadata of '${e.path}' was not read`);
  return e.info;
}

/*
 * The orders, as module functions rather than closures made per listing: V8 drops the
 * optimised code of closures no longer alive at each major GC and compiles them again.
 */
function bySize(a: Entry, b: Entry): number {
  return meta(b).size - meta(a).size || byName(a, b);
}

function byTime(a: Entry, b: Entry): number {
  const ta = meta(a).mtimeNs;
  const tb = meta(b).mtimeNs;
  return ta === tb ? byName(a, b) : ta > tb ? -1 : 1;
}

const USAGE_HEAD = 'Usage: ls [OPTION]... [FILE]...\nList information about the FILEs (the current directory by default).\nEntries are sorted by name unless -S or -t is given.\n\n';

export const ls: Builtin = async (ctx, args) => {
  const fs = new FlagSet('ls');
  const all = fs.bool('all', 'a', 'do not ignore entries starting with .');
  const almostAll = fs.bool('almost-all', 'A', 'do not list implied . and ..');
  const dirOnly = fs.bool('directory', 'd', 'list directories themselves, not their contents');
  const reverse = fs.bool('reverse', 'r', 'reverse order while sorting');
  fs.bool('sort-size', 'S', 'sort by file size, largest first');
  fs.bool('sort-time', 't', 'sort by modification time, newest first');
  const classify = fs.bool('classify', 'F', 'append indicator (one of */=@|) to entries');
  const slash = fs.bool('append-slash', 'p', 'append / indicator to directories');
  const recursive = fs.bool('recursive', 'R', 'list subdirectories recursively');
  const long = fs.bool('long', 'l', 'use a long listing format');
  const human = fs.bool('human-readable', 'h', 'with -l, print sizes like 1K 234M 2G');
  fs.bool('one', '1', 'list one file per line');
  const offset = fs.int('offset', '', 0, 'skip the first N entries of a single directory (pagination)');
  const limit = fs.int('limit', '', 0, `list at most N entries of a single directory (at most ${MAX_DIR_ENTRIES})`);
  const help = fs.bool('help', '', 'display this help and exit');
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (help.value) {
    await ctx.stdout.write(USAGE_HEAD + fs.usage());
    return 0;
  }

  // -a/-A and -S/-t: the last one given wins, as in GNU ls.
  let showAll = false;
  let showAlmost = false;
  let sort: Options['sort'] = 'name';
  for (const o of r.order) {
    if (o.name === 'all') [showAll, showAlmost] = [all.value, false];
    else if (o.name === 'almost-all') [showAll, showAlmost] = [false, almostAll.value];
    else if (o.name === 'sort-size') sort = 'size';
    else if (o.name === 'sort-time') sort = 'time';
  }
  const paths = r.args.length ? r.args : ['.'];
  const multiple = paths.length > 1;
  const opts: Options = {
    all: showAll,
    almostAll: showAlmost,
    dirOnly: dirOnly.value,
    reverse: reverse.value,
    sort,
    style: classify.value ? 'classify' : slash.value ? 'slash' : 'none',
    recursive: recursive.value,
    long: long.value,
    human: human.value,
    // Pagination only applies to a single, non-recursive directory listing.
    offset: multiple || recursive.value ? 0 : Math.max(0, offset.value),
    limit: multiple || recursive.value ? 0 : Math.max(0, limit.value),
  };
  return new Lister(ctx, opts).run(paths);
};

class Lister {
  private failed = false;
  private buf: string[] = [];
  private bufSize = 0;
  /** Directory entries are lstat'ed only for -l, -S, -t and -F; names and types suffice otherwise. */
  private readonly needsMetadata: boolean;

  constructor(
    private readonly ctx: CallContext,
    private readonly opts: Options,
  ) {
    this.needsMetadata = opts.long || opts.sort !== 'name' || opts.style === 'classify';
  }

  private async out(s: string): Promise<void> {
    if (this.push(s)) await this.flush();
  }

  /** Buffers `s`; true once the buffer should be flushed. Synchronous, for the per-entry loop. */
  private push(s: string): boolean {
    this.buf.push(s);
    this.bufSize += s.length;
    return this.bufSize >= FLUSH_AT;
  }

  private async flush(): Promise<void> {
    if (!this.bufSize) return;
    const s = this.buf.join('');
    this.buf = [];
    this.bufSize = 0;
    await this.ctx.stdout.write(s);
  }

  private async err(s: string): Promise<void> {
    await this.flush();
    await this.ctx.stderr.write(s);
    this.failed = true;
  }

  async run(paths: string[]): Promise<number> {
    const { fs, dir } = this.ctx;
    const files: Entry[] = [];
    const dirs: Entry[] = [];
    for (const p of paths) {
      this.ctx.checkCanceled();
      if (p === '') {
        await this.err("ls: cannot access '': No such file or directory\n");
        continue;
      }
      let info: FileInfo;
      try {
        info = await fs.lstat(p, dir);
      } catch (e) {
        await this.err(`ls: cannot access '${p}': ${fsMessage(e)}\n`);
        continue;
      }
      let isDir = info.kind === 'dir';
      // Like rshell, a command-line symlink to a directory is listed as that directory
      // unless -d is given (GNU also stops following with -l or -F).
      if (info.kind === 'symlink' && !this.opts.dirOnly) {
        try {
          isDir = (await fs.stat(p, dir)).kind === 'dir';
        } catch (e) {
          ignoreFsError(e); // a dangling link is listed as itself
        }
      }
      (isDir && !this.opts.dirOnly ? dirs : files).push({ name: p, path: p, kind: info.kind, info });
    }
    if (files.length) await this.print(this.sorted(files), false);
    const showHeader = paths.length > 1 || files.length > 0 || this.opts.recursive;
    const sortedDirs = this.sorted(dirs);
    for (let i = 0; i < sortedDirs.length; i++) {
      const d = sortedDirs[i];
      if (showHeader) await this.out(`${i > 0 || files.length > 0 ? '\n' : ''}${d.name}:\n`);
      await this.listDir(d.name, 0);
    }
    await this.flush();
    return this.failed ? 1 : 0;
  }

  private sorted(entries: Entry[]): Entry[] {
    const cmp = this.opts.sort === 'size' ? bySize : this.opts.sort === 'time' ? byTime : byName;
    const out = [...entries].sort(cmp);
    if (this.opts.reverse) out.reverse();
    return out;
  }

  private async listDir(path: string, depth: number): Promise<void> {
    const { ctx, opts } = this;
    ctx.checkCanceled();
    if (depth > MAX_RECURSION) {
      await this.err(`ls: recursion depth limit exceeded at '${path}'\n`);
      return;
    }
    let names: DirEntry[];
    try {
      names = await ctx.fs.readDir(path, ctx.dir, MAX_READ_ENTRIES);
    } catch (e) {
      await this.err(`ls: cannot open directory '${path}': ${fsMessage(e)}\n`);
      return;
    }
    // The cap counts raw entries (dotfiles included), so hidden files cannot make ls read
    // without bound; pagination skips raw entries before hidden-file filtering, too.
    const paginated = opts.offset > 0 || opts.limit > 0;
    const cap = opts.limit > 0 ? Math.min(opts.limit, MAX_DIR_ENTRIES) : MAX_DIR_ENTRIES;
    const rest = names.slice(opts.offset);
    const truncated = rest.length > cap;
    const page = rest.slice(0, cap);

    const entries: Entry[] = [];
    for (const { name, kind } of page) {
      if (name.startsWith('.') && !opts.all && !opts.almostAll) continue;
      const p = joinPath(path, name);
      if (!this.needsMetadata && kind !== 'unknown') {
        entries.push({ name, path: p, kind, info: null });
        continue;
      }
      try {
        const info = await ctx.fs.lstat(p, ctx.dir);
        entries.push({ name, path: p, kind: info.kind, info });
      } catch (e) {
        await this.err(`ls: cannot access '${p}': ${fsMessage(e)}\n`);
      }
    }
    if (opts.all) {
      // . and .. are synthesized after pagination, so they never consume offset/limit slots.
      try {
        const dot = await ctx.fs.stat(path, ctx.dir);
        let dotdot = dot;
        try {
          dotdot = await ctx.fs.stat(joinPath(path, '..'), ctx.dir);
        } catch (e) {
          ignoreFsError(e); // the parent may lie outside the sandbox: reuse "."
        }
        entries.push({ name: '.', path, kind: dot.kind, info: dot }, { name: '..', path: joinPath(path, '..'), kind: dotdot.kind, info: dotdot });
      } catch (e) {
        ignoreFsError(e); // "." vanished or became unreadable: list the entries alone
      }
    }
    const sorted = this.sorted(entries);
    await this.print(sorted, true);

    if (truncated && !paginated) {
      const msg = `ls: warning: directory '${path}': too many entries (exceeded ${MAX_DIR_ENTRIES} limit), output truncated`;
      ctx.warn(msg);
      await this.err(msg + '\n');
      return; // no recursion after truncation: the cap bounds total work
    }
    if (!opts.recursive) return;
    for (const e of sorted) {
      if (e.name === '.' || e.name === '..' || e.kind !== 'dir') continue;
      await this.out(`\n${e.path}:\n`);
      await this.listDir(e.path, depth + 1);
    }
  }

  /** Prints entries, with the "total" line when they are a directory's contents. */
  private async print(entries: Entry[], withTotal: boolean): Promise<void> {
    const { opts } = this;
    if (!opts.long) {
      for (const e of entries) if (this.push(e.name + indicator(e.kind, e.info?.perm ?? 0, opts.style) + '\n')) await this.flush();
      return;
    }
    const rows = entries.map((e) => {
      const info = meta(e);
      return {
        e,
        info,
        nlink: String(info.nlink),
        owner: String(info.uid),
        group: String(info.gid),
        size: opts.human ? humanSize(info.size) : String(info.size),
      };
    });
    const w = { nlink: 0, owner: 0, group: 0, size: 0 };
    for (const r of rows) {
      w.nlink = Math.max(w.nlink, r.nlink.length);
      w.owner = Math.max(w.owner, r.owner.length);
      w.group = Math.max(w.group, r.group.length);
      w.size = Math.max(w.size, r.size.length);
    }
    // rshell prints the total in 1 KiB blocks even with -h (GNU would print "24K").
    if (withTotal) await this.out(`total ${Math.floor(rows.reduce((n, r) => n + blocks512(r.info), 0) / 2)}\n`);
    for (const { e, info, nlink, owner, group, size } of rows) {
      const suffix = info.kind === 'symlink' ? await this.linkSuffix(e.path) : indicator(info.kind, info.perm, opts.style);
      await this.out(
        `${modeString(info)} ${nlink.padStart(w.nlink)} ${owner.padEnd(w.owner)} ${group.padEnd(w.group)} ` +
          `${size.padStart(w.size)} ${lsTime(info.mtimeMs, this.ctx.now)} ${e.name}${suffix}\n`,
      );
    }
  }

  /** " -> target" plus the target's indicator (GNU prints no '@' for links in -l). */
  private async linkSuffix(path: string): Promise<string> {
    const { fs, dir } = this.ctx;
    let target: string;
    try {
      target = await fs.readlink(path, dir);
    } catch (e) {
      ignoreFsError(e);
      return '';
    }
    let suffix = '';
    if (this.opts.style !== 'none') {
      try {
        const t = await fs.stat(path, dir);
        suffix = indicator(t.kind, t.perm, this.opts.style);
      } catch (e) {
        ignoreFsError(e); // dangling or denied target: no indicator
      }
    }
    return ` -> ${target}${suffix}`;
  }
}

function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}
