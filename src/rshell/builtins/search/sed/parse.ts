/**
 * sed script parser (GNU syntax as rshell accepts it). Messages follow rshell's wording;
 * blocked commands (e w W r R, s///w, s///e) are rejected here, before any input is read.
 */
import { bufferedRefusal } from '../../lib/buffered.js';
import { ByteRegex, charWidth, literalOf, RegexError, translateRegex } from '../../lib/regex.js';
import { SedParseError, type Address, type Command, type Program, type ReplPart, type Subst } from './program.js';

const MAX_GROUP_DEPTH = 256;

/** Escapes kept as written in a regex (RE2 operators and classes); others lose the `\`. */
const PATTERN_KEEP = new Set('123456789\\.^$*[](){}+?|<>BAZzwWsSdDb`\''.split(''));

/** `\n` `\t` …: the characters themselves (in a regex, in or out of brackets). */
const CONTROL_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['n', '\n'],
  ['t', '\t'],
  ['a', '\x07'],
  ['f', '\f'],
  ['r', '\r'],
  ['v', '\v'],
]);

function fail(msg: string): never {
  throw new SedParseError(msg);
}

class Parser {
  pos = 0;
  depth = 0;
  readonly cmds: Command[] = [];
  private readonly openGroups: number[] = [];

  constructor(
    private readonly s: string,
    private readonly ere: boolean,
    private readonly guard: ((worstMs: number) => void) | undefined,
    private readonly limits: ScriptLimits = {},
  ) {}

  private peek(): string | undefined {
    return this.s[this.pos];
  }

  private skipSpaces(): void {
    while (this.s[this.pos] === ' ' || this.s[this.pos] === '\t') this.pos++;
  }

  async parse(): Promise<Program> {
    const quietFromScript = this.s.startsWith('#n\n') || this.s === '#n';
    for (;;) {
      while (this.pos < this.s.length && ' \t\n\r;'.includes(this.s[this.pos])) this.pos++;
      if (this.pos >= this.s.length) break;
      const c = this.s[this.pos];
      if (c === '#') {
        this.skipComment();
        continue;
      }
      if (c === '}') {
        this.pos++;
        const open = this.openGroups.pop();
        if (open === undefined) fail("unexpected '}'");
        this.depth--;
        this.cmds.push(newCommand('}'));
        this.cmds[open].jump = this.cmds.length;
        this.requireEnd();
        continue;
      }
      this.command();
      // Between commands: a script of a thousand small regexes compiled in one stretch.
      const wait = this.limits.pause?.();
      if (wait) await wait;
    }
    if (this.openGroups.length > 0) fail("unterminated '{'");
    this.resolveLabels();
    return { cmds: this.cmds, quietFromScript };
  }

  private skipComment(): void {
    while (this.pos < this.s.length && this.s[this.pos] !== '\n') this.pos++;
  }

  /** After a command: only spaces, then `;`, newline, `}`, `#` or the end. */
  private requireEnd(): void {
    this.skipSpaces();
    const c = this.peek();
    if (c === undefined || c === ';' || c === '\n' || c === '\r' || c === '}' || c === '#') return;
    fail('extra characters after command');
  }

  private command(): void {
    const cmd = newCommand('');
    cmd.a1 = this.address();
    if (cmd.a1 && this.peek() === ',') {
      this.pos++;
      this.skipSpaces();
      cmd.a2 = this.address(true);
      if (!cmd.a2) fail("expected address after ','");
    }
    if (cmd.a1?.kind === 'line' && cmd.a1.n === 0 && (!cmd.a2 || cmd.a2.kind !== 're')) {
      fail('invalid usage of line address 0');
    }
    this.skipSpaces();
    if (this.peek() === '!') {
      cmd.negate = true;
      this.pos++;
      this.skipSpaces();
    }
    const name = this.s[this.pos++];
    if (name === undefined) fail('missing command');
    cmd.name = name;
    switch (name) {
      case '{':
        if (this.depth >= MAX_GROUP_DEPTH) fail('group nesting depth limit exceeded');
        this.depth++;
        this.openGroups.push(this.cmds.length);
        this.cmds.push(cmd);
        return;
      case 's':
        cmd.subst = this.substitute();
        break;
      case 'y':
        cmd.ymap = this.transliterate();
        this.requireEnd();
        break;
      case 'a':
      case 'i':
      case 'c':
        cmd.text = this.textArg();
        break;
      case 'q':
      case 'Q':
        if (cmd.a2) fail('command only uses one address');
        cmd.exitCode = this.exitCode();
        break;
      case ':':
        if (cmd.a1) fail(": doesn't want any addresses");
        cmd.label = this.label();
        if (cmd.label === '') fail("missing label name for ':'");
        break;
      case 'b':
      case 't':
      case 'T':
        cmd.label = this.label();
        break;
      case 'p':
      case 'P':
      case 'd':
      case 'D':
      case '=':
      case 'l':
      case 'n':
      case 'N':
      case 'h':
      case 'H':
      case 'g':
      case 'G':
      case 'x':
        this.requireEnd();
        break;
      case 'e':
        fail("'e' command is blocked: command execution is not allowed");
      case 'w':
      case 'W':
        fail(`'${name}' command is blocked: file writing is not allowed`);
      case 'r':
      case 'R':
        fail(`'${name}' command is blocked: unsandboxed file reading is not allowed`);
      default:
        fail(`unknown command: '${name}'`);
    }
    this.cmds.push(cmd);
  }

