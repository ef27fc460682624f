/**
 * Lexical path helpers with Go `path/filepath` semantics on bstr paths (one char per byte).
 * They never touch the filesystem. Node's `path` would mostly do, but its normalize keeps
 * trailing slashes and maps '' to '.', which differs from Go in ways that show in messages.
 */

/** Linux's PATH_MAX: the kernel refuses a path of this many bytes or more (ENAMETOOLONG). */
export const PATH_MAX = 4096;

/** Go's filepath.Clean for '/'-separated paths. */
export function clean(p: string): string {
  if (p === '') return '.';
  const rooted = p.charCodeAt(0) === 0x2f;
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      // '..' at the root of an absolute path stays at the root.
      continue;
    }
    out.push(part);
  }
  const body = out.join('/');
  if (rooted) return '/' + body;
  return body === '' ? '.' : body;
}

export function isAbs(p: string): boolean {
  return p.charCodeAt(0) === 0x2f;
}

/** Go's filepath.Join: joins non-empty elements and cleans. */
export function join(...parts: string[]): string {
  const nonEmpty = parts.filter((s) => s !== '');
  return nonEmpty.length === 0 ? '' : clean(nonEmpty.join('/'));
}

/** rshell's toAbs: absolute paths as given, relative ones joined to `dir` (then cleaned). */
export function toAbs(p: string, dir: string): string {
  return clean(isAbs(p) ? p : join(dir, p));
}

/**
 * The components of `target` below `base` (both clean and absolute), or null when target is
 * not `base` itself or inside it. `[]` means target === base.
 */
export function componentsBelow(base: string, target: string): string[] | null {
  if (base === '/') return target === '/' ? [] : target.slice(1).split('/');
  if (target === base) return [];
  if (!target.startsWith(base + '/')) return null;
  return target.slice(base.length + 1).split('/');
}

/** Splits a relative (possibly unclean) path into its non-empty components, keeping '.' and '..'. */
export function splitComponents(p: string): string[] {
  return p.split('/').filter((s) => s !== '');
}
