/**
 * Recursive-descent parser for the Bash language as accepted by mvdan/sh v3.13 (default
 * Bash dialect), producing the node model of ./ast.ts with byte offsets.
 *
 * It recognises every construct rshell later rejects (arithmetic, `[[ ]]`, case, functions,
 * loops, arrays, parameter operators, …) so the validator can reject them by node type.
 * The lexer is folded into the parser: words are scanned character by character in the
 * quoting context the grammar is in, which keeps lexing linear and free of regexes.
 */
import type {
  ArithmExpr,
  ArrayElem,
  ArrayExpr,
  Assign,
  BinaryCmd,
  BinCmdOperator,
  Block,
  CallExpr,
  CaseClause,
  CaseItem,
  Command,
  CoprocClause,
  CStyleLoop,
  DeclClause,
  File,
  ForClause,
  FuncDecl,
  IfClause,
  LetClause,
  Lit,
  Redirect,
  RedirOperator,
  Stmt,
  Subshell,
  TestClause,
  TimeClause,
  WhileClause,
  Word,
  WordIter,
} from './ast.js';
import {
  NL,
  isBoundary,
  isDigit,
  isMeta,
  isNameChar,
  isNameStart,
  isValidName,
} from './chars.js';
import { ParseError } from './errors.js';
import { ArithParser } from './arith.js';
import { Ctx, ENDS_BRACE, NO_ENDS, WordParser, type ListResult, type SubParser } from './words.js';
import type { NodeBudget } from './scanner.js';
import { TestParser } from './testexpr.js';

export { ParseError } from './errors.js';

/** rshell's `MaxScriptBytes`. */
export const MAX_SCRIPT_BYTES = 5 * 1024 * 1024;
/** Nesting limit: deep enough for any real script, shallow enough to never overflow the stack. */
export const MAX_NESTING_DEPTH = 500;

export interface ParseOptions {
  /** Override the nesting limit (tests). */
  maxDepth?: number;
}

/** Parse a whole script (a bstr) into a File. Throws ParseError. */
export function parse(src: string, name = '', opts: ParseOptions = {}): File {
  if (src.length > MAX_SCRIPT_BYTES) {
    throw new ScriptTooLargeError(src.length);
  }
  const p = new Parser(src, opts.maxDepth ?? MAX_NESTING_DEPTH, 0);
  try {
    return p.file(name);
  } catch (e) {
    // Backstop for callers already deep in the stack: never leak a RangeError.
    if (e instanceof RangeError) throw new ParseError(src, Math.min(p.i, src.length), 'nesting too deep (stack exhausted)');
    throw e;
  }
}

/** Raised before parsing when the script exceeds rshell's size cap. */
export class ScriptTooLargeError extends Error {
  constructor(readonly size: number) {
    // rshell's ParseScript wording.
    super(
      `script size ${size} bytes exceeds maximum of ${MAX_SCRIPT_BYTES} bytes (${MAX_SCRIPT_BYTES / (1024 * 1024)} MiB); split the script into smaller pieces`,
    );
    this.name = 'ScriptTooLargeError';
  }
}

const STRAY_WORDS = new Map<string, string>([
  ['then', '`then` can only be used in an `if`'],
  ['elif', '`elif` can only be used in an `if`'],
  ['fi', '`fi` can only be used to end an `if`'],
  ['do', '`do` can only be used in a loop'],
  ['done', '`done` can only be used to end a loop'],
  ['esac', '`esac` can only be used to end a `case`'],
  ['}', '`}` can only be used to close a block'],
  [']]', '`]]` can only be used to close a test'],
]);

const COMPOUND_WORDS = new Set(['{', 'if', 'while', 'until', 'for', 'select', 'case', '[[', 'function']);

const DECL_WORDS = new Set(['declare', 'local', 'export', 'readonly', 'typeset', 'nameref']);

const ENDS_THEN = new Set(['then']);
const ENDS_IF_BODY = new Set(['elif', 'else', 'fi']);
const ENDS_DO = new Set(['do']);
const ENDS_DONE = new Set(['done']);
const ENDS_ESAC = new Set(['esac']);

export class Parser extends WordParser {
  constructor(src: string, maxDepth: number, depth: number, budget?: NodeBudget) {
    super(src, maxDepth, depth, budget);
  }

  protected subParser(inner: string): SubParser {
    return new Parser(inner, this.maxDepth, this.depth, this.budget);
  }

  // ---------------------------------------------------------------- file & lists

  file(name: string): File {
    const { stmts, last } = this.stmtList(NO_ENDS);
    if (this.i < this.n) {
      // Only `)` can stop a top-level list early.
      this.err(this.i, '`)` can only be used to close a subshell');
    }
    // Syntax errors of unfinished constructs win over a missing heredoc end (mvdan).
    if (this.hdocs.length > 0 && !this.backquoted) this.unclosedHdoc();
    return { type: 'File', pos: 0, end: this.n, name, stmts, last };
  }

  /**
   * A list of statements, ending at EOF, at `)` (inside parentheses), at a case-item
   * operator (inside case) or at one of the reserved words in `ends`.
   */
  stmtList(ends: ReadonlySet<string>): ListResult {
    const stmts: Stmt[] = [];
    for (;;) {
      this.skipSpace();
      if (this.i >= this.n) {
        break;
      }
      const c = this.c();
      if (c === 41) {
        if (this.parenDepth > 0) break;
        this.err(this.i, '`)` can only be used to close a subshell');
      }
      if (c === 59) {
        if (this.inCase > 0 && this.caseOpAt() !== null) break;
        const op = this.caseOpAt();
        if (op === ';;' || op === ';;&') this.err(this.i, `\`${op}\` can only be used in a case clause`);
        this.err(this.i, '`;` can only immediately follow a statement');
      }
      if ((c === 38 && this.c(1) !== 62) || c === 124) {
        const two = this.src.slice(this.i, this.i + 2);
        if (two === '|&') this.err(this.i, '`|&` is not a valid start for a statement');
        const op = two === '&&' || two === '||' ? two : String.fromCharCode(c);
        this.err(this.i, `\`${op}\` can only immediately follow a statement`);
      }
      const w = this.peekWord();
      if (w !== null) {
        if (ends.has(w)) break;
        const stray = STRAY_WORDS.get(w);
        if (stray !== undefined) this.err(this.i, stray);
      }
      const s = this.andOr();
      stmts.push(s);
      if (!this.stmtEnd(s)) break;
    }
    return { stmts, last: this.takeComments() };
  }

