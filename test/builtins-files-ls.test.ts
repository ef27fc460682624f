import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ls } from '../src/rshell/builtins/files/ls/index.js';
import { humanSize, lsTime, modeString } from '../src/rshell/builtins/files/ls/format.js';
import type { FileInfo } from '../src/rshell/sandbox/types.js';
import { makeTree, run, type SetupFile } from './builtins-files-harness.js';
import { statCounter } from './helpers/stat-counter.js';

async function lsIn(files: SetupFile[], args: string[], now = new Date()) {
  const dir = makeTree(files);
  return { dir, ...(await run(ls, 'ls', args, { dir, now })) };
}

const files: SetupFile[] = [
  { path: '.hidden', content: 'secret' },
  { path: 'b.txt', content: 'xxxxxxxxxx' },
  { path: 'a.txt', content: 'x' },
  { path: 'sub/inner.txt', content: 'in' },
  { path: 'run.sh', content: '#!', chmod: 0o755 },
  { path: 'link', symlink: 'sub' },
];

describe('ls format helpers', () => {
  const info = (kind: FileInfo['kind'], perm: number) => ({ kind, perm }) as FileInfo;
  it('renders GNU mode strings', () => {
    expect(modeString(info('file', 0o644))).toBe('-rw-r--r--');
    expect(modeString(info('dir', 0o1777))).toBe('drwxrwxrwt');
    expect(modeString(info('file', 0o6644))).toBe('-rwSr-Sr--');
    expect(modeString(info('symlink', 0o777))).toBe('lrwxrwxrwx');
  });
  it('uses the recent and old date layouts against the run clock', () => {
    const now = new Date(2026, 10, 24, 12, 0);
    expect(lsTime(new Date(2026, 10, 3, 9, 5).getTime(), now)).toBe('Nov  3 09:05');
    expect(lsTime(new Date(2020, 0, 15, 9, 5).getTime(), now)).toBe('Jan 15  2020');
    expect(lsTime(new Date(2027, 0, 15, 9, 5).getTime(), now)).toBe('Jan 15  2027');
  });
  it('formats human sizes', () => {
    expect([humanSize(1023), humanSize(1536), humanSize(20 * 1024), humanSize(5 * 1024 * 1024)]).toEqual(['1023', '1.5K', '20K', '5.0M']);
    // Ties round to even like Go's %.1f / %.0f: 1.25K → 1.2K, 1.75K → 1.8K, 10.5K → 10K, 11.5K → 12K.
    expect([humanSize(1280), humanSize(1792), humanSize(10752), humanSize(11776)]).toEqual(['1.2K', '1.8K', '10K', '12K']);
  });
});

