import { describe, expect, it } from 'vitest';
import { sort, SORT_MAX_LINES } from '../src/rshell/builtins/text/sort.js';
import { compareNumeric, keyLimit, keyStart, parseKey } from '../src/rshell/builtins/text/sort-keys.js';
import { uniq } from '../src/rshell/builtins/text/uniq.js';
import { strings } from '../src/rshell/builtins/text/strings.js';
import { run } from './builtins-text-ctx.js';

const sortOut = async (args: string[], stdin: string): Promise<string> => (await run(sort, 'sort', args, { stdin })).out;

describe('sort keys', () => {
  it('locates keys like GNU begfield/limfield', () => {
    const k = parseKey('2,2');
    expect([keyStart('a  b c', k, -1), keyLimit('a  b c', k, -1)]).toEqual([1, 4]);
    const b = parseKey('2b,2');
    expect(keyStart('a  b c', b, -1)).toBe(3);
    const t = parseKey('1.4b,4b');
    expect([keyStart('\t\tabc\tz', t, 9), keyLimit('\t\tabc\tz', t, 9)]).toEqual([5, 7]);
    expect(keyLimit('abc', parseKey('1.1,1.0'), -1)).toBe(3);
  });

  it('rejects bad key definitions with GNU texts', () => {
    expect(() => parseKey('0')).toThrow("field number is zero: invalid field specification '0'");
    expect(() => parseKey('1.0')).toThrow("character offset is zero: invalid field specification '1.0'");
    expect(() => parseKey('1,')).toThrow("invalid number after ','");
    expect(() => parseKey('1x')).toThrow("stray character in field spec: invalid field specification '1x'");
  });

  it('compares numbers by sign, magnitude and fraction; non-numbers are zero', () => {
    const c = (a: string, b: string): number => Math.sign(compareNumeric(a, 0, a.length, b, 0, b.length));
    expect(c('10', '9')).toBe(1);
    expect(c('-10', '-9')).toBe(-1);
    expect(c(' 007', '7')).toBe(0);
    expect(c('1.50', '1.5')).toBe(0);
    expect(c('abc', '0')).toBe(0);
    expect(c('-0', '0')).toBe(0);
    expect(c('\v2', '1')).toBe(-1);
    expect(c('.5', '0.49')).toBe(1);
  });
});

