import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { find } from '../src/rshell/builtins/files/find/index.js';
import { compileGlob, globMatch } from '../src/rshell/builtins/files/glob.js';
import { parsePerm, matchPerm } from '../src/rshell/builtins/files/find/perm.js';
import { makeTree, run, testBuiltins, type SetupFile } from './builtins-files-harness.js';
import { statCounter } from './helpers/stat-counter.js';

async function findIn(files: SetupFile[], args: string[], extra: { allowed?: string[] } = {}) {
  const dir = makeTree(files);
  return run(find, 'find', args, { dir, now: new Date(Date.now() + 1000), builtins: { ...testBuiltins, find }, ...extra });
}

const tree: SetupFile[] = [
  { path: 'dir/a.txt', content: 'a' },
  { path: 'dir/b.go', content: 'bb' },
  { path: 'dir/sub/c.txt', content: '' },
];

describe('glob', () => {
  const m = (p: string, s: string, fold = false) => globMatch(compileGlob(p, fold), s);
  it('matches stars, classes and escapes like fnmatch', () => {
    expect(m('*.txt', 'a.txt')).toBe(true);
    expect(m('*.txt', 'a.txt.bak')).toBe(false);
    expect(m('[!a]*', 'banana')).toBe(true);
    expect(m('[!a]*', 'apple')).toBe(false);
    expect(m('*[*', 'a[b.txt')).toBe(true);
    expect(m('[a-', '[a-')).toBe(false);
    expect(m('\\', '\\')).toBe(false);
    expect(m('\\*', '*')).toBe(true);
    expect(m('./src/*.go', './src/x/y.go')).toBe(true);
    expect(m('README*', 'readme.txt', true)).toBe(true);
  });
  it('agrees with an anchored regular expression on well-formed patterns', () => {
    const tokens: [string, string][] = [
      ['a', 'a'],
      ['b', 'b'],
      ['.', '\\.'],
      ['*', '[\\s\\S]*'],
      ['?', '[\\s\\S]'],
      ['[ab]', '[ab]'],
      ['[!a]', '[^a]'],
      ['[a-c]', '[a-c]'],
      ['\\*', '\\*'],
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 8 }), fc.stringMatching(/^[abc.*]{0,10}$/), (pattern, name) => {
        const glob = pattern.map(([g]) => g).join('');
        const re = new RegExp('^' + pattern.map(([, r]) => r).join('') + '$');
        expect(globMatch(compileGlob(glob), name)).toBe(re.test(name));
      }),
      { numRuns: 2000, seed: 42 },
    );
  });

  it('matches POSIX character classes in brackets like fnmatch in the C locale', () => {
    expect(m('f[[:alpha:]]', 'fA')).toBe(true);
    expect(m('f[[:alpha:]]', 'f1')).toBe(false);
    expect(m('f[[:digit:][:upper:]]', 'f1')).toBe(true);
    expect(m('f[![:alnum:]]', 'f_')).toBe(true);
    expect(m('f[![:alnum:]]', 'fz')).toBe(false);
    expect(m('f[[:alpha:]-]', 'f-')).toBe(true);
    expect(m('f[[:space:]]', 'f ')).toBe(true);
    expect(m('f[[:punct:]]', 'f]')).toBe(true);
    expect(m('f[[:xdigit:]]', 'fG')).toBe(false);
    // An unclosed outer bracket is a literal '[' and "[:alpha:]" a plain bracket, as in glibc.
    expect(m('f[[:alpha:]', 'fa')).toBe(false);
    expect(m('f[[:alpha:]', 'f[a')).toBe(true);
    expect(m('f[[:alpha:]', 'f[x')).toBe(false);
    // Classes test the name's own character even under -iname, as glibc does.
    expect(m('f[[:upper:]]', 'fA', true)).toBe(true);
    expect(m('f[[:upper:]]', 'fa', true)).toBe(false);
    expect(m('F[A-Z]', 'fq', true)).toBe(true);
  });

  it('treats one UTF-8 character as one ? and invalid bytes as units', () => {
    expect(m('?', '\xc3\xa9')).toBe(true);
    expect(m('?', 'ab')).toBe(false);
    expect(m('a?b', 'a\xffb')).toBe(true);
  });
});

