import { describe, expect, it } from 'vitest';
import { cut, parseCutList } from '../src/rshell/builtins/text/cut.js';
import { tr } from '../src/rshell/builtins/text/tr.js';
import { run } from './builtins-text-ctx.js';

describe('cut', () => {
  it('parses lists into sorted ranges, merging overlaps but not neighbours', () => {
    expect(parseCutList('5-,1-3,2,7')).toEqual([[1, 3], [5, Number.MAX_SAFE_INTEGER]]);
    expect(parseCutList('1-2,3-4')).toEqual([[1, 2], [3, 4]]);
    expect(parseCutList('-2')).toEqual([[1, 2]]);
    expect(parseCutList('3-2')).toBe('invalid decreasing range: 3-2');
    expect(parseCutList('2-0')).toBe('invalid byte, character or field list: 2-0');
    expect(parseCutList('-')).toBe('invalid byte, character or field list: -');
    expect(parseCutList('0')).toBe('invalid byte, character or field list: 0');
    expect(parseCutList('1,,2')).toBe('invalid byte, character or field list: 1,,2');
  });

  it('selects bytes, adding the newline a last line lacks', async () => {
    expect((await run(cut, 'cut', ['-b2-3,5', 'f'], { files: { f: 'abcdef\n12' } })).out).toBe('bce\n2\n');
    expect((await run(cut, 'cut', ['-c4'], { stdin: '123\n' })).out).toBe('\n');
  });

  it('--output-delimiter separates merged ranges; --complement inverts', async () => {
    expect((await run(cut, 'cut', ['-c1-3,2-4,6', '--output-delimiter=:'], { stdin: 'abcdefg\n' })).out).toBe('abcd:f\n');
    expect((await run(cut, 'cut', ['--complement', '-b3,4-4,5,2-'], { stdin: '123456\n' })).out).toBe('1\n');
    expect((await run(cut, 'cut', ['--complement', '-b2-3', '--output-delimiter=|'], { stdin: 'abcdef\n' })).out).toBe('a|def\n');
  });

  it('selects fields; lines without the delimiter pass whole unless -s', async () => {
    const stdin = 'a:b:c\nplain\n::\n';
    expect((await run(cut, 'cut', ['-d:', '-f1,3'], { stdin })).out).toBe('a:c\nplain\n:\n');
    expect((await run(cut, 'cut', ['-s', '-d:', '-f2-'], { stdin })).out).toBe('b:c\n:\n');
    expect((await run(cut, 'cut', ['-d:', '--complement', '-f2'], { stdin })).out).toBe('a:c\nplain\n:\n');
    expect((await run(cut, 'cut', ['-d:', '-f1,2', "--output-delimiter= | "], { stdin: 'x:y:z\n' })).out).toBe('x | y\n');
    expect((await run(cut, 'cut', ['-f2'], { stdin: 'a\tb\tc\n' })).out).toBe('b\n');
  });

  it('reports usage errors exactly', async () => {
    expect(await run(cut, 'cut', [])).toMatchObject({ err: 'cut: you must specify a list of bytes, characters, or fields\n', code: 1 });
    expect(await run(cut, 'cut', ['-b1', '-f1'])).toMatchObject({ err: 'cut: only one type of list may be specified\n', code: 1 });
    expect(await run(cut, 'cut', ['-d', 'ab', '-f1'])).toMatchObject({
      err: "cut: the delimiter must be a single character\nTry 'cut --help' for more information.\n",
      code: 1,
    });
    expect(await run(cut, 'cut', ['-d:', '-b1'])).toMatchObject({
      err: 'cut: an input delimiter may be specified only when operating on fields\n',
      code: 1,
    });
    expect(await run(cut, 'cut', ['-s', '-b1'])).toMatchObject({
      err: 'cut: suppressing non-delimited lines makes sense\n\tonly when operating on fields\n',
      code: 1,
    });
    expect(await run(cut, 'cut', ['-b1', 'missing'])).toMatchObject({ err: 'cut: missing: no such file or directory\n', code: 1 });
  });
});