  /** `;;`, `;&`, `;;&` or `;|` at the cursor, or null. */
  private caseOpAt(): CaseItem['op'] | null {
    if (this.c() !== 59) return null;
    const c1 = this.c(1);
    if (c1 === 59) return this.c(2) === 38 ? ';;&' : ';;';
    if (c1 === 38) return ';&';
    if (c1 === 124) return ';|';
    return null;
  }

  /**
   * After a statement: consume its `;`/`&` terminator. Returns false when the list must
   * stop (a terminator of the enclosing construct follows).
   */
  private stmtEnd(s: Stmt): boolean {
    this.skipBlanks();
    const c = this.c();
    if (c === 59) {
      const op = this.caseOpAt();
      if (op !== null) {
        if (this.inCase > 0) return false;
        if (op === ';|') this.err(this.i + 1, '`|` can only immediately follow a statement');
        this.err(this.i, `\`${op}\` can only be used in a case clause`);
      }
      s.semicolon = this.i;
      this.i++;
      s.end = this.i;
      return true;
    }
    if (c === 38) {
      // `&&` was consumed by andOr; a lone `&` backgrounds the statement.
      s.semicolon = this.i;
      s.background = true;
      this.i++;
      s.end = this.i;
      return true;
    }
    if (c < 0 || c === NL || c === 35) return true;
    if (c === 41) {
      if (this.parenDepth > 0) return true;
      let last: Stmt = s;
      while (last.cmd?.type === 'BinaryCmd') last = last.cmd.y;
      if (last.cmd === null || last.cmd.type === 'CallExpr') {
        this.err(this.i, 'a command can only contain words and redirects; encountered `)`');
      }
      this.err(this.i, 'statements must be separated by &, ; or a newline');
    }
    if (this.endsCompound()) return true;
    this.err(this.i, 'statements must be separated by &, ; or a newline');
  }

  /** A compound command may be followed directly by a reserved word (`{ a; } fi`). */
  private endsCompound(): boolean {
    const w = this.peekWord();
    if (w === null) return false;
    return STRAY_WORDS.has(w) || w === 'else' || w === 'elif';
  }

  // ---------------------------------------------------------------- statements

  /** An and-or list: pipelines joined by `&&`/`||` (left-associative). */
  private andOr(): Stmt {
    let left = this.pipeline();
    for (;;) {
      this.skipBlanks();
      const c = this.c();
      const c1 = this.c(1);
      if (!((c === 38 && c1 === 38) || (c === 124 && c1 === 124))) break;
      const op: BinCmdOperator = c === 38 ? '&&' : '||';
      const opPos = this.i;
      this.i += 2;
      this.skipSpace();
      const right = this.pipelineOrNull();
      if (right === null) this.err(opPos, `\`${op}\` must be followed by a statement`);
      const cmd: BinaryCmd = { type: 'BinaryCmd', pos: left.pos, end: right.end, opPos, op, x: left, y: right };
      left = this.stmt(left.pos, cmd, right.end);
    }
    return left;
  }

  private stmt(pos: number, cmd: Command | null, end: number): Stmt {
    this.count(pos);
    return {
      type: 'Stmt',
      pos,
      end,
      comments: [],
      cmd,
      negated: false,
      background: false,
      coprocess: false,
      semicolon: -1,
      redirs: [],
    };
  }

  private pipeline(): Stmt {
    const s = this.pipelineOrNull();
    if (s === null) this.err(this.i, `\`${this.src[this.i]}\` can only immediately follow a statement`);
    return s;
  }

  /** `[!] cmd [| cmd]…` — pipes nest to the left, as in mvdan. */
  private pipelineOrNull(): Stmt | null {
    const pos = this.i;
    let negated = false;
    if (this.c() === 33 && this.peekWord() === '!') {
      negated = true;
      this.i++;
      this.skipBlanks();
      if (this.c() === 33 && this.peekWord() === '!') this.err(pos, 'cannot negate a command multiple times');
    }
    const comments = this.takeComments();
    const first = this.command();
    if (first === null) {
      if (negated) this.err(pos, '`!` cannot form a statement alone');
      return null;
    }
    first.comments = comments;
    const stages: Stmt[] = [first];
    const ops: { op: BinCmdOperator; pos: number }[] = [];
    for (;;) {
      this.skipBlanks();
      if (this.c() !== 124 || this.c(1) === 124) break;
      const opPos = this.i;
      const op: BinCmdOperator = this.c(1) === 38 ? '|&' : '|';
      if (op === '|&' && stages[stages.length - 1].cmd?.type === 'LetClause') {
        this.err(opPos, '`|` must be followed by a statement');
      }
      this.i += op.length;
      this.skipSpace();
      if (this.c() === 33 && this.peekWord() === '!') this.err(this.i, '`!` can only be used in full statements');
      const next = this.command();
      if (next === null) this.err(opPos, `\`${op}\` must be followed by a statement`);
      stages.push(next);
      ops.push({ op, pos: opPos });
    }
    // `a | b | c` is ((a | b) | c), as in mvdan (rshell's pipeline code relies on that shape).
    let s = stages[0];
    for (let k = 1; k < stages.length; k++) {
      const y = stages[k];
      const cmd: BinaryCmd = { type: 'BinaryCmd', pos: s.pos, end: y.end, opPos: ops[k - 1].pos, op: ops[k - 1].op, x: s, y };
      s = this.stmt(s.pos, cmd, y.end);
    }
    if (negated) {
      s.negated = true;
      s.pos = pos;
    }
    return s;
  }

