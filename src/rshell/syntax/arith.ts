/**
 * Arithmetic expressions (`$(( ))`, `(( ))`, `$[ ]`, indexes, slices, `let`, C-style for).
 * rshell rejects all of them, so they are only recognised, never evaluated; the parser
 * still builds mvdan's BinaryArithm/UnaryArithm/ParenArithm/Word nodes so shapes match.
 */
import type { ArithmExpr, BinaryArithm, ParenArithm, UnaryArithm, Word } from './ast.js';
import { NL, isValidName } from './chars.js';
import type { WordParser as Parser } from './words.js';

/**
 * What ends the expression: `))` (a `)` at depth 0), `]`, `:}` (slice offset), `}`,
 * `;` (C-style for header) or `let` (a blank or the end of the `let` statement).
 */
export type ArithStop = '))' | ']' | ':}' | '}' | ';' | 'let';

const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '<<=', '>>=', '&=', '^=', '|=']);

/** Binary operators by precedence level (low → high); assignment and `?:` are handled apart. */
const LEVELS: ReadonlyArray<ReadonlySet<string>> = [
  new Set(['||']),
  new Set(['&&']),
  new Set(['|']),
  new Set(['^']),
  new Set(['&']),
  new Set(['==', '!=']),
  new Set(['<', '>', '<=', '>=']),
  new Set(['<<', '>>']),
  new Set(['+', '-']),
  new Set(['*', '/', '%']),
];

/** Binding strength of binary operators (`,` loosest, `**` tightest), for error wording. */
const PRECEDENCE = new Map<string, number>([
  [',', 1],
  ...[...ASSIGN_OPS].map((op): [string, number] => [op, 2]),
  ['?', 3],
  [':', 3],
  ...LEVELS.flatMap((ops, k) => [...ops].map((op): [string, number] => [op, 4 + k])),
  ['**', 4 + LEVELS.length],
]);

const PREFIX_OPS = new Set(['!', '~', '+', '-', '++', '--', '(']);
const OPS3 = new Set(['<<=', '>>=']);
const OPS2 = new Set([
  '**', '++', '--', '<<', '>>', '<=', '>=', '==', '!=', '&&', '||',
  '+=', '-=', '*=', '/=', '%=', '&=', '^=', '|=',
]);
const OPS1 = new Set(['+', '-', '*', '/', '%', '<', '>', '=', '!', '~', '&', '^', '|', '?', ':', ',']);

/** Assignment and `++`/`--` targets: a plain name, optionally indexed (`a[i]`). */
function isAssignable(x: ArithmExpr): boolean {
  if (x.type !== 'Word' || x.parts.length !== 1) return false;
  const p0 = x.parts[0];
  if (p0.type !== 'Lit') return false;
  const v = p0.value;
  const br = v.indexOf('[');
  const name = br < 0 ? v : v.slice(0, br);
  if (br >= 0 && !v.endsWith(']')) return false;
  return isValidName(name);
}

export class ArithParser {
  private parens = 0;
  private tern = 0;

  /**
   * @param inBrace inside `${…}` (index or slice), where `}` ends the expression; elsewhere
   *   mvdan reads `}` as part of an operand.
   */
  constructor(
    private readonly p: Parser,
    private readonly stop: ArithStop,
    private readonly inBrace = stop === '}' || stop === ':}',
  ) {}

  /** A whole expression (comma level), or null if none starts here. */
  exprOrNull(): ArithmExpr | null {
    this.skip();
    if (this.atStop() || this.p.i >= this.p.n) return null;
    return this.comma();
  }

  /** A whole expression; it must exist (used by `let`). */
  expr(): ArithmExpr {
    this.skip();
    const op = this.peekOp();
    if (op !== null && !PREFIX_OPS.has(op)) this.p.err(this.p.i, 'statements must be separated by &, ; or a newline');
    const x = this.exprOrNull();
    if (x === null) this.p.err(this.p.i, 'statements must be separated by &, ; or a newline');
    return x;
  }

  private skip(): void {
    const p = this.p;
    const letTop = this.stop === 'let' && this.parens === 0;
    for (;;) {
      const c = p.c();
      if ((c === 32 || c === 9) && !letTop) p.i++;
      else if (c === 92 && p.c(1) === NL) p.i += 2;
      else if (c === NL && this.stop !== 'let') p.i++;
      else return;
    }
  }

