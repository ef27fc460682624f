import { describe, expect, it } from 'vitest';
import { builtins } from '../src/rshell/builtins/core/index.js';
import { run, type StubFile } from './builtins-core-harness.js';

const files: Record<string, StubFile> = {
  'file.txt': { kind: 'file', size: 5, mtimeNs: 2000n },
  'empty.txt': { kind: 'file', size: 0, mtimeNs: 1000n },
  'ro.txt': { kind: 'file', size: 1, access: 'r' },
  'run.sh': { kind: 'file', size: 1, access: 'rwx' },
  dir: { kind: 'dir', size: 4096 },
  link: { kind: 'symlink', target: { kind: 'file', size: 3 } },
  dangling: { kind: 'symlink' },
  fifo: { kind: 'fifo' },
};
const t = (...args: string[]) => run(builtins.test, 'test', args, { files });
const code = async (...args: string[]) => (await t(...args)).code;

describe('test: strings, integers and logic (exit codes agree with bash 5.2)', () => {
  it.each([
    [[], 1], [[''], 1], [['x'], 0], [['!'], 0], [['-n'], 0], [['-'], 0], [['('], 0],
    [['!', ''], 0], [['!', 'x'], 1], [['-z', ''], 0], [['-n', ''], 1], [['-o', 'arg'], 1],
    [['x', '=', 'x'], 0], [['x', '==', 'y'], 1], [['x', '!=', 'x'], 1], [['a', '<', 'b'], 0], [['b', '<', 'a'], 1], [['a', '>', 'b'], 1],
    [['1', '-lt', '2'], 0], [['-5', '-lt', '-3'], 0], [[' 3 ', '-eq', '3'], 0], [['5', '-ge', '5'], 0], [['4', '-ge', '5'], 1], [['5', '-le', '4'], 1], [['1', '-ne', '1'], 1], [['2', '-gt', '1'], 0],
    [['!', '=', '!'], 0], [['(', '=', '('], 0], [['(', '!=', ')'], 0], [['(', '=', ')'], 1],
    [['(', 'x', ')'], 0], [['(', '', ')'], 1], [['(', '-n', ')'], 0], [['(', '!', ')'], 0],
    [['-f', '-a', '-d'], 0], [['-f', '-o', '-d'], 0], [['!', '-a', '!'], 0], [['', '-a', 'x'], 1], [['', '-o', 'x'], 0],
    [['!', '!', '=', '!'], 1], [['!', '!', '=', 'x'], 0], [['!', '-f', '-a', '-d'], 1],
    [['(', '!', ')', ')'], 1], [['(', '-n', 'x', ')'], 0], [['(', '!', '', ')'], 0], [['(', '-n', '=', ')'], 0], [['(', '-z', 'x', ')'], 1],
    [['(', '', '-o', 'x', ')'], 0], [['!', '(', 'a', '=', 'b', ')'], 0], [['(', '(', 'x', ')', ')'], 0],
    [['', '-a', '', '-o', ' '], 0], [['', '-a', 'y', '-o', ''], 1], [['', '-o', 'x', '-o', ''], 0],
    [['a', '=', 'b', '-o', 'c', '=', 'c'], 0], [['!', '!', '!', 'x'], 1],
    [['(', '-n', ')', ')', '-a', 'x'], 0], [['(', '(', 'x', ')', '-a', '(', '-z', '', ')', ')'], 0],
  ])('test %j → %i', async (args, want) => {
    expect(await t(...(args as string[]))).toEqual({ code: want, stdout: '', stderr: '' });
  });
});