  /** One command with its redirections, as a Stmt; null when nothing command-like is here. */
  private command(): Stmt | null {
    const pos = this.i;
    const c = this.c();
    if (c < 0 || c === NL || c === 59 || (c === 38 && this.c(1) !== 62) || c === 124 || c === 41) return null;
    const w = this.peekWord();
    let cmd: Command | null = null;
    if (c === 40 && this.c(1) === 41) {
      return this.anonymousFunc(pos);
    } else if (c === 40) {
      cmd = this.c(1) === 40 ? this.arithmCmd() : this.subshell();
    } else if (w !== null) {
      const stray = STRAY_WORDS.get(w);
      if (stray !== undefined) this.err(pos, stray);
      switch (w) {
        case '{':
          cmd = this.block();
          break;
        case 'if':
          cmd = this.ifClause();
          break;
        case 'while':
        case 'until':
          cmd = this.whileClause(w === 'until');
          break;
        case 'for':
        case 'select':
          cmd = this.forClause(w === 'select');
          break;
        case 'case':
          cmd = this.caseClause();
          break;
        case 'function':
          cmd = this.funcDeclKeyword();
          break;
        case '[[':
          cmd = this.testClause();
          break;
        case 'time':
          return this.timeClause();
        case 'coproc':
          return this.coprocClause();
        case 'let':
          return this.simple(pos, 'let');
        default:
          if (DECL_WORDS.has(w)) return this.simple(pos, 'decl');
      }
    }
    if (cmd === null) return this.simple(pos, 'call');
    const s = this.stmt(pos, cmd, cmd.end);
    this.trailingRedirs(s);
    return s;
  }

  /** Redirections after a compound command. */
  private trailingRedirs(s: Stmt): void {
    for (;;) {
      this.skipBlanks();
      const r = this.redirectAt();
      if (r === null) return;
      s.redirs.push(r);
      s.end = r.end;
    }
  }

  // ---------------------------------------------------------------- simple commands

  /**
   * Simple command (`kind` = call), or the declaration/let builtins whose arguments are
   * parsed as assignments/arithmetic. Assignments, words and redirections interleave.
   */
  private simple(pos: number, kind: 'call' | 'decl' | 'let', allowAssigns = true): Stmt | null {
    const s = this.stmt(pos, null, pos);
    const assigns: Assign[] = [];
    const args: Word[] = [];
    let variant: Lit | null = null;
    const exprs: ArithmExpr[] = [];
    let letPos = -1;
    if (kind !== 'call') {
      const start = this.i;
      const w = this.wordAt(start);
      this.skipWord();
      if (kind === 'decl') variant = this.lit(start, this.i, w?.value);
      else letPos = start;
      s.end = this.i;
    }
    for (;;) {
      this.skipBlanks();
      const c = this.c();
      if (c < 0 || c === NL || c === 59 || c === 124 || c === 41) break;
      if (c === 38 && this.c(1) !== 62) break; // `&`, `&&`; `&>` is a redirect
      if (kind === 'let') {
        // `let` words are arithmetic: `#` is no comment, digits start an expression.
        if (c === 35) this.err(this.i, 'statements must be separated by &, ; or a newline');
        if (c === 60 || c === 62 || (c === 38 && this.c(1) === 62)) {
          const r = this.redirectAt();
          if (r !== null) {
            s.redirs.push(r);
            s.end = r.end;
            continue;
          }
        }
        exprs.push(this.letExpr());
        s.end = this.i;
        continue;
      }
      if (c === 35) {
        // A comment ends the command, unless it ends in a line continuation (mvdan).
        if (!this.commentContinues()) break;
        this.skipComment();
        continue;
      }
      const r = this.redirectAt();
      if (r !== null) {
        s.redirs.push(r);
        s.end = r.end;
        continue;
      }
      if (c === 40) {
        if (this.c(1) === 40) this.err(this.i, '`((` can only be used to open an arithmetic cmd');
        if (kind === 'call' && assigns.length === 0 && args.length === 1) {
          return this.funcDeclParens(s, args[0]);
        }
        this.err(this.i, 'a command can only contain words and redirects; encountered `(`');
      }
      if (kind === 'decl' || (args.length === 0 && kind === 'call' && allowAssigns)) {
        const a = this.assignAt(kind === 'decl');
        if (a !== null) {
          // A node even without a value: 5 MiB of `a= b= …` was one statement of 890,000
          // uncounted assignments (a 164 MB tree, 4.5 s, then 890,000 empty variables).
          this.count(a.pos);
          assigns.push(a);
          s.end = a.end;
          continue;
        }
      }
      if (kind === 'call' && args.length === 0 && assigns.length === 0 && s.redirs.length > 0) {
        this.checkWordAfterRedirs(pos);
      }
      const wd = this.word(Ctx.Cmd);
      if (wd === null) break;
      if (kind === 'call' && args.length === 0) {
        // Checked once the word is parsed: errors inside it come first (mvdan).
        const arr = assigns.find((a) => a.index !== null || a.array !== null);
        if (arr !== undefined) this.err(arr.pos, 'inline variables cannot be arrays');
      }
      if (kind === 'decl') {
        this.checkDeclWord(wd);
        assigns.push(this.nakedAssign(wd));
      } else {
        args.push(wd);
      }
      s.end = wd.end;
    }
    if (kind === 'decl') {
      const d: DeclClause = { type: 'DeclClause', pos, end: s.end, variant: variant!, args: assigns };
      s.cmd = d;
      return s;
    }
    if (kind === 'let') {
      if (exprs.length === 0) this.err(letPos, '`let` must be followed by an expression');
      const l: LetClause = { type: 'LetClause', pos, end: exprs[exprs.length - 1].end, letPos, exprs };
      s.cmd = l;
      return s;
    }
    if (assigns.length === 0 && args.length === 0) {
      if (s.redirs.length === 0) return null;
      return s;
    }
    const first = assigns.length > 0 ? assigns[0].pos : args[0].pos;
    const last = args.length > 0 ? args[args.length - 1].end : assigns[assigns.length - 1].end;
    const call: CallExpr = { type: 'CallExpr', pos: first, end: last, assigns, args };
    s.cmd = call;
    return s;
  }

