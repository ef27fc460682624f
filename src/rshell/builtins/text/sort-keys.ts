/**
 * sort's ordering, GNU semantics in the C locale: -k KEYDEF field/character positions
 * (begfield/limfield rules, blanks skipped only where "b" applies), per-key or inherited
 * global options (-b -d -f -n -r), numeric comparison of [-]digits[.digits] after blanks,
 * and the whole-line byte comparison as last resort unless -s or -u. Lines are bstr.
 */

export interface KeyOptions {
  skipStartBlanks: boolean;
  skipEndBlanks: boolean;
  dictionary: boolean;
  foldCase: boolean;
  numeric: boolean;
  reverse: boolean;
}

export interface SortKey extends KeyOptions {
  /** 0-based start field, or -1 for "start of line". */
  startField: number;
  /** 0-based start character offset within the field. */
  startChar: number;
  /** 0-based end field, or -1 for "end of line". */
  endField: number;
  /** 1-based end character, 0 meaning end of field. */
  endChar: number;
}

export class KeyError extends Error {}

export function noOptions(): KeyOptions {
  return { skipStartBlanks: false, skipEndBlanks: false, dictionary: false, foldCase: false, numeric: false, reverse: false };
}

export function isDefaultOrdering(o: KeyOptions): boolean {
  return !(o.skipStartBlanks || o.skipEndBlanks || o.dictionary || o.foldCase || o.numeric);
}

/** Letters of an options suffix in GNU's order, for "options '-xy' are incompatible". */
export function optionLetters(o: KeyOptions): string {
  return (
    (o.skipStartBlanks || o.skipEndBlanks ? 'b' : '') +
    (o.dictionary ? 'd' : '') +
    (o.foldCase ? 'f' : '') +
    (o.numeric ? 'n' : '') +
    (o.reverse ? 'r' : '')
  );
}

function badSpec(spec: string, why: string): KeyError {
  return new KeyError(`${why}: invalid field specification '${spec}'`);
}

/** Reads digits at `i`; returns [value, next index] or null when there are none. */
function digitsAt(s: string, i: number): [number, number] | null {
  let j = i;
  while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
  if (j === i) return null;
  const n = Number(s.slice(i, j));
  return [Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER, j];
}

/** Applies option letters at `i`; returns the index of the first non-option character. */
function ordering(s: string, i: number, o: KeyOptions, atEnd: boolean): number {
  for (; i < s.length; i++) {
    switch (s[i]) {
      case 'b':
        if (atEnd) o.skipEndBlanks = true;
        else o.skipStartBlanks = true;
        break;
      case 'd':
        o.dictionary = true;
        break;
      case 'f':
        o.foldCase = true;
        break;
      case 'n':
        o.numeric = true;
        break;
      case 'r':
        o.reverse = true;
        break;
      default:
        return i;
    }
  }
  return i;
}

