/**
 * `[[ … ]]` test expressions: recognised (rshell rejects them), never evaluated.
 * Grammar: or := and ('||' and)* ; and := not ('&&' not)* ; not := '!' not | primary ;
 * primary := '(' or ')' | UNARY word | word [BINARY word].
 */
import type { BinaryTest, ParenTest, TestExpr, UnaryTest, Word } from './ast.js';
import { isBoundary } from './chars.js';
import type { Parser } from './parser.js';

const UNARY_OPS = new Set([
  '-a', '-b', '-c', '-d', '-e', '-f', '-g', '-h', '-k', '-p', '-r', '-s', '-t', '-u', '-w',
  '-x', '-G', '-L', '-N', '-O', '-S', '-z', '-n', '-o', '-v', '-R',
]);

const BINARY_WORD_OPS = new Set([
  '==', '=', '!=', '=~', '-eq', '-ne', '-lt', '-le', '-gt', '-ge', '-nt', '-ot', '-ef',
]);

export class TestParser {
  constructor(
    private readonly p: Parser,
    private readonly left: number,
  ) {}

  /** Parses up to (not including) the closing `]]`. */
  parse(): TestExpr {
    const p: Parser = this.p;
    p.skipSpace();
    const c = p.c();
    if (this.atClose() || c === 60 || c === 62 || c === 41 || c === 38 || c === 124) {
      p.err(this.left, '`[[` must be followed by an expression');
    }
    const x = this.or();
    p.skipSpace();
    if (!this.atClose()) {
      if (p.i >= p.n) this.unclosed();
      if (this.tokenText() === ']]') p.err(p.i, 'test operator words must consist of a single literal');
      p.err(p.i, `not a valid test operator: \`${this.tokenText()}\``);
    }
    return x;
  }

  private unclosed(): never {
    this.p.err(this.left, 'reached EOF without matching `[[` with `]]`');
  }

  private atClose(): boolean {
    const p: Parser = this.p;
    // mvdan does not see `]]` directly before a closing backquote as the end of the test.
    if (p.backquoted && p.i + 2 >= p.n) return false;
    return p.c() === 93 && p.c(1) === 93 && isBoundary(p.c(2));
  }

  private tokenText(): string {
    const p: Parser = this.p;
    let j = p.i;
    while (j < p.n && !isBoundary(p.src.charCodeAt(j))) j++;
    if (j === p.i) j++;
    return p.src.slice(p.i, j);
  }

  private op2(): string | null {
    const p: Parser = this.p;
    const two = p.src.slice(p.i, p.i + 2);
    return two === '&&' || two === '||' ? two : null;
  }

  private or(): TestExpr {
    let x = this.and();
    for (;;) {
      this.p.skipSpace();
      if (this.op2() !== '||') return x;
      x = this.bin(x, '||', () => this.and());
    }
  }

  private and(): TestExpr {
    let x = this.not();
    for (;;) {
      this.p.skipSpace();
      if (this.op2() !== '&&') return x;
      x = this.bin(x, '&&', () => this.not());
    }
  }

  private bin(x: TestExpr, op: string, next: () => TestExpr): BinaryTest {
    const p: Parser = this.p;
    const opPos = p.i;
    p.i += 2;
    p.skipSpace();
    if (this.atClose() || p.i >= p.n || this.op2() !== null) p.err(opPos, `\`${op}\` must be followed by an expression`);
    const y = next();
    return { type: 'BinaryTest', pos: x.pos, end: y.end, opPos, op, x, y };
  }

  private not(): TestExpr {
    const p: Parser = this.p;
    if (p.c() === 33 && isBoundary(p.c(1))) {
      const opPos = p.i;
      p.i++;
      p.skipSpace();
      if (this.atClose() || p.i >= p.n) p.err(opPos, '`!` must be followed by an expression');
      p.enter(opPos);
      const x = this.not();
      p.leave();
      const u: UnaryTest = { type: 'UnaryTest', pos: opPos, end: x.end, opPos, op: '!', x };
      return u;
    }
    return this.primary();
  }

  private primary(): TestExpr {
    const p: Parser = this.p;
    if (p.c() === 40) {
      const lparen = p.i;
      p.i++;
      p.enter(lparen);
      p.skipSpace();
      const x = this.or();
      p.skipSpace();
      if (p.c() !== 41) {
        if (p.i >= p.n) p.err(lparen, 'reached EOF without matching `(` with `)`');
        p.err(lparen, `reached ${this.tokenKind()} without matching \`(\` with \`)\``);
      }
      p.i++;
      p.leave();
      const paren: ParenTest = { type: 'ParenTest', pos: lparen, end: p.i, lparen, rparen: p.i - 1, x };
      return paren;
    }
    const first = this.word(false);
    const v = litValue(first);
    if (v !== null && UNARY_OPS.has(v)) {
      p.skipSpace();
      const x = this.word(false);
      const u: UnaryTest = { type: 'UnaryTest', pos: first.pos, end: x.end, opPos: first.pos, op: v, x };
      return u;
    }
    p.skipBlanks();
    const op = this.binaryOp();
    if (op === null) return first;
    const opPos = p.i;
    p.i += op.length;
    p.skipSpace();
    const y = this.word(op === '=~');
    return { type: 'BinaryTest', pos: first.pos, end: y.end, opPos, op, x: first, y };
  }

  /** mvdan names the token kind in this message (`LitWord` for plain words). */
  private tokenKind(): string {
    const c = this.p.c();
    if (c === 38 || c === 124 || c === 59 || c === 60 || c === 62) return `\`${this.tokenText()}\``;
    return 'LitWord';
  }

  private binaryOp(): string | null {
    const p: Parser = this.p;
    const c = p.c();
    if (c === 60 || c === 62) return c === 60 ? '<' : '>';
    let j = p.i;
    while (j < p.n && !isBoundary(p.src.charCodeAt(j))) j++;
    const t = p.src.slice(p.i, j);
    return BINARY_WORD_OPS.has(t) ? t : null;
  }

  private word(regex: boolean): Word {
    const p: Parser = this.p;
    const w = p.testWord(regex);
    if (w === null) {
      if (p.i >= p.n) this.unclosed();
      p.err(p.i, `not a valid test operator: \`${this.tokenText()}\``);
    }
    return w;
  }
}

function litValue(w: Word): string | null {
  const p0 = w.parts[0];
  return w.parts.length === 1 && p0.type === 'Lit' ? p0.value : null;
}
