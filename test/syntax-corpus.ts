/**
 * Deterministic generator of Bash scripts for differential parser tests: grammar-driven
 * valid scripts over the whole Bash surface, plus broken variants made by small mutations
 * (deleting, duplicating or inserting tokens, truncating).
 */

/** mulberry32: tiny seeded PRNG, good enough for test-case generation. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type R = () => number;

const pick = <T>(r: R, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const chance = (r: R, p: number) => r() < p;

const NAMES = ['a', 'x', 'FOO', 'v1', '_y', 'LINENO', 'IFS', 'PWD'];
const LITS = ['echo', 'cat', 'grep', 'x', 'a.txt', '-n', '--long=v', '*.go', 'a?b', '[ab]c', 'if', 'then', 'done', 'in', '}', '{', 'a,b', '{a,b}', '-', '=', 'k=v', '%', '!x', 'fi', 'do', 'esac', 'else', 'elif', '[', ']', ']]', '[[', '/dev/null', '~', '~/x', 'a~b', '12', '2', '#notcomment'];
const COMMANDS = ['echo', 'cat', 'grep', 'x', 'true', '[', 'test', 'printf', 'ls', 'wc'];
const SPECIALS = ['$?', '$#', '$@', '$*', '$1', '$0', '$$', '$!', '$-', '$_'];
const PARAM_OPS = [':-', '-', ':=', '=', ':+', '+', ':?', '?', '#', '##', '%', '%%', '^', '^^', ',', ',,', '@Q', '/', '//', '/#', '/%', ':1', ':1:2', ': -1'];
const ARITH = ['1', 'x', '$x', '1+2', 'a*(b-1)', 'i++', '--i', 'x=1', 'x+=2', 'a?b:c', '1<<2', '!x', '~x', 'a[1]', '16#ff', 'x,y', '2**3', 'a && b', 'a || b', '(1)', 'a == b', '-x'];
const TESTS = ['-f a', '-z "$x"', 'a == b', 'a != "b"', 'x =~ ^a(b|c)$', 'a < b', '! -d x', '( a )', 'a && b', '-n x || -z y', 'a -eq 1'];
const REDIRS = ['>/dev/null', '2>/dev/null', '>out', '>>log', '2>&1', '>&2', '1>&2', '3>&1', '<in', '3<in', '<>f', '<&0', '>|f', '&>/dev/null', '&>>f', '<<<word', '2> /dev/null', '0</dev/null'];

export class ScriptGen {
  private depth = 0;
  private heredocs: string[] = [];
  constructor(private readonly r: R) {}

  script(): string {
    const n = 1 + Math.floor(this.r() * 4);
    const lines: string[] = [];
    for (let k = 0; k < n; k++) {
      this.heredocs = [];
      let line = this.list();
      if (chance(this.r, 0.1)) line += ' # comment ' + pick(this.r, ['x', "it's", '$(', '`']);
      if (this.heredocs.length > 0) line += '\n' + this.heredocs.join('\n');
      lines.push(line);
    }
    return lines.join(pick(this.r, ['\n', '\n', '; ', '\n\n']));
  }

  private list(): string {
    let s = this.andOr();
    while (chance(this.r, 0.2)) s += pick(this.r, ['; ', ' && ', ' || ', ' & ', '\n']) + this.andOr();
    return s;
  }

  private andOr(): string {
    let s = this.pipeline();
    while (chance(this.r, 0.2)) s += pick(this.r, [' && ', ' || ', ' &&\n']) + this.pipeline();
    return s;
  }

  private pipeline(): string {
    let s = (chance(this.r, 0.1) ? '! ' : '') + this.command();
    while (chance(this.r, 0.25)) s += pick(this.r, [' | ', ' |& ', ' |\n']) + this.command();
    return s;
  }

  private command(): string {
    if (this.depth > 3) return this.simple();
    this.depth++;
    try {
      const r = this.r();
      if (r < 0.45) return this.simple();
      const kind = Math.floor(this.r() * 18);
      const body = () => this.list();
      switch (kind) {
        case 0:
          return `if ${body()}; then ${body()}; ${chance(this.r, 0.3) ? `elif ${body()}; then ${body()}; ` : ''}${chance(this.r, 0.4) ? `else ${body()}; ` : ''}fi`;
        case 1:
          return `for ${pick(this.r, NAMES)}${pick(this.r, [' in a b c', ' in', '', ' in *.txt "$x"', '\nin x'])}; do ${body()}; done`;
        case 2:
          return `${pick(this.r, ['while', 'until'])} ${body()}; do ${body()}; done`;
        case 3:
          return `case ${this.word()} in ${pick(this.r, ['a', 'a|b', '(a', '*', '"x"'])}) ${body()} ${pick(this.r, [';;', ';&', ';;&'])} ${pick(this.r, ['', '*) ;;'])} esac`;
        case 4:
          return `{ ${body()}; }${chance(this.r, 0.3) ? ' ' + pick(this.r, REDIRS) : ''}`;
        case 5:
          return `(${body()})`;
        case 6:
          return pick(this.r, [`f() { ${body()}; }`, `function g { ${body()}; }`, `function h() (${body()})`]);
        case 7:
          return `[[ ${pick(this.r, TESTS)} ]]`;
        case 8:
          return `(( ${pick(this.r, ARITH)} ))`;
        case 9:
          return `${pick(this.r, ['declare', 'local', 'export', 'readonly', 'typeset', 'nameref'])} ${pick(this.r, ['-x ', '', '-a '])}${pick(this.r, ['a=1', 'b', 'c+=2', 'd=(1 2)', 'e[1]=x'])}`;
        case 10:
          return `let ${pick(this.r, ARITH).replace(/ /g, '')}`;
        case 11:
          return `time ${pick(this.r, ['-p ', ''])}${this.simple()}`;
        case 12:
          return `coproc ${pick(this.r, ['NAME { x; }', 'cat', 'cat x', '{ a; }'])}`;
        case 13:
          return `for ((${pick(this.r, ['i=0', ''])}; ${pick(this.r, ['i<3', ''])}; ${pick(this.r, ['i++', ''])})); do ${body()}; done`;
        case 14:
          return `select ${pick(this.r, NAMES)} in a b; do ${body()}; done`;
        case 15:
          return `${pick(this.r, NAMES)}=(${pick(this.r, ['1 2', '', '[1]=a b', 'a\n b # c\n'])})`;
        case 16: {
          const delim = pick(this.r, ['EOF', 'END', '"EOF"', "'EOF'", '\\EOF', 'E"O"F']);
          const plain = delim.replace(/["'\\]/g, '');
          const dash = chance(this.r, 0.3);
          this.heredocs.push(`${dash ? '\t' : ''}line $x ${pick(this.r, ['`a`', '$(b)', '~', '${y:-z}', '\\$'])}\n${dash ? '\t' : ''}${plain}`);
          return `cat <<${dash ? '-' : ''}${delim}`;
        }
        default:
          return `echo ${this.word()}`;
      }
    } finally {
      this.depth--;
    }
  }

  private simple(): string {
    const parts: string[] = [];
    if (chance(this.r, 0.2)) {
      const op = pick(this.r, ['=', '+=', '[1]=']);
      parts.push(`${pick(this.r, NAMES)}${op}${this.word()}`);
      if (op === '[1]=') return parts[0]; // an indexed assignment cannot prefix a command
    }
    const n = Math.floor(this.r() * 4) + (parts.length === 0 ? 1 : 0);
    for (let k = 0; k < n; k++) {
      if (k === 0 && chance(this.r, 0.8)) parts.push(pick(this.r, COMMANDS));
      else parts.push(chance(this.r, 0.15) ? pick(this.r, REDIRS) : this.word());
    }
    return parts.join(' ');
  }

  word(): string {
    const n = 1 + Math.floor(this.r() * 3);
    let w = '';
    for (let k = 0; k < n; k++) w += this.part();
    return w;
  }

  private part(): string {
    const r = Math.floor(this.r() * 16);
    switch (r) {
      case 0:
        return `'${pick(this.r, ['a b', '', '$x', '"', '\\'])}'`;
      case 1:
        return `"${pick(this.r, ['a b', '', '$x', "'", '\\"', '${y}', '$(echo "q")', '`c`', '$', '\\$x'])}"`;
      case 2:
        return `$${pick(this.r, NAMES)}`;
      case 3:
        return pick(this.r, SPECIALS);
      case 4:
        return this.paramExp();
      case 5:
        return this.depth > 3 ? '$(x)' : `$(${this.nested()})`;
      case 6:
        // No backquotes inside backquotes: nested escaping is where mvdan has its own quirks.
        if (this.inBackquote) return '$(x)';
        if (this.depth > 3) return '`x`';
        return '`' + this.backquoted() + '`';
      case 7:
        return `$((${pick(this.r, ARITH)}))`;
      case 8:
        return pick(this.r, ['@(a|b)', '*(x)', '+(y)', '?(z)', '!(w)']);
      case 9:
        return pick(this.r, ['\\ ', '\\n', '\\\\', '\\"', "\\'", '\\$', '\\\n']);
      case 10:
        return `$'${pick(this.r, ['a\\nb', "\\'", ''])}'`;
      case 11:
        return `$"${pick(this.r, ['x', '$y'])}"`;
      case 12:
        return pick(this.r, ['<(ls)', '>(cat)']);
      case 13:
        return `$[${pick(this.r, ARITH)}]`;
      default:
        return pick(this.r, LITS);
    }
  }

  private inBackquote = false;

  private backquoted(): string {
    this.inBackquote = true;
    try {
      return this.nested().replace(/[\\`]/g, (m) => '\\' + m);
    } finally {
      this.inBackquote = false;
    }
  }

  /** `${…}` in the forms Bash accepts (operators never combine with `#`/`!` prefixes). */
  private paramExp(): string {
    const name = pick(this.r, NAMES);
    const index = pick(this.r, ['', '', '[0]', '[@]']);
    switch (Math.floor(this.r() * 4)) {
      case 0:
        return `\${#${name}${index}}`;
      case 1:
        return pick(this.r, [`\${!${name}}`, `\${!${name}*}`, `\${!${name}@}`, `\${!${name}[@]}`]);
      case 2:
        return `\${${name}${index}}`;
      default:
        return `\${${name}${index}${pick(this.r, PARAM_OPS)}${pick(this.r, ['', 'w', '"q r"', '$z', 'a/b'])}}`;
    }
  }

  private nested(): string {
    this.depth++;
    try {
      return this.list();
    } finally {
      this.depth--;
    }
  }
}

