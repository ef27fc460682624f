/**
 * The word layer of the parser: unquoted runs, quotes, every `$` expansion, command,
 * process and arithmetic substitutions, backquotes and heredoc bodies. Statement lists
 * inside substitutions come from the statement layer (./parser.ts) through `stmtList`.
 */
import type {
  ArithmExp,
  ArithmExpr,
  CmdSubst,
  Comment,
  DblQuoted,
  ExtGlob,
  File,
  GlobOperator,
  Lit,
  ParamExp,
  ParExpOperator,
  ProcSubst,
  Redirect,
  SglQuoted,
  Stmt,
  Word,
  WordPart,
} from './ast.js';
import { ArithParser, type ArithStop } from './arith.js';
import { NL, isBoundary, isDigit, isExtGlobStart, isMeta, isNameChar, isNameStart, isSpecialParam } from './chars.js';
import { ParseError } from './errors.js';
import { remapPositions } from './remap.js';
import { Scanner, type PendingHdoc } from './scanner.js';

/** Word-scanning contexts: which characters end an unquoted run. */
export const Ctx = {
  /** Ordinary command word: ends at blanks, newlines and metacharacters. */
  Cmd: 0,
  /** Word inside `${x op word}`: ends at `}`; blanks and metacharacters are literal. */
  Param: 1,
  /** Pattern of `${x/pattern/repl}`: ends at `/` or `}`. */
  ReplOrig: 2,
  /** Word inside `[[ ]]`: like Cmd. */
  Test: 3,
  /** Right-hand side of `=~` in `[[ ]]`: parentheses and `|` are part of the regex. */
  Regex: 4,
} as const;
export type Ctx = (typeof Ctx)[keyof typeof Ctx];

export const NO_ENDS: ReadonlySet<string> = new Set();
export const ENDS_BRACE: ReadonlySet<string> = new Set(['}']);

export interface ListResult {
  stmts: Stmt[];
  last: Comment[];
}

/** What the word layer needs from a parser of its own kind (for backquoted bodies). */
export interface SubParser {
  backquoted: boolean;
  hdocs: PendingHdoc[];
  file(name: string): File;
}

export abstract class WordParser extends Scanner {
  /** A statement list ending at EOF, `)` (inside parentheses) or one of `ends`. */
  abstract stmtList(ends: ReadonlySet<string>): ListResult;
  /** A parser for an unescaped backquoted body, sharing this one's depth budget. */
  protected abstract subParser(src: string): SubParser;

  protected unclosedHdoc(): never {
    const h = this.hdocs[0];
    this.err(h.redir.opPos, `unclosed here-document \`${h.delim}\``);
  }

  protected pendHdoc(r: Redirect, word: Word, dash: boolean): void {
    let delim = '';
    let quoted = false;
    for (const p of word.parts) {
      switch (p.type) {
        case 'Lit': {
          const v = p.value;
          for (let k = 0; k < v.length; k++) {
            if (v.charCodeAt(k) === 92 && k + 1 < v.length) {
              quoted = true;
              k++;
            }
            delim += v[k];
          }
          break;
        }
        case 'SglQuoted':
          delim += p.value;
          break;
        case 'DblQuoted':
          for (const q of p.parts) {
            if (q.type !== 'Lit') this.err(q.pos, 'expansions not allowed in heredoc words');
            delim += q.value;
          }
          break;
        default:
          this.err(p.pos, 'expansions not allowed in heredoc words');
      }
    }
    // mvdan treats the body as quoted (no expansions) when a backslash appears or the
    // delimiter ends in a quoted part: `'E'OF` and `E"O"F` bodies are still parsed.
    const lastPart = word.parts[word.parts.length - 1];
    if (lastPart.type === 'SglQuoted' || lastPart.type === 'DblQuoted') quoted = true;
    this.hdocs.push({ redir: r, delim, quoted, dash });
  }