  /** Is the cursor at the terminator of this expression? */
  private atStop(): boolean {
    const c = this.p.c();
    if (c < 0) return true;
    if (c === 41 && this.parens === 0) return true; // `)`
    switch (this.stop) {
      case ']':
        return c === 93;
      case ':}':
        return c === 125 || (c === 58 && this.tern === 0);
      case '}':
        return c === 125;
      case ';':
        return c === 59;
      case 'let':
        // `let` arguments are separate words: a blank ends the expression.
        return this.parens === 0 && (c === 32 || c === 9 || c === NL || c === 59);
      default:
        return false;
    }
  }

  /** The operator token at the cursor (longest match), or null. */
  private peekOp(): string | null {
    const p: Parser = this.p;
    const s = p.src;
    const i = p.i;
    if (i >= p.n) return null;
    const three = s.slice(i, i + 3);
    if (OPS3.has(three)) return three;
    const two = s.slice(i, i + 2);
    if (OPS2.has(two)) return two;
    const one = s[i];
    if (OPS1.has(one) || one === '(' || one === ')') return one;
    return null;
  }

  private must(x: ArithmExpr | null, op: string, opPos: number): ArithmExpr {
    if (x === null) this.p.err(opPos, `\`${op}\` must be followed by an expression`);
    return x;
  }

  /**
   * The right operand of `op` (binding strength `prec`). Like mvdan: when another operator
   * follows instead, a tighter one "must follow an expression", a looser one (or the end)
   * means `op` "must be followed by an expression".
   */
  private rhs(op: string, opPos: number, prec: number, parse: () => ArithmExpr): ArithmExpr {
    if (this.atStop()) return this.must(null, op, opPos);
    const next = this.peekOp();
    if (next !== null && !PREFIX_OPS.has(next)) {
      if ((PRECEDENCE.get(next) ?? 0) > prec) this.p.err(this.p.i, `\`${next}\` must follow an expression`);
      return this.must(null, op, opPos);
    }
    return parse();
  }

  private binary(opPos: number, op: string, x: ArithmExpr, y: ArithmExpr): BinaryArithm {
    this.p.count(opPos);
    return { type: 'BinaryArithm', pos: x.pos, end: y.end, opPos, op, x, y };
  }

  private comma(): ArithmExpr {
    let x = this.assign();
    for (;;) {
      this.skip();
      if (this.atStop() || this.peekOp() !== ',') return x;
      const opPos = this.p.i;
      this.p.i++;
      this.skip();
      const y = this.rhs(',', opPos, 1, () => this.assign());
      x = this.binary(opPos, ',', x, y);
    }
  }

  private assign(): ArithmExpr {
    const x = this.ternary();
    this.skip();
    if (this.atStop()) return x;
    const op = this.peekOp();
    if (op === null || !ASSIGN_OPS.has(op)) return x;
    const opPos = this.p.i;
    if (!isAssignable(x)) this.p.err(opPos, `\`${op}\` must follow a name`);
    this.p.i += op.length;
    this.skip();
    this.p.enter(this.p.i);
    const y = this.rhs(op, opPos, 2, () => this.assign());
    this.p.leave();
    return this.binary(opPos, op, x, y);
  }

  private ternary(): ArithmExpr {
    const cond = this.level(0);
    this.skip();
    if (this.atStop() || this.peekOp() !== '?') return cond;
    const qPos = this.p.i;
    this.p.i++;
    this.skip();
    this.tern++;
    this.p.enter(this.p.i);
    const yes = this.must(this.atStop() && this.p.c() !== 58 ? null : this.assignOrNull(), '?', qPos);
    this.skip();
    this.tern--;
    if (this.p.c() !== 58) this.p.err(qPos, 'ternary operator missing `:` after `?`');
    const cPos = this.p.i;
    this.p.i++;
    this.skip();
    const no = this.rhs(':', cPos, 3, () => this.assign());
    this.p.leave();
    return this.binary(qPos, '?', cond, this.binary(cPos, ':', yes, no));
  }

  private assignOrNull(): ArithmExpr | null {
    if (this.p.c() === 58) return null;
    return this.assign();
  }

  /** Left-associative binary levels; `**` (right-associative) sits below them. */
  private level(k: number): ArithmExpr {
    if (k >= LEVELS.length) return this.power();
    let x = this.level(k + 1);
    const ops = LEVELS[k];
    for (;;) {
      this.skip();
      if (this.atStop()) return x;
      const op = this.peekOp();
      if (op === null || !ops.has(op)) return x;
      const opPos = this.p.i;
      this.p.i += op.length;
      this.skip();
      const y = this.rhs(op, opPos, 4 + k, () => this.level(k + 1));
      x = this.binary(opPos, op, x, y);
    }
  }

