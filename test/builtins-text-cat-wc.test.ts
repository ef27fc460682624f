import { describe, expect, it } from 'vitest';
import { cat } from '../src/rshell/builtins/text/cat.js';
import { wc } from '../src/rshell/builtins/text/wc.js';
import { PieceReader, run } from './builtins-text-ctx.js';

describe('cat', () => {
  it('concatenates files and stdin in operand order', async () => {
    const r = await run(cat, 'cat', ['b', '-', 'a'], { files: { a: 'A\n', b: 'B\n' }, stdin: 'S\n' });
    expect(r).toMatchObject({ out: 'B\nS\nA\n', err: '', code: 0 });
  });

  it('reports a missing file with the POSIX text and keeps going', async () => {
    const r = await run(cat, 'cat', ['nope', 'a'], { files: { a: 'A\n' } });
    expect(r).toMatchObject({ out: 'A\n', err: 'cat: nope: no such file or directory\n', code: 1 });
  });

  it('reports a directory read as "is a directory"', async () => {
    const r = await run(cat, 'cat', ['d'], { files: { d: { dir: true } } });
    expect(r).toMatchObject({ out: '', err: 'cat: d: is a directory\n', code: 1 });
  });

  it('numbers lines across files and chunk boundaries', async () => {
    const r = await run(cat, 'cat', ['-n', 'a', 'b'], { files: { a: 'one\ntw', b: 'o\nthree\n' }, chunk: 2 });
    expect(r.out).toBe('     1\tone\n     2\ttwo\n     3\tthree\n');
  });

  it('-b numbers non-blank lines only and wins over -n; -s squeezes', async () => {
    const files = { f: '\n\na\n\n\n\nb\n' };
    expect((await run(cat, 'cat', ['-n', '-b', 'f'], { files })).out).toBe('\n\n     1\ta\n\n\n\n     2\tb\n');
    expect((await run(cat, 'cat', ['-s', 'f'], { files })).out).toBe('\na\n\nb\n');
    expect((await run(cat, 'cat', ['-sn', 'f'], { files })).out).toBe('     1\t\n     2\ta\n     3\t\n     4\tb\n');
  });

  it('-A shows tabs, ends and non-printing bytes in ^/M- notation', async () => {
    const r = await run(cat, 'cat', ['-A', 'f'], { files: { f: 'a\tb\x01\x7f\x80\xff\xe9\r\n' } });
    expect(r.out).toBe('a^Ib^A^?M-^@M-^?M-i^M$\n');
  });

  it('-v keeps tabs, -T alone keeps other control bytes, -e shows ends', async () => {
    const files = { f: '\t\x02\n' };
    expect((await run(cat, 'cat', ['-v', 'f'], { files })).out).toBe('\t^B\n');
    expect((await run(cat, 'cat', ['-T', 'f'], { files })).out).toBe('^I\x02\n');
    expect((await run(cat, 'cat', ['-e', 'f'], { files })).out).toBe('\t^B$\n');
  });

  it('-E shows a CR before a newline as ^M (GNU cat 9), other CRs as they are', async () => {
    const r = await run(cat, 'cat', ['-E', 'f'], { files: { f: 'a\r\nb\rc\r\r\n\r' }, chunk: 1 });
    expect(r.out).toBe('a^M$\nb\rc\r^M$\n\r');
  });

  it('keeps NUL and invalid UTF-8 bytes intact', async () => {
    const r = await run(cat, 'cat', ['f'], { files: { f: 'a\x00b\xff\xfe' } });
    expect([...r.stdout]).toEqual([0x61, 0, 0x62, 0xff, 0xfe]);
  });

  it('rejects unknown flags with the pflag message', async () => {
    expect(await run(cat, 'cat', ['--follow'])).toMatchObject({ out: '', err: 'cat: unknown flag: --follow\n', code: 1 });
  });

  it('--help prints usage to stdout', async () => {
    const r = await run(cat, 'cat', ['--help']);
    expect(r.code).toBe(0);
    expect(r.out.startsWith('Usage: cat [OPTION]... [FILE]...\n')).toBe(true);
    expect(r.out).toContain('  -A, --show-all');
  });
});

