/**
 * Cursor, positions and low-level lexing shared by the parser layers: blanks, comments,
 * newlines (which release pending heredoc bodies), reserved-word lookahead, nesting depth.
 */
import type { Comment, Lit, Redirect } from './ast.js';
import { NL, isBoundary, isExtGlobStart } from './chars.js';
import { ParseError } from './errors.js';

export interface PendingHdoc {
  redir: Redirect;
  delim: string;
  quoted: boolean;
  dash: boolean;
}

/**
 * Syntax nodes one script may make. About 200–260 bytes of tree each, so the cap holds a
 * parse near 50 MB and half a second here; a 100-command script makes about 500.
 */
export const MAX_SYNTAX_NODES = 200_000;

export interface NodeBudget {
  left: number;
}

export abstract class Scanner {
  readonly src: string;
  /** Current offset. */
  i = 0;
  /** Scan limit (the script length, or the end of a heredoc body being parsed). */
  n: number;
  protected depth: number;
  protected readonly maxDepth: number;
  hdocs: PendingHdoc[] = [];
  protected comments: Comment[] = [];
  /**
   * Set on the sub-parser of a backquoted command: a heredoc started inside the backquotes
   * takes its body from the lines after them, so pending heredocs are handed back.
   */
  backquoted = false;
  /** Inside `case … in` item lists, where `;;`-style operators end statement lists. */
  protected inCase = 0;
  /** Inside a `$(`/`(`/`<(` list, where `)` ends statement lists. */
  protected parenDepth = 0;
  /** Nesting of `(`-lists, not reset by `case` (see the `#` rule in wordParts). */
  protected subDepth = 0;

  constructor(
    src: string,
    maxDepth: number,
    depth: number,
    /** Syntax nodes the whole script may still make; shared with the parsers of its `$(…)`. */
    protected readonly budget: NodeBudget = { left: MAX_SYNTAX_NODES },
  ) {
    this.src = src;
    this.n = src.length;
    this.maxDepth = maxDepth;
    this.depth = depth;
  }

  /**
   * Counts `n` syntax nodes (statements, words and their parts, arithmetic operators). The
   * size cap alone allows 5 MiB of `a;`, whose tree took 2.3 GB and 18 s to build; past the
   * budget the parse fails cleanly instead.
   */
  count(pos: number): void {
    if (--this.budget.left < 0) {
      this.err(pos, `script too complex: more than ${MAX_SYNTAX_NODES} commands, words and operators; split the script into smaller pieces`);
    }
  }

  // ---------------------------------------------------------------- helpers

  c(k = 0): number {
    const j = this.i + k;
    return j < this.n ? this.src.charCodeAt(j) : -1;
  }

  /** `parts.push(p)`, counted against the budget as it is made (one word may hold 800,000). */
  part<T extends { pos: number }>(parts: T[], p: T): void {
    this.count(p.pos);
    parts.push(p);
  }

  err(offset: number, text: string): never {
    throw new ParseError(this.src, offset, text);
  }

  /**
   * Count one level of nesting (`cost` > 1 for constructs that recurse through many
   * frames), failing cleanly long before the JS stack would overflow.
   */
  enter(pos: number, cost = 1): void {
    this.depth += cost;
    if (this.depth > this.maxDepth) {
      this.err(pos, `nesting too deep (limit ${this.maxDepth})`);
    }
  }

  leave(cost = 1): void {
    this.depth -= cost;
  }

  /** Skip blanks and line continuations (not newlines). */
  skipBlanks(): void {
    for (;;) {
      const c = this.c();
      if (c === 32 || c === 9) this.i++;
      else if (c === 92 && this.c(1) === NL) this.i += 2;
      else return;
    }
  }

  /** Skip a comment if one starts here (the caller knows we are at a word boundary). */
  protected skipComment(): boolean {
    if (this.c() !== 35) return false;
    const start = this.i;
    let j = this.src.indexOf('\n', start);
    if (j < 0 || j > this.n) j = this.n;
    // A comment stops before a line continuation, which then joins the lines (mvdan).
    else if (j > start && this.src.charCodeAt(j - 1) === 92) j--;
    this.comments.push({ type: 'Comment', pos: start, end: j, text: this.src.slice(start + 1, j) });
    this.i = j;
    return true;
  }