describe('tr', () => {
  it('translates ranges and classes, padding SET2 with its last byte', async () => {
    expect((await run(tr, 'tr', ['a-z', 'A-Z'], { stdin: '!abcd!\n' })).out).toBe('!ABCD!\n');
    expect((await run(tr, 'tr', ['[:upper:]', '[:lower:]'], { stdin: 'Hello World\n' })).out).toBe('hello world\n');
    expect((await run(tr, 'tr', ['abc', 'x'], { stdin: 'abcd' })).out).toBe('xxxd');
    expect((await run(tr, 'tr', ['-t', 'abc', 'xy'], { stdin: 'abcde' })).out).toBe('xycde');
  });

  it('handles escapes, octal, repeats and fills', async () => {
    expect((await run(tr, 'tr', ['\\000\\n', 'X_'], { stdin: 'a\0b\n' })).out).toBe('aXb_');
    expect((await run(tr, 'tr', ['\\150', 'X'], { stdin: 'hah' })).out).toBe('XaX');
    expect((await run(tr, 'tr', ['[a*3]', 'x'], { stdin: 'abc' })).out).toBe('xbc');
    expect((await run(tr, 'tr', ['a-e', 'x[y*]z'], { stdin: 'abcde' })).out).toBe('xyyyz');
  });

  it('deletes, complements and squeezes', async () => {
    expect((await run(tr, 'tr', ['-d', '[:digit:]'], { stdin: 'a1b2\n' })).out).toBe('ab\n');
    expect((await run(tr, 'tr', ['-dc', '[:alpha:]'], { stdin: 'abc123!@#\n' })).out).toBe('abc');
    expect((await run(tr, 'tr', ['-s', '[:space:]'], { stdin: 'a  b\t\tc\n\n' })).out).toBe('a b\tc\n');
    expect((await run(tr, 'tr', ['-cs', '[:alnum:]', '\\n'], { stdin: 'The big, black fox.\n' })).out).toBe('The\nbig\nblack\nfox\n');
    expect((await run(tr, 'tr', ['-s', 'abc', 'xyz'], { stdin: 'aabbbcccc\n' })).out).toBe('xyz\n');
    expect((await run(tr, 'tr', ['-ds', 'a', '[x*3]'], { stdin: 'aaabxxxb\n' })).out).toBe('bxb\n');
  });

  it('warns like GNU about a trailing backslash and an ambiguous octal escape', async () => {
    expect(await run(tr, 'tr', ['a\\', 'xy'], { stdin: 'a\\b' })).toEqual({
      out: 'xyb',
      err: 'tr: warning: an unescaped backslash at end of string is not portable\n',
      code: 0,
      stdout: Buffer.from('xyb'),
    });
    expect(await run(tr, 'tr', ['\\400', 'xy'], { stdin: ' 0a' })).toMatchObject({
      out: 'xya',
      err: 'tr: warning: the ambiguous octal escape \\400 is being\n\tinterpreted as the 2-byte sequence \\040, 0\n',
    });
  });

  it('keeps squeeze state across chunks', async () => {
    expect((await run(tr, 'tr', ['-s', 'x'], { stdin: Buffer.from('axxxxxxb'), chunk: 2 })).out).toBe('axb');
  });

  it('reports GNU errors exactly', async () => {
    const cases: Array<[string[], string]> = [
      [[], 'tr: missing operand\n'],
      [['foo'], "tr: missing operand after 'foo'\n"],
      [['-d', 'a', 'p'], "tr: extra operand 'p'\nOnly one string may be given when deleting without squeezing repeats.\n"],
      [['z-a', 'A-Z'], "tr: range-endpoints of 'z-a' are in reverse collating sequence order\n"],
      [['a', '[=a=]'], 'tr: [=c=] expressions may not appear in string2 when translating\n'],
      [['a', '[b*-1]'], "tr: invalid repeat count '-1' in [c*n] construct\n"],
      // Counts GNU cannot hold (SIZE_MAX and up) are refused, not read as a double (1e20).
      [['a', '[b*99999999999999999999]'], "tr: invalid repeat count '99999999999999999999' in [c*n] construct\n"],
      [['a', '[b*18446744073709551615]'], "tr: invalid repeat count '18446744073709551615' in [c*n] construct\n"],
      [['a', '[b*01777777777777777777777]'], "tr: invalid repeat count '01777777777777777777777' in [c*n] construct\n"],
      [['abc', '[x*][y*]'], 'tr: only one [c*] repeat construct may appear in string2\n'],
      [['[a*]', 'x'], 'tr: the [c*] repeat construct may not appear in string1\n'],
      [['-ds', 'a', '[x*]'], 'tr: the [c*] construct may appear in string2 only when translating\n'],
      [['[:lower:]x', '[:upper:]'], 'tr: when translating with string1 longer than string2,\nthe latter string must not end with a character class\n'],
      [['-tc', '[:lower:]', 'x'], 'tr: when translating with complemented character classes,\nstring2 must map all characters in the domain to one\n'],
      [['a', ''], 'tr: when not truncating set1, string2 must be non-empty\n'],
      [['[:nope:]', 'x'], "tr: invalid character class 'nope'\n"],
      // Names of Object's own properties are no classes either (once read as one matching every byte).
      [['-d', '[:constructor:]'], "tr: invalid character class 'constructor'\n"],
      [['[:toString:]', 'x'], "tr: invalid character class 'toString'\n"],
    ];
    for (const [args, err] of cases) {
      expect(await run(tr, 'tr', args, { stdin: 'abc' }), args.join(' ')).toMatchObject({ out: '', err, code: 1 });
    }
  });
});

describe('tr case classes', () => {
  it('refuses [:upper:]/[:lower:] in SET2 not aligned with one in SET1, like GNU', async () => {
    for (const [s1, s2] of [['a', 'x[:upper:]'], ['a-z', '[:upper:]'], ['[:alpha:]', '[:upper:]'], ['ab[:lower:]', 'b[:upper:]'], ['[:upper:]', '[:lower:][:lower:]']]) {
      expect(await run(tr, 'tr', [s1, s2], { stdin: 'abc' }), `${s1} ${s2}`).toMatchObject({
        out: '',
        err: 'tr: misaligned [:upper:] and/or [:lower:] construct\n',
        code: 1,
      });
    }
  });

  it('accepts aligned classes, later mappings winning', async () => {
    const t = async (s1: string, s2: string): Promise<string> => (await run(tr, 'tr', [s1, s2], { stdin: 'abcXYZ09\n' })).out;
    expect(await t('[:lower:]a', '[:upper:]b')).toBe('bBCXYZ09\n');
    expect(await t('a[:lower:]', 'b[:upper:]')).toBe('ABCXYZ09\n');
    expect(await t('[:digit:][:lower:]', '0123456789[:upper:]')).toBe('ABCXYZ09\n');
    expect(await t('[:upper:][:lower:]', '[:lower:][:upper:]')).toBe('ABCxyz09\n');
    expect(await t('[:lower:]', 'A-Z')).toBe('ABCXYZ09\n');
  });
});