describe('sort', () => {
  it('sorts bytewise (C locale) and adds a missing final newline', async () => {
    expect(await sortOut([], 'b\nB\na\n\xe9\n_\nab')).toBe('B\n_\na\nab\nb\n\xe9\n');
  });

  it('-f folds case with a byte-order tie-break; -f -s keeps input order', async () => {
    expect(await sortOut(['-f'], 'b\na\nA\nB\n')).toBe('A\na\nB\nb\n');
    expect(await sortOut(['-f', '-s'], 'b\na\nA\nB\n')).toBe('a\nA\nb\nB\n');
  });

  it('-n, -r, -u and -t/-k', async () => {
    expect(await sortOut(['-n'], '10\n2\n-3\nx\n1.5\n')).toBe('-3\nx\n1.5\n2\n10\n');
    expect(await sortOut(['-rn'], '1\n3\n2\n')).toBe('3\n2\n1\n');
    expect(await sortOut(['-u'], 'b\na\nb\na\n')).toBe('a\nb\n');
    expect(await sortOut(['-t', ':', '-k', '2n'], 'c:30\na:1\nb:20\n')).toBe('a:1\nb:20\nc:30\n');
    expect(await sortOut(['-k', '2,1', '-u'], '1 b\n2 a\n3 c\n')).toBe('1 b\n');
    expect(await sortOut(['-k', '1.3b,4'], '0\t\t\na\n')).toBe('a\n0\t\t\n');
  });

  it('orders keys holding NUL, 0x01, 0xFE and 0xFF bytes like GNU, reversed or not', async () => {
    const input = 'a\xff\na\xfe\na\na\x00\na\x01b\na\xfe\n';
    const down = 'a\xff\na\xfe\na\xfe\na\x01b\na\x00\na\n';
    expect(await sortOut(['-k1,1r'], input)).toBe(down);
    expect(await sortOut(['-r'], input)).toBe(down);
    expect(await sortOut(['-k1,1'], input)).toBe('a\na\x00\na\x01b\na\xfe\na\xfe\na\xff\n');
    expect(await sortOut(['-u', '-k1,1r'], input)).toBe('a\xff\na\xfe\na\x01b\na\x00\na\n');
  });

  it('a key without options inherits the global ones, others do not', async () => {
    expect(await sortOut(['-d', '-n', '-k1,1n'], 'b\na\n')).toBe('a\nb\n');
    expect(await sortOut(['-r', '-k', '1,1'], 'a\nc\nb\n')).toBe('c\nb\na\n');
  });

  it('-c reports the first disorder, -C is silent, both exit 1', async () => {
    expect(await run(sort, 'sort', ['-c'], { stdin: 'a\nc\nb\n' })).toMatchObject({ out: '', err: 'sort: -:3: disorder: b\n', code: 1 });
    expect(await run(sort, 'sort', ['-C'], { stdin: 'a\nc\nb\n' })).toMatchObject({ out: '', err: '', code: 1 });
    expect(await run(sort, 'sort', ['-cu'], { stdin: 'a\na\n' })).toMatchObject({ err: 'sort: -:2: disorder: a\n', code: 1 });
    expect(await run(sort, 'sort', ['-c'], { stdin: 'a\nb\n' })).toMatchObject({ out: '', err: '', code: 0 });
  });

  it('reports option errors with GNU/rshell texts and status 2', async () => {
    const cases: Array<[string[], string, number]> = [
      [['-c', '-C'], "sort: options '-cC' are incompatible\n", 2],
      [['--check=silent', '-c'], "sort: options '-cC' are incompatible\n", 2],
      [['--check='], 'sort: invalid argument "" for \'--check\'\n', 2],
      [['-k', '1nd'], "sort: options '-dn' are incompatible\n", 2],
      [['-d', '-n'], "sort: options '-dn' are incompatible\n", 2],
      [['-t', 'ab'], 'sort: multi-character tab "ab"\n', 2],
      [['-o', 'x'], 'sort: --output/-o is not supported (writes to filesystem)\n', 1],
      [['missing'], 'sort: missing: no such file or directory\n', 1],
      [['-c', 'missing'], 'sort: missing: no such file or directory\n', 2],
    ];
    for (const [args, err, code] of cases) expect(await run(sort, 'sort', args, { stdin: 'a\n' }), args.join(' ')).toMatchObject({ out: '', err, code });
  });

  it('refuses input beyond the line and byte caps', async () => {
    const many = Buffer.alloc((SORT_MAX_LINES + 1) * 2, 'a\n');
    expect(await run(sort, 'sort', [], { stdin: many })).toMatchObject({
      out: '',
      err: 'sort: input exceeds maximum of 1000000 lines\n',
      code: 1,
    });
    const big = Buffer.alloc(6 * 1024 * 1024, 'x'.repeat(99) + '\n');
    expect(await run(sort, 'sort', [], { stdin: big })).toMatchObject({
      out: '',
      err: 'sort: standard input: input exceeds maximum total size\n',
      code: 1,
    });
  });
});

describe('uniq', () => {
  const u = async (args: string[], stdin: string): Promise<string> => (await run(uniq, 'uniq', args, { stdin })).out;

  it('collapses adjacent runs, -c counts in width 7', async () => {
    expect(await u([], 'a\na\nb\na')).toBe('a\nb\na\n');
    expect(await u(['-c'], 'x\nx\nx\ny\n')).toBe('      3 x\n      1 y\n');
    expect(await u(['-ic'], 'Hello\nhello\nHELLO\nworld\n')).toBe('      3 Hello\n      1 world\n');
  });

  it('-d, -u, -D with methods, --group', async () => {
    const s = 'a\na\nb\nc\nc\n';
    expect(await u(['-d'], s)).toBe('a\nc\n');
    expect(await u(['-u'], s)).toBe('b\n');
    expect(await u(['-D'], s)).toBe('a\na\nc\nc\n');
    expect(await u(['--all-repeated=separate'], s)).toBe('a\na\n\nc\nc\n');
    expect(await u(['--all-repeated=prepend'], s)).toBe('\na\na\n\nc\nc\n');
    expect(await u(['-D', '-u'], s)).toBe('a\nc\n');
    expect(await u(['--group'], s)).toBe('a\na\n\nb\n\nc\nc\n');
    expect(await u(['--group=both'], s)).toBe('\na\na\n\nb\n\nc\nc\n\n');
    expect(await u(['--group=p'], s)).toBe('\na\na\n\nb\n\nc\nc\n');
    expect(await u(['--all-repeated=sep'], s)).toBe('a\na\n\nc\nc\n');
    expect(await u(['-D', '-u'], 'a\na\na\nb\n')).toBe('a\na\n');
  });

  it('-f, -s, -w choose the compared window; -z uses NUL', async () => {
    expect(await u(['-f', '1'], 'x a\ny a\nz b\n')).toBe('x a\nz b\n');
    expect(await u(['-s', '2'], 'aab\nccb\n')).toBe('aab\n');
    expect(await u(['-w', '1'], 'ab\nac\nb\n')).toBe('ab\nb\n');
    expect(await u(['-z'], 'a\0a\0b')).toBe('a\0b\0');
    // Inside -z records a newline separates fields, as in GNU uniq.
    expect(await u(['-z', '-f', '1'], 'x\na\0y\na\0')).toBe('x\na\0');
  });

  it('reports errors exactly', async () => {
    expect(await run(uniq, 'uniq', ['--group', '-c'])).toMatchObject({
      err: "uniq: --group is mutually exclusive with -c/-d/-D/-u\nTry 'uniq --help' for more information.\n",
      code: 1,
    });
    expect(await run(uniq, 'uniq', ['--skip-fields=-9'])).toMatchObject({ err: 'uniq: -9: invalid number of fields to skip\n', code: 1 });
    expect(await run(uniq, 'uniq', ['--all-repeated='])).toMatchObject({
      err: "uniq: invalid argument '' for '--all-repeated'\nValid arguments are:\n  - 'none'\n  - 'prepend'\n  - 'separate'\n\n",
      code: 1,
    });
    expect(await run(uniq, 'uniq', ['a', 'b'])).toMatchObject({ err: 'uniq: extra operand "b"\n', code: 1 });
    expect(await run(uniq, 'uniq', ['-w', ' 1'])).toMatchObject({ err: 'uniq:  1: invalid number of bytes to compare\n', code: 1 });
  });
});

