/**
 * Parse errors: the accept/reject decision and, for these cases, the exact `line:col: message`
 * text mvdan/sh v3.13 prints (each expectation was taken from sh-syntax's output).
 */
import { describe, expect, it } from 'vitest';
import { MAX_SCRIPT_BYTES, parse, ParseError, ScriptTooLargeError } from '../src/rshell/syntax/parser.js';

function errorOf(src: string): string {
  try {
    parse(src);
  } catch (e) {
    if (e instanceof ParseError) return e.toString();
    throw e;
  }
  return 'OK';
}

describe('parse errors in mvdan wording', () => {
  const cases: [string, string][] = [
    ["echo \"abc", "1:6: reached EOF without closing quote `\"`"],
    ["echo 'abc", "1:6: reached EOF without closing quote `'`"],
    ["echo `abc", "1:6: reached EOF without closing quote \"`\""],
    ["echo $'abc", "1:6: reached EOF without closing quote `'`"],
    ["echo $\"abc", "1:6: reached EOF without closing quote `\"`"],
    ["cat <<EOF\nbody", "1:5: unclosed here-document `EOF`"],
    ["cat <<EOF", "1:5: unclosed here-document `EOF`"],
    ["cat <<-END\n\tbody\n", "1:5: unclosed here-document `END`"],
    ["echo $(ls", "1:6: reached EOF without matching `$(` with `)`"],
    ["echo $( (ls)", "1:6: reached EOF without matching `$(` with `)`"],
    ["echo ${x", "1:6: reached EOF without matching `${` with `}`"],
    ["echo $((1 + 2)", "1:6: reached `)` without matching `$((` with `))`"],
    ["echo $((1 +", "1:11: `+` must be followed by an expression"],
    ["echo $[1", "1:6: reached EOF without matching `$[` with `]`"],
    ["(echo", "1:1: reached EOF without matching `(` with `)`"],
    ["{ echo; ", "1:1: reached EOF without matching `{` with `}`"],
    ["fi", "1:1: `fi` can only be used to end an `if`"],
    ["done", "1:1: `done` can only be used to end a loop"],
    ["then", "1:1: `then` can only be used in an `if`"],
    ["esac", "1:1: `esac` can only be used to end a `case`"],
    ["}", "1:1: `}` can only be used to close a block"],
    [";;", "1:1: `;;` can only be used in a case clause"],
    ["echo a;;", "1:7: `;;` can only be used in a case clause"],
    ["elif", "1:1: `elif` can only be used in an `if`"],
    ["do", "1:1: `do` can only be used in a loop"],
    [")", "1:1: `)` can only be used to close a subshell"],
    ["echo &&", "1:6: `&&` must be followed by a statement"],
    ["echo ||", "1:6: `||` must be followed by a statement"],
    ["echo |", "1:6: `|` must be followed by a statement"],
    ["echo |&", "1:6: `|&` must be followed by a statement"],
    ["! ! x", "1:1: cannot negate a command multiple times"],
    ["!", "1:1: `!` cannot form a statement alone"],
    ["echo a &;", "1:9: `;` can only immediately follow a statement"],
    ["; echo", "1:1: `;` can only immediately follow a statement"],
    ["& echo", "1:1: `&` can only immediately follow a statement"],
    ["| echo", "1:1: `|` can only immediately follow a statement"],
    ["&& echo", "1:1: `&&` can only immediately follow a statement"],
    ["if true; then fi", "1:10: `then` must be followed by a statement list"],
    ["if; then :; fi", "1:1: `if` must be followed by a statement list"],
    ["if true; then :;", "1:1: `if` statement must end with `fi`"],
    ["if true; echo; fi", "1:16: `fi` can only be used to end an `if`"],
    ["while :; do done", "1:10: `do` must be followed by a statement list"],
    ["while :; do :;", "1:1: `while` statement must end with `done`"],
    ["for i in; do; done", "1:11: `do` must be followed by a statement list"],
    ["for i in a b do; done", "1:1: `for foo [in words]` must be followed by `do`"],
    ["for; do :; done", "1:1: `for` must be followed by a literal"],
    ["for x y; do :; done", "1:1: `for foo` must be followed by `in`, `do`, `;`, or a newline"],
    ["case x in a) echo", "1:1: `case` statement must end with `esac`"],
    ["case x", "1:1: `case x` must be followed by `in`"],
    ["case x in a) ;| esac", "1:14: `;` can only immediately follow a statement"],
    ["f(", "1:1: `foo(` must be followed by `)`"],
    ["f() ", "1:1: `foo()` must be followed by a statement"],
    ["foo(x) { :; }", "1:1: `foo(` must be followed by `)`"],
    ["echo a (b)", "1:8: a command can only contain words and redirects; encountered `(`"],
    ["echo ${}", "1:8: invalid parameter name"],
    ["echo ${ x}", "1:6: reached EOF without matching `${` with `}`"],
    ["echo ${a b}", "1:9: not a valid parameter expansion operator: ` `"],
    ["echo ${a:}", "1:9: `:` must be followed by an expression"],
    ["echo ${#a:-x}", "1:10: cannot combine multiple parameter expansion operators"],
    ["echo ${a@x}", "1:10: invalid @ expansion operator `x`"],
    ["echo $(( a b ))", "1:12: not a valid arithmetic operator: `b`"],
    ["echo $(( 1 = 2 ))", "1:12: `=` must follow a name"],
    ["echo $(( 1++ ))", "1:11: `++` must follow a name"],
    ["a[1] foo", "1:1: `a[b]` must be followed by `=`"],
    ["a=(1) echo", "1:1: inline variables cannot be arrays"],
    ["[[ ]]", "1:1: `[[` must be followed by an expression"],
    ["[[ a", "1:1: reached EOF without matching `[[` with `]]`"],
    ["[[ a b ]]", "1:6: not a valid test operator: `b`"],
    ["[[ -f ]]", "1:1: reached EOF without matching `[[` with `]]`"],
    ["[[ ! ]]", "1:4: `!` must be followed by an expression"],
    ["[[ a && ]]", "1:6: `&&` must be followed by an expression"],
    ["(( ))", "1:1: `((` must be followed by an expression"],
    ["let", "1:1: `let` must be followed by an expression"],
    ["let a = 1", "1:7: statements must be separated by &, ; or a newline"],
    ["coproc", "1:1: coproc clause requires a command"],
    ["a | ! b", "1:5: `!` can only be used in full statements"],
    ["{ a; } b", "1:8: statements must be separated by &, ; or a newline"],
    ["(a) b", "1:5: statements must be separated by &, ; or a newline"],
    ["echo a )", "1:8: a command can only contain words and redirects; encountered `)`"],
    ["x=(a", "1:3: reached EOF without matching `(` with `)`"],
    ["a[x", "1:2: reached EOF without matching `[` with `]`"],
    ["declare 1=2", "1:9: invalid var name"],
    ["echo $(( a[ ))", "1:11: `[` must be followed by an expression"],
    ["echo >", "1:6: `>` must be followed by a word"],
    ["echo 2>", "1:7: `>` must be followed by a word"],
    ["cat <", "1:5: `<` must be followed by a word"],
    ["cat <<", "1:5: `<<` must be followed by a word"],
    ["{ echo a }", "1:1: reached EOF without matching `{` with `}`"],
    ["( )", "1:1: `(` must be followed by a statement list"],
    ["{ }", "1:1: `{` must be followed by a statement list"],
    ["()", "1:1: `foo()` must be followed by a statement"],
    ["echo $((a ? b))", "1:11: ternary operator missing `:` after `?`"],
    ["echo ${a/", "1:6: reached EOF without matching `${` with `}`"],
    ["f() { echo; ", "1:5: reached EOF without matching `{` with `}`"],
    ["select x in a; do echo;", "1:1: `select` statement must end with `done`"],
    ["until; do :; done", "1:1: `until` must be followed by a statement list"],
    ["if a; then b; ) fi", "1:15: `)` can only be used to close a subshell"],
    ["cat <<$x\n$x", "1:7: expansions not allowed in heredoc words"],
  ];
  it.each(cases)('%j → %s', (src, expected) => {
    expect(errorOf(src)).toBe(expected);
  });

  it('exposes line, column, offset and the bare message', () => {
    try {
      parse('echo ok\n  echo "unterminated');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      const pe = e as ParseError;
      expect([pe.line, pe.col, pe.offset, pe.text]).toEqual([2, 8, 15, 'reached EOF without closing quote `"`']);
      expect(pe.message).toBe('2:8: reached EOF without closing quote `"`');
    }
  });

  it('columns count bytes (the script is a byte string)', () => {
    // "é" is two bytes in UTF-8: the quote starts at byte 8, column 9.
    expect(errorOf('echo \xc3\xa9 "x')).toBe('1:9: reached EOF without closing quote `"`');
  });
});

