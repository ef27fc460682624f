/**
 * test EXPRESSION / [ EXPRESSION ]: bash's reading. Up to four arguments follow POSIX's
 * argument-count rules (which give `test ! = x` or `test ( -n )` their meaning); longer lists
 * are parsed as expressions, where a unary operator takes the next argument whatever it is
 * and a parenthesised group is an expression too (`test ( ( -z ) )`, an unset operand, is a
 * syntax error, as in bash and GNU test). Files are examined only through the sandbox; any
 * sandbox error makes a file test false.
 */
import type { Builtin, CallContext } from '../types.js';
import { SandboxError, type FileInfo } from '../../sandbox/types.js';

const MAX_DEPTH = 128;

const HELP = `Usage: test EXPRESSION
   or: [ EXPRESSION ]
Exit with status 0 if EXPRESSION is true, 1 if it is false, 2 on a usage error.

Files (looked up inside the sandbox):
  -e FILE, -a FILE    exists
  -f FILE             is a regular file
  -d FILE             is a directory
  -s FILE             is not empty
  -r/-w/-x FILE       is readable / writable / executable
  -h FILE, -L FILE    is a symbolic link
  -p FILE             is a named pipe
  FILE1 -nt FILE2     FILE1 was modified after FILE2
  FILE1 -ot FILE2     FILE1 was modified before FILE2

Strings:
  STRING, -n STRING   STRING is not empty
  -z STRING           STRING is empty
  S1 = S2, S1 == S2   equal;  S1 != S2  not equal
  S1 < S2, S1 > S2    byte-wise ordering

Integers:
  N1 -eq|-ne|-lt|-le|-gt|-ge N2

Combining:
  ! EXPR   EXPR1 -a EXPR2   EXPR1 -o EXPR2   ( EXPR )
`;

const BINARY = new Set(['=', '==', '!=', '<', '>', '-eq', '-ne', '-lt', '-le', '-gt', '-ge', '-nt', '-ot']);
const FILE_UNARY = new Set(['-a', '-e', '-f', '-d', '-s', '-r', '-w', '-x', '-h', '-L', '-p']);
const isBinary = (s: string | undefined): boolean => s !== undefined && BINARY.has(s);
const isBinaryOrLogical = (s: string | undefined): boolean => isBinary(s) || s === '-a' || s === '-o';
const isUnary = (s: string | undefined): boolean => s !== undefined && (FILE_UNARY.has(s) || s === '-z' || s === '-n' || s === '-o');

/** The blanks test's integer operands may have around them: space, \t \n \v \f \r. */
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** Thrown to unwind on a syntax error (already reported). */
class SyntaxFail extends Error {}

