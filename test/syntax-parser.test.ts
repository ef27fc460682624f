import { describe, expect, it } from 'vitest';
import type { CallExpr, Stmt, Word } from '../src/rshell/syntax/ast.js';
import { parse } from '../src/rshell/syntax/parser.js';

/** Strip empty comment lists so expectations stay readable. */
function first(src: string): Stmt {
  return parse(src).stmts[0];
}

function call(s: Stmt): CallExpr {
  if (s.cmd?.type !== 'CallExpr') throw new Error(`expected CallExpr, got ${s.cmd?.type}`);
  return s.cmd;
}

function lits(w: Word): string[] {
  return w.parts.map((p) => `${p.type}:${'value' in p ? p.value : ''}`);
}

describe('parser: simple commands', () => {
  it('words, assignments and byte offsets', () => {
    const f = parse('a=1 echo "x $y"');
    expect(f.type).toBe('File');
    expect(f.end).toBe(15);
    const c = call(f.stmts[0]);
    expect(c.assigns).toHaveLength(1);
    expect(c.assigns[0]).toMatchObject({ pos: 0, end: 3, name: { value: 'a', pos: 0, end: 1 }, value: { pos: 2, end: 3 } });
    expect(c.args.map((a) => [a.pos, a.end])).toEqual([
      [4, 8],
      [9, 15],
    ]);
    const dq = c.args[1].parts[0];
    expect(dq).toMatchObject({ type: 'DblQuoted', left: 9, right: 14, dollar: false });
    if (dq.type !== 'DblQuoted') throw new Error('unreachable');
    expect(dq.parts[0]).toEqual({ type: 'Lit', pos: 10, end: 12, value: 'x ' });
    expect(dq.parts[1]).toMatchObject({ type: 'ParamExp', short: true, pos: 12, end: 14, param: { value: 'y' } });
  });

  it('keeps backslashes in literals and drops line continuations', () => {
    const c = call(first('echo a\\ b c\\\nd'));
    expect(lits(c.args[1])).toEqual(['Lit:a\\ b']);
    expect(lits(c.args[2])).toEqual(['Lit:cd']);
    expect(c.args[2]).toMatchObject({ pos: 10, end: 14 });
  });

  it('assignment without a value has value null', () => {
    const c = call(first('x='));
    expect(c.args).toEqual([]);
    expect(c.assigns[0]).toMatchObject({ name: { value: 'x' }, value: null, append: false });
  });

  it('leading tilde stays a literal', () => {
    expect(lits(call(first('ls ~/x')).args[1])).toEqual(['Lit:~/x']);
  });

  it('redirections with fd numbers', () => {
    const s = first('cmd 2>&1 >/dev/null <in');
    expect(s.redirs.map((r) => [r.op, r.n?.value ?? null, r.opPos, r.word.parts[0].pos])).toEqual([
      ['>&', '2', 5, 7],
      ['>', null, 9, 10],
      ['<', null, 20, 21],
    ]);
  });
});

describe('parser: lists and pipelines', () => {
  it('&& / || and pipes nest to the left, as in mvdan', () => {
    const s = first('a && b || c');
    expect(s.cmd).toMatchObject({ type: 'BinaryCmd', op: '||', x: { cmd: { type: 'BinaryCmd', op: '&&' } } });
    const p = first('a | b |& c');
    expect(p.cmd).toMatchObject({
      type: 'BinaryCmd',
      op: '|&',
      opPos: 6,
      x: { pos: 0, end: 5, cmd: { type: 'BinaryCmd', op: '|', opPos: 2 } },
      y: { pos: 9, cmd: { type: 'CallExpr' } },
    });
  });

  it('negation covers the pipeline; & backgrounds the statement', () => {
    const s = first('! a | b &');
    expect(s).toMatchObject({ negated: true, background: true, semicolon: 8, pos: 0 });
    expect(s.cmd?.type).toBe('BinaryCmd');
  });

  it('semicolons and newlines separate statements', () => {
    const f = parse('a; b\nc');
    expect(f.stmts.map((s) => [s.pos, s.semicolon])).toEqual([
      [0, 1],
      [3, -1],
      [5, -1],
    ]);
  });
});