  /** After leading redirections, a reserved word is still a reserved word (mvdan). */
  private checkWordAfterRedirs(stmtPos: number): void {
    const w = this.peekWord();
    if (w === null && !(this.c() === 40)) return;
    if (w !== null) {
      const stray = STRAY_WORDS.get(w);
      if (stray !== undefined) this.err(this.i, stray);
    }
    if (this.c() === 40 || (w !== null && COMPOUND_WORDS.has(w))) {
      this.langErr(stmtPos, 'redirects before compound commands are a zsh feature');
    }
  }

  /** mvdan's "… is a X feature; tried parsing as bash" errors. */
  private langErr(pos: number, what: string): never {
    this.err(pos, `${what}; tried parsing as bash`);
  }

  /** In a declaration, `x=…` words must name a variable (`declare 1=2` is an error). */
  private checkDeclWord(wd: Word): void {
    const p0 = wd.parts[0];
    if (p0.type !== 'Lit') return;
    const eq = p0.value.indexOf('=');
    if (eq > 0) this.err(wd.pos, 'invalid var name');
  }

  private nakedAssign(wd: Word): Assign {
    const a: Assign = {
      type: 'Assign',
      pos: wd.pos,
      end: wd.end,
      append: false,
      naked: true,
      name: null,
      index: null,
      value: null,
      array: null,
    };
    const p0 = wd.parts[0];
    if (wd.parts.length === 1 && p0.type === 'Lit' && isValidName(p0.value)) a.name = p0;
    else a.value = wd;
    return a;
  }

  /** `let` arguments: each blank-separated word is one arithmetic expression. */
  private letExpr(): ArithmExpr {
    const ap = new ArithParser(this, 'let');
    return ap.expr();
  }

  /**
   * An assignment word at the cursor (`name=`, `name+=`, `name[i]=`, `name=(…)`), or null.
   * In a declaration (`decl`), a `name[i]` that is not followed by `=` is not an error.
   */
  private assignAt(decl: boolean): Assign | null {
    const s = this.src;
    const start = this.i;
    if (!isNameStart(this.c())) return null;
    // The name may be split by line continuations (`fo\<newline>o=bar`), which mvdan drops.
    let j = start + 1;
    let nameValue = '';
    let seg = start;
    const skipContinuations = () => {
      while (s.charCodeAt(j) === 92 && s.charCodeAt(j + 1) === NL && j + 1 < this.n) {
        nameValue += s.slice(seg, j);
        j += 2;
        seg = j;
      }
    };
    let nameEnd = j;
    for (;;) {
      skipContinuations();
      if (j < this.n && isNameChar(s.charCodeAt(j))) nameEnd = ++j;
      else break;
    }
    if (seg < nameEnd) nameValue += s.slice(seg, nameEnd);
    const name = this.lit(start, nameEnd, nameValue);
    // `=` or `+=` (continuations may sit between them), or an index first.
    const assignOp = (at: number): { eq: number; append: boolean } | null => {
      j = at;
      skipContinuations();
      if (s.charCodeAt(j) === 61 && j < this.n) return { eq: j, append: false };
      if (s.charCodeAt(j) !== 43) return null;
      j++;
      skipContinuations();
      return s.charCodeAt(j) === 61 && j < this.n ? { eq: j, append: true } : null;
    };
    const c = j < this.n ? s.charCodeAt(j) : -1;
    let index: ArithmExpr | null = null;
    let op: { eq: number; append: boolean } | null;
    if (c === 91) {
      // In assignment position `name[` always starts an index (mvdan), so `a[x` is an error.
      this.i = j + 1;
      index = new ArithParser(this, ']').exprOrNull();
      if (index === null) {
        if (this.c() === 91) this.err(this.i, '`[` must follow a name like a[i]');
        if (this.i >= this.n) this.err(j, 'reached EOF without matching `[` with `]`');
        this.err(j, '`[` must be followed by an expression');
      }
      if (this.c() !== 93) {
        if (this.i >= this.n) this.err(j, 'reached EOF without matching `[` with `]`');
        this.err(this.i, `not a valid arithmetic operator: \`${this.arithTokenText()}\``);
      }
      const close = this.i + 1;
      op = assignOp(close);
      if (op === null) {
        const after = close < this.n ? s.charCodeAt(close) : -1;
        if (decl && isBoundary(after) && after !== 60 && after !== 62) {
          // `declare a[1]`: a naked name with an index.
          this.i = close;
          return { type: 'Assign', pos: start, end: close, append: false, naked: true, name, index, value: null, array: null };
        }
        this.err(start, '`a[b]` must be followed by `=`');
      }
    } else {
      op = assignOp(j);
      if (op === null) {
        this.i = start;
        return null;
      }
    }
    const append = op.append;
    this.i = op.eq + 1; // past `=`
    const a: Assign = {
      type: 'Assign',
      pos: start,
      end: this.i,
      append,
      naked: false,
      name,
      index,
      value: null,
      array: null,
    };
    if (this.c() === 40) {
      if (index !== null) this.err(this.i, 'arrays cannot be nested');
      a.array = this.arrayExpr();
      a.end = a.array.end;
      return a;
    }
    const parts = this.wordParts(Ctx.Cmd); // `x=#y`: no comment inside a word
    if (parts.length > 0) {
      this.count(parts[0].pos);
      a.value = { type: 'Word', pos: parts[0].pos, end: this.i, parts };
      a.end = this.i;
    }
    return a;
  }

