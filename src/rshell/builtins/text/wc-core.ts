/**
 * wc's counters over a byte stream, chunk by chunk: newlines (indexOf, the fast path),
 * bytes, words (runs of non-whitespace, C-locale isspace), characters (UTF-8 code points,
 * each invalid byte counting as one, as Go decodes) and the longest line in display columns.
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

/** Bytes that are whitespace for word splitting: space, \t \n \v \f \r. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Length of the UTF-8 sequence a lead byte announces, or 0 when it cannot start one. */
function seqLen(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

export class WcCounter {
  readonly counts = zeroCounts();
  private inWord = false;
  // UTF-8 decoding state carried across chunks (for -m and -L).
  private need = 0;
  private have = 0;
  private cp = 0;
  private col = 0;

  constructor(private readonly wants: WcWants) {}

  push(chunk: Uint8Array): void {
    const w = this.wants;
    const c = this.counts;
    c.bytes += chunk.length;
    if (w.lines && !w.words && !w.chars && !w.maxLine) {
      for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) c.lines++;
      return;
    }
    if (w.lines || w.words) this.scanWords(chunk);
    if (w.chars || w.maxLine) this.scanChars(chunk);
  }

  private scanWords(chunk: Uint8Array): void {
    let lines = 0;
    let words = 0;
    let inWord = this.inWord;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 0x0a) {
        lines++;
        inWord = false;
      } else if (isSpace(b)) {
        inWord = false;
      } else if (!inWord) {
        inWord = true;
        words++;
      }
    }
    this.inWord = inWord;
    this.counts.lines += lines;
    this.counts.words += words;
  }

  private scanChars(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.need > 0) {
        if ((b & 0xc0) === 0x80) {
          this.cp = (this.cp << 6) | (b & 0x3f);
          this.have++;
          if (--this.need === 0) this.endChar(this.cp);
          continue;
        }
        this.breakSequence();
      }
      const n = seqLen(b);
      if (n === 1) {
        this.endChar(b);
      } else if (n === 0) {
        this.invalidByte();
      } else {
        this.need = n - 1;
        this.have = 1;
        this.cp = b & (0xff >> (n + 1));
      }
    }
  }

  /** An incomplete sequence: each of its bytes is one (invalid) character of width 0. */
  private breakSequence(): void {
    for (let k = 0; k < this.have; k++) this.invalidByte();
    this.need = 0;
    this.have = 0;
  }

  private invalidByte(): void {
    this.counts.chars++;
  }

  private endChar(cp: number): void {
    this.counts.chars++;
    this.have = 0;
    if (!this.wants.maxLine) return;
    if (cp === 0x0a || cp === 0x0d || cp === 0x0c) {
      if (this.col > this.counts.maxLine) this.counts.maxLine = this.col;
      this.col = 0;
    } else if (cp === 0x09) {
      this.col += 8 - (this.col % 8);
    } else {
      this.col += codePointWidth(cp);
    }
  }

  /** End of this input: flush a pending partial sequence and the last unterminated line. */
  finish(): WcCounts {
    if (this.need > 0) this.breakSequence();
    if (this.col > this.counts.maxLine) this.counts.maxLine = this.col;
    this.col = 0;
    return this.counts;
  }
}