/** The command of the first statement, narrowed by type. */
function cmdOf<T extends NonNullable<Stmt['cmd']>['type']>(src: string, type: T): Extract<NonNullable<Stmt['cmd']>, { type: T }> {
  const c = first(src).cmd;
  if (c?.type !== type) throw new Error(`expected ${type}, got ${c?.type}`);
  return c as Extract<NonNullable<Stmt['cmd']>, { type: T }>;
}

describe('parser: quoting and expansions', () => {
  it('single, ANSI-C and locale quotes', () => {
    const w = call(first(`x='a b'$'c\\nd'$"e"`)).assigns[0].value!;
    expect(w.parts).toEqual([
      { type: 'SglQuoted', pos: 2, end: 7, left: 2, right: 6, dollar: false, value: 'a b' },
      { type: 'SglQuoted', pos: 7, end: 14, left: 7, right: 13, dollar: true, value: 'c\\nd' },
      { type: 'DblQuoted', pos: 14, end: 18, left: 14, right: 17, dollar: true, parts: [{ type: 'Lit', pos: 16, end: 17, value: 'e' }] },
    ]);
  });

  it('double quotes keep backslashes in their literals', () => {
    const dq = call(first('echo "a\\"b\\$c"')).args[1].parts[0];
    expect(dq).toMatchObject({ type: 'DblQuoted', parts: [{ type: 'Lit', value: 'a\\"b\\$c' }] });
  });

  it('command substitutions: $( ) and backquotes with nested escapes, offsets in the script', () => {
    const [cs] = call(first('echo $(a; b)')).args[1].parts;
    expect(cs).toMatchObject({ type: 'CmdSubst', pos: 5, end: 12, left: 5, right: 11, backquotes: false });
    const bq = call(first('echo `a \\`b\\` c`')).args[1].parts[0];
    expect(bq).toMatchObject({ type: 'CmdSubst', backquotes: true, left: 5, right: 15, pos: 5, end: 16 });
    if (bq.type !== 'CmdSubst') throw new Error('unreachable');
    const inner = call(bq.stmts[0]);
    expect(inner.args.map((a) => [a.pos, a.end])).toEqual([
      [6, 7],
      [9, 13],
      [14, 15],
    ]);
    expect(inner.args[1].parts[0]).toMatchObject({ type: 'CmdSubst', backquotes: true, left: 9, right: 12 });
  });

  it('parameter expansion forms set mvdan’s fields', () => {
    const pe = (src: string) => call(first(`echo ${src}`)).args[1].parts[0];
    expect(pe('$x')).toMatchObject({ type: 'ParamExp', short: true, param: { value: 'x' }, rbrace: -1 });
    expect(pe('$?')).toMatchObject({ short: true, param: { value: '?' } });
    expect(pe('$10')).toMatchObject({ short: true, param: { value: '1' } });
    expect(pe('${10}')).toMatchObject({ short: false, param: { value: '10' }, rbrace: 9 });
    expect(pe('${#x}')).toMatchObject({ length: true, param: { value: 'x' } });
    expect(pe('${#}')).toMatchObject({ length: false, param: { value: '#' } });
    expect(pe('${!x}')).toMatchObject({ excl: true, names: null });
    expect(pe('${!x*}')).toMatchObject({ excl: true, names: '*' });
    expect(pe('${!x@}')).toMatchObject({ excl: true, names: '@' });
    expect(pe('${x[@]}')).toMatchObject({ index: { type: 'Word', parts: [{ value: '@' }] } });
    expect(pe('${x[i+1]}')).toMatchObject({ index: { type: 'BinaryArithm', op: '+' } });
    expect(pe('${x:1:2}')).toMatchObject({ slice: { offset: { type: 'Word' }, length: { type: 'Word' } } });
    expect(pe('${x: -1}')).toMatchObject({ slice: { offset: { type: 'UnaryArithm', op: '-' }, length: null } });
    expect(pe('${x/a/b}')).toMatchObject({ repl: { all: false, orig: { parts: [{ value: 'a' }] }, with_: { parts: [{ value: 'b' }] } } });
    expect(pe('${x//a}')).toMatchObject({ repl: { all: true, with_: null } });
    for (const op of [':-', '-', ':=', '=', ':+', '+', ':?', '?', '#', '##', '%', '%%', '^', '^^', ',', ',,']) {
      expect(pe(`\${x${op}w}`)).toMatchObject({ exp: { op, word: { parts: [{ value: 'w' }] } } });
    }
    expect(pe('${x@Q}')).toMatchObject({ exp: { op: '@', word: { parts: [{ value: 'Q' }] } } });
    expect(pe('${x:-}')).toMatchObject({ exp: { op: ':-', word: null } });
  });

  it('a lone or trailing $ stays literal', () => {
    expect(lits(call(first('echo a$ $ "$"')).args[1])).toEqual(['Lit:a$']);
    expect(lits(call(first('echo $')).args[1])).toEqual(['Lit:$']);
  });

  it('arithmetic, process substitution and extglob are recognised', () => {
    expect(call(first('echo $((1+2*3))')).args[1].parts[0]).toMatchObject({
      type: 'ArithmExp',
      bracket: false,
      left: 5,
      right: 13,
      x: { type: 'BinaryArithm', op: '+', y: { type: 'BinaryArithm', op: '*' } },
    });
    expect(call(first('echo $[1]')).args[1].parts[0]).toMatchObject({ type: 'ArithmExp', bracket: true });
    expect(call(first('cat <(ls) >(wc)')).args.slice(1).map((w) => w.parts[0])).toMatchObject([
      { type: 'ProcSubst', op: '<(', opPos: 4, rparen: 8 },
      { type: 'ProcSubst', op: '>(' },
    ]);
    expect(call(first('ls a@(b|c)d')).args[1].parts).toMatchObject([
      { type: 'Lit', value: 'a' },
      { type: 'ExtGlob', op: '@(', pattern: { value: 'b|c', pos: 6, end: 9 } },
      { type: 'Lit', value: 'd' },
    ]);
  });
});