  /** Does the comment at the cursor end with `\` + newline? */
  protected commentContinues(): boolean {
    const j = this.src.indexOf('\n', this.i);
    return j > this.i && j < this.n && this.src.charCodeAt(j - 1) === 92;
  }

  /** Consume one newline, then any heredoc bodies it releases. */
  protected newline(): void {
    this.i++;
    if (this.hdocs.length > 0) this.readHdocBodies();
  }

  /** Skip blanks, comments and newlines (reading heredoc bodies on the way). */
  skipSpace(): void {
    for (;;) {
      this.skipBlanks();
      const c = this.c();
      if (c === NL) this.newline();
      else if (c === 35) this.skipComment();
      else return;
    }
  }

  /** Skip blanks and a trailing comment, but not the newline. */
  protected skipBlanksComment(): void {
    this.skipBlanks();
    this.skipComment();
  }

  protected takeComments(): Comment[] {
    if (this.comments.length === 0) return [];
    const c = this.comments;
    this.comments = [];
    return c;
  }

  /**
   * The plain literal word starting at `start` (no quotes, `$`, backquotes or escapes other
   * than line continuations, which mvdan removes before lexing), ending at a word boundary:
   * its value and raw end offset, or null. With `escapes`, backslash escapes are part of the
   * word, kept in its value as mvdan's Lit keeps them (`\IFS`).
   */
  wordAt(start: number, escapes = false): { value: string; end: number } | null {
    const s = this.src;
    let j = start;
    let value = '';
    let seg = start;
    while (j < this.n) {
      const c = s.charCodeAt(j);
      if (c === 92 && j + 1 < this.n && s.charCodeAt(j + 1) === NL) {
        value += s.slice(seg, j);
        j += 2;
        seg = j;
        continue;
      }
      if (escapes && c === 92 && j + 1 < this.n) {
        j += 2;
        continue;
      }
      if (isBoundary(c) || c === 39 || c === 34 || c === 96 || c === 36 || c === 92) break;
      j++;
    }
    value += s.slice(seg, j);
    if (value.length === 0) return null;
    const c = j < this.n ? s.charCodeAt(j) : -1;
    if (!isBoundary(c)) return null;
    const c1 = j + 1 < this.n ? s.charCodeAt(j + 1) : -1;
    // `!(pat)` is an extglob word, not negation; `x<(…)` continues the word.
    if (c === 40 && value.length === 1 && isExtGlobStart(value.charCodeAt(0)) && c1 !== 41) return null;
    if ((c === 60 || c === 62) && c1 === 40) return null;
    return { value, end: j };
  }

  /** The reserved-word candidate at the cursor (see wordAt), or null. */
  peekWord(): string | null {
    return this.wordAt(this.i)?.value ?? null;
  }

  /** Is the next word exactly the reserved word `w`? */
  protected atWord(w: string): boolean {
    if (this.src.charCodeAt(this.i) !== w.charCodeAt(0)) return false;
    return this.wordAt(this.i)?.value === w;
  }

  /** Consume the plain word at the cursor (a keyword the caller has recognised). */
  protected skipWord(): void {
    const w = this.wordAt(this.i);
    if (w !== null) this.i = w.end;
  }

  protected lit(pos: number, end: number, value?: string): Lit {
    return { type: 'Lit', pos, end, value: value ?? this.src.slice(pos, end) };
  }

  /** The end of input as mvdan names it: EOF, or the closing backquote inside backquotes. */
  eofName(): string {
    return this.backquoted ? '"`"' : 'EOF';
  }

  /** How mvdan names the token a construct was cut short by: EOF, a closing backquote, or `x`. */
  reachedName(): string {
    if (this.i >= this.n) return this.backquoted ? '"`"' : 'EOF';
    return `\`${this.src[this.i]}\``;
  }

  protected charAt(j: number): string {
    return j < this.n ? this.src[j] : 'EOF';
  }

  /** Reads the bodies of all pending heredocs, starting at the current line. */
  protected abstract readHdocBodies(): void;
}