  /** Read the bodies of all pending heredocs, starting at the current line. */
  protected readHdocBodies(): void {
    const pending = this.hdocs;
    this.hdocs = [];
    const s = this.src;
    for (const h of pending) {
      const bodyStart = this.i;
      let j = bodyStart;
      let bodyEnd = -1;
      // In an unquoted body, a line ending in an odd run of backslashes continues onto the
      // next, which therefore cannot close the heredoc (bash, mvdan). mvdan's quirk, kept:
      // after a lone backslash (its escaped newline), a `<<-` line starting with a tab still
      // closes it; after a run of three or more its lexer takes the newline as the escaped
      // byte, and nothing closes there.
      let continued: 'no' | 'lone' | 'run' = 'no';
      while (j < this.n) {
        let lineEnd = s.indexOf('\n', j);
        if (lineEnd < 0 || lineEnd > this.n) lineEnd = this.n;
        let k = j;
        if (h.dash) while (k < lineEnd && s.charCodeAt(k) === 9) k++;
        const candidate = continued === 'no' || (continued === 'lone' && k > j);
        if (candidate && lineEnd - k === h.delim.length && s.startsWith(h.delim, k)) {
          bodyEnd = j;
          this.i = lineEnd < this.n ? lineEnd + 1 : lineEnd;
          break;
        }
        if (!h.quoted && lineEnd < this.n) {
          let b = lineEnd;
          while (b > j && s.charCodeAt(b - 1) === 92) b--;
          const run = lineEnd - b;
          continued = run % 2 === 0 ? 'no' : run === 1 ? 'lone' : 'run';
        }
        j = lineEnd + 1;
      }
      if (bodyEnd < 0) {
        // mvdan parses the body up to EOF first, so errors inside it win.
        this.hdocBody(bodyStart, this.n, h);
        this.hdocs = [h];
        this.unclosedHdoc();
      }
      h.redir.hdoc = this.hdocBody(bodyStart, bodyEnd, h);
    }
  }

  protected hdocBody(start: number, end: number, h: PendingHdoc): Word {
    if (h.quoted) {
      const parts: WordPart[] = [];
      if (end > start) {
        const value = h.dash ? stripTabs(this.src.slice(start, end)) : this.src.slice(start, end);
        this.part(parts, this.lit(start, end, value));
      }
      return { type: 'Word', pos: start, end, parts };
    }
    const saveI = this.i;
    const saveN = this.n;
    this.i = start;
    this.n = end;
    const parts = this.quotedParts(-1, h.dash);
    this.i = saveI;
    this.n = saveN;
    this.count(start);
    return { type: 'Word', pos: start, end, parts };
  }

  // ---------------------------------------------------------------- words

  /** A word at the cursor in context `ctx`, or null if no word starts here. */
  word(ctx: Ctx): Word | null {
    // At a word start, `#` begins a comment.
    if (this.c() === 35 && (ctx === Ctx.Cmd || ctx === Ctx.Test)) return null;
    const parts = this.wordParts(ctx);
    if (parts.length === 0) {
      // A word made only of line continuations is no word.
      return null;
    }
    this.count(parts[0].pos);
    return { type: 'Word', pos: parts[0].pos, end: this.i, parts };
  }

  /** Unquoted word parts; stops at the first character that ends a word in `ctx`. */
  wordParts(ctx: Ctx): WordPart[] {
    const s = this.src;
    const parts: WordPart[] = [];
    let litStart = -1; // start of the pending literal run
    let litVal = ''; // completed segments of the literal (line continuations removed)
    let segStart = -1;
    const flush = (end: number) => {
      if (litStart < 0) return;
      const value = litVal + s.slice(segStart, end);
      this.part(parts, { type: 'Lit', pos: litStart, end, value });
      litStart = -1;
      litVal = '';
    };
    const litChar = (k: number) => {
      if (litStart < 0) {
        litStart = this.i;
        segStart = this.i;
      }
      this.i += k;
    };
    let parenDepth = 0; // Regex context: parentheses are part of the pattern
    for (;;) {
      const c = this.c();
      if (c < 0) break;
      if (ctx === Ctx.Cmd || ctx === Ctx.Test || ctx === Ctx.Regex) {
        if (c === 32 || c === 9 || c === NL) {
          if (ctx !== Ctx.Regex || parenDepth === 0) break;
          if (c === NL) break;
          // A blank before `]]` ends the regex even inside parentheses (mvdan).
          if (this.c(1) === 93 && this.c(2) === 93 && isBoundary(this.c(3))) break;
          litChar(1);
          continue;
        }
        if (c === 35 && litStart < 0 && parts.length > 0 && ctx === Ctx.Cmd && (this.subDepth > 0 || this.inCase > 0 || this.backquoted)) {
          // mvdan quirk: inside `( )`, `$( )`, backquotes and case items, a `#` right after
          // a quoted or expanded part starts a comment.
          break;
        }
        if (isMeta(c)) {
          const c1 = this.c(1);
          if ((c === 60 || c === 62) && c1 === 40 && ctx !== Ctx.Regex) {
            flush(this.i);
            this.part(parts, this.procSubst());
            continue;
          }
          if (ctx === Ctx.Regex) {
            if (c === 40) {
              parenDepth++;
              litChar(1);
              continue;
            }
            if (c === 41 && parenDepth > 0) {
              parenDepth--;
              litChar(1);
              continue;
            }
            if (c === 124 || ((c === 60 || c === 62) && parenDepth > 0)) {
              litChar(1);
              continue;
            }
          }
          break;
        }
      } else if (c === 125) {
        break; // `}` ends a parameter-expansion word
      } else if (c === 47 && ctx === Ctx.ReplOrig) {
        break;
      }
      switch (c) {
        case 39: // '
          flush(this.i);
          this.part(parts, this.sglQuoted(false));
          continue;
        case 34: // "
          flush(this.i);
          this.part(parts, this.dblQuoted(false));
          continue;
        case 96: // `
          flush(this.i);
          this.part(parts, this.backquote(false));
          continue;
        case 36: {
          // $
          const p = this.dollar(false);
          if (p !== null) {
            flush(p.pos);
            this.part(parts, p);
          } else litChar(1);
          continue;
        }
        case 92: {
          // backslash
          const c1 = this.c(1);
          if (c1 === NL) {
            if (litStart >= 0) {
              litVal += s.slice(segStart, this.i);
              segStart = this.i + 2;
            }
            this.i += 2;
            continue;
          }
          litChar(c1 < 0 ? 1 : 2);
          continue;
        }
        default:
          if (c === 40 && ctx !== Ctx.Cmd && ctx !== Ctx.Test && ctx !== Ctx.Regex) {
            litChar(1);
            continue;
          }
          if (isExtGlobStart(c) && this.c(1) === 40 && this.c(2) !== 41 && ctx !== Ctx.Regex) {
            flush(this.i);
            this.part(parts, this.extGlob());
            continue;
          }
          litChar(1);
      }
    }
    flush(this.i);
    return parts;
  }