  private number(): number {
    const start = this.pos;
    while (this.pos < this.s.length && this.s[this.pos] >= '0' && this.s[this.pos] <= '9') this.pos++;
    const digits = this.s.slice(start, this.pos);
    const n = Number(digits);
    if (digits.length > 18 || !Number.isSafeInteger(n)) fail(`invalid line number: ${digits}`);
    return n;
  }

  private address(second = false): Address | null {
    const c = this.peek();
    if (c === undefined) return null;
    if (second && (c === '+' || c === '~')) {
      this.pos++;
      if (!/[0-9]/.test(this.peek() ?? '')) fail('expected number after ' + c);
      const n = this.number();
      return c === '+' ? { kind: 'plus', n } : { kind: 'mult', n };
    }
    if (c >= '0' && c <= '9') {
      const n = this.number();
      if (this.peek() === '~') {
        this.pos++;
        const step = /[0-9]/.test(this.peek() ?? '') ? this.number() : 0;
        return step > 0 ? { kind: 'step', first: n, step } : { kind: 'line', n };
      }
      return { kind: 'line', n };
    }
    if (c === '$') {
      this.pos++;
      return { kind: 'last' };
    }
    if (c === '/' || c === '\\') {
      let delim = '/';
      if (c === '\\') {
        this.pos++;
        delim = this.s[this.pos] ?? fail("expected delimiter after '\\'");
        if (delim === '\n' || delim === '\\') fail('unexpected delimiter');
      }
      this.pos++;
      const raw = this.delimited(delim, true);
      if (raw === null) fail('unterminated address regex');
      let icase = false;
      while (this.peek() === 'I') {
        icase = true;
        this.pos++;
      }
      if (raw === '') {
        if (icase) fail('cannot specify modifiers on empty regexp');
        return { kind: 're', re: null };
      }
      return { kind: 're', re: this.compile(raw, icase) };
    }
    return null;
  }

  /**
   * Reads up to an unescaped `delim` (consumed). In a regex (`pattern`), `\n` `\t` … become
   * the characters, RE2 escapes stay, other escapes lose their backslash; in a replacement
   * every escape but `\delim` and the control-character ones is kept for later.
   * In a regex a bracket expression is read whole, as GNU sed does: the delimiter inside it
   * is a member (`s/[/]/_/`), and so is a backslash (it escapes nothing there, the `]`
   * included), except that `\n` `\t` … are still the control characters.
   * Returns null when the delimiter never comes.
   */
  private delimited(delim: string, pattern: boolean): string | null {
    let out = '';
    // Plain chars from `plain` on are added as one slice: a string grown a char at a time is
    // a rope of a node per char (a 1 MiB `y` set: 32 MB, twelve sed stages +400 MiB).
    let plain = this.pos;
    while (this.pos < this.s.length) {
      const c = this.s[this.pos];
      if (c === '[' && pattern && delim !== '[') {
        out += this.s.slice(plain, this.pos);
        const bracket = this.bracket();
        if (bracket === null) return null;
        out += bracket;
        plain = this.pos;
        continue;
      }
      if (c === '\\' && this.pos + 1 < this.s.length) {
        out += this.s.slice(plain, this.pos);
        const n = this.s[this.pos + 1];
        this.pos += 2;
        plain = this.pos;
        if (n === delim) out += delim;
        else if (CONTROL_ESCAPES.has(n)) out += CONTROL_ESCAPES.get(n);
        else if (n === 'b' && !pattern) out += '\b';
        else if (pattern && !PATTERN_KEEP.has(n)) out += n;
        else out += '\\' + n;
        continue;
      }
      this.pos++;
      if (c === delim) return out + this.s.slice(plain, this.pos - 1);
      if (c === '\n' && pattern) return null;
    }
    return null;
  }

