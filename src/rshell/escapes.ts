/**
 * Backslash escape decoding shared by `echo -e`, printf's FORMAT, printf's `%b` and the
 * shell's `$'…'` (ANSI-C) quoting. The dialects differ only in octal syntax, `\c`, a few extra
 * letters and how bad `\u` is handled, so one decoder takes a dialect. Input and output are
 * bstr: `\xHH` and octal escapes emit raw bytes, `\u`/`\U` emit UTF-8.
 */

export type EscapeDialect = 'echo' | 'format' | 'b' | 'ansi';

export interface Decoded {
  /** The decoded bytes (bstr). */
  out: string;
  /** `\c` was seen: the caller must stop producing output. */
  stop: boolean;
  /** Warnings for stderr, each a full line (e.g. "missing unicode digit for \u"). */
  warnings: string[];
}

/** The byte each one-letter escape stands for. */
const SIMPLE = new Map<string, number>([
  ['\\', 0x5c],
  ['a', 0x07],
  ['b', 0x08],
  ['e', 0x1b],
  ['E', 0x1b],
  ['f', 0x0c],
  ['n', 0x0a],
  ['r', 0x0d],
  ['t', 0x09],
  ['v', 0x0b],
]);

const isOct = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);

/** Reads up to `max` digits accepted by `ok` starting at `i`: [value, count]. */
function digits(s: string, i: number, max: number, ok: (c: string | undefined) => boolean, base: number): [number, number] {
  let v = 0;
  let n = 0;
  while (n < max && ok(s[i + n])) {
    v = v * base + parseInt(s[i + n], base);
    n++;
  }
  return [v, n];
}

/** A code point as UTF-8 bytes (bstr); surrogates become U+FFFD like Go's string(rune). */
export function utf8Of(cp: number): string {
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  return Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1');
}

/** Writes the bstr `str` at `n` in `out`; returns the next offset. */
function put(out: Buffer, n: number, str: string): number {
  return n + out.write(str, n, 'latin1');
}

export function decodeEscapes(s: string, dialect: EscapeDialect): Decoded {
  // Written into a buffer, not appended to a string: a piece per escape made a rope of
  // millions of nodes for 5 MiB of `$'\n…'` (200 MB, most of a second past the deadline).
  // No escape decodes to more bytes than it is written with, so s.length always suffices.
  const out = Buffer.allocUnsafe(s.length);
  let n = 0;
  const warnings: string[] = [];
  let i = 0;
  while (i < s.length) {
    const bs = s.indexOf('\\', i);
    if (bs < 0) {
      n = put(out, n, s.slice(i));
      break;
    }
    n = put(out, n, s.slice(i, bs));
    i = bs + 1;
    if (i >= s.length) {
      out[n++] = 0x5c; // a trailing lone backslash stays
      break;
    }
    const c = s[i];
    const simple = SIMPLE.get(c);
    if (simple !== undefined) {
      out[n++] = simple;
      i++;
      continue;
    }
    if (c === 'c' && dialect === 'ansi') {
      // $'\cX': the control character of X (a bare trailing \c stays literal).
      if (i + 1 < s.length) {
        out[n++] = s.charCodeAt(i + 1) & 0x1f;
        i += 2;
      } else {
        n = put(out, n, '\\c');
        i++;
      }
      continue;
    }
    if (c === 'c' && dialect !== 'format') return { out: out.toString('latin1', 0, n), stop: true, warnings };
    if ((dialect === 'format' || dialect === 'ansi') && (c === '"' || c === "'" || c === '?')) {
      out[n++] = s.charCodeAt(i);
      i++;
      continue;
    }
    if (c === '0' && (dialect === 'echo' || dialect === 'b')) {
      // echo and %b: \0 followed by up to three octal digits.
      const [v, k] = digits(s, i + 1, 3, isOct, 8);
      out[n++] = v & 0xff;
      i += 1 + k;
      continue;
    }
    if (isOct(c) && dialect !== 'echo') {
      // FORMAT and $'…': \NNN with a leading 0 counting as a digit; %b: \NNN without 0.
      const [v, k] = digits(s, i, 3, isOct, 8);
      out[n++] = v & 0xff;
      i += k;
      continue;
    }
    if (c === 'x') {
      const [v, k] = digits(s, i + 1, 2, isHex, 16);
      if (k === 0) n = put(out, n, '\\x');
      else out[n++] = v;
      i += 1 + k;
      continue;
    }
    if (c === 'u' || c === 'U') {
      const [v, k] = digits(s, i + 1, c === 'u' ? 4 : 8, isHex, 16);
      i += 1 + k;
      if (k === 0) {
        n = put(out, n, '\\' + c);
        if (dialect === 'format' || dialect === 'b') warnings.push(`missing unicode digit for \\${c}`);
        continue;
      }
      if (v > 0x10ffff) {
        // echo and $'…' drop an out-of-range code point; printf prints U+FFFD (Go's string(rune)).
        if (dialect === 'format' || dialect === 'b') n = put(out, n, utf8Of(0xfffd));
        continue;
      }
      n = put(out, n, utf8Of(v));
      continue;
    }
    out[n++] = 0x5c;
    out[n++] = s.charCodeAt(i);
    i++;
  }
  return { out: out.toString('latin1', 0, n), stop: false, warnings };
}