  protected extGlob(): ExtGlob {
    const pos = this.i;
    const op = this.src.slice(pos, pos + 2) as GlobOperator;
    let j = pos + 2;
    let depth = 1;
    const s = this.src;
    for (; j < this.n; j++) {
      const c = s.charCodeAt(j);
      if (c === 92) j++;
      else if (c === 40) depth++;
      else if (c === 41 && --depth === 0) break;
    }
    if (j >= this.n) this.err(pos, `reached EOF without matching \`${op}\` with \`)\``);
    const pattern = this.lit(pos + 2, j);
    this.i = j + 1;
    return { type: 'ExtGlob', pos, end: this.i, opPos: pos, op, pattern };
  }

  protected sglQuoted(dollar: boolean): SglQuoted {
    const pos = this.i;
    const left = pos;
    const open = pos + 1;
    const s = this.src;
    let j = open;
    if (dollar) {
      for (; j < this.n; j++) {
        const c = s.charCodeAt(j);
        if (c === 92) j++;
        else if (c === 39) break;
      }
    } else {
      j = s.indexOf("'", open);
      if (j < 0 || j >= this.n) j = this.n;
    }
    if (j >= this.n) this.err(dollar ? pos - 1 : pos, `reached ${this.eofName()} without closing quote \`'\``);
    this.i = j + 1;
    return { type: 'SglQuoted', pos, end: this.i, left, right: j, dollar, value: s.slice(open, j) };
  }

  protected dblQuoted(dollar: boolean): DblQuoted {
    const pos = this.i;
    this.i++;
    this.enter(pos);
    const parts = this.quotedParts(34, false);
    if (this.c() !== 34) this.err(dollar ? pos - 1 : pos, `reached ${this.eofName()} without closing quote \`"\``);
    const right = this.i;
    this.i++;
    this.leave();
    return { type: 'DblQuoted', pos, end: this.i, left: pos, right, dollar, parts };
  }

