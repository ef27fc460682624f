/**
 * tr's SET language, GNU semantics in the C locale: backslash escapes, ranges, [:class:],
 * [=c=] and [c*n] repeats, and the checks GNU tr makes between the two sets.
 */
import { classBit, classBitsOf } from '../lib/char-classes.js';

export type SetElement =
  /** A run of plain bytes, `codes[from..to)` of the unescaped operand. */
  | { kind: 'chars'; codes: Uint8Array; from: number; to: number }
  | { kind: 'range'; a: number; b: number }
  | { kind: 'class'; name: string }
  | { kind: 'equiv'; c: number }
  | { kind: 'repeat'; c: number; n: number | null };

export class TrError extends Error {}

/**
 * Resolves backslash escapes; `escaped[i]` marks bytes that came from an escape. Operands
 * are byte strings. Typed arrays: as JS arrays, with an object per byte for the elements, a
 * 1 MiB operand took 184 ms and 71 MiB to parse, and twelve `tr "$x" "$x"` stages ran 4 s
 * in stretches of 0.75 s at +600 MiB.
 */
function unescape(s: string, warn: (w: string) => void): { codes: Uint8Array; escaped: Uint8Array } {
  const codes = new Uint8Array(s.length);
  const escaped = new Uint8Array(s.length);
  let len = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x5c || i + 1 >= s.length) {
      if (c === 0x5c) warn('an unescaped backslash at end of string is not portable');
      codes[len++] = c;
      continue;
    }
    const n = s[++i];
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (n in simple) {
      codes[len] = simple[n];
    } else if (n >= '0' && n <= '7') {
      let v = 0;
      let k = 0;
      const start = i;
      while (k < 3 && i < s.length && s[i] >= '0' && s[i] <= '7') {
        const next = v * 8 + (s.charCodeAt(i) - 48);
        if (next > 255) {
          // GNU reads \400-style escapes as two bytes and says so.
          const d = s.slice(start, start + 3);
          warn(`the ambiguous octal escape \\${d} is being\n\tinterpreted as the 2-byte sequence \\0${d.slice(0, 2)}, ${d[2]}`);
          break;
        }
        v = next;
        i++;
        k++;
      }
      i--;
      codes[len] = v;
    } else {
      codes[len] = s.charCodeAt(i);
    }
    escaped[len++] = 1;
  }
  return { codes: codes.subarray(0, len), escaped: escaped.subarray(0, len) };
}

function quote(s: string): string {
  return `'${s}'`;
}

/** GNU tr's REPEAT_COUNT_MAXIMUM + 1 (SIZE_MAX on 64-bit): the first count it refuses. */
const MAX_REPEAT = (1n << 64n) - 1n;

/** Parses one SET operand into its elements; `warn` receives GNU's portability warnings. */
export function parseSet(s: string, warn: (w: string) => void = () => {}): SetElement[] {
  const { codes, escaped } = unescape(s, warn);
  // Not String.fromCharCode(...codes): V8 refuses a spread of ~120k arguments (RangeError).
  const str = (a: number, b: number): string => Buffer.from(codes.slice(a, b)).toString('latin1');
  const out: SetElement[] = [];
  const len = codes.length;
  // A scan for a closing `:]`, `=]` or `]` that ran to the end fails from any later start
  // too: without these, each `[:` of 256 KiB of them scanned the rest (14–24 s of one stretch).
  const unclosed = { [0x3a]: false, [0x3d]: false, [0x5d]: false };
  let i = 0;
  while (i < len) {
    if (codes[i] === 0x5b && !escaped[i] && i + 1 < len) {
      const open = codes[i + 1];
      if ((open === 0x3a || open === 0x3d) && !escaped[i + 1] && !unclosed[open]) {
        let j = i + 2;
        while (j + 1 < len && !(codes[j] === open && codes[j + 1] === 0x5d && !escaped[j] && !escaped[j + 1])) j++;
        if (j + 1 < len && j >= i + 2) {
          const operand = str(i + 2, j);
          if (open === 0x3a) {
            if (classBit(operand) === undefined) throw new TrError(`invalid character class ${quote(operand)}`);
            out.push({ kind: 'class', name: operand });
          } else {
            if (j - (i + 2) !== 1) throw new TrError(`${operand}: equivalence class operand must be a single character`);
            out.push({ kind: 'equiv', c: codes[i + 2] });
          }
          i = j + 2;
          continue;
        }
        unclosed[open] = true;
      }
      if (i + 2 < len && codes[i + 2] === 0x2a && !escaped[i + 2] && !unclosed[0x5d]) {
        let k = i + 3;
        while (k < len && !(codes[k] === 0x5d && !escaped[k])) k++;
        if (k >= len) unclosed[0x5d] = true;
        if (k < len) {
          const digits = str(i + 3, k);
          let n: number | null = null;
          if (digits !== '') {
            const octal = digits.startsWith('0');
            // GNU refuses counts from SIZE_MAX up; parseInt would read 1e20 as a count.
            const significant = digits.replace(/^0+/, '');
            if (
              !(octal ? /^[0-7]+$/ : /^[0-9]+$/).test(digits) ||
              significant.length > 22 ||
              BigInt((octal ? '0o' : '') + (significant || '0')) >= MAX_REPEAT
            ) {
              throw new TrError(`invalid repeat count ${quote(digits)} in [c*n] construct`);
            }
            n = parseInt(digits, octal ? 8 : 10);
            if (n === 0) n = null;
          }
          out.push({ kind: 'repeat', c: codes[i + 1], n });
          i = k + 1;
          continue;
        }
      }
    }
    if (i + 2 < len && codes[i + 1] === 0x2d && !escaped[i + 1]) {
      const a = codes[i];
      const b = codes[i + 2];
      if (b < a) {
        throw new TrError(`range-endpoints of ${quote(str(i, i + 3))} are in reverse collating sequence order`);
      }
      out.push({ kind: 'range', a, b });
      i += 3;
      continue;
    }
    // Consecutive plain bytes are one element.
    const last = out[out.length - 1];
    if (last?.kind === 'chars' && last.to === i) last.to = i + 1;
    else out.push({ kind: 'chars', codes, from: i, to: i + 1 });
    i++;
  }
  return out;
}

