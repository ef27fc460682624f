/**
 * find's expression language: the node model and a recursive-descent parser. -maxdepth and
 * -mindepth are parsed as primaries (they evaluate to true) so that each predicate consumes
 * its own argument first: `-name -maxdepth` is a pattern, never a depth option.
 */
import { compileGlob, type Glob } from '../glob.js';
import { parsePerm } from './perm.js';

export type Cmp = -1 | 0 | 1; // -N, N, +N

export type Expr =
  | { k: 'and' | 'or'; l: Expr; r: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'name'; glob: Glob }
  | { k: 'path'; glob: Glob }
  | { k: 'type'; types: string }
  | { k: 'size'; n: number; cmp: Cmp; unit: number }
  | { k: 'empty' }
  | { k: 'newer'; ref: string }
  | { k: 'mtime' | 'mmin'; n: number; cmp: Cmp }
  | { k: 'perm'; mode: number; how: '=' | '-' | '/' }
  | { k: 'exec'; argv: string[]; inDir: boolean }
  | { k: 'print' | 'print0' | 'prune' | 'quit' | 'true' | 'false' };

export interface Parsed {
  expr: Expr | null;
  /** -1 when not given. */
  maxDepth: number;
  minDepth: number;
}

/** A parse failure; `message` is the whole stderr line without the newline. */
export class FindSyntaxError extends Error {}

/** `--help` met where a primary was expected. */
export class FindHelpRequest extends Error {}

const MAX_NODES = 256;
const MAX_NESTING = 64;
const MAX_INT64 = 9223372036854775807;
/** Words in one -exec/-execdir command template. */
const MAX_EXEC_ARGS = 256;

/** Predicates refused for sandbox safety, with rshell's reasons. */
const BLOCKED = new Map<string, string>([
  ['-delete', 'file deletion is blocked'],
  ['-ok', 'interactive execution is blocked'],
  ['-okdir', 'interactive execution is blocked'],
  ['-fls', 'file writes are blocked'],
  ['-fprint', 'file writes are blocked'],
  ['-fprint0', 'file writes are blocked'],
  ['-fprintf', 'file writes are blocked'],
  ['-regex', 'regular expressions are blocked (ReDoS risk)'],
  ['-iregex', 'regular expressions are blocked (ReDoS risk)'],
]);

const SIZE_UNITS: Record<string, number> = { c: 1, w: 2, b: 512, k: 1024, M: 1 << 20, G: 1 << 30 };

/** Actions suppress the implicit -print. */
export function hasAction(e: Expr | null): boolean {
  if (!e) return false;
  switch (e.k) {
    case 'print':
    case 'print0':
    case 'exec':
      return true;
    case 'and':
    case 'or':
      return hasAction(e.l) || hasAction(e.r);
    case 'not':
      return hasAction(e.e);
    default:
      return false;
  }
}

/** Every -newer reference, in expression order. */
export function newerRefs(e: Expr | null, out: string[] = []): string[] {
  if (!e) return out;
  if (e.k === 'newer') out.push(e.ref);
  else if (e.k === 'and' || e.k === 'or') {
    newerRefs(e.l, out);
    newerRefs(e.r, out);
  } else if (e.k === 'not') newerRefs(e.e, out);
  return out;
}

/** Whether a builtin name may run from -exec/-execdir (checked at parse time, like rshell). */
export type ExecPolicy = (name: string) => boolean;

/** Linux's longest file name in bytes, so in characters: the most one -name character takes. */
const NAME_MAX = 255;

/**
 * `longestPath`: the most characters a path find prints may have, so the most a -path
 * pattern can use (past it a pattern matches nothing and is not compiled further).
 */
export function parseExpression(args: string[], allowed: ExecPolicy, longestPath = Infinity): Parsed {
  return new Parser(args, allowed, longestPath).parse();
}

class Parser {
  private pos = 0;
  private nodes = 0;
  private nesting = 0;
  private maxDepth = -1;
  private minDepth = -1;

  constructor(
    private readonly args: string[],
    private readonly allowed: ExecPolicy,
    private readonly longestPath: number,
  ) {}

