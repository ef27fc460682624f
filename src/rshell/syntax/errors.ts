/**
 * Parse errors in mvdan/sh v3.13's shape: `line:col: message`, where line and col are
 * 1-based and col counts bytes (the script is a bstr, so offsets are byte offsets).
 */
export class ParseError extends Error {
  readonly offset: number;
  readonly line: number;
  readonly col: number;
  /** The message without its position prefix. */
  readonly text: string;
  /** True when more input could complete the script (unterminated construct at EOF). */
  readonly incomplete: boolean;

  constructor(src: string, offset: number, text: string, incomplete = false) {
    const { line, col } = lineCol(src, offset);
    super(`${line}:${col}: ${text}`);
    this.name = 'ParseError';
    this.offset = offset;
    this.line = line;
    this.col = col;
    this.text = text;
    this.incomplete = incomplete;
  }

  override toString(): string {
    return this.message;
  }
}

/** 1-based line and byte column of `offset` in `src` (computed only when an error is raised). */
export function lineCol(src: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, src.length);
  for (let i = 0; i < end; i++) {
    if (src.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}