describe('perm', () => {
  it('parses octal and symbolic modes, including X and copies', () => {
    expect(parsePerm('644')).toEqual({ mode: 0o644, how: '=' });
    expect(parsePerm('-0111')).toEqual({ mode: 0o111, how: '-' });
    expect(parsePerm('u=rw,g=r,o=r')!.mode).toBe(0o644);
    expect(parsePerm('u=rwx,a=rX')!.mode).toBe(0o555);
    expect(parsePerm('u=rwx,g=u')!.mode).toBe(0o770);
    expect(parsePerm('xyz')).toBeNull();
    expect(parsePerm('17777')).toBeNull();
    expect(matchPerm(0o644, { mode: 0o222, how: '/' })).toBe(true);
    expect(matchPerm(0o444, { mode: 0o222, how: '/' })).toBe(false);
  });
});

describe('find', () => {
  it('lists a tree pre-order in byte order with an implicit -print', async () => {
    const r = await findIn(tree, ['dir']);
    expect(r).toMatchObject({ stdout: 'dir\ndir/a.txt\ndir/b.go\ndir/sub\ndir/sub/c.txt\n', stderr: '', code: 0 });
  });

  it('defaults to . and keeps a trailing slash of the start path', async () => {
    expect((await findIn(tree, ['-maxdepth', '1'])).stdout).toBe('.\n./dir\n');
    expect((await findIn(tree, ['dir/', '-maxdepth', '1', '-name', '*.go'])).stdout).toBe('dir/b.go\n');
    expect((await findIn(tree, ['dir/', '-maxdepth', '0', '-name', 'dir'])).stdout).toBe('dir/\n');
  });

  it('combines -type, -name, -o, !, parentheses', async () => {
    expect((await findIn(tree, ['dir', '-type', 'f', '(', '-name', '*.txt', '-o', '-name', '*.go', ')', '!', '-name', 'a*'])).stdout).toBe(
      'dir/b.go\ndir/sub/c.txt\n',
    );
    expect((await findIn(tree, ['dir', '-type', 'f,d', '-mindepth', '2'])).stdout).toBe('dir/sub/c.txt\n');
  });

  it('matches -name and -path patterns with POSIX character classes', async () => {
    const files = ['a1', 'b_', 'C', '9'].map((n) => ({ path: `d/${n}` }));
    expect(await findIn(files, ['d', '-name', '[[:alpha:]]*'])).toMatchObject({ stdout: 'd\nd/C\nd/a1\nd/b_\n', stderr: '', code: 0 });
    expect((await findIn(files, ['d', '-name', '*[[:digit:]]'])).stdout).toBe('d/9\nd/a1\n');
    expect((await findIn(files, ['d', '-path', 'd/[![:alnum:]]*'])).stdout).toBe('');
    expect((await findIn(files, ['d', '-iname', '[[:upper:]]'])).stdout).toBe('d/C\n');
  });

  it('applies -size rounding, -empty, -perm', async () => {
    expect((await findIn(tree, ['dir', '-type', 'f', '-size', '1'])).stdout).toBe('dir/a.txt\ndir/b.go\n');
    expect((await findIn(tree, ['dir', '-size', '-2c', '-type', 'f'])).stdout).toBe('dir/a.txt\ndir/sub/c.txt\n');
    expect((await findIn(tree, ['dir', '-empty'])).stdout).toBe('dir/sub/c.txt\n');
    expect((await findIn(tree, ['dir', '-type', 'f', '-perm', '644'])).stdout).toBe('dir/a.txt\ndir/b.go\ndir/sub/c.txt\n');
  });

  it('uses the run clock for -mmin/-mtime and ns mtimes for -newer', async () => {
    const old = new Date('2020-01-01T00:00:00Z');
    const files = [
      { path: 'd/old', content: 'o', mtime: old },
      { path: 'd/new', content: 'n' },
    ];
    expect((await findIn(files, ['d', '-type', 'f', '-mmin', '-60'])).stdout).toBe('d/new\n');
    expect((await findIn(files, ['d', '-type', 'f', '-mtime', '+1000'])).stdout).toBe('d/old\n');
    expect((await findIn(files, ['d', '-type', 'f', '-mmin', '0'])).stdout).toBe('');
    expect((await findIn(files, ['d', '-type', 'f', '-mtime', '0'])).stdout).toBe('d/new\n');
    expect((await findIn(files, ['d', '-newer', 'd/old', '-type', 'f'])).stdout).toBe('d/new\n');
    expect((await findIn(files, ['d', '-mmin', '+99999999999999999999999'])).stdout).toBe('');
    expect((await findIn(files, ['d', '-type', 'f', '-mtime', '-99999999999999999999999'])).stdout).toBe('d/new\nd/old\n');
  });

  it('aborts on a missing -newer reference before walking', async () => {
    const r = await findIn(tree, ['dir', '-newer', 'nope', '-o', '-true']);
    expect(r).toMatchObject({ stdout: '', stderr: "find: 'nope': no such file or directory\n", code: 1 });
    expect((await findIn(tree, ['.', '-newer', ''])).stderr).toBe("find: '': No such file or directory\n");
  });

  it('prunes, quits and respects -mindepth before -prune', async () => {
    expect((await findIn(tree, ['dir', '-name', 'sub', '-prune', '-o', '-type', 'f', '-print'])).stdout).toBe('dir/a.txt\ndir/b.go\n');
    expect((await findIn(tree, ['dir', '-type', 'f', '-print', '-quit'])).stdout).toBe('dir/a.txt\n');
    expect((await findIn(tree, ['dir', '-mindepth', '2', '-name', 'sub', '-prune', '-o', '-print'])).stdout).toBe('dir/sub/c.txt\n');
  });

  it('prints with -print0 and suppresses the implicit print', async () => {
    expect((await findIn(tree, ['dir', '-name', '*.txt', '-print0', '-o', '-name', '*.go'])).stdout).toBe('dir/a.txt\0dir/sub/c.txt\0');
  });

  it('runs builtins with -exec and -execdir', async () => {
    const r = await findIn(tree, ['dir', '-name', '*.txt', '-exec', 'echo', 'x', '{}.bak', ';', '-execdir', 'echo', '+', '{}', ';']);
    expect(r).toMatchObject({ stdout: 'x dir/a.txt.bak\n+ ./a.txt\nx dir/sub/c.txt.bak\n+ ./c.txt\n', stderr: '', code: 0 });
    const cat = await findIn([{ path: 's/deep.txt', content: 'nested' }], ['.', '-path', '*/deep.txt', '-execdir', 'cat', '{}', ';']);
    expect(cat.stdout).toBe('nested');
    const f = await findIn(tree, ['dir', '-type', 'f', '-exec', 'false', '{}', ';', '-print']);
    expect(f).toMatchObject({ stdout: '', code: 0 });
  });

  it('refuses disallowed, batch and unterminated -exec', async () => {
    expect(await findIn(tree, ['dir', '-exec', 'echo', '{}', ';'], { allowed: ['find'] })).toMatchObject({
      stderr: "find: 'echo': command not allowed\n",
      code: 1,
      stdout: '',
    });
    expect((await findIn(tree, ['dir', '-exec', 'echo', '{}', '+'])).stderr).toContain('+');
    expect((await findIn(tree, ['dir', '-exec', 'echo', '{}'])).stderr).toBe("find: missing argument to '-exec'\n");
    expect((await findIn(tree, ['dir', '-execdir', ';'])).stderr).toBe('find: -execdir: no command specified\n');
    const long = Array.from({ length: 257 }, () => 'x');
    expect((await findIn(tree, ['dir', '-exec', 'echo', ...long, ';'])).stderr).toBe('find: -exec: too many arguments (max 256)\n');
  });

  it('reports parse errors with rshell wording and exit 1', async () => {
    const cases: [string[], string][] = [
      [['.', '-bogus'], "find: unknown predicate '-bogus'\n"],
      [['.', '-name'], 'find: missing argument for -name\n'],
      [['.', '-type', 'f,'], 'find: Unknown argument to -type: f,\n'],
      [['.', '-type', ''], 'find: Unknown argument to -type: \n'],
      [['.', '-maxdepth', '-1'], "find: invalid argument '-1' to -maxdepth\n"],
      [['.', '-mindepth'], "find: missing argument to '-mindepth'\n"],
      [['.', '-size', 'abc'], "find: invalid argument 'abc' to -size\n"],
      [['.', '-perm', 'xyz'], "find: invalid mode 'xyz'\n"],
      [['.', '(', ')'], 'find: invalid expression; empty parentheses are not allowed.\n'],
      [['.', '(', '-name', 'x'], "find: expected ')'\n"],
      [['.', '-regex', 'x'], 'find: -regex: regular expressions are blocked (ReDoS risk)\n'],
      [['.', '-fprint', 'x'], 'find: -fprint: file writes are blocked\n'],
      [['.', '-newer', '-maxdepth', '3'], "find: unknown predicate '3'\n"],
      [['.', '-name', 'x', 'constructor'], "find: unknown predicate 'constructor'\n"],
      [['.', '-name', 'x', '__proto__'], "find: unknown predicate '__proto__'\n"],
      [['-H', '.'], 'find: -H is not supported\n'],
      [['-1'], "find: unknown predicate '-1'\n"],
    ];
    for (const [args, err] of cases) {
      const r = await findIn(tree, args);
      expect({ args, stderr: r.stderr, code: r.code, stdout: r.stdout }).toEqual({ args, stderr: err, code: 1, stdout: '' });
    }
  });

  it('treats --help as a pattern after -name, as help elsewhere', async () => {
    expect(await findIn(tree, ['dir', '-name', '--help'])).toMatchObject({ stdout: '', code: 0 });
    const h = await findIn(tree, ['.', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout.startsWith('Usage: find')).toBe(true);
  });

  it('reports missing and empty start paths but walks the rest', async () => {
    const r = await findIn(tree, ['', 'nope', 'dir', '-maxdepth', '0']);
    expect(r).toMatchObject({
      stdout: 'dir\n',
      stderr: "find: '': No such file or directory\nfind: 'nope': no such file or directory\n",
      code: 1,
    });
  });

  it('denies paths outside the sandbox', async () => {
    const r = await findIn(tree, ['../..', '-maxdepth', '0']);
    expect(r).toMatchObject({ stdout: '', stderr: "find: '../..': permission denied\n", code: 1 });
  });

  it('follows symlinks with -L, falls back to lstat for dangling ones, detects loops', async () => {
    const files: SetupFile[] = [
      { path: 'd/t.txt', content: 't' },
      { path: 'd/l.txt', symlink: 't.txt' },
      { path: 'd/dangle', symlink: 'nowhere' },
      { path: 'd/a/f', content: 'f' },
      { path: 'd/a/loop', symlink: '..' },
    ];
    expect((await findIn(files, ['d', '-type', 'l'])).stdout).toBe('d/a/loop\nd/dangle\nd/l.txt\n');
    const r = await findIn(files, ['-L', 'd', '-type', 'f']);
    expect(r).toMatchObject({
      stdout: 'd/a/f\nd/l.txt\nd/t.txt\n',
      stderr: "find: File system loop detected; 'd/a/loop' is part of the same file system loop as 'd'.\n",
      code: 1,
    });
    expect((await findIn(files, ['-L', 'd', '-maxdepth', '1', '-type', 'l'])).stdout).toBe('d/dangle\n');
    expect((await findIn(files, ['-L', '-P', 'd', '-maxdepth', '1', '-type', 'l'])).stdout).toBe('d/dangle\nd/l.txt\n');
  });

  it('clamps -maxdepth above 256 with a warning', async () => {
    const r = await findIn(tree, ['dir', '-maxdepth', '300', '-name', 'a.txt']);
    expect(r).toMatchObject({ stdout: 'dir/a.txt\n', stderr: 'find: warning: -maxdepth 300 exceeds safety limit 256; clamped to 256\n', code: 0 });
  });

  it('caps expression size', async () => {
    const many = Array.from({ length: 300 }, () => '-true');
    expect((await findIn(tree, ['dir', ...many])).stderr).toBe('find: expression too complex (too many nodes)\n');
    const deep = [...Array.from({ length: 65 }, () => '!'), '-true'];
    expect((await findIn(tree, ['dir', ...deep])).stderr).toBe('find: expression too deeply nested\n');
  });

  it('stats children only when the expression needs metadata or -L is given', async () => {
    const dir = makeTree(tree);
    const count = statCounter(dir, (fs, args) => run(find, 'find', args, { dir, fs }));
    expect(await count(['dir', '-name', '*.txt'])).toEqual({ stdout: 'dir/a.txt\ndir/sub/c.txt\n', stats: 1 });
    expect(await count(['dir', '-type', 'd'])).toEqual({ stdout: 'dir\ndir/sub\n', stats: 1 });
    expect(await count(['dir', '-type', 'f', '-size', '-1'])).toEqual({ stdout: 'dir/sub/c.txt\n', stats: 5 });
    expect((await count(['-L', 'dir', '-name', 'c*'])).stats).toBe(5);
  });
});