  /**
   * Reads the bracket expression at `[` (consumed up to its `]`), turning the control-character
   * escapes into their characters and keeping every other byte; null when it is not closed
   * on this line.
   */
  private bracket(): string | null {
    const s = this.s;
    let j = this.pos + 1;
    let out = '[';
    if (s[j] === '^') out += s[j++];
    if (s[j] === ']') out += s[j++];
    while (j < s.length && s[j] !== '\n') {
      const c = s[j];
      if (c === ']') {
        this.pos = j + 1;
        return out + ']';
      }
      if (c === '[' && (s[j + 1] === ':' || s[j + 1] === '=' || s[j + 1] === '.')) {
        const end = s.indexOf(s[j + 1] + ']', j + 2);
        if (end === -1 || s.slice(j, end).includes('\n')) return null;
        out += s.slice(j, end + 2);
        j = end + 2;
        continue;
      }
      // `\\` is one escaped backslash, as GNU reads it: `[\\n]` is a backslash and an `n`.
      if (c === '\\' && s[j + 1] === '\\') {
        out += '\\\\';
        j += 2;
        continue;
      }
      const ctl = c === '\\' ? CONTROL_ESCAPES.get(s[j + 1] ?? '') : undefined;
      if (ctl !== undefined) {
        out += ctl;
        j += 2;
        continue;
      }
      out += c;
      j++;
    }
    return null;
  }

  private compile(raw: string, icase: boolean): ByteRegex {
    try {
      const syntax = this.ere ? 'ere' : 'bre';
      const re = ByteRegex.compile(translateRegex(raw, syntax), {
        ignoreCase: icase,
        dotNewline: true,
        longest: true,
        literal: literalOf(raw, syntax),
        guard: this.guard,
      });
      if (this.limits.keep && !this.limits.keep(re.size * REGEX_BYTES_PER_INST)) fail(bufferedRefusal());
      return re;
    } catch (e) {
      if (e instanceof RegexError) fail('invalid regex: ' + e.message);
      throw e;
    }
  }

  private substitute(): Subst {
    const delim = this.s[this.pos++];
    if (delim === undefined) fail("missing delimiter for 's' command");
    if (delim === '\\' || delim === '\n') fail(`invalid delimiter for 's' command: '${delim}'`);
    const pattern = this.delimited(delim, true);
    if (pattern === null) fail("unterminated 's' command");
    const replacement = this.delimited(delim, false);
    if (replacement === null) fail("unterminated 's' command");
    const sub: Subst = { re: null, repl: [], global: false, print: false, nth: 1, hasCaseOps: false };
    let icase = false;
    let nthSeen = false;
    flags: while (this.pos < this.s.length) {
      const c = this.s[this.pos];
      switch (c) {
        case 'g':
          sub.global = true;
          this.pos++;
          break;
        case 'p':
          sub.print = true;
          this.pos++;
          break;
        case 'i':
        case 'I':
          icase = true;
          this.pos++;
          break;
        case 'w':
          fail("'w' flag in 's' command is blocked: file writing is not allowed");
        case 'e':
          fail("'e' flag in 's' command is blocked: command execution is not allowed");
        case ';':
        case '\n':
        case '\r':
        case '}':
        case ' ':
        case '\t':
        case '#':
          break flags;
        default:
          if (c === '0') fail("number option to 's' command may not be zero");
          if (c >= '1' && c <= '9') {
            if (nthSeen) fail("multiple number options to 's' command");
            nthSeen = true;
            sub.nth = this.number();
            break;
          }
          fail("unknown option to 's' command");
      }
    }
    this.requireEnd();
    if (pattern === '') {
      if (icase) fail('cannot specify modifiers on empty regexp');
    } else {
      sub.re = this.compile(pattern, icase);
    }
    sub.repl = parseReplacement(replacement);
    sub.hasCaseOps = sub.repl.some((p) => p.kind === 'case');
    if (sub.re) {
      for (const p of sub.repl) {
        if (p.kind === 'group' && p.n > sub.re.groupCount) fail(`invalid reference \\${p.n} on 's' command's RHS`);
      }
    }
    return sub;
  }

  private transliterate(): Map<string, string> {
    const delim = this.s[this.pos++];
    if (delim === undefined || delim === '\\' || delim === '\n') fail("missing delimiter for 'y' command");
    const src = this.delimited(delim, false);
    const dst = src === null ? null : this.delimited(delim, false);
    if (src === null || dst === null) fail("unterminated 'y' command");
    const a = unescapeY(src);
    const b = unescapeY(dst);
    const ab = Buffer.from(a, 'latin1');
    const bb = Buffer.from(b, 'latin1');
    // Both sets walked together, a char at a time: as arrays of one-char strings, 1 MiB sets
    // took 0.4 s and 130 MiB a command, and twelve such stages held the loop for 4.9 s.
    const map = new Map<string, string>();
    let i = 0;
    let j = 0;
    while (i < ab.length && j < bb.length) {
      const wi = charWidth(ab, i);
      const wj = charWidth(bb, j);
      const ch = wi === 1 ? a[i]! : a.slice(i, i + wi);
      if (!map.has(ch)) map.set(ch, wj === 1 ? b[j]! : b.slice(j, j + wj));
      i += wi;
      j += wj;
    }
    if (i < ab.length || j < bb.length) fail("'y' command: source and destination must have the same length");
    return map;
  }