describe('parser: heredocs', () => {
  it('unquoted body is parsed; quoted body is one literal', () => {
    const s = first('cat <<EOF; cat <<"END"\nhi $x\nEOF\nraw $y\nEND\n');
    expect(s.redirs[0]).toMatchObject({ op: '<<', word: { parts: [{ value: 'EOF' }] } });
    expect(s.redirs[0].hdoc?.parts).toMatchObject([
      { type: 'Lit', value: 'hi ' },
      { type: 'ParamExp', param: { value: 'x' } },
      { type: 'Lit', value: '\n' },
    ]);
    const f = parse('cat <<EOF; cat <<"END"\nhi $x\nEOF\nraw $y\nEND\n');
    expect(f.stmts[1].redirs[0].hdoc?.parts).toEqual([{ type: 'Lit', pos: 33, end: 40, value: 'raw $y\n' }]);
  });

  it('<<- strips leading tabs from body lines and the delimiter line', () => {
    const s = first('cat <<-EOF\n\tone\n\t\ttwo\n\tEOF\n');
    expect(s.redirs[0].op).toBe('<<-');
    expect(s.redirs[0].hdoc?.parts).toMatchObject([{ type: 'Lit', value: 'one\ntwo\n' }]);
  });

  it('heredoc in a pipeline and inside a command substitution', () => {
    const p = first('cat <<EOF | wc -l\na\nb\nEOF\n');
    expect(p.cmd?.type).toBe('BinaryCmd');
    const cs = call(first('x=$(cat <<EOF\nin\nEOF\n)')).assigns[0].value!.parts[0];
    if (cs.type !== 'CmdSubst') throw new Error('expected CmdSubst');
    expect(cs.stmts[0].redirs[0].hdoc?.parts).toMatchObject([{ value: 'in\n' }]);
  });

  it('empty body and backslash-quoted delimiters', () => {
    expect(first('cat <<EOF\nEOF').redirs[0].hdoc).toMatchObject({ type: 'Word', parts: [] });
    expect(first('cat <<\\EOF\n$x\nEOF').redirs[0].hdoc?.parts).toMatchObject([{ type: 'Lit', value: '$x\n' }]);
  });
});

