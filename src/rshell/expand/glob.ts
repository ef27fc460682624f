/**
 * Pathname expansion over the sandbox: `*`, `?`, `[...]` per path component, directory
 * listings through SandboxFS.readDir (so denied directories simply match nothing), dotfiles
 * hidden unless the component starts with a literal `.`, results sorted in byte order.
 * Patterns arrive "escaped": a backslash makes the next char literal (quoted text).
 */
import { PATH_MAX } from '../sandbox/paths.js';
import type { SandboxFS } from '../sandbox/types.js';
import { ExpansionError } from '../interp/errors.js';
import { BracketScans, starMatch } from '../star-match.js';

export const MAX_GLOB_READDIR_CALLS = 10_000;

/** Per-run budget of directory reads. */
export interface GlobBudget {
  readDirCalls: number;
}

/** True when the escaped pattern has an unescaped `*`, `?` or `[`. */
export function hasGlobMeta(pat: string): boolean {
  for (let i = 0; i < pat.length; i++) {
    const c = pat.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x2a || c === 0x3f || c === 0x5b) return true;
  }
  return false;
}

/** Removes the glob escapes of a pattern without metacharacters. */
export function unescapeGlob(pat: string): string {
  if (!pat.includes('\\')) return pat;
  // Byte by byte (bstr chars are bytes): char by char, a 16 MiB quoted component made
  // millions of string pieces.
  const out = Buffer.allocUnsafe(pat.length);
  let n = 0;
  for (let i = 0; i < pat.length; i++) {
    if (pat.charCodeAt(i) === 0x5c && i + 1 < pat.length) i++;
    out[n++] = pat.charCodeAt(i);
  }
  return out.toString('latin1', 0, n);
}

const CLASSES = new Map<string, string>([
  ['alpha', 'a-zA-Z'],
  ['digit', '0-9'],
  ['alnum', 'a-zA-Z0-9'],
  ['upper', 'A-Z'],
  ['lower', 'a-z'],
  ['space', ' \\t\\n\\r\\f\\v'],
  ['blank', ' \\t'],
  ['punct', '!-\\/:-@\\[-`{-~'],
  ['xdigit', '0-9a-fA-F'],
  ['cntrl', '\\x00-\\x1f\\x7f'],
  ['print', ' -~'],
  ['graph', '!-~'],
  ['word', 'a-zA-Z0-9_'],
]);

function reEscape(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? '\\' + c : c;
}

/** The longest class name (`[:xdigit:]`): a `[:` further from its `:]` names no class. */
const MAX_CLASS_NAME = 6;

/** Parses a bracket expression starting at pat[i] === '['; returns [regex, next index] or null. */
function bracket(pat: string, i: number, scans: BracketScans): [string, number] | null {
  let j = i + 1;
  let neg = false;
  if (pat[j] === '!' || pat[j] === '^') {
    neg = true;
    j++;
  }
  let body = '';
  let first = true;
  // Each char, range and class enters the class once: a 16 MiB bracket of repeats would make
  // a RegExp as long (1.4 s and 350 MB for 5 MiB).
  const seenChar = new Uint8Array(256);
  const seen = new Set<string>();
  while (j < pat.length) {
    const c = pat[j]!;
    if (!first && scans.doomed(j)) return null;
    if (c === ']' && !first) {
      if (!body) {
        scans.forget(i, j + 1);
        return null;
      }
      return [(neg ? '[^' : '[') + body + ']', j + 1];
    }
    first = false;
    if (c === '[' && pat[j + 1] === ':') {
      const k = pat.substring(j + 2, j + 4 + MAX_CLASS_NAME).indexOf(':]');
      const end = k < 0 ? -1 : j + 2 + k;
      const cls = end > 0 ? CLASSES.get(pat.slice(j + 2, end)) : undefined;
      if (cls !== undefined) {
        if (!seen.has(cls)) {
          seen.add(cls);
          body += cls;
        }
        j = end + 2;
        continue;
      }
    }
    let lit = c;
    if (c === '\\' && j + 1 < pat.length) lit = pat[++j]!;
    if (pat[j + 1] === '-' && j + 2 < pat.length && pat[j + 2] !== ']') {
      let hi = pat[j + 2]!;
      let k = j + 2;
      if (hi === '\\' && k + 1 < pat.length) hi = pat[++k]!;
      const range = lit + '-' + hi;
      if (hi >= lit && !seen.has(range)) {
        seen.add(range);
        body += reEscape(lit) + '-' + reEscape(hi);
      }
      j = k + 1;
      continue;
    }
    const code = lit.charCodeAt(0);
    if (code > 0xff || !seenChar[code]) {
      if (code <= 0xff) seenChar[code] = 1;
      body += reEscape(lit);
    }
    j++;
  }
  return null;
}