/** Parses a KEYDEF "F[.C][OPTS][,F[.C][OPTS]]". */
export function parseKey(spec: string): SortKey {
  const key: SortKey = { ...noOptions(), startField: 0, startChar: 0, endField: -1, endChar: 0 };
  const f = digitsAt(spec, 0);
  if (!f) throw new KeyError(`invalid number at field start: invalid count at start of '${spec}'`);
  if (f[0] === 0) throw badSpec(spec, 'field number is zero');
  key.startField = f[0] - 1;
  let i = f[1];
  if (spec[i] === '.') {
    const c = digitsAt(spec, i + 1);
    if (!c) throw new KeyError(`invalid number after '.': invalid count at start of '${spec.slice(i + 1)}'`);
    if (c[0] === 0) throw badSpec(spec, 'character offset is zero');
    key.startChar = c[0] - 1;
    i = c[1];
  }
  if (key.startField === 0 && key.startChar === 0) key.startField = -1;
  i = ordering(spec, i, key, false);
  if (spec[i] === ',') {
    const e = digitsAt(spec, i + 1);
    if (!e) throw new KeyError(`invalid number after ',': invalid count at start of '${spec.slice(i + 1)}'`);
    if (e[0] === 0) throw badSpec(spec, 'field number is zero');
    key.endField = e[0] - 1;
    i = e[1];
    if (spec[i] === '.') {
      const c = digitsAt(spec, i + 1);
      if (!c) throw new KeyError(`invalid number after '.': invalid count at start of '${spec.slice(i + 1)}'`);
      key.endChar = c[0];
      i = c[1];
    }
    i = ordering(spec, i, key, true);
  }
  if (i < spec.length) throw badSpec(spec, 'stray character in field spec');
  return key;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** GNU begfield: where a key starts in `line` (tab < 0 means blank-separated fields). */
export function keyStart(line: string, key: SortKey, tab: number): number {
  const lim = line.length;
  let p = 0;
  if (key.startField < 0) {
    if (key.skipStartBlanks) while (p < lim && isBlank(line.charCodeAt(p))) p++;
    return p;
  }
  let words = key.startField;
  if (tab >= 0) {
    while (p < lim && words-- > 0) {
      while (p < lim && line.charCodeAt(p) !== tab) p++;
      if (p < lim) p++;
    }
  } else {
    while (p < lim && words-- > 0) {
      while (p < lim && isBlank(line.charCodeAt(p))) p++;
      while (p < lim && !isBlank(line.charCodeAt(p))) p++;
    }
  }
  if (key.skipStartBlanks) while (p < lim && isBlank(line.charCodeAt(p))) p++;
  return Math.min(p + key.startChar, lim);
}

/** GNU limfield: where a key ends. */
export function keyLimit(line: string, key: SortKey, tab: number): number {
  const lim = line.length;
  if (key.endField < 0) return lim;
  let p = 0;
  let words = key.endField;
  const echar = key.endChar;
  if (echar === 0) words++;
  if (tab >= 0) {
    while (p < lim && words-- > 0) {
      while (p < lim && line.charCodeAt(p) !== tab) p++;
      if (p < lim && (words > 0 || echar !== 0)) p++;
    }
  } else {
    while (p < lim && words-- > 0) {
      while (p < lim && isBlank(line.charCodeAt(p))) p++;
      while (p < lim && !isBlank(line.charCodeAt(p))) p++;
    }
  }
  if (echar !== 0) {
    if (key.skipEndBlanks) while (p < lim && isBlank(line.charCodeAt(p))) p++;
    p = Math.min(lim, p + echar);
  }
  return p;
}

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function upper(c: number): number {
  return c >= 97 && c <= 122 ? c - 32 : c;
}

/** Compares [a0,a1) of a with [b0,b1) of b under -d/-f. */
function compareFiltered(a: string, a0: number, a1: number, b: string, b0: number, b1: number, o: KeyOptions): number {
  let i = a0;
  let j = b0;
  for (;;) {
    if (o.dictionary) {
      while (i < a1 && !(isAlnum(a.charCodeAt(i)) || isBlank(a.charCodeAt(i)))) i++;
      while (j < b1 && !(isAlnum(b.charCodeAt(j)) || isBlank(b.charCodeAt(j)))) j++;
    }
    if (!(i < a1 && j < b1)) break;
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(j);
    if (o.foldCase) {
      x = upper(x);
      y = upper(y);
    }
    if (x !== y) return x - y;
    i++;
    j++;
  }
  return (i < a1 ? 1 : 0) - (j < b1 ? 1 : 0);
}

/** Plain byte comparison of two ranges (memcmp, then length). */
function compareBytes(a: string, a0: number, a1: number, b: string, b0: number, b1: number): number {
  const la = a1 - a0;
  const lb = b1 - b0;
  const n = Math.min(la, lb);
  for (let k = 0; k < n; k++) {
    const d = a.charCodeAt(a0 + k) - b.charCodeAt(b0 + k);
    if (d !== 0) return d;
  }
  return la - lb;
}

interface ParsedNumber {
  sign: number; // -1, 0, 1
  int: string; // without leading zeros
  frac: string; // without trailing zeros
}

function parseNumber(s: string, from: number, to: number): ParsedNumber {
  let i = from;
  while (i < to && isBlank(s.charCodeAt(i))) i++;
  let neg = false;
  if (i < to && s.charCodeAt(i) === 0x2d) {
    neg = true;
    i++;
  }
  const isD = (k: number): boolean => k < to && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57;
  while (isD(i) && s.charCodeAt(i) === 48) i++;
  const intStart = i;
  while (isD(i)) i++;
  const int = s.slice(intStart, i);
  let frac = '';
  if (i < to && s.charCodeAt(i) === 0x2e) {
    const fs = ++i;
    while (isD(i)) i++;
    frac = s.slice(fs, i).replace(/0+$/, '');
  }
  const zero = int === '' && frac === '';
  return { sign: zero ? 0 : neg ? -1 : 1, int, frac };
}

/** GNU numcompare: sign, then magnitude of integer part, then fraction. */
export function compareNumeric(a: string, a0: number, a1: number, b: string, b0: number, b1: number): number {
  const x = parseNumber(a, a0, a1);
  const y = parseNumber(b, b0, b1);
  if (x.sign !== y.sign) return x.sign - y.sign;
  if (x.sign === 0) return 0;
  let d = x.int.length - y.int.length;
  if (d === 0) d = x.int < y.int ? -1 : x.int > y.int ? 1 : 0;
  if (d === 0) d = x.frac < y.frac ? -1 : x.frac > y.frac ? 1 : 0;
  return x.sign < 0 ? -d : d;
}

export interface SortOrder {
  keys: SortKey[];
  tab: number;
  /** -s or -u: no whole-line comparison when keys tie. */
  noLastResort: boolean;
  reverse: boolean;
}

/** Per-line key spans, computed once per line rather than on every comparison. */
export interface Prepared {
  line: string;
  spans: Int32Array;
}

export function prepare(line: string, order: SortOrder): Prepared {
  const spans = new Int32Array(order.keys.length * 2);
  order.keys.forEach((k, i) => {
    const beg = keyStart(line, k, order.tab);
    const lim = keyLimit(line, k, order.tab);
    spans[2 * i] = beg;
    spans[2 * i + 1] = Math.max(beg, lim);
  });
  return { line, spans };
}

export function compareLines(a: Prepared, b: Prepared, order: SortOrder): number {
  const keys = order.keys;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const a0 = a.spans[2 * i];
    const a1 = a.spans[2 * i + 1];
    const b0 = b.spans[2 * i];
    const b1 = b.spans[2 * i + 1];
    let d: number;
    if (k.numeric) d = compareNumeric(a.line, a0, a1, b.line, b0, b1);
    else if (k.dictionary || k.foldCase) d = compareFiltered(a.line, a0, a1, b.line, b0, b1, k);
    else d = compareBytes(a.line, a0, a1, b.line, b0, b1);
    if (d !== 0) return k.reverse ? -d : d;
  }
  if (keys.length > 0 && order.noLastResort) return 0;
  const d = a.line < b.line ? -1 : a.line > b.line ? 1 : 0;
  return order.reverse ? -d : d;
}