describe('parser: compound commands', () => {
  it('if/elif/else chain', () => {
    const c = cmdOf('if a; then b; elif c; then d; else e; fi', 'IfClause');
    expect(c).toMatchObject({ position: 0, thenPos: 6, fiPos: 38, end: 40 });
    expect(c.else_).toMatchObject({ type: 'IfClause', position: 14, fiPos: 38 });
    expect(c.else_?.else_).toMatchObject({ type: 'IfClause', position: 30, cond: [] });
  });

  it('for forms: in-list, no list, empty list, braces, C-style, select', () => {
    expect(cmdOf('for x in a b; do c; done', 'ForClause')).toMatchObject({
      select: false,
      braces: false,
      loop: { type: 'WordIter', name: { value: 'x' }, inPos: 6, items: [{ pos: 9 }, { pos: 11 }] },
      doPos: 14,
      donePos: 20,
    });
    expect(cmdOf('for x; do c; done', 'ForClause').loop).toMatchObject({ inPos: -1, items: [] });
    expect(cmdOf('for x in; do c; done', 'ForClause').loop).toMatchObject({ inPos: 6, items: [] });
    expect(cmdOf('for x in a; { c; }', 'ForClause')).toMatchObject({ braces: true, do_: [{ type: 'Stmt' }] });
    expect(cmdOf('for ((i=0; i<3; i++)); do c; done', 'ForClause').loop).toMatchObject({
      type: 'CStyleLoop',
      init: { op: '=' },
      cond: { op: '<' },
      post: { op: '++', post: true },
    });
    expect(cmdOf('select x in a; do c; done', 'ForClause').select).toBe(true);
  });

  it('while/until, case, blocks, subshells, functions', () => {
    expect(cmdOf('until a; do b; done', 'WhileClause')).toMatchObject({ until: true, doPos: 9, donePos: 15 });
    expect(cmdOf('case $x in a|b) c;; (*) ;& esac', 'CaseClause')).toMatchObject({
      inPos: 8,
      items: [
        { op: ';;', patterns: [{ parts: [{ value: 'a' }] }, { parts: [{ value: 'b' }] }] },
        { op: ';&', patterns: [{ parts: [{ value: '*' }] }], stmts: [] },
      ],
    });
    expect(first('{ a; } >/dev/null')).toMatchObject({ cmd: { type: 'Block', lbrace: 0, rbrace: 5 }, redirs: [{ op: '>' }] });
    expect(cmdOf('(a; b)', 'Subshell')).toMatchObject({ lparen: 0, rparen: 5, stmts: [{}, {}] });
    expect(cmdOf('f() { a; }', 'FuncDecl')).toMatchObject({ rsrvWord: false, parens: true, name: { value: 'f' } });
    expect(cmdOf('function g { a; }', 'FuncDecl')).toMatchObject({ rsrvWord: true, parens: false, name: { value: 'g' } });
  });

  it('[[ ]], (( )), declarations, let, time, coproc', () => {
    expect(cmdOf('[[ -f a && b =~ ^x(y|z)$ ]]', 'TestClause').x).toMatchObject({
      type: 'BinaryTest',
      op: '&&',
      x: { type: 'UnaryTest', op: '-f' },
      y: { type: 'BinaryTest', op: '=~', y: { parts: [{ value: '^x(y|z)$' }] } },
    });
    expect(cmdOf('((a += 2))', 'ArithmCmd').x).toMatchObject({ type: 'BinaryArithm', op: '+=' });
    expect(cmdOf('local -r a=1 b', 'DeclClause')).toMatchObject({
      variant: { value: 'local' },
      args: [{ naked: true, value: { parts: [{ value: '-r' }] } }, { name: { value: 'a' } }, { naked: true, name: { value: 'b' } }],
    });
    expect(cmdOf('let a=1 b++', 'LetClause').exprs).toHaveLength(2);
    expect(cmdOf('time -p a | b', 'TimeClause')).toMatchObject({ posixFormat: true, stmt: { cmd: { type: 'BinaryCmd' } } });
    expect(cmdOf('coproc N { a; }', 'CoprocClause')).toMatchObject({ name: { parts: [{ value: 'N' }] }, stmt: { cmd: { type: 'Block' } } });
  });

  it('arrays, +=, and index assignments', () => {
    expect(call(first('a=(1 [2]=x)')).assigns[0]).toMatchObject({
      array: { elems: [{ index: null, value: { parts: [{ value: '1' }] } }, { index: { parts: [{ value: '2' }] }, value: { parts: [{ value: 'x' }] } }] },
    });
    expect(call(first('a+=x')).assigns[0]).toMatchObject({ append: true, name: { value: 'a' } });
    expect(call(first('a[1]=x')).assigns[0]).toMatchObject({ index: { parts: [{ value: '1' }] }, value: { parts: [{ value: 'x' }] } });
  });

  it('reserved words are plain arguments after the command word', () => {
    expect(call(first('echo if then fi done { } ! in')).args.map((a) => lits(a)[0])).toEqual([
      'Lit:echo', 'Lit:if', 'Lit:then', 'Lit:fi', 'Lit:done', 'Lit:{', 'Lit:}', 'Lit:!', 'Lit:in',
    ]);
  });

  it('comments are recorded and end the command', () => {
    const f = parse('echo a # c1\n# c2\n');
    expect(call(f.stmts[0]).args).toHaveLength(2);
    expect([...f.stmts[0].comments, ...f.last].map((c) => c.text)).toEqual([' c1', ' c2']);
  });
});