  /**
   * Parts of a double-quoted string (until `"`) or of a heredoc body (`close` = -1, until
   * the scan limit). In a `<<-` body, leading tabs of each line are left out of the Lits.
   */
  protected quotedParts(close: number, dashTabs: boolean): WordPart[] {
    const s = this.src;
    const parts: WordPart[] = [];
    let litStart = -1;
    let litVal = '';
    let segStart = -1;
    const flush = (end: number) => {
      if (litStart < 0) return;
      this.part(parts, { type: 'Lit', pos: litStart, end, value: litVal + s.slice(segStart, end) });
      litStart = -1;
      litVal = '';
    };
    const begin = () => {
      if (litStart < 0) {
        litStart = this.i;
        segStart = this.i;
      }
    };
    let lineStart = dashTabs;
    for (;;) {
      const c = this.c();
      if (c < 0 || c === close) break;
      if (lineStart) {
        lineStart = false;
        if (c === 9) {
          // drop the run of leading tabs from the literal value
          if (litStart >= 0) litVal += s.slice(segStart, this.i);
          while (this.c() === 9) this.i++;
          if (litStart >= 0) segStart = this.i;
          continue;
        }
      }
      switch (c) {
        case 96:
          flush(this.i);
          this.part(parts, this.backquote(close === 34));
          continue;
        case 36: {
          const p = this.dollar(true);
          if (p !== null) {
            flush(p.pos);
            this.part(parts, p);
          } else {
            begin();
            this.i++;
          }
          continue;
        }
        case 92: {
          const c1 = this.c(1);
          if (c1 === NL) {
            if (litStart >= 0) {
              litVal += s.slice(segStart, this.i);
              segStart = this.i + 2;
            }
            this.i += 2;
            continue;
          }
          begin();
          this.i += c1 < 0 ? 1 : 2;
          continue;
        }
        case NL:
          begin();
          this.i++;
          if (dashTabs) lineStart = true;
          continue;
        default:
          begin();
          this.i++;
      }
    }
    flush(this.i);
    return parts;
  }

  /** `$…` at the cursor: an expansion part, or null when the `$` is literal. */
  protected dollar(inQuotes: boolean): WordPart | null {
    const pos = this.i;
    const c1 = this.c(1);
    if (c1 === 92 && this.c(2) === NL) return this.dollarAfterContinuation(pos, inQuotes);
    switch (c1) {
      case 123: {
        // {
        const c2 = this.c(2);
        if (c2 === 32 || c2 === 9 || c2 === NL || c2 === 124) return this.funSubst();
        return this.paramExp();
      }
      case 40: // (
        return this.c(2) === 40 ? this.arithmExp(false) : this.cmdSubst();
      case 91: // [
        return this.arithmExp(true);
      case 39: // '
        if (inQuotes) return null;
        this.i++;
        return { ...this.sglQuoted(true), pos, left: pos };
      case 34: // "
        if (inQuotes) return null;
        this.i++;
        return { ...this.dblQuoted(true), pos, left: pos };
    }
    if (isNameStart(c1)) {
      const param = this.nameLit(pos + 1);
      this.i = param.end;
      return this.shortParam(pos, param);
    }
    if (isDigit(c1) || isSpecialParam(c1)) {
      this.i = pos + 2;
      return this.shortParam(pos, this.lit(pos + 1, pos + 2));
    }
    return null;
  }

  /**
   * The parameter name starting at `start` (a name-start char). Line continuations vanish
   * before lexing, so a name runs on across them (`$fo\<newline>o` is `$foo` in bash and
   * mvdan); a continuation not followed by a name char is left to the caller.
   */
  private nameLit(start: number): Lit {
    const s = this.src;
    let j = start + 1;
    let joined: string | undefined; // only built when a continuation splits the name
    let seg = start;
    for (;;) {
      while (j < this.n && isNameChar(s.charCodeAt(j))) j++;
      let k = j;
      while (s.charCodeAt(k) === 92 && s.charCodeAt(k + 1) === NL) k += 2;
      if (k === j || k >= this.n || !isNameChar(s.charCodeAt(k))) break;
      joined = (joined ?? '') + s.slice(seg, j);
      seg = j = k;
    }
    return this.lit(start, j, joined === undefined ? undefined : joined + s.slice(seg, j));
  }

  /** `$\<newline>x`: line continuations vanish before lexing, so this is `$x` (bash, mvdan). */
  private dollarAfterContinuation(pos: number, inQuotes: boolean): WordPart | null {
    let k = pos + 1;
    while (k + 1 < this.n && this.src.charCodeAt(k) === 92 && this.src.charCodeAt(k + 1) === NL) k += 2;
    // Parse as if the `$` sat right before the first real character, then restore its offset.
    this.i = k - 1;
    const part = this.dollar(inQuotes);
    if (part === null) {
      this.i = pos;
      return null;
    }
    const moved = part as unknown as Record<string, unknown>;
    for (const key of ['pos', 'dollar', 'left', 'opPos'] as const) {
      if (moved[key] === k - 1) moved[key] = pos;
    }
    return part;
  }

  protected shortParam(pos: number, param: Lit): ParamExp {
    return {
      type: 'ParamExp',
      pos,
      end: this.i,
      dollar: pos,
      rbrace: -1,
      short: true,
      excl: false,
      length: false,
      width: false,
      param,
      index: null,
      slice: null,
      repl: null,
      names: null,
      exp: null,
    };
  }