describe('test: syntax errors', () => {
  it.each([
    [['a', 'b', 'c', 'd', 'e'], 'test: too many arguments\n'],
    [['x', 'y'], 'test: too many arguments\n'],
    [['0x0', '-eq', '00'], 'test: 0x0: integer expression expected\n'],
    [['99999999999999999999', '-gt', '0'], 'test: 99999999999999999999: integer expression expected\n'],
    [['1', '-eq', ''], 'test: : integer expression expected\n'],
    [['(', ')'], 'test: missing argument\n'],
    [['x', '-a'], 'test: missing argument\n'],
    [['(', 'x', '-a', 'y'], "test: missing ')'\n"],
    [['-f', '-a', '-d', '-o', 'x'], 'test: too many arguments\n'],
    // Past four arguments a unary operator takes the next argument, `)` or `-a` included, as
    // bash and GNU test do (an unset operand, found by the differential test).
    [['(', '(', '-z', ')', ')'], "test: missing ')'\n"],
    [['(', '-z', '-a', '-z', ')'], "test: missing ')'\n"],
    [['(', '-z', 'a b', '-a', '-z', ')'], "test: missing ')'\n"],
  ])('test %j', async (args, stderr) => {
    expect(await t(...(args as string[]))).toEqual({ code: 2, stdout: '', stderr });
  });

  it('limits parenthesis nesting to 128 levels; a run of ! is read in a loop, not nested', async () => {
    expect(await code(...[...Array(127).fill('!'), 'x'])).toBe(1);
    expect(await t(...[...Array(10_001).fill('!'), 'x'])).toEqual({ code: 1, stdout: '', stderr: '' });
    expect(await code(...[...Array(10_000).fill('!'), 'x'])).toBe(0);
    const nested = [...Array(128).fill('('), 'x', ...Array(128).fill(')')];
    expect(await t(...nested)).toEqual({ code: 0, stdout: '', stderr: '' });
    const parens = [...Array(200).fill('('), 'x', ...Array(200).fill(')')];
    expect(await t(...parens)).toEqual({ code: 2, stdout: '', stderr: 'test: expression too deeply nested\n' });
  });
});

describe('test: files through the sandbox', () => {
  it.each([
    [['-e', 'file.txt'], 0], [['-a', 'file.txt'], 0], [['-e', 'missing'], 1], [['-e', ''], 1], [['-f', ''], 1], [['-d', ''], 1],
    [['-f', 'file.txt'], 0], [['-f', 'dir'], 1], [['-d', 'dir'], 0], [['-d', 'file.txt'], 1],
    [['-s', 'file.txt'], 0], [['-s', 'empty.txt'], 1], [['-p', 'fifo'], 0], [['-p', 'file.txt'], 1],
    [['-h', 'link'], 0], [['-L', 'dangling'], 0], [['-h', 'file.txt'], 1], [['-f', 'link'], 0], [['-e', 'dangling'], 1],
    [['-r', 'ro.txt'], 0], [['-w', 'ro.txt'], 1], [['-x', 'ro.txt'], 1], [['-x', 'run.sh'], 0], [['-r', 'missing'], 1],
    [['file.txt', '-nt', 'empty.txt'], 0], [['empty.txt', '-nt', 'file.txt'], 1], [['file.txt', '-nt', 'missing'], 0], [['missing', '-nt', 'file.txt'], 1],
    [['empty.txt', '-ot', 'file.txt'], 0], [['missing', '-ot', 'file.txt'], 0], [['file.txt', '-ot', 'missing'], 1],
    [['-f', 'file.txt', '-a', '-s', 'file.txt'], 0], [['-f', 'missing', '-o', '-f', 'file.txt'], 0], [['!', '-f', 'missing'], 0],
  ])('test %j → %i', async (args, want) => {
    expect(await code(...(args as string[]))).toBe(want);
  });
});

describe('[ and --help', () => {
  const br = (...args: string[]) => run(builtins['['], '[', args, { files });
  it('requires the closing bracket', async () => {
    expect(await br('1', '-eq', '1')).toEqual({ code: 2, stdout: '', stderr: "[: missing `]'\n" });
    expect(await br()).toEqual({ code: 2, stdout: '', stderr: "[: missing `]'\n" });
    expect(await br(']')).toEqual({ code: 1, stdout: '', stderr: '' });
    expect(await br('1', '-eq', '1', ']')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await br('-d', 'dir', ']')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await br('a', '-eq', '1', ']')).toEqual({ code: 2, stdout: '', stderr: '[: a: integer expression expected\n' });
  });

  it('prints help for a lone --help only', async () => {
    const h = await t('--help');
    expect(h.code).toBe(0);
    expect(h.stdout.startsWith('Usage: test EXPRESSION\n   or: [ EXPRESSION ]\n')).toBe(true);
    expect((await br('--help')).stdout).toBe(h.stdout);
    expect(await t('--help', '=', '--help')).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