describe('parser: mvdan v3.13 acceptances found by differential testing', () => {
  it('`${ cmd; }` and `${| cmd; }` are command substitutions (Bash 5.3 / mksh forms)', () => {
    expect(call(first('echo ${ pwd; }')).args[1].parts[0]).toMatchObject({
      type: 'CmdSubst',
      tempFile: true,
      replyVar: false,
      left: 5,
      right: 13,
      stmts: [{ cmd: { type: 'CallExpr' } }],
    });
    expect(call(first('echo ${| r; }')).args[1].parts[0]).toMatchObject({ type: 'CmdSubst', tempFile: false, replyVar: true });
  });

  it('process substitutions are words in a for-in list (finding F1)', () => {
    expect(cmdOf('for x in a <(b) >(c); do d; done', 'ForClause').loop).toMatchObject({
      items: [{ parts: [{ type: 'Lit' }] }, { parts: [{ type: 'ProcSubst', op: '<(' }] }, { parts: [{ type: 'ProcSubst', op: '>(' }] }],
    });
  });

  it('a heredoc started before a ( )-list takes its body after the line the list ends on', () => {
    const f = parse('cat <<EOF; (a\nb)\nbody\nEOF\n');
    expect(f.stmts[0].redirs[0].hdoc?.parts).toMatchObject([{ value: 'body\n' }]);
    expect(f.stmts[1].cmd).toMatchObject({ type: 'Subshell', stmts: [{}, {}] });
  });

  it('inside ( ) a # right after a quoted part starts a comment, as in mvdan', () => {
    expect(call((parse('(echo "a"#b\n)').stmts[0].cmd as { stmts: Stmt[] }).stmts[0]).args).toHaveLength(2);
    expect(call(first('echo "a"#b')).args[1].parts).toMatchObject([{ type: 'DblQuoted' }, { type: 'Lit', value: '#b' }]);
  });
});

