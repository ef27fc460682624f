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

const SIMPLE: Record<string, string> = {
  '\\': '\\',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

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

export function decodeEscapes(s: string, dialect: EscapeDialect): Decoded {
  let out = '';
  const warnings: string[] = [];
  let i = 0;
  while (i < s.length) {
    const bs = s.indexOf('\\', i);
    if (bs < 0) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, bs);
    i = bs + 1;
    if (i >= s.length) {
      out += '\\'; // a trailing lone backslash stays
      break;
    }
    const c = s[i];
    if (c in SIMPLE) {
      out += SIMPLE[c];
      i++;
      continue;
    }
    if (c === 'c' && dialect === 'ansi') {
      // $'\cX': the control character of X (a bare trailing \c stays literal).
      if (i + 1 < s.length) {
        out += String.fromCharCode(s.charCodeAt(i + 1) & 0x1f);
        i += 2;
      } else {
        out += '\\c';
        i++;
      }
      continue;
    }
    if (c === 'c' && dialect !== 'format') return { out, stop: true, warnings };
    if ((dialect === 'format' || dialect === 'ansi') && (c === '"' || c === "'" || c === '?')) {
      out += c;
      i++;
      continue;
    }
    if (c === '0' && (dialect === 'echo' || dialect === 'b')) {
      // echo and %b: \0 followed by up to three octal digits.
      const [v, n] = digits(s, i + 1, 3, isOct, 8);
      out += String.fromCharCode(v & 0xff);
      i += 1 + n;
      continue;
    }
    if (isOct(c) && dialect !== 'echo') {
      // FORMAT and $'…': \NNN with a leading 0 counting as a digit; %b: \NNN without 0.
      const [v, n] = digits(s, i, 3, isOct, 8);
      out += String.fromCharCode(v & 0xff);
      i += n;
      continue;
    }
    if (c === 'x') {
      const [v, n] = digits(s, i + 1, 2, isHex, 16);
      if (n === 0) out += '\\x';
      else out += String.fromCharCode(v);
      i += 1 + n;
      continue;
    }
    if (c === 'u' || c === 'U') {
      const [v, n] = digits(s, i + 1, c === 'u' ? 4 : 8, isHex, 16);
      i += 1 + n;
      if (n === 0) {
        out += '\\' + c;
        if (dialect === 'format' || dialect === 'b') warnings.push(`missing unicode digit for \\${c}`);
        continue;
      }
      if (v > 0x10ffff) {
        // echo and $'…' drop an out-of-range code point; printf prints U+FFFD (Go's string(rune)).
        if (dialect === 'format' || dialect === 'b') out += utf8Of(0xfffd);
        continue;
      }
      out += utf8Of(v);
      continue;
    }
    out += '\\' + c;
    i++;
  }
  return { out, stop: false, warnings };
}