  /** `${…}` with every Bash operator. */
  protected paramExp(): ParamExp {
    const pos = this.i;
    const s = this.src;
    this.enter(pos);
    this.i += 2;
    const pe = this.shortParam(pos, this.lit(pos + 2, pos + 2));
    pe.short = false;
    const unclosed = () => this.err(pos, `reached ${this.reachedName()} without matching \`\${\` with \`}\``);
    while (this.c() === 92 && this.c(1) === NL) this.i += 2; // `${\<newline>x}`
    let c = this.c();
    // `${#x}` length vs `${#}`; `${!x}` indirection vs `${!}`.
    if ((c === 35 || c === 33) && this.i + 1 >= this.n) this.err(this.i + 1, 'invalid parameter name');
    if (c === 35 && this.paramStartsAt(this.i + 1)) {
      pe.length = true;
      this.i++;
    } else if (c === 33 && this.paramStartsAt(this.i + 1)) {
      pe.excl = true;
      this.i++;
    }
    c = this.c();
    const pstart = this.i;
    let name: Lit | null = null;
    if (isNameStart(c)) {
      name = this.nameLit(pstart);
      this.i = name.end;
    } else if (isDigit(c)) {
      let j = pstart + 1;
      while (j < this.n && isDigit(s.charCodeAt(j))) j++;
      this.i = j;
    } else if (isSpecialParam(c)) {
      this.i++;
    } else if (c < 0) {
      unclosed();
    } else {
      this.err(this.i, 'invalid parameter name');
    }
    pe.param = name ?? this.lit(pstart, this.i);
    while (this.c() === 92 && this.c(1) === NL) this.i += 2; // `${x\<newline>}`
    c = this.c();
    const p0c = pe.param.value.charCodeAt(0);
    if (pe.excl && (c === 42 || (c === 64 && this.c(1) === 125)) && (isNameStart(p0c) || isDigit(p0c))) {
      // `${!prefix*}` / `${!prefix@}`; mvdan tolerates trailing text before `}`.
      pe.names = c === 42 ? '*' : '@';
      this.i++;
      if (this.c() !== 125) this.word(Ctx.Param);
      c = this.c();
    }
    if (c === 91 && !isSpecialParamLit(pe.param.value)) {
      const open = this.i;
      this.i++;
      const c1 = this.c();
      if ((c1 === 64 || c1 === 42) && this.c(1) === 93) {
        const l = this.lit(this.i, this.i + 1);
        pe.index = { type: 'Word', pos: l.pos, end: l.end, parts: [l] };
        this.i++;
      } else {
        pe.index = new ArithParser(this, ']', true).exprOrNull();
        if (pe.index === null) this.err(open, '`[` must be followed by an expression');
      }
      if (this.c() !== 93) {
        if (this.c() < 0) unclosed();
        this.err(open, 'reached `' + this.charAt(this.i) + '` without matching `[` with `]`');
      }
      this.i++;
      c = this.c();
    }
    if (pe.length && c !== 125) {
      // `${#x op}` is not valid.
      if (c < 0) unclosed();
      this.err(this.i, 'cannot combine multiple parameter expansion operators');
    }
    switch (c) {
      case 125: // }
        break;
      case 58: {
        // :
        const c1 = this.c(1);
        if (c1 === 45 || c1 === 61 || c1 === 43 || c1 === 63) {
          this.i += 2;
          pe.exp = { op: (':' + String.fromCharCode(c1)) as ParExpOperator, word: this.word(Ctx.Param) };
          break;
        }
        const colon = this.i;
        this.i++;
        const offset = new ArithParser(this, ':}').exprOrNull();
        if (offset === null && this.c() !== 58) this.err(colon, '`:` must be followed by an expression');
        let length: ArithmExpr | null = null;
        if (this.c() === 58) {
          this.i++;
          length = new ArithParser(this, '}').exprOrNull();
        }
        pe.slice = { offset, length };
        break;
      }
      case 47: {
        // /
        this.i++;
        let all = false;
        if (this.c() === 47) {
          all = true;
          this.i++;
        }
        const origStart = this.i;
        const orig = this.word(Ctx.ReplOrig) ?? { type: 'Word' as const, pos: origStart, end: origStart, parts: [] };
        let withWord: Word | null = null;
        if (this.c() === 47) {
          this.i++;
          withWord = this.word(Ctx.Param);
        }
        pe.repl = { all, orig, with_: withWord };
        break;
      }
      case 35: // #
      case 37: // %
      case 94: // ^
      case 44: {
        // ,
        let op = String.fromCharCode(c);
        this.i++;
        if (this.c() === c) {
          op += op;
          this.i++;
        }
        pe.exp = { op: op as ParExpOperator, word: this.word(Ctx.Param) };
        break;
      }
      case 45: // -
      case 61: // =
      case 43: // +
      case 63: // ?
        this.i++;
        pe.exp = { op: String.fromCharCode(c) as ParExpOperator, word: this.word(Ctx.Param) };
        break;
      case 64: // @
        this.i++;
        pe.exp = { op: '@', word: this.word(Ctx.Param) };
        this.checkAtOperator(pe.exp.word, this.i);
        break;
      default:
        if (c < 0) unclosed();
        this.err(this.i, `not a valid parameter expansion operator: \`${s[this.i]}\``);
    }
    if (this.c() !== 125) unclosed();
    pe.rbrace = this.i;
    this.i++;
    pe.end = this.i;
    this.leave();
    return pe;
  }