describe('parser: line continuations inside keywords and names', () => {
  it('joins keywords split by backslash-newline', () => {
    expect(cmdOf('i\\\nf true; t\\\nhen echo; f\\\ni', 'IfClause')).toMatchObject({ thenPos: 11, fiPos: 24 });
    expect(cmdOf('\\\nf\\\nor \\\ni \\\nin 1 2\\\n; do echo; done', 'ForClause').loop).toMatchObject({
      name: { value: 'i', pos: 10 },
      items: [{ parts: [{ value: '1' }] }, { parts: [{ value: '2' }] }],
    });
  });

  it('joins assignment names and operators split by backslash-newline', () => {
    expect(call(first('fo\\\no\\\n=\\\nb\\\nar')).assigns[0]).toMatchObject({
      name: { value: 'foo', pos: 0, end: 5 },
      value: { parts: [{ value: 'bar' }] },
    });
    expect(call(first('a+\\\n=1')).assigns[0]).toMatchObject({ append: true, name: { value: 'a' } });
    expect(cmdOf('decl\\\nare x', 'DeclClause').variant.value).toBe('declare');
  });

  it('a $ followed by a line continuation still expands', () => {
    const args = call(first('echo $\\\nx "$\\\ny" ${\\\nz}')).args;
    expect(args[1].parts[0]).toMatchObject({ type: 'ParamExp', short: true, pos: 5, dollar: 5, param: { value: 'x' } });
    expect(args[2].parts[0]).toMatchObject({ type: 'DblQuoted', parts: [{ type: 'ParamExp', pos: 11, param: { value: 'y' } }] });
    expect(args[3].parts[0]).toMatchObject({ type: 'ParamExp', short: false, pos: 17, param: { value: 'z' } });
  });

  it('joins parameter names split by backslash-newline, as bash and mvdan do', () => {
    const args = call(first('echo $z\\\na "$z\\\n\\\nb_1" ${z\\\nc\\\n} $z\\\n-')).args;
    expect(args[1].parts).toMatchObject([{ type: 'ParamExp', short: true, pos: 5, end: 10, param: { value: 'za', pos: 6, end: 10 } }]);
    expect(args[2].parts[0]).toMatchObject({ type: 'DblQuoted', parts: [{ type: 'ParamExp', param: { value: 'zb_1' } }] });
    expect(args[3].parts).toMatchObject([{ type: 'ParamExp', short: false, param: { value: 'zc' } }]);
    expect(args[4].parts).toMatchObject([{ type: 'ParamExp', param: { value: 'z' } }, { type: 'Lit', value: '-' }]);
  });
});

describe('parser: backquotes are lexed like mvdan', () => {
  it('single quotes inside hide a backquote; double quotes do not', () => {
    const bq = call(first("echo `echo 'a`b'`")).args[1].parts[0];
    expect(bq).toMatchObject({ type: 'CmdSubst', backquotes: true, right: 16 });
    expect(() => parse('echo `echo "a`b"`')).toThrow('reached "`" without closing quote `"`');
  });

  it('quotes inside comments and extglob patterns are plain text', () => {
    expect(call(first("echo `a # it's`")).args[1].parts[0]).toMatchObject({ type: 'CmdSubst', right: 14 });
    expect(call(first("x=`echo @('a|b)`")).assigns[0].value?.parts[0]).toMatchObject({ type: 'CmdSubst', right: 15 });
  });

  it('an escaped backslash before a backquote still escapes it (mvdan)', () => {
    expect(() => parse('`\\\\`""')).toThrow('reached EOF without closing quote "`"');
    expect(call(first('echo `a \\\\`x\\\\` b`')).args).toHaveLength(2);
  });
});

describe('parser: for-loop names', () => {
  it('any literal word names the loop, except a name followed by `[` (finding F13)', () => {
    expect(cmdOf('for [j in a; do b; done', 'ForClause').loop).toMatchObject({ name: { value: '[j' } });
    expect(cmdOf('for [[ in a; do b; done', 'ForClause').loop).toMatchObject({ name: { value: '[[' } });
    expect(cmdOf('for 1 in a; do b; done', 'ForClause').loop).toMatchObject({ name: { value: '1' } });
    // Backslash escapes stay in the name, as in mvdan's Lit (found by the parser fuzz, seed 1206003).
    expect(cmdOf('for \\IFS in a; do b; done', 'ForClause').loop).toMatchObject({ name: { value: '\\IFS' } });
    expect(cmdOf('for a\\ b in a; do b; done', 'ForClause').loop).toMatchObject({ name: { value: 'a\\ b' } });
    expect(cmdOf('for a\\\nb in a; do b; done', 'ForClause').loop).toMatchObject({ name: { value: 'ab' } });
    expect(cmdOf('for a\\$b in a; do b; done', 'ForClause').loop).toMatchObject({ name: { value: 'a\\$b' } });
    expect(() => parse('for a\\b$c in a; do b; done')).toThrow('1:1:');
    expect(() => parse('for a[ in a; do b; done')).toThrow('1:1: `for foo` must be followed by `in`, `do`, `;`, or a newline');
  });
});
