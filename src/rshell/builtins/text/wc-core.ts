/**
 * wc's counters over a byte stream, chunk by chunk, with GNU wc's C.UTF-8 semantics (which
 * rshell follows): newlines (indexOf, the fast path), bytes, characters (valid UTF-8 code
 * points; invalid bytes are not characters), words (runs started by printable characters,
 * ended by white space including Unicode space separators; control characters and invalid
 * bytes neither start nor end a word) and the longest line in display columns.
 */
import { codePointWidth } from './width.js';

export interface WcWants {
  lines: boolean;
  words: boolean;
  chars: boolean;
  bytes: boolean;
  maxLine: boolean;
}

export interface WcCounts {
  lines: number;
  words: number;
  chars: number;
  bytes: number;
  maxLine: number;
}

export function zeroCounts(): WcCounts {
  return { lines: 0, words: 0, chars: 0, bytes: 0, maxLine: 0 };
}

/** What a character does to word splitting: end a word, start/continue one, or nothing. */
const SEPARATOR = 0;
const WORD = 1;
const TRANSPARENT = 2;

function asciiClass(c: number): number {
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return SEPARATOR;
  if (c < 0x20 || c === 0x7f) return TRANSPARENT;
  return WORD;
}
const ASCII_CLASS = Uint8Array.from({ length: 128 }, (_, c) => asciiClass(c));

function codePointClass(cp: number): number {
  if (cp < 0x80) return ASCII_CLASS[cp];
  if (cp < 0xa0) return TRANSPARENT; // C1 controls
  // Unicode space separators (Zs).
  if (cp === 0xa0 || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x202f || cp === 0x205f || cp === 0x3000) {
    return SEPARATOR;
  }
  // Unassigned code points are not printable: like controls, they neither start nor end words.
  return UNASSIGNED.test(String.fromCodePoint(cp)) ? TRANSPARENT : WORD;
}

const UNASSIGNED = /^\p{Cn}$/u;

export class WcCounter {
  readonly counts = zeroCounts();
  private inWord = false;
  // UTF-8 decoding state carried across chunks.
  private need = 0;
  private cp = 0;
  private lo = 0x80; // allowed range of the next continuation byte (rejects overlongs/surrogates)
  private hi = 0xbf;
  private col = 0;
  private readonly decode: boolean;

  constructor(private readonly wants: WcWants) {
    this.decode = wants.words || wants.chars || wants.maxLine;
  }

  push(chunk: Uint8Array): void {
    const c = this.counts;
    c.bytes += chunk.length;
    if (!this.decode) {
      if (this.wants.lines) for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) c.lines++;
      return;
    }
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.need > 0) {
        if (b >= this.lo && b <= this.hi) {
          this.cp = (this.cp << 6) | (b & 0x3f);
          this.lo = 0x80;
          this.hi = 0xbf;
          if (--this.need === 0) this.char(this.cp);
          continue;
        }
        // A broken sequence is no character at all; this byte starts afresh.
        this.need = 0;
        this.lo = 0x80;
        this.hi = 0xbf;
      }
      if (b < 0x80) this.char(b);
      else this.lead(b);
    }
  }

  private lead(b: number): void {
    if (b >= 0xc2 && b <= 0xdf) {
      this.need = 1;
      this.cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      this.need = 2;
      this.cp = b & 0x0f;
      if (b === 0xe0) this.lo = 0xa0;
      else if (b === 0xed) this.hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      this.need = 3;
      this.cp = b & 0x07;
      if (b === 0xf0) this.lo = 0x90;
      else if (b === 0xf4) this.hi = 0x8f;
    }
    // Anything else (stray continuation, 0xc0/0xc1, 0xf5+) is an invalid byte: ignored.
  }

  private char(cp: number): void {
    const c = this.counts;
    c.chars++;
    const cls = codePointClass(cp);
    if (cls === SEPARATOR) this.inWord = false;
    else if (cls === WORD && !this.inWord) {
      this.inWord = true;
      c.words++;
    }
    if (cp === 0x0a) {
      c.lines++;
      this.endLine();
    } else if (cp === 0x0d || cp === 0x0c) {
      this.endLine();
    } else if (cp === 0x09) {
      this.col += 8 - (this.col % 8);
    } else if (this.wants.maxLine) {
      this.col += codePointWidth(cp);
    }
  }

  private endLine(): void {
    if (this.col > this.counts.maxLine) this.counts.maxLine = this.col;
    this.col = 0;
  }

  /** End of this input: the last unterminated line still counts for -L. */
  finish(): WcCounts {
    this.need = 0;
    this.endLine();
    return this.counts;
  }
}