/** One unit of a compiled component pattern: `*`, `?`, a literal char or a bracket class. */
type GlobToken = { t: 'star' } | { t: 'any' } | { t: 'lit'; c: string } | { t: 'class'; re: RegExp };

/** A compiled component pattern; `test` matches a whole name. */
export interface GlobMatcher {
  test(name: string): boolean;
}

const compiled = new Map<string, GlobMatcher>();
/** Characters of the patterns in `compiled`, against MAX_CACHED_CHARS. */
let cachedChars = 0;

/**
 * Linux's longest file name in bytes: a component whose pattern needs more chars matches no
 * name, so compiling stops there (a 16 MiB pattern made 16 million tokens, 8 s and 1.1 GB).
 */
const NAME_MAX = 255;
const MATCHES_NOTHING: GlobMatcher = { test: () => false };
/** Longer patterns are not cached: the module-wide cache outlives the run. */
const MAX_CACHED_PATTERN = 1024;
/**
 * The cache's patterns together, in chars. It outlives every run and no run's limits count
 * it, and a pattern holds about 45 bytes of tokens per char (a RegExp per 3-char `[a]`):
 * 900 patterns of 1,000 chars, made by one loop, kept 40 MiB after the run ended.
 */
const MAX_CACHED_CHARS = 64 * 1024;

/** Compiles one path component pattern, matched by the linear walk of star-match.ts. */
export function compileGlob(pat: string): GlobMatcher {
  let m = compiled.get(pat);
  if (m) return m;
  const tokens: GlobToken[] = [];
  const scans = new BracketScans(pat.length);
  for (let i = 0; i < pat.length; i++) {
    // Stars never follow stars, so past 2 × NAME_MAX + 1 tokens more than NAME_MAX take a char.
    if (tokens.length > 2 * NAME_MAX + 1) return MATCHES_NOTHING;
    const c = pat[i]!;
    if (c === '\\' && i + 1 < pat.length) tokens.push({ t: 'lit', c: pat[++i]! });
    else if (c === '*') {
      if (tokens.at(-1)?.t !== 'star') tokens.push({ t: 'star' });
    } else if (c === '?') tokens.push({ t: 'any' });
    else if (c === '[') {
      const b = bracket(pat, i, scans);
      if (b) {
        tokens.push({ t: 'class', re: new RegExp('^' + b[0] + '$') });
        i = b[1] - 1;
      } else tokens.push({ t: 'lit', c: '[' });
    } else tokens.push({ t: 'lit', c });
  }
  m = { test: (name) => starMatch(tokens, name, unitMatches) };
  if (pat.length > MAX_CACHED_PATTERN) return m;
  if (compiled.size > 1000 || cachedChars + pat.length > MAX_CACHED_CHARS) {
    compiled.clear();
    cachedChars = 0;
  }
  compiled.set(pat, m);
  cachedChars += pat.length;
  return m;
}

function unitMatches(tok: GlobToken, ch: string): boolean {
  if (tok.t === 'any') return true;
  if (tok.t === 'lit') return tok.c === ch;
  if (tok.t === 'class') return tok.re.test(ch);
  return false;
}

function join(base: string, name: string): string {
  if (base === '') return name;
  return base.endsWith('/') ? base + name : base + '/' + name;
}

/**
 * What adding `parts` (components, and '' for a slash) with join, one at a time, appends to
 * a path; `bare`: the path is empty or ends with '/'. One at a time, each join looked at the
 * end of a path grown by a component: 256 Ki components held the event loop for 50 s.
 */
function literalTail(parts: string[], bare: boolean): string {
  const out: string[] = [];
  for (const p of parts) {
    if (p !== '' && !bare) out.push('/');
    out.push(p === '' ? '/' : p);
    bare = p === '';
  }
  return out.join('');
}

/**
 * A path the sandbox refuses whatever it names (denied, or PATH_MAX bytes or more): no match.
 * Not asked about, so a long shared tail is not cleaned again for every match.
 */