describe('ls', () => {
  it('lists names sorted, hiding dotfiles', async () => {
    expect(await lsIn(files, [])).toMatchObject({ stdout: 'a.txt\nb.txt\nlink\nrun.sh\nsub\n', stderr: '', code: 0 });
  });

  it('handles -a, -A and last-wins between them', async () => {
    expect((await lsIn(files, ['-a'])).stdout).toBe('.\n..\n.hidden\na.txt\nb.txt\nlink\nrun.sh\nsub\n');
    expect((await lsIn(files, ['-a', '-A'])).stdout).toBe('.hidden\na.txt\nb.txt\nlink\nrun.sh\nsub\n');
    expect((await lsIn(files, ['-Aa', '-r'])).stdout).toBe('sub\nrun.sh\nlink\nb.txt\na.txt\n.hidden\n..\n.\n');
  });

  it('classifies with -F and -p', async () => {
    expect((await lsIn(files, ['-F'])).stdout).toBe('a.txt\nb.txt\nlink@\nrun.sh*\nsub/\n');
    expect((await lsIn(files, ['-p'])).stdout).toBe('a.txt\nb.txt\nlink\nrun.sh\nsub/\n');
  });

  it('sorts by size and by time, last of -S/-t wins', async () => {
    const old = new Date('2020-01-01T00:00:00Z');
    const f: SetupFile[] = [
      { path: 'small', content: 'a' },
      { path: 'big', content: 'abcdefgh', mtime: old },
      { path: 'mid', content: 'abcd' },
    ];
    expect((await lsIn(f, ['-S'])).stdout).toBe('big\nmid\nsmall\n');
    expect((await lsIn(f, ['-rS'])).stdout).toBe('small\nmid\nbig\n');
    expect((await lsIn(f, ['-S', '-t'])).stdout).toBe('mid\nsmall\nbig\n');
  });

  it('prints files before directories, headers, and recursion without following links', async () => {
    expect((await lsIn(files, ['sub', 'a.txt'])).stdout).toBe('a.txt\n\nsub:\ninner.txt\n');
    expect((await lsIn(files, ['-R'])).stdout).toBe('.:\na.txt\nb.txt\nlink\nrun.sh\nsub\n\n./sub:\ninner.txt\n');
    expect((await lsIn(files, ['link'])).stdout).toBe('inner.txt\n');
    expect((await lsIn(files, ['-d', 'link', 'sub'])).stdout).toBe('link\nsub\n');
    expect((await lsIn(files, ['-dF', 'sub/'])).stdout).toBe('sub//\n');
  });

  it('reports missing, empty and out-of-sandbox operands', async () => {
    expect(await lsIn(files, ['a.txt', 'nope', ''])).toMatchObject({
      stdout: 'a.txt\n',
      stderr: "ls: cannot access 'nope': no such file or directory\nls: cannot access '': No such file or directory\n",
      code: 1,
    });
    expect(await lsIn(files, ['../..'])).toMatchObject({ stdout: '', stderr: "ls: cannot access '../..': permission denied\n", code: 1 });
  });

  it('prints -l with aligned columns, numeric owners, total and link targets', async () => {
    const now = new Date();
    const r = await lsIn(files, ['-lF'], now);
    const st = (p: string) => fs.lstatSync(path.join(r.dir, p));
    const uid = String(st('a.txt').uid);
    const gid = String(st('a.txt').gid);
    const date = (p: string) => lsTime(st(p).mtimeMs, now);
    const size = (p: string) => String(st(p).size).padStart(String(st('sub').size).length);
    const nl = (p: string) => String(st(p).nlink).padStart(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^total \d+$/);
    expect(lines.slice(1)).toEqual([
      `-rw-r--r-- ${nl('a.txt')} ${uid} ${gid} ${size('a.txt')} ${date('a.txt')} a.txt`,
      `-rw-r--r-- ${nl('b.txt')} ${uid} ${gid} ${size('b.txt')} ${date('b.txt')} b.txt`,
      `lrwxrwxrwx ${nl('link')} ${uid} ${gid} ${size('link')} ${date('link')} link -> sub/`,
      `-rwxr-xr-x ${nl('run.sh')} ${uid} ${gid} ${size('run.sh')} ${date('run.sh')} run.sh*`,
      `drwxr-xr-x ${nl('sub')} ${uid} ${gid} ${size('sub')} ${date('sub')} sub/`,
      '',
    ]);
    expect(r.code).toBe(0);
  });

  it('paginates a single directory with --offset/--limit, ignoring them otherwise', async () => {
    const f: SetupFile[] = ['f1', 'f2', 'f3', 'f4', 'f5'].map((p) => ({ path: `d/${p}` }));
    expect((await lsIn(f, ['d', '--offset', '1', '--limit', '2'])).stdout).toBe('f2\nf3\n');
    expect((await lsIn(f, ['-a', 'd', '--offset=3', '--limit=2'])).stdout).toBe('.\n..\nf4\nf5\n');
    expect((await lsIn(f, ['d', '--offset', '-1', '--limit', '-1'])).stdout).toBe('f1\nf2\nf3\nf4\nf5\n');
    expect((await lsIn(f, ['d', '--offset', '9'])).stdout).toBe('');
    expect((await lsIn(f, ['-R', '--limit', '1', 'd'])).stdout).toBe('d:\nf1\nf2\nf3\nf4\nf5\n');
  });

  it('truncates directories above 1,000 entries with a warning and exit 1', async () => {
    const f: SetupFile[] = Array.from({ length: 1001 }, (_, i) => ({ path: `d/f${String(i).padStart(4, '0')}` }));
    const r = await lsIn(f, ['d']);
    expect(r.stdout.split('\n').length).toBe(1001);
    expect(r.stdout.endsWith('f0999\n')).toBe(true);
    expect(r.stderr).toBe("ls: warning: directory 'd': too many entries (exceeded 1000 limit), output truncated\n");
    expect(r.warnings).toEqual(["ls: warning: directory 'd': too many entries (exceeded 1000 limit), output truncated"]);
    expect(r.code).toBe(1);
  });

  it('rejects unknown flags and prints help', async () => {
    expect(await lsIn(files, ['--bogus'])).toMatchObject({ stdout: '', stderr: 'ls: unknown flag: --bogus\n', code: 1 });
    const h = await lsIn(files, ['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Usage: ls [OPTION]... [FILE]...');
    expect(h.stdout).toContain('  -a, --all ');
  });

  it('lstats directory entries only for -l, -S, -t and -F', async () => {
    const dir = makeTree(files);
    const count = statCounter(dir, (fs, args) => run(ls, 'ls', args, { dir, fs }));
    expect(await count(['-pR'])).toEqual({ stdout: '.:\na.txt\nb.txt\nlink\nrun.sh\nsub/\n\n./sub:\ninner.txt\n', stats: 1 });
    expect((await count(['-F'])).stats).toBe(6);
    expect((await count(['-S'])).stats).toBe(6);
  });
});