describe('limits', () => {
  it('rejects scripts over 5 MiB before parsing, with rshell\'s wording', () => {
    const big = 'x'.repeat(MAX_SCRIPT_BYTES + 1);
    expect(() => parse(big)).toThrow(ScriptTooLargeError);
    expect(() => parse(big)).toThrow(
      `script size ${MAX_SCRIPT_BYTES + 1} bytes exceeds maximum of ${MAX_SCRIPT_BYTES} bytes (5 MiB); split the script into smaller pieces`,
    );
    expect(parse('x'.repeat(MAX_SCRIPT_BYTES)).stmts).toHaveLength(1);
  });

  const deep: [string, string][] = [
    ['subshells', '('.repeat(5000) + 'a' + ')'.repeat(5000)],
    ['command substitutions', 'echo ' + '$('.repeat(5000) + 'a' + ')'.repeat(5000)],
    ['quoted substitutions', 'echo ' + '"$('.repeat(3000) + ')"'.repeat(3000)],
    ['brace groups', '{ '.repeat(5000) + 'a; ' + '}; '.repeat(5000)],
    ['if clauses', 'if a; then '.repeat(3000) + 'b; ' + 'fi; '.repeat(3000)],
    ['parameter expansions', 'echo ' + '${a:-'.repeat(5000) + '}'.repeat(5000)],
    ['arithmetic parentheses', 'echo $((' + '('.repeat(5000) + '1' + ')'.repeat(5000) + '))'],
    ['unary operators', 'echo $((' + '- '.repeat(20000) + '1))'],
    ['test negations', '[[ ' + '! '.repeat(20000) + 'a ]]'],
    ['functions', 'f() '.repeat(5000) + '{ a; }'],
  ];
  it.each(deep)('deep %s fail with a nesting error, not a stack overflow', (_, src) => {
    expect(() => parse(src)).toThrow(/nesting too deep \(limit 500\)/);
  });

  it('ordinary nesting depths parse', () => {
    expect(() => parse('('.repeat(100) + 'a' + ')'.repeat(100))).not.toThrow();
    expect(() => parse('echo ' + '"$('.repeat(60) + 'x' + ')"'.repeat(60))).not.toThrow();
  });

  it('long flat inputs are fine (pipelines and lists are iterative)', () => {
    const pipe = parse(Array(20000).fill('a').join(' | '));
    expect(pipe.stmts).toHaveLength(1);
    const list = parse(Array(20000).fill('a').join(' && '));
    expect(list.stmts[0].cmd?.type).toBe('BinaryCmd');
  });
});