  private power(): ArithmExpr {
    const x = this.unary();
    this.skip();
    if (this.atStop() || this.peekOp() !== '**') return x;
    const opPos = this.p.i;
    this.p.i += 2;
    this.skip();
    this.p.enter(this.p.i);
    const y = this.rhs('**', opPos, 4 + LEVELS.length, () => this.power());
    this.p.leave();
    return this.binary(opPos, '**', x, y);
  }

  private unary(): ArithmExpr {
    const p: Parser = this.p;
    const op = this.peekOp();
    if (op === '!' || op === '~' || op === '+' || op === '-' || op === '++' || op === '--') {
      const opPos = p.i;
      p.i += op.length;
      this.skip();
      if (op === '++' || op === '--') {
        // mvdan: the operand of a prefix ++/-- is a plain literal (inside backquotes, one
        // that runs into the closing backquote does not count).
        const w = p.c() === 40 ? null : p.arithWord(this.inBrace);
        const lit = w !== null && w.parts.length === 1 && w.parts[0].type === 'Lit' && !(p.backquoted && w.end >= p.n);
        if (!lit) p.err(opPos, `\`${op}\` must be followed by a literal`);
        this.checkFollow(w);
        const u: UnaryArithm = { type: 'UnaryArithm', pos: opPos, end: w.end, opPos, op, post: false, x: w };
        return u;
      }
      p.enter(opPos);
      const next = this.peekOp();
      const operandFollows = !this.atStop() && (next === null || PREFIX_OPS.has(next));
      const x = this.must(operandFollows ? this.unary() : null, op, opPos);
      p.leave();
      const u: UnaryArithm = { type: 'UnaryArithm', pos: opPos, end: x.end, opPos, op, post: false, x };
      return u;
    }
    let x = this.primary();
    // postfix ++/--
    const save = p.i;
    this.skip();
    const post = this.peekOp();
    if (post === '++' || post === '--') {
      const opPos = p.i;
      if (!isAssignable(x)) p.err(opPos, `\`${post}\` must follow a name`);
      p.i += 2;
      x = { type: 'UnaryArithm', pos: x.pos, end: p.i, opPos, op: post, post: true, x } as UnaryArithm;
    } else {
      p.i = save;
    }
    return x;
  }

  private primary(): ArithmExpr {
    const p: Parser = this.p;
    const c = p.c();
    if (c === 40) {
      const lparen = p.i;
      p.i++;
      p.enter(lparen, 2); // parentheses recurse through every precedence level
      this.parens++;
      const saveTern = this.tern;
      this.tern = 0;
      this.skip();
      if (p.c() === 41) p.err(lparen, '`(` must be followed by an expression');
      const x = this.comma();
      this.skip();
      this.tern = saveTern;
      this.parens--;
      if (p.c() !== 41) {
        if (p.i >= p.n) p.err(lparen, 'reached EOF without matching `(` with `)`');
        p.err(p.i, `not a valid arithmetic operator: \`${p.arithTokenText()}\``);
      }
      p.i++;
      p.leave(2);
      const paren: ParenArithm = { type: 'ParenArithm', pos: lparen, end: p.i, lparen, rparen: p.i - 1, x };
      return paren;
    }
    const w = p.arithWord(this.inBrace);
    if (w === null) {
      if (p.c() === 91) p.err(p.i, '`[` must follow a name like a[i]');
      const op = this.peekOp();
      if (op !== null && op !== '(' && op !== ')') {
        p.err(p.i, `\`${op}\` must follow ${ASSIGN_OPS.has(op) ? 'a name' : 'an expression'}`);
      }
      if (p.i >= p.n) p.err(p.i, 'unexpected EOF in arithmetic expression');
      p.err(p.i, `not a valid arithmetic operator: \`${p.arithTokenText()}\``);
    }
    this.checkFollow(w);
    return w;
  }

  /** After an operand, another operand cannot follow directly. */
  private checkFollow(_w: Word): void {
    const p: Parser = this.p;
    const save = p.i;
    this.skip();
    if (!this.atStop() && this.peekOp() === null) {
      p.err(p.i, `not a valid arithmetic operator: \`${p.arithTokenText()}\``);
    }
    p.i = save;
  }
}