  /** `${x@op}`: op is one literal letter of Bash's transformation set. */
  protected checkAtOperator(w: Word | null, at: number): void {
    const p0 = w?.parts[0];
    if (w === null || p0?.type !== 'Lit') {
      this.err(w?.pos ?? at, '@ expansion operator requires a literal');
    }
    if (p0.value.length !== 1 || !'QEPAKauULk'.includes(p0.value)) {
      this.err(w.pos, `invalid @ expansion operator \`${p0.value}\``);
    }
  }

  /** Does a parameter name start at `j` (for the `${#…}`/`${!…}` prefixes)? */
  protected paramStartsAt(j: number): boolean {
    if (j >= this.n) return false;
    const c = this.src.charCodeAt(j);
    return isNameStart(c) || isDigit(c) || isSpecialParam(c);
  }

  protected cmdSubst(): CmdSubst {
    const pos = this.i;
    this.i += 2;
    const { stmts, last } = this.parenList(pos, '$(');
    return {
      type: 'CmdSubst',
      pos,
      end: this.i,
      left: pos,
      right: this.i - 1,
      stmts,
      last,
      backquotes: false,
      tempFile: false,
      replyVar: false,
    };
  }

  /**
   * Bash 5.3 / mksh `${ cmd; }` (output substitution without a subshell) and `${| cmd; }`
   * (value of REPLY), which mvdan v3.13 accepts in Bash mode: a list closed by a `}` word.
   */
  protected funSubst(): CmdSubst {
    const pos = this.i;
    const replyVar = this.c(2) === 124;
    this.i += replyVar ? 3 : 2;
    this.enter(pos, 2);
    this.parenDepth++; // a stray `)` ends the list and is reported against the `${`
    const { stmts, last } = this.stmtList(ENDS_BRACE);
    this.parenDepth--;
    if (!this.atWord('}')) this.err(pos, `reached ${this.reachedName()} without matching \`\${\` with \`}\``);
    const right = this.i;
    this.skipWord();
    this.leave(2);
    return {
      type: 'CmdSubst',
      pos,
      end: this.i,
      left: pos,
      right,
      stmts,
      last,
      backquotes: false,
      tempFile: !replyVar,
      replyVar,
    };
  }

  protected procSubst(): ProcSubst {
    const pos = this.i;
    const op = this.src.slice(pos, pos + 2) as '<(' | '>(';
    this.i += 2;
    const { stmts, last } = this.parenList(pos, op);
    return { type: 'ProcSubst', pos, end: this.i, opPos: pos, rparen: this.i - 1, op, stmts, last };
  }

  /** Statements up to the `)` closing the construct opened at `pos`; consumes the `)`. */
  protected parenList(pos: number, open: string, requireStmts = false): ListResult {
    this.enter(pos, 2);
    const saveCase = this.inCase;
    this.inCase = 0;
    this.parenDepth++;
    this.subDepth++;
    // Heredocs pending before a `(`-list take their bodies after the line the list ends
    // on, not from newlines inside it (mvdan).
    const outer = this.hdocs;
    this.hdocs = [];
    const res = this.stmtList(NO_ENDS);
    if (requireStmts && res.stmts.length === 0) this.err(pos, `\`${open}\` must be followed by a statement list`);
    this.hdocs = outer.concat(this.hdocs);
    this.parenDepth--;
    this.subDepth--;
    this.inCase = saveCase;
    if (this.c() !== 41) this.err(pos, `reached ${this.reachedName()} without matching \`${open}\` with \`)\``);
    this.i++;
    this.leave(2);
    return res;
  }