function tooLong(p: string): boolean {
  return p.length >= PATH_MAX;
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The paths that are directories; the working directory (`''`) and `/` always are. */
async function dirsOnly(paths: string[], fs: SandboxFS, dir: string, checkCanceled: () => void): Promise<string[]> {
  const kept: string[] = [];
  for (const p of paths) {
    if (p === '' || p === '/') {
      kept.push(p);
      continue;
    }
    checkCanceled();
    if (tooLong(p)) continue;
    try {
      if ((await fs.stat(p, dir)).kind === 'dir') kept.push(p);
    } catch {
      // missing, not reachable or not a directory
    }
  }
  return kept;
}

/**
 * Expands an escaped pattern against the sandbox. Returns the sorted matches (empty when
 * nothing matches; the caller then keeps the word literally). `checkCanceled` runs before
 * every filesystem call, so a glob over a deep tree ends at the run's deadline.
 */
export async function globPaths(
  pattern: string,
  fs: SandboxFS,
  dir: string,
  budget: GlobBudget,
  checkCanceled: () => void = () => undefined,
): Promise<string[]> {
  const parts = pattern.split('/');
  let matches: string[] = [''];
  let lastLiteral = false;
  let sawMeta = false;
  // Literal components and slashes not yet added to the matches (see literalTail).
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    // Two tails at most, each shared by the matches it extends.
    const tails: (string | undefined)[] = [];
    matches = matches.map((m) => {
      const bare = m === '' || m.endsWith('/') ? 1 : 0;
      return m + (tails[bare] ??= literalTail(pending, bare === 1));
    });
    pending = [];
  };
  // The matches are directories, checked, with only `.` components added since.
  let dirsChecked = false;
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    if (part === '') {
      // Leading slash, doubled slash or trailing slash: keep it verbatim.
      pending.push('');
      dirsChecked = false;
      continue;
    }
    // `x/.` is a directory just when x is: after a check, a run of `.` needs no other.
    const literal = part === '.' ? dirsChecked : part !== '..' && !hasGlobMeta(part);
    if (literal) {
      pending.push(unescapeGlob(part));
      lastLiteral = true;
      dirsChecked &&= part === '.';
      continue;
    }
    flush();
    if (part === '.' || part === '..') {
      // The sandbox cleans `x/..` to x's parent even when x is a file or missing; bash (and
      // mvdan, which only keeps directories before another component) must step through a
      // directory, so `*/..` does not match `a.txt/..`.
      matches = await dirsOnly(matches, fs, dir, checkCanceled);
      if (matches.length === 0) return matches;
      matches = matches.map((m) => join(m, part));
      lastLiteral = true;
      dirsChecked = part === '.';
      continue;
    }
    sawMeta = true;
    lastLiteral = false;
    dirsChecked = false;
    const re = compileGlob(part);
    const showHidden = part[0] === '.' || part.startsWith('\\.');
    const next: string[] = [];
    for (const m of matches) {
      checkCanceled();
      if (++budget.readDirCalls > MAX_GLOB_READDIR_CALLS) {
        throw new ExpansionError(`glob expansion exceeded maximum number of directory reads (${MAX_GLOB_READDIR_CALLS})`);
      }
      let entries;
      if (tooLong(m)) continue;
      try {
        entries = await fs.readDir(m === '' ? '.' : m, dir);
      } catch {
        continue; // not a directory, missing or denied: no matches there
      }
      for (const e of entries) {
        if (!showHidden && e.name[0] === '.') continue;
        if (re.test(e.name)) next.push(join(m, e.name));
      }
    }
    matches = next;
    if (matches.length === 0) return matches;
  }
  if (!sawMeta) return [];
  flush();
  const dirsOnlyWanted = pattern.endsWith('/');
  if (lastLiteral || dirsOnlyWanted) {
    // Components after the last pattern were joined blindly: keep only paths that exist.
    const kept: string[] = [];
    for (const m of matches) {
      checkCanceled();
      if (tooLong(m)) continue;
      try {
        // Every match ends with '/' just when the pattern does; asking each match would read
        // (and copy) each one whole when a long literal tail is shared by them all.
        if (dirsOnlyWanted) {
          if ((await fs.stat(m, dir)).kind === 'dir') kept.push(m);
        } else {
          await fs.lstat(m, dir);
          kept.push(m);
        }
      } catch {
        // does not exist or not reachable
      }
    }
    matches = kept;
  }
  return matches.sort(byteOrder);
}