  private arrayExpr(): ArrayExpr {
    const lparen = this.i;
    this.enter(lparen);
    this.i++;
    // Like other `(`-lists, newlines inside do not release pending heredocs.
    const outer = this.hdocs;
    this.hdocs = [];
    const elems: ArrayElem[] = [];
    for (;;) {
      this.skipSpace();
      const c = this.c();
      if (c === 41) break;
      if (c < 0) this.err(lparen, 'reached EOF without matching `(` with `)`');
      const comments = this.takeComments();
      const pos = this.i;
      let index: ArithmExpr | null = null;
      if (c === 91) {
        // An element starting with `[` is always `[index]=value` (mvdan).
        this.i++;
        index = new ArithParser(this, ']').exprOrNull();
        if (index === null) this.err(pos, '`[` must be followed by an expression');
        if (this.c() !== 93) this.err(pos, `reached ${this.reachedName()} without matching \`[\` with \`]\``);
        this.i++;
        if (this.c() !== 61) this.err(pos, `\`${this.src.slice(pos, this.i)}\` must be followed by \`=\``);
        this.i++;
      }
      const value = this.word(Ctx.Cmd);
      if (value === null && index === null) {
        this.err(this.i, `array element values must be words`);
      }
      elems.push({
        type: 'ArrayElem',
        pos,
        end: value !== null ? value.end : this.i,
        index,
        value,
        comments,
      });
    }
    const rparen = this.i;
    this.i++;
    this.hdocs = outer.concat(this.hdocs);
    this.leave();
    return { type: 'ArrayExpr', pos: lparen, end: this.i, lparen, rparen, elems, last: this.takeComments() };
  }

  // ---------------------------------------------------------------- redirections

  /** A redirection at the cursor (with an optional fd number), or null. */
  private redirectAt(): Redirect | null {
    const s = this.src;
    const start = this.i;
    let j = start;
    while (j < this.n && isDigit(s.charCodeAt(j))) j++;
    let c = j < this.n ? s.charCodeAt(j) : -1;
    let n: Lit | null = null;
    if (j > start) {
      if (c !== 60 && c !== 62) return null;
      n = this.lit(start, j);
    }
    const c1 = j + 1 < this.n ? s.charCodeAt(j + 1) : -1;
    let op: RedirOperator;
    if (c === 60) {
      if (c1 === 40) return null; // `<(` process substitution is a word
      if (c1 === 60) {
        const c2 = s.charCodeAt(j + 2);
        op = c2 === 60 ? '<<<' : c2 === 45 ? '<<-' : '<<';
      } else if (c1 === 62) op = '<>';
      else if (c1 === 38) op = '<&';
      else op = '<';
    } else if (c === 62) {
      if (c1 === 40) return null; // `>(` process substitution is a word (`2>(…)` too)
      if (c1 === 62) op = '>>';
      else if (c1 === 38) op = '>&';
      else if (c1 === 124) op = '>|';
      else op = '>';
    } else if (c === 38 && c1 === 62 && n === null) {
      op = s.charCodeAt(j + 2) === 62 ? '&>>' : '&>';
    } else {
      return null;
    }
    const opPos = j;
    this.i = j + op.length;
    this.skipBlanks();
    const hdoc = op === '<<' || op === '<<-';
    const word = this.word(Ctx.Cmd);
    if (word === null) this.err(opPos, `\`${op}\` must be followed by a word`);
    const r: Redirect = { type: 'Redirect', pos: start, end: word.end, opPos, op, n, word, hdoc: null };
    if (hdoc) this.pendHdoc(r, word, op === '<<-');
    return r;
  }

  // ---------------------------------------------------------------- compound commands

  private subshell(): Subshell {
    const lparen = this.i;
    this.i++;
    const { stmts, last } = this.parenList(lparen, '(', true);
    return { type: 'Subshell', pos: lparen, end: this.i, lparen, rparen: this.i - 1, stmts, last };
  }

  private arithmCmd(): Command {
    const left = this.i;
    this.enter(left);
    this.i += 2;
    const x = new ArithParser(this, '))').exprOrNull();
    if (x === null) this.err(left, '`((` must be followed by an expression');
    if (this.c() !== 41 || this.c(1) !== 41) this.arithUnclosed(left, '((', '))');
    const right = this.i;
    this.i += 2;
    this.leave();
    return { type: 'ArithmCmd', pos: left, end: this.i, left, right, unsigned: false, x };
  }

  private block(): Block {
    const lbrace = this.i;
    this.enter(lbrace);
    this.skipWord();
    this.skipSpace();
    const c = this.c();
    if ((c === 59 && this.c(1) !== 59) || (c === 38 && this.c(1) !== 62) || c === 124) {
      this.err(lbrace, '`{` must be followed by a statement list');
    }
    const { stmts, last } = this.stmtList(ENDS_BRACE);
    if (stmts.length === 0) this.err(lbrace, '`{` must be followed by a statement list');
    if (!this.atWord('}')) this.err(lbrace, `reached ${this.reachedName()} without matching \`{\` with \`}\``);
    const rbrace = this.i;
    this.skipWord();
    this.leave();
    return { type: 'Block', pos: lbrace, end: this.i, lbrace, rbrace, stmts, last };
  }