describe('strings', () => {
  const files = { bin: '\x00\x01hello\x00abc\x00world!!\tx\x7fz\n' };
  it('prints runs of 4+ printable bytes (tab included)', async () => {
    expect((await run(strings, 'strings', ['bin'], { files })).out).toBe('hello\nworld!!\tx\n');
    expect((await run(strings, 'strings', ['-n', '3', 'bin'], { files })).out).toBe('hello\nabc\nworld!!\tx\n');
  });

  it('offsets in o/d/x, file names, separator; last of -o/-t wins', async () => {
    expect((await run(strings, 'strings', ['-t', 'x', 'bin'], { files })).out).toBe('      2 hello\n      c world!!\tx\n');
    expect((await run(strings, 'strings', ['-t', 'd', '-o', '-f', 'bin'], { files })).out).toBe('bin:       2 hello\nbin:      14 world!!\tx\n');
    expect((await run(strings, 'strings', ['-s', '|'], { stdin: 'abcd\0efgh' })).out).toBe('abcd|efgh|');
  });

  it('streams a run longer than any chunk, keeping at most 1 MiB of one run', async () => {
    const r = await run(strings, 'strings', ['f'], { files: { f: '\0' + 'x'.repeat(10000) + '\0' }, chunk: 7 });
    expect(r.out).toBe('x'.repeat(10000) + '\n');
    const huge = await run(strings, 'strings', ['-f', '-'], { stdin: 'y'.repeat((1 << 20) + 5) + '\0abcd' });
    expect(huge.out).toBe('-: ' + 'y'.repeat(1 << 20) + '\n-: abcd\n');
    expect((await run(strings, 'strings', ['-n', String(2 << 20)], { stdin: 'z'.repeat(3 << 20) })).out).toBe('');
  });

  it('reports binutils-style errors', async () => {
    expect(await run(strings, 'strings', ['nope'])).toMatchObject({ err: "strings: 'nope': No such file\n", code: 1 });
    expect(await run(strings, 'strings', ['d', 'f'], { files: { d: { dir: true }, f: 'abcd' } })).toMatchObject({
      out: 'abcd\n',
      err: "strings: Warning: 'd' is a directory\n",
      code: 1,
    });
    expect(await run(strings, 'strings', ['/etc/passwd'])).toMatchObject({ err: "strings: '/etc/passwd': permission denied\n", code: 1 });
    expect(await run(strings, 'strings', ['-o=x'])).toMatchObject({
      err: 'strings: invalid argument "x" for "-o, --offset-octal" flag: flag does not allow an argument\n',
      code: 1,
    });
    expect(await run(strings, 'strings', ['-n', '0', 'x'])).toMatchObject({ err: 'strings: invalid minimum string length 0\n', code: 1 });
    expect(await run(strings, 'strings', ['-t', 'z'])).toMatchObject({
      err: 'strings: invalid argument "z" for "-t, --radix" flag: invalid radix\n',
      code: 1,
    });
  });
});