describe('wc', () => {
  it('pads to the digits of the total size for regular files', async () => {
    const r = await run(wc, 'wc', ['a', 'b'], { files: { a: 'hello\n', b: 'world foo\n' } });
    expect(r.out).toBe(' 1  1  6 a\n 1  2 10 b\n 2  3 16 total\n');
  });

  it('uses width 7 for stdin unless a single count of a single input', async () => {
    expect((await run(wc, 'wc', [], { stdin: 'a b\nc\n' })).out).toBe('      2       3       6\n');
    expect((await run(wc, 'wc', ['-l'], { stdin: 'a\nb\n' })).out).toBe('2\n');
    expect((await run(wc, 'wc', ['-lw'], { stdin: 'a\n' })).out).toBe('      1       1\n');
    expect((await run(wc, 'wc', ['-'], { stdin: 'a b\nc\n' })).out).toBe('      2       3       6 -\n');
  });

  it('prints zero counts for a directory after its error, width 7', async () => {
    const r = await run(wc, 'wc', ['-l', 'd', 'f'], { files: { d: { dir: true }, f: 'a\n' } });
    expect(r).toMatchObject({ out: '      0 d\n      1 f\n      1 total\n', err: 'wc: d: is a directory\n', code: 1 });
  });

  it('orders columns lines, words, chars, bytes, max line length', async () => {
    const r = await run(wc, 'wc', ['-cLmwl', 'f'], { files: { f: 'h\xc3\xa9llo w\n\t\xe4\xbd\xa0x\n' } });
    expect(r.out).toBe(' 2  3 12 15 11 f\n');
  });

  it('counts words across chunk boundaries and control bytes as word bytes', async () => {
    const r = await run(wc, 'wc', ['-w', 'f'], { files: { f: 'ab\x01c de  fg\n' }, chunk: 1 });
    expect(r.out).toBe('3 f\n');
  });

  it('counts valid UTF-8 characters only, across chunk boundaries', async () => {
    const r = await run(wc, 'wc', ['-m', 'f'], { files: { f: '\xe4\xbd\xff\xc3\xa9\x80\xe0\x80\x80\xf0\x9f\x92\x90' }, chunk: 1 });
    expect(r.out).toBe('2 f\n');
  });

  it('words: control, invalid and unassigned characters are transparent, Unicode spaces separate', async () => {
    const r = await run(wc, 'wc', ['-w', 'f'], { files: { f: '\x01 \xff\n\xe4\xbd\xa0\xc2\xa0x\x01y\n\xcd\xb8\n' } });
    expect(r.out).toBe('2 f\n');
  });

  it('-L: tabs to 8, CR/FF reset the column, wide characters count 2', async () => {
    const files = { a: 'abcdef\rxy\n', b: 'a\tb\n', c: '\xe4\xbd\xa0\xe5\xa5\xbd\n', d: '\n123456' };
    const r = await run(wc, 'wc', ['-L', 'a', 'b', 'c', 'd'], { files });
    expect(r.out).toBe(' 6 a\n 9 b\n 4 c\n 6 d\n 9 total\n');
  });

  it('rejects an empty file name and unknown flags', async () => {
    expect(await run(wc, 'wc', [''])).toMatchObject({ out: '', err: 'wc: invalid zero-length file name\n', code: 1 });
    expect(await run(wc, 'wc', ['--files0-from=x'])).toMatchObject({ err: 'wc: unknown flag: --files0-from\n', code: 1 });
  });

  it('streams stdin chunk by chunk (-l reads everything, keeps nothing)', async () => {
    const data = Buffer.alloc(1 << 20, 'abc\n');
    const reader = new PieceReader(data, 4096);
    const r = await run(wc, 'wc', ['-l'], { stdin: reader });
    expect(r.out).toBe('262144\n');
    expect(reader.reads).toBe(256);
  });
});