  parse(): Parsed {
    if (this.args.length === 0) return { expr: null, maxDepth: -1, minDepth: -1 };
    const expr = this.parseOr();
    if (this.pos < this.args.length) throw new FindSyntaxError(`find: unexpected argument '${this.args[this.pos]}'`);
    return { expr, maxDepth: this.maxDepth, minDepth: this.minDepth };
  }

  private peek(): string | undefined {
    return this.args[this.pos];
  }

  private addNode(): void {
    if (++this.nodes > MAX_NODES) throw new FindSyntaxError('find: expression too complex (too many nodes)');
  }

  private enter(): void {
    if (++this.nesting > MAX_NESTING) throw new FindSyntaxError('find: expression too deeply nested');
  }

  private parseOr(): Expr {
    let l = this.parseAnd();
    while (this.peek() === '-o' || this.peek() === '-or') {
      this.pos++;
      this.addNode();
      l = { k: 'or', l, r: this.parseAnd() };
    }
    return l;
  }

  private parseAnd(): Expr {
    let l = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (t === undefined || t === '-o' || t === '-or' || t === ')') return l;
      if (t === '-a' || t === '-and') this.pos++;
      this.addNode();
      l = { k: 'and', l, r: this.parseUnary() };
    }
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (t === '!' || t === '-not') {
      this.pos++;
      this.enter();
      this.addNode();
      const e = this.parseUnary();
      this.nesting--;
      return { k: 'not', e };
    }
    if (t === '(') {
      this.pos++;
      if (this.peek() === ')') throw new FindSyntaxError('find: invalid expression; empty parentheses are not allowed.');
      this.enter();
      const e = this.parseOr();
      this.nesting--;
      const close = this.peek();
      if (close === undefined) throw new FindSyntaxError("find: expected ')'");
      if (close !== ')') throw new FindSyntaxError(`find: expected ')', got '${close}'`);
      this.pos++;
      return e;
    }
    return this.parsePrimary();
  }

  private arg(pred: string): string {
    const v = this.args[this.pos];
    if (v === undefined) throw new FindSyntaxError(`find: missing argument for ${pred}`);
    this.pos++;
    return v;
  }

  private parsePrimary(): Expr {
    const tok = this.args[this.pos];
    if (tok === undefined) throw new FindSyntaxError('find: expected expression');
    this.addNode();
    this.pos++;
    const reason = BLOCKED.get(tok);
    if (reason !== undefined) throw new FindSyntaxError(`find: ${tok}: ${reason}`);
    switch (tok) {
      case '--help':
        throw new FindHelpRequest();
      case '-name':
        return { k: 'name', glob: compileGlob(this.arg(tok), false, NAME_MAX) };
      case '-iname':
        return { k: 'name', glob: compileGlob(this.arg(tok), true, NAME_MAX) };
      case '-path':
      case '-wholename':
        return { k: 'path', glob: compileGlob(this.arg(tok), false, this.longestPath) };
      case '-ipath':
      case '-iwholename':
        return { k: 'path', glob: compileGlob(this.arg(tok), true, this.longestPath) };
      case '-type':
        return { k: 'type', types: parseTypes(this.arg(tok)) };
      case '-size':
        return parseSize(this.arg(tok));
      case '-empty':
        return { k: 'empty' };
      case '-newer':
        return { k: 'newer', ref: this.arg(tok) };
      case '-mtime':
      case '-mmin': {
        const v = this.arg(tok);
        const { n, cmp } = parseSignedCount(v, tok);
        return { k: tok === '-mtime' ? 'mtime' : 'mmin', n, cmp };
      }
      case '-perm': {
        const v = this.args[this.pos];
        if (v === undefined || v === '') throw new FindSyntaxError('find: missing argument for -perm');
        this.pos++;
        const p = parsePerm(v);
        if (p === null) throw new FindSyntaxError(`find: invalid mode '${v}'`);
        return { k: 'perm', mode: p.mode, how: p.how };
      }
      case '-maxdepth':
      case '-mindepth': {
        const v = this.args[this.pos];
        if (v === undefined) throw new FindSyntaxError(`find: missing argument to '${tok}'`);
        this.pos++;
        if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(Number(v))) {
          throw new FindSyntaxError(`find: invalid argument '${v}' to ${tok}`);
        }
        if (tok === '-maxdepth') this.maxDepth = Number(v);
        else this.minDepth = Number(v);
        return { k: 'true' };
      }
      case '-exec':
      case '-execdir':
        return this.parseExec(tok);
      case '-print':
      case '-print0':
      case '-prune':
      case '-quit':
      case '-true':
      case '-false':
        return { k: tok.slice(1) as 'print' };
      default:
        throw new FindSyntaxError(`find: unknown predicate '${tok}'`);
    }
  }

  /** `-exec CMD ARG… ;` — a `+` right after `{}` would be batch mode, which rshell refuses. */
  private parseExec(tok: string): Expr {
    const argv: string[] = [];
    for (;;) {
      const a = this.args[this.pos];
      if (a === undefined) throw new FindSyntaxError(`find: missing argument to '${tok}'`);
      this.pos++;
      if (a === ';') break;
      if (a === '+' && argv.length > 0 && argv[argv.length - 1] === '{}') {
        throw new FindSyntaxError(`find: ${tok} ... {} + is not supported; use ${tok} ... {} \\;`);
      }
      if (argv.length >= MAX_EXEC_ARGS) throw new FindSyntaxError(`find: ${tok}: too many arguments (max ${MAX_EXEC_ARGS})`);
      argv.push(a);
    }
    if (argv.length === 0) throw new FindSyntaxError(`find: ${tok}: no command specified`);
    if (!this.allowed(argv[0])) throw new FindSyntaxError(`find: '${argv[0]}': command not allowed`);
    return { k: 'exec', argv, inDir: tok === '-execdir' };
  }
}