class Evaluator {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly ctx: CallContext,
    private readonly cmd: string,
    private readonly args: string[],
  ) {}

  async run(): Promise<number> {
    try {
      const r = await this.posix(this.args.length);
      if (this.pos < this.args.length) return await this.fail('too many arguments');
      return r ? 0 : 1;
    } catch (e) {
      if (e instanceof SyntaxFail) return 2;
      throw e;
    }
  }

  private async fail(msg: string): Promise<never> {
    await this.ctx.stderr.write(`${this.cmd}: ${msg}\n`);
    throw new SyntaxFail();
  }

  /** The whole argument list (`n` of them): POSIX's rules up to four, else an expression. */
  private async posix(n: number): Promise<boolean> {
    const a = this.args;
    switch (n) {
      case 1:
        return this.one();
      case 2:
        return this.two();
      case 3:
        return this.three();
      case 4:
        if (a[0] === '!') {
          this.pos++;
          return !(await this.three());
        }
        if (a[0] === '(' && a[3] === ')') {
          this.pos++;
          const r = await this.two();
          this.pos++;
          return r;
        }
        return this.or();
      default:
        return this.or();
    }
  }

  /** One argument: a non-empty string. */
  private one(): boolean {
    return this.args[this.pos++] !== '';
  }

  /** Two arguments: `! X`, or a unary operator and its operand. */
  private async two(): Promise<boolean> {
    const cur = this.args[this.pos];
    if (cur === '!') {
      this.pos++;
      return !this.one();
    }
    if (isUnary(cur)) return this.unary();
    // An operator with nothing after it lacks its operand; two plain words are one too many.
    return this.fail(cur === '(' || isBinaryOrLogical(this.args[this.pos + 1]) ? 'missing argument' : 'too many arguments');
  }

  /** Three arguments: a binary operator (-a and -o of two strings too), `! X Y`, or `( X )`. */
  private async three(): Promise<boolean> {
    const a = this.args;
    const p = this.pos;
    if (isBinaryOrLogical(a[p + 1])) return this.binary();
    if (a[p] === '!') {
      this.pos++;
      return !(await this.two());
    }
    if (a[p] === '(' && a[p + 2] === ')') {
      this.pos += 3;
      return a[p + 1] !== '';
    }
    return this.fail('too many arguments');
  }

  private async or(): Promise<boolean> {
    let v = await this.and();
    while (this.pos < this.args.length && this.args[this.pos] === '-o') {
      this.ctx.checkCanceled();
      this.pos++;
      const r = await this.and();
      v = v || r;
    }
    return v;
  }

  private async and(): Promise<boolean> {
    let v = await this.term();
    while (this.pos < this.args.length && this.args[this.pos] === '-a') {
      this.ctx.checkCanceled();
      this.pos++;
      const r = await this.term();
      v = v && r;
    }
    return v;
  }

  /** `! … TERM`, `( EXPR )`, `X OP Y`, `-op X`, or a string. */
  private async term(): Promise<boolean> {
    const a = this.args;
    const n = a.length;
    if (this.pos >= n) return this.fail('missing argument');
    if (a[this.pos] === '!') {
      let negate = false;
      while (this.pos < n && a[this.pos] === '!') {
        this.pos++;
        negate = !negate;
      }
      return negate !== (await this.term());
    }
    if (a[this.pos] === '(') {
      if (this.depth >= MAX_DEPTH) await this.fail('expression too deeply nested');
      this.depth++;
      this.pos++;
      const r = await this.or();
      if (this.pos >= n || a[this.pos] !== ')') return this.fail("missing ')'");
      this.pos++;
      this.depth--;
      return r;
    }
    if (this.pos + 3 <= n && isBinary(a[this.pos + 1])) return this.binary();
    if (this.pos + 2 <= n && isUnary(a[this.pos])) return this.unary();
    return this.one();
  }

  private async unary(): Promise<boolean> {
    const op = this.args[this.pos];
    const operand = this.args[this.pos + 1];
    this.pos += 2;
    if (op === '-z') return operand === '';
    if (op === '-n') return operand !== '';
    // "-o OPTION": shell options do not exist here.
    if (op === '-o') return false;
    return this.fileTest(op, operand);
  }

  private async binary(): Promise<boolean> {
    const [l, op, r] = this.args.slice(this.pos, this.pos + 3);
    this.pos += 3;
    switch (op) {
      case '=':
      case '==':
        return l === r;
      case '!=':
        return l !== r;
      case '<':
        return l < r; // bstr comparison is byte order
      case '>':
        return l > r;
      case '-a':
        return l !== '' && r !== '';
      case '-o':
        return l !== '' || r !== '';
      case '-nt':
      case '-ot':
        return this.compareTimes(l, op, r);
      default: {
        const x = await this.integer(l);
        const y = await this.integer(r);
        if (op === '-eq') return x === y;
        if (op === '-ne') return x !== y;
        if (op === '-lt') return x < y;
        if (op === '-le') return x <= y;
        if (op === '-gt') return x > y;
        return x >= y;
      }
    }
  }

  /** A base-10 int64 with surrounding blanks allowed. */
  private async integer(s: string): Promise<bigint> {
    // Trimmed by hand: the regex /[ \t…]+$/ backtracks from every blank of an inner run,
    // quadratic in the run (a 512 KiB one took 113 s).
    let a = 0;
    let b = s.length;
    while (a < b && isSpace(s.charCodeAt(a))) a++;
    while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
    const t = s.slice(a, b);
    if (/^[+-]?[0-9]+$/.test(t)) {
      const v = BigInt(t);
      if (v >= -(1n << 63n) && v < 1n << 63n) return v;
    }
    return this.fail(`${t}: integer expression expected`);
  }

  private async info(path: string, follow: boolean): Promise<FileInfo | undefined> {
    try {
      return follow ? await this.ctx.fs.stat(path, this.ctx.dir) : await this.ctx.fs.lstat(path, this.ctx.dir);
    } catch (e) {
      if (e instanceof SandboxError) return undefined;
      throw e;
    }
  }

  private async fileTest(op: string, path: string): Promise<boolean> {
    if (path === '') return false;
    if (op === '-r' || op === '-w' || op === '-x') {
      try {
        await this.ctx.fs.access(path, this.ctx.dir, op[1] as 'r' | 'w' | 'x');
        return true;
      } catch (e) {
        if (e instanceof SandboxError) return false;
        throw e;
      }
    }
    const st = await this.info(path, op !== '-h' && op !== '-L');
    if (!st) return false;
    switch (op) {
      case '-h':
      case '-L':
        return st.kind === 'symlink';
      case '-f':
        return st.kind === 'file';
      case '-d':
        return st.kind === 'dir';
      case '-s':
        return st.size > 0;
      case '-p':
        return st.kind === 'fifo';
      default:
        return true; // -e, -a
    }
  }

  private async compareTimes(l: string, op: string, r: string): Promise<boolean> {
    const a = await this.info(l, true);
    const b = await this.info(r, true);
    // A missing file is older than any existing one.
    if (op === '-nt') return a !== undefined && (b === undefined || a.mtimeNs > b.mtimeNs);
    return b !== undefined && (a === undefined || a.mtimeNs < b.mtimeNs);
  }
}

export const test: Builtin = async (ctx, args) => {
  if (args.length === 1 && args[0] === '--help') {
    await ctx.stdout.write(HELP);
    return 0;
  }
  if (args.length === 0) return 1;
  return new Evaluator(ctx, 'test', args).run();
};

export const bracket: Builtin = async (ctx, args) => {
  if (args.length === 1 && args[0] === '--help') {
    await ctx.stdout.write(HELP);
    return 0;
  }
  if (args.length === 0 || args[args.length - 1] !== ']') {
    await ctx.stderr.write("[: missing `]'\n");
    return 2;
  }
  if (args.length === 1) return 1;
  return new Evaluator(ctx, '[', args.slice(0, -1)).run();
};