  /** Parse a statement list that must be non-empty and end at one of `ends`. */
  /**
   * A statement list after keyword `kw` (at kwPos) that must be non-empty and end at one of
   * `ends`; `what` is reported at `endPos` (the construct's first keyword) otherwise.
   */
  private body(ends: ReadonlySet<string>, kwPos: number, kw: string, what: string, endPos = kwPos): ListResult {
    this.skipSpace();
    const c = this.c();
    if ((c === 59 && this.caseOpAt() === null) || (c === 38 && this.c(1) !== 62) || c === 124) {
      this.err(kwPos, `\`${kw}\` must be followed by a statement list`);
    }
    const res = this.stmtList(ends);
    if (res.stmts.length === 0) this.err(kwPos, `\`${kw}\` must be followed by a statement list`);
    const w = this.peekWord();
    if (w === null || !ends.has(w)) {
      this.err(endPos, what);
    }
    return res;
  }

  private ifClause(): IfClause {
    const pos = this.i;
    this.enter(pos);
    const clause = this.ifRest(pos, 'if', pos);
    this.leave();
    return clause;
  }

  /** `if`/`elif` … through the shared `fi`. */
  private ifRest(kwPos: number, kw: 'if' | 'elif', ifPos: number): IfClause {
    this.skipWord();
    const cond = this.body(ENDS_THEN, kwPos, kw, `\`${kw} <cond>\` must be followed by \`then\``);
    const thenPos = this.i;
    this.skipWord();
    const then = this.body(ENDS_IF_BODY, thenPos, 'then', '`if` statement must end with `fi`', ifPos);
    const clause: IfClause = {
      type: 'IfClause',
      pos: kwPos,
      end: 0,
      position: kwPos,
      thenPos,
      fiPos: -1,
      cond: cond.stmts,
      condLast: cond.last,
      then: then.stmts,
      thenLast: then.last,
      else_: null,
      last: [],
    };
    const w = this.peekWord();
    if (w === 'elif') {
      clause.else_ = this.ifRest(this.i, 'elif', ifPos);
      clause.fiPos = clause.else_.fiPos;
    } else if (w === 'else') {
      const elsePos = this.i;
      this.skipWord();
      const els = this.stmtList(new Set(['fi']));
      if (!this.atWord('fi')) this.err(ifPos, '`if` statement must end with `fi`');
      if (els.stmts.length === 0) this.err(elsePos, '`else` must be followed by a statement list');
      clause.fiPos = this.i;
      this.skipWord();
      clause.else_ = {
        type: 'IfClause',
        pos: elsePos,
        end: this.i,
        position: elsePos,
        thenPos: -1,
        fiPos: clause.fiPos,
        cond: [],
        condLast: [],
        then: els.stmts,
        thenLast: els.last,
        else_: null,
        last: [],
      };
    } else {
      clause.fiPos = this.i;
      this.skipWord();
    }
    clause.end = clause.fiPos + 2;
    return clause;
  }

  private whileClause(until: boolean): WhileClause {
    const whilePos = this.i;
    const kw = until ? 'until' : 'while';
    this.enter(whilePos);
    this.skipWord();
    const cond = this.body(ENDS_DO, whilePos, kw, `\`${kw} <cond>\` must be followed by \`do\``);
    const doPos = this.i;
    this.skipWord();
    const body = this.body(ENDS_DONE, doPos, 'do', `\`${kw}\` statement must end with \`done\``, whilePos);
    const donePos = this.i;
    this.skipWord();
    this.leave();
    return {
      type: 'WhileClause',
      pos: whilePos,
      end: this.i,
      whilePos,
      doPos,
      donePos,
      until,
      cond: cond.stmts,
      condLast: cond.last,
      do_: body.stmts,
      doLast: body.last,
    };
  }

  private forClause(select: boolean): ForClause {
    const forPos = this.i;
    const kw = select ? 'select' : 'for';
    this.enter(forPos);
    this.skipWord();
    this.skipBlanks();
    let loop: WordIter | CStyleLoop;
    if (!select && this.c() === 40 && this.c(1) === 40) {
      loop = this.cStyleLoop();
    } else {
      const nameStart = this.i;
      // mvdan takes a literal with backslash escapes too, escapes and all (`for \IFS in`).
      const word = this.wordAt(this.i, true);
      const w = word?.value ?? null;
      if (w === null) {
        const c = this.c();
        if (c < 0 || c === NL || isMeta(c) || c === 35) this.err(forPos, `\`${kw}\` must be followed by a literal`);
        this.err(forPos, `invalid ${kw} loop variable`);
      }
      const br = w.indexOf('[');
      if (br > 0 && isValidName(w.slice(0, br))) {
        // `for a[…`: mvdan reads `a[` as the start of an index, which a loop name cannot have.
        this.err(forPos, `\`${kw} foo\` must be followed by \`in\`, \`do\`, \`;\`, or a newline`);
      }
      this.i = word!.end;
      const name = this.lit(nameStart, this.i, w);
      const iter: WordIter = { type: 'WordIter', pos: nameStart, end: this.i, name, inPos: -1, items: [] };
      // `in` may follow on the same line or after newlines; `;` or a newline may precede `do`.
      this.skipBlanksComment();
      const save = this.i;
      this.skipSpace();
      if (this.atWord('in')) {
        iter.inPos = this.i;
        this.skipWord();
        iter.end = this.i;
        for (;;) {
          this.skipBlanks();
          const c = this.c();
          if (c < 0 || c === NL || c === 59 || c === 35) break;
          const procSubst = (c === 60 || c === 62) && this.c(1) === 40; // `<(…)` is a word
          if (!procSubst && (c === 38 || c === 124 || c === 41 || c === 40 || c === 60 || c === 62)) {
            this.err(this.i, 'word list can only contain words');
          }
          const wd = this.word(Ctx.Cmd);
          if (wd === null) break;
          iter.items.push(wd);
          iter.end = wd.end;
        }
        this.skipBlanksComment();
        if (this.c() === 59) this.i++;
        else if (this.c() !== NL && this.i < this.n) {
          this.err(forPos, `\`${kw} foo [in words]\` must be followed by \`do\``);
        }
      } else {
        if (this.i >= this.n || (this.c(0) !== 59 && this.src.charCodeAt(save) !== 59 && !this.atWord('do') && !this.atWord('{'))) {
          this.err(forPos, `\`${kw} foo\` must be followed by \`in\`, \`do\`, \`;\`, or a newline`);
        }
        this.i = save;
        const c = this.c();
        if (c === 59) this.i++;
        else if (c < 0 || (c !== NL && !this.atWord('do') && !this.atWord('{'))) {
          this.err(forPos, `\`${kw} foo\` must be followed by \`in\`, \`do\`, \`;\`, or a newline`);
        }
      }
      loop = iter;
    }
    return this.loopBody(forPos, kw, select, loop);
  }