  /**
   * Backquoted command substitution: the body is unescaped (`\\`, `` \` ``, `\$`, and `\"`
   * inside double quotes), parsed on its own, and its positions mapped back to the script.
   */
  protected backquote(inDquote: boolean): CmdSubst {
    const pos = this.i;
    const s = this.src;
    let inner = '';
    const map: number[] = [];
    // mvdan unescapes `\\`, `\$` and `` \` `` as it reads backquoted text and lexes quotes
    // on the result: single and `$'…'` quotes hide backquotes, double quotes do not.
    // State: 0 plain, 39 ('), 36 ($'), 34 ("), 35 (a comment), 40 (an extglob pattern).
    let quote = 0;
    let globDepth = 0;
    let esc = false; // the last unescaped character was a backslash
    const emit = (at: number, ch: string) => {
      map.push(at);
      const prev = inner.length > 0 ? inner.charCodeAt(inner.length - 1) : -1;
      inner += ch;
      const c = ch.charCodeAt(0);
      if (esc) {
        esc = false;
        return;
      }
      if (c === 92 && quote !== 39 && quote !== 35) esc = true;
      else if (quote === 0) {
        if (c === 39) quote = prev === 36 ? 36 : 39;
        else if (c === 34) quote = 34;
        else if (c === 35 && (prev < 0 || isBoundary(prev))) quote = 35; // quotes in comments are text
        else if (c === 40 && isExtGlobStart(prev)) {
          quote = 40; // an extglob pattern is raw text up to its `)`
          globDepth = 1;
        }
      } else if ((quote === 39 || quote === 36) && c === 39) quote = 0;
      else if (quote === 34 && c === 34) quote = 0;
      else if (quote === 35 && c === NL) quote = 0;
      else if (quote === 40) {
        if (c === 40) globDepth++;
        else if (c === 41 && --globDepth === 0) quote = 0;
      }
    };
    if (inDquote) quote = 34;
    let j = pos + 1;
    for (; j < this.n; j++) {
      const c = s.charCodeAt(j);
      if (c === 96 && quote !== 39 && quote !== 36) {
        if (!esc) break;
        emit(j, '`'); // escaped by a backslash of the unescaped text: a literal backquote
        continue;
      }
      if (c === 92 && j + 1 < this.n) {
        const c1 = s.charCodeAt(j + 1);
        if (c1 === 96) {
          // An escaped backquote opens or closes a nested substitution: never ours.
          map.push(j + 1);
          inner += '`';
          esc = false;
          j++;
          continue;
        }
        if (c1 === 36 || c1 === 92 || (inDquote && c1 === 34)) {
          emit(j + 1, s[j + 1]);
          j++;
          continue;
        }
      }
      emit(j, s[j]);
    }
    map.push(j);
    const unclosed = j >= this.n;
    this.enter(pos);
    const sub = this.subParser(inner);
    // Inside a closed backquote, "EOF" is the closing backquote; an unclosed one is parsed
    // first so that errors inside it are reported before the missing backquote (mvdan).
    sub.backquoted = !unclosed;
    let stmts: Stmt[];
    let last: Comment[];
    try {
      const f = sub.file('');
      stmts = f.stmts;
      last = f.last;
    } catch (e) {
      if (e instanceof ParseError) throw new ParseError(s, map[Math.min(e.offset, map.length - 1)], e.text);
      throw e;
    }
    if (unclosed) this.err(pos, 'reached EOF without closing quote "`"');
    this.leave();
    for (const st of stmts) remapPositions(st, map);
    for (const cm of last) remapPositions(cm, map);
    for (const h of sub.hdocs) this.hdocs.push(h);
    this.i = j + 1;
    return {
      type: 'CmdSubst',
      pos,
      end: this.i,
      left: pos,
      right: j,
      stmts,
      last,
      backquotes: true,
      tempFile: false,
      replyVar: false,
    };
  }

  protected arithmExp(bracket: boolean): ArithmExp {
    const pos = this.i;
    this.enter(pos);
    this.i += bracket ? 2 : 3;
    const open = bracket ? '$[' : '$((';
    const stop: ArithStop = bracket ? ']' : '))';
    const x = new ArithParser(this, stop).exprOrNull();
    if (x === null) this.err(pos, `\`${open}\` must be followed by an expression`);
    let right: number;
    if (bracket) {
      if (this.c() !== 93) this.arithUnclosed(pos, open, ']');
      right = this.i;
      this.i++;
    } else {
      if (this.c() !== 41 || this.c(1) !== 41) this.arithUnclosed(pos, open, '))');
      right = this.i;
      this.i += 2;
    }
    this.leave();
    return { type: 'ArithmExp', pos, end: this.i, left: pos, right, bracket, unsigned: false, x };
  }

