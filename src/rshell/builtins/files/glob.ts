/**
 * fnmatch(3)-style matching for find's -name/-path (no FNM_PATHNAME, no FNM_PERIOD): `*` and
 * `?` also match `/` and leading dots. Matching is per UTF-8 character (so `?` matches `é`);
 * bytes that are not valid UTF-8 are single units. GNU edge cases kept on purpose:
 * an unclosed `[` is a literal, an incomplete range such as `[a-` never matches, and a
 * dangling trailing backslash never matches. `[:class:]` names inside brackets are the C
 * locale's (ASCII) classes, as in the shell's own globbing.
 */

import { BracketScans, starMatch } from '../../star-match.js';
import { classBit, classBitsOf } from '../lib/char-classes.js';

type Token =
  | { t: 'lit'; c: number }
  | { t: 'any' }
  | { t: 'star' }
  // ranges [lo0, hi0, …], in order and disjoint when `sorted`; named: classBit()s
  | { t: 'class'; neg: boolean; ranges: ArrayLike<number>; sorted: boolean; named: number }
  | { t: 'never' };

export interface Glob {
  readonly tokens: readonly Token[];
  readonly fold: boolean;
}

/** Code points of a bstr holding UTF-8; an invalid byte b becomes -(b + 1). */
export function codePoints(s: string): Int32Array {
  // Typed: a 16 MiB pattern as a number[] (and its folded copy) took 256 MB.
  const out = new Int32Array(s.length);
  let n = 0;
  let i = 0;
  while (i < s.length) {
    const b0 = s.charCodeAt(i);
    if (b0 < 0x80) {
      out[n++] = b0;
      i++;
      continue;
    }
    const need = b0 >= 0xf0 && b0 < 0xf8 ? 3 : b0 >= 0xe0 ? 2 : b0 >= 0xc2 && b0 < 0xe0 ? 1 : -1;
    let cp = need === 3 ? b0 & 0x07 : need === 2 ? b0 & 0x0f : b0 & 0x1f;
    let ok = need > 0 && i + need < s.length;
    if (ok) {
      for (let k = 1; k <= need; k++) {
        const b = s.charCodeAt(i + k);
        if ((b & 0xc0) !== 0x80) {
          ok = false;
          break;
        }
        cp = (cp << 6) | (b & 0x3f);
      }
    }
    if (ok && ((need === 2 && cp < 0x800) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok) {
      out[n++] = cp;
      i += need + 1;
    } else {
      out[n++] = -(b0 + 1);
      i++;
    }
  }
  return out.subarray(0, n);
}

/** The `[:name:]` at p[i] ('[' followed by ':'): its class bit and end, or null if none. */
function namedClass(p: Int32Array, i: number): { bit: number; end: number } | null {
  if (p[i] !== 0x5b || p[i + 1] !== 0x3a) return null;
  let name = '';
  for (let k = i + 2; k + 1 < p.length && name.length <= 6; k++) {
    if (p[k] === 0x3a && p[k + 1] === 0x5d) {
      const bit = classBit(name);
      return bit === undefined ? null : { bit, end: k + 2 };
    }
    if (p[k] < 0x61 || p[k] > 0x7a) return null;
    name += String.fromCharCode(p[k]);
  }
  return null;
}

function lower(cp: number): number {
  if (cp < 0) return cp;
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp;
  const l = String.fromCodePoint(cp).toLowerCase();
  const c = l.codePointAt(0)!;
  return l.length === String.fromCodePoint(c).length ? c : cp;
}

/** Compiles `pattern` (bstr); `fold` makes matching case-insensitive (-iname, -ipath). */
export function compileGlob(pattern: string, fold = false, maxUnits = Infinity): Glob {
  const p = codePoints(pattern);
  if (fold) for (let k = 0; k < p.length; k++) p[k] = lower(p[k]!);
  const tokens: Token[] = [];
  const scans = new BracketScans(p.length);
  let i = 0;
  while (i < p.length) {
    // Stars never follow stars, so past 2 × maxUnits + 1 tokens more than maxUnits take a
    // character and no subject matches: a 15 MiB pattern was 15 million tokens (1.3 GB).
    if (tokens.length > 2 * maxUnits + 1) return { tokens: [{ t: 'never' }], fold };
    const c = p[i];
    if (c === 0x2a /* * */) {
      if (tokens.at(-1)?.t !== 'star') tokens.push({ t: 'star' });
      i++;
    } else if (c === 0x3f /* ? */) {
      tokens.push({ t: 'any' });
      i++;
    } else if (c === 0x5c /* \ */) {
      if (i + 1 >= p.length) {
        tokens.push({ t: 'never' });
        i++;
      } else {
        tokens.push({ t: 'lit', c: p[i + 1] });
        i += 2;
      }
    } else if (c === 0x5b /* [ */) {
      const r = parseClass(p, i, scans);
      if (r === null) {
        tokens.push({ t: 'lit', c });
        i++;
      } else {
        tokens.push(r.token);
        i = r.end;
      }
    } else {
      tokens.push({ t: 'lit', c });
      i++;
    }
  }
  return { tokens, fold };
}

/** Parses a bracket expression at p[start] === '['; null when unclosed (literal '['). */
function parseClass(p: Int32Array, start: number, scans: BracketScans): { token: Token; end: number } | null {
  let i = start + 1;
  let neg = false;
  if (p[i] === 0x21 /* ! */ || p[i] === 0x5e /* ^ */) {
    neg = true;
    i++;
  }
  const ranges: number[] = [];
  // Each range enters once: a bracket of a 15 MiB run of `[` kept 30 million numbers.
  const seen = new Set<number>();
  let named = 0;
  let first = true;
  while (i < p.length) {
    if (!first && scans.doomed(i)) return null;
    if (p[i] === 0x5d /* ] */ && !first) return { token: classToken(neg, ranges, named), end: i + 1 };
    first = false;
    const cls = namedClass(p, i);
    if (cls) {
      named |= cls.bit;
      i = cls.end;
      continue;
    }
    let lo = p[i];
    if (lo === 0x5c && i + 1 < p.length) {
      i++;
      lo = p[i];
    }
    i++;
    let hi = lo;
    if (i + 1 < p.length && p[i] === 0x2d /* - */ && p[i + 1] !== 0x5d) {
      i++;
      hi = p[i];
      if (hi === 0x5c && i + 1 < p.length) {
        i++;
        hi = p[i];
      }
      i++;
    } else if (i < p.length && p[i] === 0x2d && i + 1 >= p.length) {
      // "[a-" at the end of the pattern: GNU fnmatch makes the whole pattern fail.
      return { token: { t: 'never' }, end: p.length };
    }
    if (lo > hi) continue; // matches nothing
    const key = (lo + CP_OFFSET) * CP_SPAN + (hi + CP_OFFSET);
    if (seen.has(key)) continue;
    seen.add(key);
    ranges.push(lo, hi);
  }
  return null;
}

/** Past this many ranges a bracket is merged into sorted disjoint ones, searched by halves. */
const MAX_SCANNED_RANGES = 32;
/** Code points are -256 (invalid bytes) to 0x10ffff. */
const CP_OFFSET = 256;
const CP_SPAN = 0x110000 + CP_OFFSET;

/**
 * The class token of `ranges` (none reversed): a bracket of millions of chars was scanned
 * whole for each character of each name (4.4 s on one directory).
 */
function classToken(neg: boolean, ranges: number[], named: number): Token {
  if (ranges.length <= 2 * MAX_SCANNED_RANGES) return { t: 'class', neg, ranges, sorted: false, named };
  // Sorted natively as one number each: lo, then hi.
  const keys = new Float64Array(ranges.length >> 1);
  for (let k = 0; k < keys.length; k++) keys[k] = (ranges[2 * k]! + CP_OFFSET) * CP_SPAN + (ranges[2 * k + 1]! + CP_OFFSET);
  keys.sort();
  const merged: number[] = [];
  for (const key of keys) {
    const lo = Math.floor(key / CP_SPAN) - CP_OFFSET;
    const hi = (key % CP_SPAN) - CP_OFFSET;
    const n = merged.length;
    if (n > 0 && lo <= merged[n - 1]! + 1) merged[n - 1] = Math.max(merged[n - 1]!, hi);
    else merged.push(lo, hi);
  }
  return { t: 'class', neg, ranges: Int32Array.from(merged), sorted: true, named };
}

/** Whether `c` is in one of the sorted disjoint ranges [lo0, hi0, …]. */
function inSorted(ranges: ArrayLike<number>, c: number): boolean {
  let a = 0;
  let b = ranges.length >> 1;
  while (a < b) {
    const m = (a + b) >> 1;
    if (ranges[2 * m + 1]! < c) a = m + 1;
    else b = m;
  }
  return a < ranges.length >> 1 && ranges[2 * a]! <= c;
}

/**
 * Whether `c` matches one token. `folded` is `c` lowered for -iname/-ipath (else `c`): literals
 * and ranges compare it, named classes test `c` itself, as glibc's FNM_CASEFOLD does.
 */
function matchUnit(tok: Token, c: number, folded: number): boolean {
  switch (tok.t) {
    case 'lit':
      return tok.c === folded;
    case 'any':
      return true;
    case 'class': {
      let hit = (tok.named & classBitsOf(c)) !== 0;
      if (!hit && tok.sorted) hit = inSorted(tok.ranges, folded);
      for (let k = 0; !hit && !tok.sorted && k < tok.ranges.length; k += 2) hit = tok.ranges[k]! <= folded && folded <= tok.ranges[k + 1]!;
      return hit !== tok.neg;
    }
    default:
      return false;
  }
}

function matchOne(tok: Token, c: number): boolean {
  return matchUnit(tok, c, c);
}

function matchFolded(tok: Token, c: number): boolean {
  return matchUnit(tok, c, lower(c));
}

/** Whether `name` (bstr) matches the compiled glob. Linear-time star backtracking. */
export function globMatch(g: Glob, name: string): boolean {
  return starMatch(g.tokens, codePoints(name), g.fold ? matchFolded : matchOne);
}
