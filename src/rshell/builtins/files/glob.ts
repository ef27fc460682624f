/**
 * fnmatch(3)-style matching for find's -name/-path (no FNM_PATHNAME, no FNM_PERIOD): `*` and
 * `?` also match `/` and leading dots. Matching is per UTF-8 character (so `?` matches `é`);
 * bytes that are not valid UTF-8 are single units. GNU edge cases kept on purpose:
 * an unclosed `[` is a literal, an incomplete range such as `[a-` never matches, and a
 * dangling trailing backslash never matches. `[:class:]` names inside brackets are the C
 * locale's (ASCII) classes, as in the shell's own globbing.
 */

import { starMatch } from '../../star-match.js';
import { classBit, classBitsOf } from '../lib/char-classes.js';

type Token =
  | { t: 'lit'; c: number }
  | { t: 'any' }
  | { t: 'star' }
  | { t: 'class'; neg: boolean; ranges: number[]; named: number } // ranges [lo0, hi0, …]; named: classBit()s
  | { t: 'never' };

export interface Glob {
  readonly tokens: readonly Token[];
  readonly fold: boolean;
}

/** Code points of a bstr holding UTF-8; an invalid byte b becomes -(b + 1). */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    const b0 = s.charCodeAt(i);
    if (b0 < 0x80) {
      out.push(b0);
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
      out.push(cp);
      i += need + 1;
    } else {
      out.push(-(b0 + 1));
      i++;
    }
  }
  return out;
}

/** The `[:name:]` at p[i] ('[' followed by ':'): its class bit and end, or null if none. */
function namedClass(p: number[], i: number): { bit: number; end: number } | null {
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
export function compileGlob(pattern: string, fold = false): Glob {
  const p = codePoints(pattern).map((c) => (fold ? lower(c) : c));
  const tokens: Token[] = [];
  let i = 0;
  while (i < p.length) {
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
      const r = parseClass(p, i);
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
function parseClass(p: number[], start: number): { token: Token; end: number } | null {
  let i = start + 1;
  let neg = false;
  if (p[i] === 0x21 /* ! */ || p[i] === 0x5e /* ^ */) {
    neg = true;
    i++;
  }
  const ranges: number[] = [];
  let named = 0;
  let first = true;
  while (i < p.length) {
    if (p[i] === 0x5d /* ] */ && !first) return { token: { t: 'class', neg, ranges, named }, end: i + 1 };
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
    ranges.push(lo, hi);
  }
  return null;
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
      for (let k = 0; !hit && k < tok.ranges.length; k += 2) hit = tok.ranges[k] <= folded && folded <= tok.ranges[k + 1];
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