  arithUnclosed(pos: number, open: string, close: string): never {
    if (this.i >= this.n) this.err(pos, `reached EOF without matching \`${open}\` with \`${close}\``);
    if (this.c() === 91) this.err(this.i, '`[` must follow a name like a[i]');
    const c = this.src[this.i];
    if (c === ')' || c === ']' || c === '}' || c === ';') {
      this.err(pos, `reached \`${c}\` without matching \`${open}\` with \`${close}\``);
    }
    this.err(this.i, `not a valid arithmetic operator: \`${this.arithTokenText()}\``);
  }

  /** The offending token text for "not a valid arithmetic operator" messages. */
  arithTokenText(): string {
    const s = this.src;
    const start = this.i;
    const c = this.c();
    const c1 = this.c(1);
    if (c === 36 && (c1 === 39 || c1 === 34 || c1 === 123 || c1 === 40 || c1 === 91)) {
      return s.slice(start, start + 2); // `$'`, `$"`, `${`, `$(`, `$[`
    }
    let j = start;
    while (j < this.n && isNameChar(s.charCodeAt(j))) j++;
    if (j === start) j = start + 1;
    return s.slice(start, j);
  }

  /**
   * An arithmetic operand: names, numbers (`16#ff`), `name[index]`, expansions and quotes,
   * with no blanks inside. Returns null when no operand starts here.
   */
  arithWord(inBrace: boolean): Word | null {
    const parts: WordPart[] = [];
    let litStart = -1;
    const flush = () => {
      if (litStart < 0) return;
      this.part(parts, this.lit(litStart, this.i));
      litStart = -1;
    };
    for (;;) {
      const c = this.c();
      // Operands start with a name character (or an expansion/quote); inside them mvdan
      // also keeps `#` (bases), `@`, braces and escapes.
      const starts = isNameChar(c) || c === 64 || c === 123 || (c === 125 && !inBrace);
      if (starts || (litStart >= 0 && c === 35)) {
        if (litStart < 0) litStart = this.i;
        this.i++;
        continue;
      }
      if (c === 46 && litStart >= 0) {
        this.err(parts.length > 0 ? parts[0].pos : litStart, 'floating point arithmetic is a zsh feature; tried parsing as bash');
      }
      if (c === 92 && this.c(1) !== NL && this.c(1) >= 0) {
        if (litStart < 0) litStart = this.i;
        this.i += 2;
        continue;
      }
      if (c === 91 && litStart >= 0) {
        // `name[index]`: the index is checked as arithmetic; the literal keeps its text.
        const open = this.i;
        this.i++;
        this.enter(open, 2);
        const idx = new ArithParser(this, ']', inBrace).exprOrNull();
        this.leave(2);
        if (idx === null) this.err(open, '`[` must be followed by an expression');
        if (this.c() !== 93) this.err(open, `reached ${this.reachedName()} without matching \`[\` with \`]\``);
        this.i++;
        continue;
      }
      if (c === 36) {
        const p = this.dollar(false);
        if (p === null) {
          // A lone `$` is literal text in an operand (mvdan).
          if (litStart < 0) litStart = this.i;
          this.i++;
          continue;
        }
        flush();
        this.part(parts, p);
        continue;
      }
      if (c === 34) {
        flush();
        this.part(parts, this.dblQuoted(false));
        continue;
      }
      if (c === 39) {
        flush();
        this.part(parts, this.sglQuoted(false));
        continue;
      }
      if (c === 96) {
        flush();
        this.part(parts, this.backquote(false));
        continue;
      }
      if (c === 92 && this.c(1) === NL) {
        flush();
        this.i += 2;
        continue;
      }
      break;
    }
    flush();
    if (parts.length === 0) return null;
    this.count(parts[0].pos);
    return { type: 'Word', pos: parts[0].pos, end: this.i, parts };
  }

}

function isSpecialParamLit(v: string): boolean {
  return v.length === 1 && isSpecialParam(v.charCodeAt(0)) && v !== '0';
}

function stripTabs(body: string): string {
  let out = '';
  let atStart = true;
  for (let k = 0; k < body.length; k++) {
    const ch = body[k];
    if (atStart && ch === '\t') continue;
    atStart = ch === '\n';
    out += ch;
  }
  return out;
}