  /** `do … done` or `{ … }` after a for/select header. */
  private loopBody(forPos: number, kw: string, select: boolean, loop: WordIter | CStyleLoop): ForClause {
    this.skipSpace();
    const clause: ForClause = {
      type: 'ForClause',
      pos: forPos,
      end: 0,
      forPos,
      doPos: this.i,
      donePos: -1,
      select,
      braces: false,
      loop,
      do_: [],
      doLast: [],
    };
    if (this.atWord('{')) {
      const b = this.block();
      clause.braces = true;
      clause.do_ = b.stmts;
      clause.doLast = b.last;
      clause.donePos = b.rbrace;
      clause.end = b.end;
    } else if (this.atWord('do')) {
      const doPos = this.i;
      this.skipWord();
      const body = this.body(ENDS_DONE, doPos, 'do', `\`${kw}\` statement must end with \`done\``, forPos);
      clause.do_ = body.stmts;
      clause.doLast = body.last;
      clause.donePos = this.i;
      this.skipWord();
      clause.end = this.i;
    } else {
      this.err(forPos, `\`${kw} foo [in words]\` must be followed by \`do\``);
    }
    this.leave();
    return clause;
  }

  private cStyleLoop(): CStyleLoop {
    const lparen = this.i;
    this.i += 2;
    const init = new ArithParser(this, ';').exprOrNull();
    if (this.c() !== 59) this.arithUnclosed(lparen, '((', '))');
    this.i++;
    const cond = new ArithParser(this, ';').exprOrNull();
    if (this.c() !== 59) this.arithUnclosed(lparen, '((', '))');
    this.i++;
    const post = new ArithParser(this, '))').exprOrNull();
    if (this.c() !== 41 || this.c(1) !== 41) this.arithUnclosed(lparen, '((', '))');
    const rparen = this.i;
    this.i += 2;
    this.skipBlanks();
    if (this.c() === 59) this.i++;
    return { type: 'CStyleLoop', pos: lparen, end: rparen + 2, lparen, rparen, init, cond, post };
  }

  private caseClause(): CaseClause {
    const casePos = this.i;
    this.enter(casePos);
    this.skipWord();
    this.skipBlanks();
    const word = this.word(Ctx.Cmd);
    if (word === null) this.err(casePos, '`case` must be followed by a word');
    this.skipSpace();
    if (this.c() === 123) {
      this.langErr(casePos, '`case i {` is a mksh feature');
    }
    if (!this.atWord('in')) this.err(casePos, '`case x` must be followed by `in`');
    const inPos = this.i;
    this.skipWord();
    const items: CaseItem[] = [];
    const saveParen = this.parenDepth;
    this.parenDepth = 0;
    this.inCase++;
    for (;;) {
      this.skipSpace();
      if (this.atWord('esac')) break;
      if (this.i >= this.n) this.err(casePos, '`case` statement must end with `esac`');
      items.push(this.caseItem(casePos));
    }
    this.inCase--;
    this.parenDepth = saveParen;
    const esacPos = this.i;
    this.skipWord();
    this.leave();
    return {
      type: 'CaseClause',
      pos: casePos,
      end: this.i,
      casePos,
      inPos,
      esacPos,
      braces: false,
      word,
      items,
      last: this.takeComments(),
    };
  }

  private caseItem(casePos: number): CaseItem {
    const comments = this.takeComments();
    const pos = this.i;
    if (this.c() === 40) {
      this.i++;
      this.skipBlanks();
    }
    const patterns: Word[] = [];
    for (;;) {
      const w = this.word(Ctx.Cmd);
      if (w === null) this.err(this.i, 'case patterns must consist of words');
      patterns.push(w);
      this.skipBlanks();
      if (this.c() === 124) {
        this.i++;
        this.skipBlanks();
        continue;
      }
      break;
    }
    if (this.c() !== 41) this.err(this.i, 'case patterns must be separated with `|`');
    this.i++;
    const saveParen = this.parenDepth;
    this.parenDepth = 0;
    // After a pattern's `)`, newlines do not release heredocs started before it (mvdan).
    const outer = this.hdocs;
    this.hdocs = [];
    const { stmts, last } = this.stmtList(ENDS_ESAC);
    this.hdocs = outer.concat(this.hdocs);
    this.parenDepth = saveParen;
    const item: CaseItem = {
      type: 'CaseItem',
      pos,
      end: this.i,
      op: ';;',
      opPos: -1,
      comments,
      patterns,
      stmts,
      last,
    };
    const op = this.caseOpAt();
    if (op !== null) {
      if (op === ';|') this.err(this.i, '`;` can only immediately follow a statement');
      item.op = op;
      item.opPos = this.i;
      this.i += op.length;
      item.end = this.i;
    } else if (!this.atWord('esac')) {
      this.err(casePos, '`case` statement must end with `esac`');
    }
    return item;
  }

