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
  /**
   * The letter (`u` or `U`) of each `\u`/`\U` without a digit, in order: printf warns
   * "missing unicode digit for \u" for each. Letters, not messages: a 16 MiB word holds
   * 8 million of them, and an array of messages took a second and 64 MB to fill.
   */
  badUnicode: string;
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

const isOct = (c: number): boolean => c >= 0x30 && c <= 0x37;
const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);

/** Digits read by the last `digits` call (a module variable: no tuple per escape). */
let scanned = 0;

/** The value of up to `max` digits accepted by `ok` starting at `i`; their count in `scanned`. */
function digits(s: string, i: number, max: number, ok: (c: number) => boolean, base: number): number {
  let v = 0;
  let n = 0;
  while (n < max && i + n < s.length && ok(s.charCodeAt(i + n))) {
    v = v * base + parseInt(s[i + n], base);
    n++;
  }
  scanned = n;
  return v;
}

/** A code point as UTF-8 bytes (bstr); surrogates become U+FFFD like Go's string(rune). */
export function utf8Of(cp: number): string {
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  return Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1');
}

/** Reused for every word that fits (decoding is synchronous, and the result is copied out). */
const SCRATCH_BYTES = 64 * 1024;
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

export function decodeEscapes(s: string, dialect: EscapeDialect): Decoded {
  // One buffer, never longer than the input (no escape decodes to more bytes than it is
  // written with): a string grown by += was a rope of one piece per escape, 370 MB and
  // 1.7 s for a 16 MiB word.
  if (s.indexOf('\\') < 0) return { out: s, stop: false, badUnicode: '' };
  const buf = s.length <= SCRATCH_BYTES ? scratch : Buffer.allocUnsafe(s.length);
  let o = 0;
  let bad: Buffer | null = null;
  let nbad = 0;
  let stop = false;
  let i = 0;
  while (i < s.length) {
    const bs = s.indexOf('\\', i);
    if (bs < 0) {
      o += buf.write(s.slice(i), o, 'latin1');
      break;
    }
    // A short loop beats a native call for the few bytes between close escapes.
    if (bs - i > 16) o += buf.write(s.slice(i, bs), o, 'latin1');
    else for (let k = i; k < bs; k++) buf[o++] = s.charCodeAt(k);
    i = bs + 1;
    if (i >= s.length) {
      buf[o++] = 0x5c; // a trailing lone backslash stays
      break;
    }
    const c = s[i];
    if (c in SIMPLE) {
      buf[o++] = SIMPLE[c].charCodeAt(0);
      i++;
      continue;
    }
    if (c === 'c' && dialect === 'ansi') {
      // $'\cX': the control character of X (a bare trailing \c stays literal).
      if (i + 1 < s.length) {
        buf[o++] = s.charCodeAt(i + 1) & 0x1f;
        i += 2;
      } else {
        o += buf.write('\\c', o, 'latin1');
        i++;
      }
      continue;
    }
    if (c === 'c' && dialect !== 'format') {
      stop = true;
      break;
    }
    if ((dialect === 'format' || dialect === 'ansi') && (c === '"' || c === "'" || c === '?')) {
      buf[o++] = c.charCodeAt(0);
      i++;
      continue;
    }
    if (c === '0' && (dialect === 'echo' || dialect === 'b')) {
      // echo and %b: \0 followed by up to three octal digits.
      const v = digits(s, i + 1, 3, isOct, 8);
      buf[o++] = v & 0xff;
      i += 1 + scanned;
      continue;
    }
    if (isOct(s.charCodeAt(i)) && dialect !== 'echo') {
      // FORMAT and $'…': \NNN with a leading 0 counting as a digit; %b: \NNN without 0.
      const v = digits(s, i, 3, isOct, 8);
      buf[o++] = v & 0xff;
      i += scanned;
      continue;
    }
    if (c === 'x') {
      const v = digits(s, i + 1, 2, isHex, 16);
      const n = scanned;
      if (n === 0) {
        buf[o++] = 0x5c;
        buf[o++] = 0x78;
      } else buf[o++] = v;
      i += 1 + n;
      continue;
    }
    if (c === 'u' || c === 'U') {
      const v = digits(s, i + 1, c === 'u' ? 4 : 8, isHex, 16);
      const n = scanned;
      i += 1 + n;
      if (n === 0) {
        buf[o++] = 0x5c;
        buf[o++] = s.charCodeAt(i - 1);
        if (dialect === 'format' || dialect === 'b') {
          bad ??= Buffer.allocUnsafe(s.length >> 1); // each took two characters
          bad[nbad++] = s.charCodeAt(i - 1);
        }
        continue;
      }
      if (v > 0x10ffff) {
        // echo and $'…' drop an out-of-range code point; printf prints U+FFFD (Go's string(rune)).
        if (dialect === 'format' || dialect === 'b') o += buf.write(utf8Of(0xfffd), o, 'latin1');
        continue;
      }
      o += buf.write(utf8Of(v), o, 'latin1');
      continue;
    }
    buf[o++] = 0x5c;
    buf[o++] = s.charCodeAt(i);
    i++;
  }
  return { out: buf.toString('latin1', 0, o), stop, badUnicode: bad === null ? '' : bad.toString('latin1', 0, nbad) };
}
