/**
 * sort's ordering, GNU semantics in the C locale: -k KEYDEF field/character positions
 * (begfield/limfield rules, blanks skipped only where "b" applies), per-key or inherited
 * global options (-b -d -f -n -r), numeric comparison of [-]digits[.digits] after blanks,
 * and the whole-line byte comparison as last resort unless -s or -u. Lines are bstr.
 */
import { isAlnum, isBlank } from '../../syntax/chars.js';

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

function upper(c: number): number {
  return c >= 97 && c <= 122 ? c - 32 : c;
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
    // Trailing zeros dropped by hand: /0+$/ is quadratic in a run of inner zeros.
    let e = i;
    while (e > fs && s.charCodeAt(e - 1) === 48) e--;
    frac = s.slice(fs, e);
  }
  const zero = int === '' && frac === '';
  return { sign: zero ? 0 : neg ? -1 : 1, int, frac };
}

/** GNU numcompare: sign, then magnitude of the integer part, then the fraction. */
export function compareNumeric(a: string, a0: number, a1: number, b: string, b0: number, b1: number): number {
  const x = numericKey(a, a0, a1);
  const y = numericKey(b, b0, b1);
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface SortOrder {
  keys: SortKey[];
  tab: number;
  /** -s or -u: no whole-line comparison when keys tie. */
  noLastResort: boolean;
  reverse: boolean;
}

/**
 * A line with each key reduced once to a string whose plain code-unit order is the key's
 * order, so the comparator does no parsing: -n keys become an order-preserving encoding
 * of the number, -d/-f keys their filtered/folded text, other keys their bytes.
 */
export interface Prepared {
  line: string;
  keys: string[];
}

export function prepare(line: string, order: SortOrder): Prepared {
  return { line, keys: order.keys.map((k) => keyText(line, k, order.tab)) };
}

function keyText(line: string, k: SortKey, tab: number): string {
  const beg = keyStart(line, k, tab);
  const lim = Math.max(beg, keyLimit(line, k, tab));
  if (k.numeric) return numericKey(line, beg, lim);
  if (k.dictionary || k.foldCase) return filteredKey(line, beg, lim, k);
  return line.slice(beg, lim);
}

/** Width of the input index that ends every sort string (1,000,000 lines fit). */
export const INDEX_WIDTH = 7;

/**
 * One string per line whose native (code unit) order is the full sort order, so the sort
 * itself runs without a JS comparator. Each key is followed by a terminator that sorts below
 * every byte (0x00, with bytes 0x00/0x01 escaped as 0x01 0x01/0x01 0x02), so a shorter key
 * sorts first. A reversed key is written complemented (255 − byte, with 0xFE/0xFF escaped as
 * 0xFE 0xFE/0xFE 0xFF) and terminated by 0xFF, which flips both. The whole line follows as
 * the last resort (reversed by -r) unless -s/-u, then the input index, which keeps equal
 * lines in input order and maps the string back to its line. All one-byte (latin1) strings.
 */
export function sortString(line: string, order: SortOrder, index: number): string {
  const parts: string[] = [];
  for (const k of order.keys) parts.push(encodeSegment(keyText(line, k, order.tab), k.reverse));
  if (!(order.keys.length > 0 && order.noLastResort)) parts.push(encodeSegment(line, order.reverse));
  parts.push(String(index).padStart(INDEX_WIDTH, '0'));
  // join() yields a flat string; a rope (from +=) would be re-walked on every comparison.
  return parts.join('');
}

const LOW_BYTES = /[\x00\x01]/;

function encodeSegment(s: string, reverse: boolean): string {
  if (!reverse) {
    if (!LOW_BYTES.test(s)) return s + '\x00';
    return s.replace(/[\x00\x01]/g, (c) => (c === '\x00' ? '\x01\x01' : '\x01\x02')) + '\x00';
  }
  const out = Buffer.allocUnsafe(s.length * 2 + 1);
  let j = 0;
  for (let i = 0; i < s.length; i++) {
    const r = 255 - s.charCodeAt(i);
    if (r >= 0xfe) out[j++] = 0xfe;
    out[j++] = r;
  }
  out[j++] = 0xff;
  return out.toString('latin1', 0, j);
}

function filteredKey(s: string, from: number, to: number, o: KeyOptions): string {
  // Into one buffer: `out +=` per byte made a rope of a node per byte (a 1 MiB key held
  // ~32 MB until flattened, and 100 such keys exhausted the heap).
  const out = Buffer.allocUnsafe(Math.max(0, to - from));
  let j = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (o.dictionary && !(isAlnum(c) || isBlank(c))) continue;
    out[j++] = o.foldCase ? upper(c) : c;
  }
  return out.toString('latin1', 0, j);
}

const complementDigits = (d: string): string => d.replace(/[0-9]/g, (x) => String.fromCharCode(105 - x.charCodeAt(0)));

/**
 * Encodes GNU's numeric value of [from,to) so that string order is numeric order: a sign
 * class, then for positives the integer length, integer digits and fraction digits; for
 * negatives the same with every digit complemented and a terminator above all digits.
 */
export function numericKey(s: string, from: number, to: number): string {
  const x = parseNumber(s, from, to);
  if (x.sign === 0) return '1';
  const len = String(x.int.length).padStart(10, '0');
  if (x.sign > 0) return '2' + len + x.int + x.frac;
  return '0' + complementDigits(len + x.int + x.frac) + ':';
}

/**
 * compareLines without preparing: each key is reduced only when the ones before it tie, and
 * only two keys are alive at a time (for keys too large to keep, see sort.ts).
 */
export function compareInPlace(a: string, b: string, order: SortOrder, check: () => void): number {
  const keys = order.keys;
  for (let i = 0; i < keys.length; i++) {
    check();
    const x = keyText(a, keys[i], order.tab);
    const y = keyText(b, keys[i], order.tab);
    if (x !== y) {
      const d = x < y ? -1 : 1;
      return keys[i].reverse ? -d : d;
    }
  }
  if (keys.length > 0 && order.noLastResort) return 0;
  const d = a < b ? -1 : a > b ? 1 : 0;
  return order.reverse ? -d : d;
}

export function compareLines(a: Prepared, b: Prepared, order: SortOrder): number {
  const keys = order.keys;
  for (let i = 0; i < keys.length; i++) {
    const x = a.keys[i];
    const y = b.keys[i];
    if (x !== y) {
      const d = x < y ? -1 : 1;
      return keys[i].reverse ? -d : d;
    }
  }
  if (keys.length > 0 && order.noLastResort) return 0;
  const d = a.line < b.line ? -1 : a.line > b.line ? 1 : 0;
  return order.reverse ? -d : d;
}