  private funcDeclKeyword(): FuncDecl {
    const position = this.i;
    this.skipWord();
    this.skipBlanks();
    const nameStart = this.i;
    const w = this.peekWordLoose();
    if (w === null) this.err(position, '`function` must be followed by a name');
    this.i += w.length; // `function f{…}`: the name need not end at a boundary
    const name = this.lit(nameStart, this.i);
    this.skipBlanks();
    let parens = false;
    if (this.c() === 40) {
      this.i++;
      this.skipBlanks();
      if (this.c() !== 41) this.err(nameStart, '`foo(` must be followed by `)`');
      this.i++;
      parens = true;
    } else if (!isBoundary(this.c()) && this.c() !== 123 && !this.atWord('{')) {
      this.langErr(position, 'multi-name functions are a zsh feature');
    }
    const body = this.funcBody(position);
    return { type: 'FuncDecl', pos: position, end: body.end, position, rsrvWord: true, parens, name, body };
  }

  /** A function name: a literal word that may be followed directly by `(`. */
  private peekWordLoose(): string | null {
    const s = this.src;
    let j = this.i;
    while (j < this.n) {
      const c = s.charCodeAt(j);
      if (isBoundary(c) || c === 39 || c === 34 || c === 96 || c === 36 || c === 92) break;
      j++;
    }
    return j > this.i ? s.slice(this.i, j) : null;
  }

  /** `() cmd`: mvdan accepts a function with an empty name unless the body is a `{` block. */
  private anonymousFunc(pos: number): Stmt {
    this.i += 2;
    this.skipBlanks();
    if (this.atWord('{')) this.langErr(pos, 'anonymous functions are a zsh feature');
    const name = this.lit(pos, pos, '');
    const body = this.funcBody(pos);
    const fd: FuncDecl = { type: 'FuncDecl', pos, end: body.end, position: pos, rsrvWord: false, parens: true, name, body };
    return this.stmt(pos, fd, fd.end);
  }

  /** `name()` form: `first` is the name word; the cursor is at `(`. */
  private funcDeclParens(s: Stmt, first: Word): Stmt {
    const name = first.parts[0];
    if (first.parts.length !== 1 || name.type !== 'Lit') this.err(first.pos, 'invalid func name');
    this.i++;
    this.skipBlanks();
    if (this.c() !== 41) this.err(first.pos, '`foo(` must be followed by `)`');
    this.i++;
    const body = this.funcBody(first.pos);
    const fd: FuncDecl = {
      type: 'FuncDecl',
      pos: first.pos,
      end: body.end,
      position: first.pos,
      rsrvWord: false,
      parens: true,
      name,
      body,
    };
    s.cmd = fd;
    s.end = fd.end;
    return s;
  }

  private funcBody(pos: number): Stmt {
    this.skipSpace();
    this.enter(pos);
    const body = this.command();
    this.leave();
    // mvdan names every function `foo` in these messages.
    if (body === null) this.err(pos, '`foo()` must be followed by a statement');
    return body;
  }

  private testClause(): TestClause {
    const left = this.i;
    this.enter(left);
    this.skipWord();
    const tp = new TestParser(this, left);
    const x = tp.parse();
    const right = this.i;
    this.i += 2;
    this.leave();
    return { type: 'TestClause', pos: left, end: this.i, left, right, x };
  }

  /** Word inside `[[ ]]` (`regex` after `=~`). Exposed for the test-expression parser. */
  testWord(regex: boolean): Word | null {
    return this.word(regex ? Ctx.Regex : Ctx.Test);
  }

  private timeClause(): Stmt {
    const pos = this.i;
    this.skipWord();
    this.skipBlanks();
    let posixFormat = false;
    if (this.atWord('-p')) {
      posixFormat = true;
      this.skipWord();
      this.skipBlanks();
    }
    this.enter(pos);
    const inner = this.pipelineOrNull();
    this.leave();
    const t: TimeClause = { type: 'TimeClause', pos, end: inner ? inner.end : this.i, timePos: pos, posixFormat, stmt: inner };
    return this.stmt(pos, t, t.end);
  }

  private coprocClause(): Stmt {
    const pos = this.i;
    this.skipWord();
    this.skipBlanks();
    let name: Word | null = null;
    // `coproc NAME compound-command`: any word followed by a compound command names it.
    const w = this.peekWord();
    const c0 = this.c();
    if (!(w !== null && (COMPOUND_WORDS.has(w) || STRAY_WORDS.has(w) || w === '!')) && c0 !== 40) {
      const save = this.i;
      const wd = this.word(Ctx.Cmd);
      this.skipBlanks();
      const next = this.peekWord();
      if (wd !== null && (this.c() === 40 || (next !== null && COMPOUND_WORDS.has(next) && next !== 'function'))) {
        name = wd;
      } else if (wd !== null && next !== null && STRAY_WORDS.has(next)) {
        this.err(this.i, STRAY_WORDS.get(next)!); // mvdan reads the word after a candidate name as a keyword
      } else {
        this.i = save;
      }
    }
    if (this.c() === 33 && this.peekWord() === '!') this.err(this.i, '`!` can only be used in full statements');
    this.enter(pos);
    // A stray keyword after `coproc` is just a command name to mvdan (`coproc fi`).
    const w2 = this.peekWord();
    const simpleCmd = name === null && this.c() !== 40 && !(w2 !== null && COMPOUND_WORDS.has(w2));
    const inner = simpleCmd ? this.simple(this.i, 'call', false) : this.command();
    this.leave();
    if (inner === null) this.err(pos, 'coproc clause requires a command');
    const cp: CoprocClause = { type: 'CoprocClause', pos, end: inner.end, coprocPos: pos, name, stmt: inner };
    const s = this.stmt(pos, cp, cp.end);
    return s;
  }
}