/** `-type` list: single letters of bcdflps, optionally comma-separated ("f,d"). */
function parseTypes(v: string): string {
  const bad = () => new FindSyntaxError(`find: Unknown argument to -type: ${v}`);
  if (v === '') throw bad();
  let types = '';
  let wantType = true;
  for (const c of v) {
    if (c === ',') {
      if (wantType) throw bad();
      wantType = true;
    } else if ('bcdflps'.includes(c)) {
      if (!wantType) throw bad();
      types += c;
      wantType = false;
    } else throw bad();
  }
  if (wantType) throw bad();
  return types;
}

/** The comparison a numeric test's leading `+` (more than) or `-` (less than) asks for, and the rest. */
function splitSign(v: string): { cmp: Cmp; rest: string } {
  if (v.startsWith('+')) return { cmp: 1, rest: v.slice(1) };
  if (v.startsWith('-')) return { cmp: -1, rest: v.slice(1) };
  return { cmp: 0, rest: v };
}

/** `[+-]N` for -mtime/-mmin; values beyond int64 clamp (GNU-like: +huge never, -huge always). */
function parseSignedCount(v: string, pred: string): { n: number; cmp: Cmp } {
  const { cmp, rest: s } = splitSign(v);
  if (!/^[+-]?[0-9]+$/.test(s)) throw new FindSyntaxError(`find: invalid argument '${v}' to ${pred}`);
  const n = Number(s);
  return { n: Math.abs(n) > MAX_INT64 ? Math.sign(n) * MAX_INT64 : n, cmp };
}

function parseSize(v: string): Expr {
  const bad = () => new FindSyntaxError(`find: invalid argument '${v}' to -size`);
  const { cmp, rest } = splitSign(v);
  let s = rest;
  let unit = 512;
  const last = s.slice(-1);
  if (last in SIZE_UNITS) {
    unit = SIZE_UNITS[last];
    s = s.slice(0, -1);
  }
  if (!/^\+?[0-9]+$/.test(s)) throw bad();
  const n = Number(s);
  if (n > MAX_INT64) throw bad();
  return { k: 'size', n, cmp, unit };
}
