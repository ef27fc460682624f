/**
 * find [-L|-P]… [--] [PATH…] [EXPRESSION] — rshell's sandboxed find. -exec/-execdir run
 * builtins only, under the run's allow-list; -H, batch `-exec … +` and file-writing or
 * regex predicates are refused. Exit 1 when any error was reported.
 */
import type { Builtin, CallContext } from '../../types.js';
import { fsMessage, isNotFound } from '../fserr.js';
import { FindHelpRequest, FindSyntaxError, hasAction, newerRefs, parseExpression, type Parsed } from './expr.js';
import { Walker } from './walk.js';

/** rshell's traversal cap; a larger -maxdepth is clamped with a warning. */
const MAX_DEPTH = 256;

const HELP = `Usage: find [-L] [-P] [path...] [expression]

Search directory trees, evaluating an expression for each file found.
Default path is the current directory; default expression is -print.

Options:
  -L                 Follow symbolic links.
  -P                 Never follow symbolic links (default).

Tests:
  -name PATTERN      Base name matches shell glob PATTERN.
  -iname PATTERN     Like -name but case-insensitive.
  -path PATTERN      Full path matches shell glob PATTERN (also -wholename).
  -ipath PATTERN     Like -path but case-insensitive (also -iwholename).
  -type TYPE         File type: b,c,d,f,l,p,s; comma-separated for any of several.
  -size N[cwbkMG]    File size in units (+N more, -N less, N exactly).
  -empty             Empty regular file or directory.
  -newer FILE        Modified more recently than FILE.
  -mtime N           Modified N days ago (+N more, -N less).
  -mmin N            Modified N minutes ago (+N more, -N less).
  -perm MODE         Permission bits: MODE exactly, -MODE all of, /MODE any of.
  -maxdepth N        Descend at most N levels (at most ${MAX_DEPTH}).
  -mindepth N        Apply tests only at depth N or more.
  -true, -false      Always true / always false.

Actions:
  -print             Print the path and a newline.
  -print0            Print the path and a NUL byte.
  -prune             Do not descend into this directory.
  -quit              Stop immediately.
  -exec CMD {} ;     Run the builtin CMD with {} replaced by the path.
  -execdir CMD {} ;  Like -exec, from the file's directory with {} as ./NAME.

Operators:
  ( EXPR )   ! EXPR   -not EXPR   EXPR -a EXPR   EXPR -and EXPR   EXPR -o EXPR   EXPR -or EXPR

Blocked in the restricted shell:
  -exec/-execdir ... + (batch), -delete, -ok, -okdir, -fls, -fprint, -fprint0,
  -fprintf, -regex, -iregex; -H is not supported.
`;

/** GNU treats any "-x" token (length > 1), "!" and "(" as the start of the expression. */
function startsExpression(a: string): boolean {
  return a === '!' || a === '(' || (a.length > 1 && a.startsWith('-'));
}

export const find: Builtin = async (ctx, args) => {
  let follow = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--help') {
      await ctx.stdout.write(HELP);
      return 0;
    }
    if (a === '-L') follow = true;
    else if (a === '-P') follow = false;
    else if (a === '-H') {
      await ctx.stderr.write('find: -H is not supported\n');
      return 1;
    } else if (a === '--') {
      i++;
      break;
    } else break;
  }
  const paths: string[] = [];
  while (i < args.length && !startsExpression(args[i])) paths.push(args[i++]);
  if (paths.length === 0) paths.push('.');

  let parsed: Parsed;
  try {
    // Below a start path, each of at most MAX_DEPTH levels adds a `/` and a name of at most
    // 255 bytes: no printed path is longer.
    const longest = paths.reduce((n, p) => Math.max(n, p.length), 0);
    parsed = parseExpression(args.slice(i), (name) => ctx.isAllowed(name), longest + MAX_DEPTH * 256);
  } catch (e) {
    if (e instanceof FindHelpRequest) {
      await ctx.stdout.write(HELP);
      return 0;
    }
    if (e instanceof FindSyntaxError) {
      await ctx.stderr.write(e.message + '\n');
      return 1;
    }
    throw e;
  }

  let maxDepth = parsed.maxDepth < 0 ? MAX_DEPTH : parsed.maxDepth;
  if (maxDepth > MAX_DEPTH) {
    await ctx.stderr.write(`find: warning: -maxdepth ${maxDepth} exceeds safety limit ${MAX_DEPTH}; clamped to ${MAX_DEPTH}\n`);
    maxDepth = MAX_DEPTH;
  }

  const newer = await resolveNewerRefs(ctx, newerRefs(parsed.expr), follow);
  if (newer === null) return 1;

  const walker = new Walker(ctx, {
    expr: parsed.expr,
    implicitPrint: !hasAction(parsed.expr),
    follow,
    maxDepth,
    minDepth: Math.max(0, parsed.minDepth),
    newer,
  });
  for (const p of paths) {
    if (p === '') {
      await walker.error("find: '': No such file or directory\n");
      continue;
    }
    await walker.walk(p);
    if (walker.quit) break;
  }
  await walker.finish();
  return walker.failed ? 1 : 0;
};

/**
 * Stats every -newer reference before walking, as GNU does: a missing reference is fatal
 * even when the predicate would never be evaluated. Returns null after reporting errors.
 */
async function resolveNewerRefs(ctx: CallContext, refs: string[], follow: boolean): Promise<Map<string, bigint> | null> {
  const out = new Map<string, bigint>();
  let failed = false;
  for (const ref of refs) {
    if (out.has(ref)) continue;
    if (ref === '') {
      await ctx.stderr.write("find: '': No such file or directory\n");
      failed = true;
      out.set(ref, 0n);
      continue;
    }
    try {
      const info = follow ? await statFollowing(ctx, ref) : await ctx.fs.lstat(ref, ctx.dir);
      out.set(ref, info.mtimeNs);
    } catch (e) {
      await ctx.stderr.write(`find: '${ref}': ${fsMessage(e)}\n`);
      failed = true;
      out.set(ref, 0n);
    }
  }
  return failed ? null : out;
}

async function statFollowing(ctx: CallContext, p: string) {
  try {
    return await ctx.fs.stat(p, ctx.dir);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    return ctx.fs.lstat(p, ctx.dir);
  }
}