const MUTATION_TOKENS = [
  ';', '&', '|', ')', '(', '{', '}', '"', "'", '`', '$(', '${', '$((', 'fi', 'done', 'then', 'do',
  'esac', ';;', '\n', '<<', '&&', '||', '!', '! !', '[[', ']]', '((', '))', '\\', 'in', '<', '>',
  '2>', '|&', '#', ' ', 'if', 'for', 'case', 'while', '=', '[', ']', '}}', '${#', '$[', '<(',
];

/** Break a script with one or two small edits (most results no longer parse). */
export function mutate(r: R, src: string): string {
  let s = src;
  const edits = 1 + Math.floor(r() * 2);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(r() * (s.length + 1));
    switch (Math.floor(r() * 4)) {
      case 0:
        s = s.slice(0, at) + s.slice(at + 1);
        break;
      case 1:
        s = s.slice(0, at) + pick(r, MUTATION_TOKENS) + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + ' ' + pick(r, MUTATION_TOKENS) + ' ' + s.slice(at);
        break;
      default:
        s = s.slice(0, at);
    }
  }
  return s;
}

/** `count` scripts: roughly half valid-by-construction, half mutated. */
export function corpus(seed: number, count: number): string[] {
  const r = rng(seed);
  const gen = new ScriptGen(r);
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const s = gen.script();
    out.push(k % 2 === 0 ? s : mutate(r, s));
  }
  return out;
}