/**
 * Most bytes a SET operand may have, and most positions an expanded set may hold. GNU tr
 * has no such bound, but `[b*999999999]` or a 16 MiB operand of ranges would otherwise be
 * materialised as a JS array: gigabytes, and the whole process killed for lack of memory.
 */
export const MAX_SET = 1 << 20;

export const setTooLarge = (): TrError => new TrError(`set too large (limit ${MAX_SET} characters)`);

/** Positions one element expands to (an indefinite repeat: `fill`), capped at `repeatCap`. */
export function elementSize(e: SetElement, fill = 0, repeatCap = Infinity): number {
  switch (e.kind) {
    case 'chars':
      return e.to - e.from;
    case 'equiv':
      return 1;
    case 'range':
      return e.b - e.a + 1;
    case 'class': {
      const bit = classBit(e.name)!;
      let n = 0;
      for (let c = 0; c < 256; c++) if (classBitsOf(c) & bit) n++;
      return n;
    }
    case 'repeat':
      return Math.min(e.n ?? fill, repeatCap);
  }
}

/**
 * Expands elements to bytes; an indefinite repeat expands to `fill` copies, and no repeat
 * to more than `repeatCap` (for SET2, whose positions past SET1's length are never used).
 * Refuses a set of more than MAX_SET positions before building it.
 */
export function expand(elements: SetElement[], fill = 0, repeatCap = Infinity): Uint8Array {
  let total = 0;
  for (const e of elements) {
    total += elementSize(e, fill, repeatCap);
    if (total > MAX_SET) throw setTooLarge();
  }
  const bytes = new Uint8Array(total);
  let len = 0;
  const out = { push: (c: number) => (bytes[len++] = c) };
  for (const e of elements) {
    switch (e.kind) {
      case 'chars':
        bytes.set(e.codes.subarray(e.from, e.to), len);
        len += e.to - e.from;
        break;
      case 'equiv':
        out.push(e.c);
        break;
      case 'range':
        for (let c = e.a; c <= e.b; c++) out.push(c);
        break;
      case 'class': {
        const bit = classBit(e.name)!;
        for (let c = 0; c < 256; c++) if (classBitsOf(c) & bit) out.push(c);
        break;
      }
      case 'repeat': {
        const n = Math.min(e.n ?? fill, repeatCap);
        bytes.fill(e.c, len, len + n);
        len += n;
        break;
      }
    }
  }
  return bytes;
}

/** Bytes not in `set`, ascending (for -c). */
export function complementOf(set: Uint8Array): Uint8Array {
  const inSet = new Uint8Array(256);
  for (const c of set) inSet[c] = 1;
  const out: number[] = [];
  for (let c = 0; c < 256; c++) if (!inSet[c]) out.push(c);
  return Uint8Array.from(out);
}
