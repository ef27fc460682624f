/**
 * Effective rshell allow-lists: the task's lists narrowed by the operator's, as the PAR
 * does (specs/rshell.md §7).
 * - Commands: only `rshell:<name>` task entries count (never the bare `rshell:` or the
 *   wildcard `rshell:*`); an operator `rshell:*` admits whatever the task allows; otherwise
 *   exact intersection. A task without a list, or an explicitly empty operator list (the
 *   kill switch), allows nothing.
 * - Paths: cleaned absolute paths compared by containment, the narrower side winning;
 *   operator `/` admits everything; the result is reduced to its broadest entries. `:ro` /
 *   `:rw` suffixes are accepted and dropped: this runner is read-only. Unlike the PAR's
 *   text-only comparison, a task path inside an operator path must also lie inside it once
 *   symlinks are resolved: a link in the operator's directory would otherwise make its
 *   target a root of its own.
 */
import { realpathSync } from 'node:fs';
import { posix } from 'node:path';

export const COMMAND_NAMESPACE = 'rshell:';

export function effectiveCommands(task: readonly string[] | undefined, operator: readonly string[]): string[] {
  if (!task || operator.length === 0) return [];
  const any = operator.includes('rshell:*');
  // A loop, not filter callbacks: this runs per task, and V8 compiled such closures again
  // after every major GC.
  const admitted = new Set<string>();
  for (const c of task) {
    if (!c.startsWith(COMMAND_NAMESPACE) || c.length <= COMMAND_NAMESPACE.length || c === 'rshell:*') continue;
    if (any || operator.includes(c)) admitted.add(c);
  }
  return [...admitted];
}

export function effectivePaths(task: readonly string[] | undefined, operator: readonly string[], real: (p: string) => string | undefined = realPath): string[] {
  if (!task || operator.length === 0) return [];
  const t = task.map(cleanPath).filter((p): p is string => p !== null);
  const o = operator.map(cleanPath).filter((p): p is string => p !== null);
  const out: string[] = [];
  for (const a of t) {
    for (const b of o) {
      if (contains(b, a)) {
        if (a === b || staysInside(a, b, real)) out.push(a);
      } else if (contains(a, b)) out.push(b);
    }
  }
  return broadest(out);
}

/** The real path, or undefined when it cannot be resolved (missing: nothing to read there). */
export function realPath(p: string): string | undefined {
  try {
    return realpathSync.native(p);
  } catch {
    return undefined;
  }
}

/** Whether `inner` (textually inside `outer`) is still inside it with symlinks resolved. */
function staysInside(inner: string, outer: string, real: (p: string) => string | undefined): boolean {
  if (outer === '/') return true;
  const ri = real(inner);
  const ro = real(outer);
  return ri === undefined || ro === undefined || contains(ro, ri);
}

/** Absolute, cleaned, without access suffix; null for relative or empty entries. */
export function cleanPath(p: string): string | null {
  const bare = p.replace(/:(ro|rw)$/, '');
  if (!bare.startsWith('/')) return null;
  const c = posix.normalize(bare);
  return c.length > 1 && c.endsWith('/') ? c.slice(0, -1) : c;
}

function contains(outer: string, inner: string): boolean {
  if (outer === '/') return true;
  return inner === outer || inner.startsWith(outer + '/');
}

function broadest(paths: string[]): string[] {
  const uniq = [...new Set(paths)].sort();
  return uniq.filter((p) => !uniq.some((q) => q !== p && contains(q, p)));
}