  /** a/i/c text: `a text`, `a\text`, `a\` newline text, with `\`-newline continuation. */
  private textArg(): string {
    if (this.peek() === '\\') {
      this.pos++;
      if (this.peek() === '\n') this.pos++;
      else if (this.pos >= this.s.length) return ''; // `a\` ending the script: no text at all
    } else {
      this.skipSpaces();
    }
    let out = '';
    while (this.pos < this.s.length) {
      const c = this.s[this.pos];
      if (c === '\\' && this.pos + 1 < this.s.length) {
        out += this.s[this.pos + 1]; // `\`-newline continues; `\x` is x
        this.pos += 2;
        continue;
      }
      if (c === '\\') {
        this.pos++;
        continue;
      }
      if (c === '\n') break;
      out += c;
      this.pos++;
    }
    return out + '\n';
  }

  private exitCode(): number {
    this.skipSpaces();
    let code = 0;
    if (/[0-9]/.test(this.peek() ?? '')) {
      const start = this.pos;
      while (/[0-9]/.test(this.peek() ?? '')) this.pos++;
      if (this.pos - start > 20) fail('invalid exit code for q/Q command');
      code = Number(BigInt(this.s.slice(start, this.pos)) % 256n);
    }
    this.requireEnd();
    return code;
  }

  private label(): string {
    this.skipSpaces();
    const start = this.pos;
    while (this.pos < this.s.length && !' \t\n;}'.includes(this.s[this.pos])) this.pos++;
    // `;` ends a label (GNU); a `}` too, so `{:a;…;ba}` works.
    return this.s.slice(start, this.pos);
  }

  private resolveLabels(): void {
    const labels = new Map<string, number>();
    this.cmds.forEach((c, i) => {
      if (c.name === ':') labels.set(c.label, i); // the last definition wins
    });
    for (const c of this.cmds) {
      if (c.name !== 'b' && c.name !== 't' && c.name !== 'T') continue;
      if (c.label === '') c.jump = -1;
      else {
        const at = labels.get(c.label);
        if (at === undefined) fail(`undefined label '${c.label}'`);
        c.jump = at;
      }
    }
  }
}

function newCommand(name: string): Command {
  return {
    a1: null,
    a2: null,
    negate: false,
    name,
    text: '',
    jump: -1,
    label: '',
    exitCode: 0,
    subst: null,
    ymap: null,
    rangeActive: false,
    rangeClosed: false,
    rangeEnd: 0,
  };
}

/** `&`, `\0`–`\9`, `\&`, `\\`, `\`-newline, case operators; other `\x` is x. */
export function parseReplacement(r: string): ReplPart[] {
  const parts: ReplPart[] = [];
  let lit = '';
  const flush = () => {
    if (lit) parts.push({ kind: 'lit', bytes: Buffer.from(lit, 'latin1') });
    lit = '';
  };
  for (let i = 0; i < r.length; i++) {
    const c = r[i];
    if (c === '&') {
      flush();
      parts.push({ kind: 'group', n: 0 });
    } else if (c === '\\' && i + 1 < r.length) {
      const n = r[++i];
      if (n >= '0' && n <= '9') {
        flush();
        parts.push({ kind: 'group', n: n.charCodeAt(0) - 48 });
      } else if (n === 'U' || n === 'L' || n === 'u' || n === 'l' || n === 'E') {
        flush();
        parts.push({ kind: 'case', op: n });
      } else {
        lit += n;
      }
    } else {
      lit += c;
    }
  }
  flush();
  return parts;
}

function unescapeY(s: string): string {
  return s.replace(/\\(.)/gs, '$1');
}

/**
 * What a compiled regex holds on the heap per instruction of its program (150–235 bytes
 * measured): a sed script of a thousand `s/(a|aa){1,1000}N/x/` commands held 1.5 GB.
 */
export const REGEX_BYTES_PER_INST = 256;

export interface ScriptLimits {
  /** Counts `n` more bytes the script's regexes hold against the run's total; false when no room. */
  keep?: (n: number) => boolean;
  /** The run's pause (and clock check) between commands. */
  pause?: () => Promise<void> | undefined;
}

/** `guard` refuses a search whose worst case would pass the run's deadline (CompileOptions.guard). */
export function parseScript(script: string, ere: boolean, guard?: (worstMs: number) => void, limits?: ScriptLimits): Promise<Program> {
  return new Parser(script, ere, guard, limits).parse();
}
