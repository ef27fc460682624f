/**
 * SandboxFS operations on real temp trees: roots and warnings, open/read, readDir order and
 * cap, stat/lstat/readlink of symlinks, access bits, byte-exact (non-UTF-8, NUL) names.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, utimesSync, writeFileSync, type BigIntStats } from 'node:fs';
import { open as openForWrite } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromUtf16 } from '../src/rshell/bytes.js';
import { createSandbox, goQuote, MAX_DIR_ENTRIES } from '../src/rshell/sandbox/index.js';
import { clean, join, toAbs } from '../src/rshell/sandbox/paths.js';
import { hasPermission } from '../src/rshell/sandbox/access.js';
import { failure, makeTree, readText, removeTree } from './sandbox-helpers.js';

let base: string;
beforeAll(() => {
  base = makeTree({
    'data/b.txt': 'bee\n',
    'data/a.txt': 'ay\n',
    'data/B.txt': 'capital\n',
    'data/sub/x': 'x',
    'data/link': { link: 'a.txt' },
    'data/dirlink': { link: 'sub' },
    'data/.hidden': 'h',
    'data/empty': '',
    'other/o.txt': 'other\n',
  });
});
afterAll(() => removeTree(base));

describe('roots and warnings', () => {
  it('skips missing and non-directory roots with rshell\'s warning text, in order', () => {
    const { warnings, roots } = createSandbox({
      allowedPaths: [`${base}/missing`, `${base}/data`, `${base}/data/a.txt`, `${base}/data/../other/`],
    });
    expect(warnings).toEqual([
      `AllowedPaths: skipping "${base}/missing": open ${base}/missing: no such file or directory`,
      `AllowedPaths: skipping "${base}/data/a.txt": open ${base}/data/a.txt: not a directory`,
    ]);
    expect(roots).toEqual([`${base}/data`, `${base}/other`]);
  });

  it('quotes odd bytes in warnings the way Go\'s %q does', () => {
    const { warnings } = createSandbox({ allowedPaths: [`${base}/no\tpe\xff"q`] });
    expect(warnings).toEqual([
      `AllowedPaths: skipping "${base}/no\\tpe\\xff\\"q": open ${base}/no\tpe\xff"q: no such file or directory`,
    ]);
    expect(goQuote(fromUtf16('é/ü'))).toBe(`"${fromUtf16('é/ü')}"`);
    expect(goQuote('\x00\x7f')).toBe('"\\x00\\x7f"');
    // Valid but unprintable runes as \u/\U, invalid bytes (overlong, surrogate, truncated) as \x.
    expect(goQuote(fromUtf16('\u00a0\u200b\u{E0001}'))).toBe('"\\u00a0\\u200b\\U000e0001"');
    expect(goQuote(fromUtf16('\ufffd\u{1F600}'))).toBe(`"${fromUtf16('\ufffd\u{1F600}')}"`);
    expect(goQuote('\xc0\xaf\xed\xa0\x80\xe2\x82')).toBe('"\\xc0\\xaf\\xed\\xa0\\x80\\xe2\\x82"');
  });

  it('resolves relative roots against the process working directory', () => {
    const rel = `${base}/data`.split('/').map(() => '..').join('/') + `${base}/data`;
    const { roots, warnings } = createSandbox({ allowedPaths: [rel] });
    expect(warnings).toEqual([]);
    expect(roots).toEqual([`${base}/data`]);
  });

  it('picks the longest matching root', async () => {
    const { fs } = createSandbox({ allowedPaths: [base, `${base}/data`] });
    // Inside `data`, the link to ../other is judged in the data root, escapes, then lands in `base`.
    symlinkSync('../other/o.txt', `${base}/data/to_other`);
    try {
      expect(await readText(fs, 'data/to_other', base)).toBe('other\n');
    } finally {
      execFileSync('rm', [`${base}/data/to_other`]);
    }
  });

  it('a root that is itself a symlink is followed once, at construction', async () => {
    const dir = makeTree({ 'real/f': 'via link\n', 'alias': { link: 'real' } });
    try {
      const { fs, roots } = createSandbox({ allowedPaths: [`${dir}/alias`] });
      expect(roots).toEqual([`${dir}/alias`]);
      expect(await readText(fs, 'alias/f', dir)).toBe('via link\n');
      expect((await failure(fs.open('real/f', dir))).pathMessage).toBe('open real/f: permission denied');
    } finally {
      removeTree(dir);
    }
  });
});

describe('open and read', () => {
  const { fs } = createSandbox({ allowedPaths: [] });
  const sb = () => createSandbox({ allowedPaths: [`${base}/data`] }).fs;

  it('reads whole files in small chunks and an empty file as EOF', async () => {
    expect(await readText(sb(), 'data/a.txt', base)).toBe('ay\n');
    expect(await readText(sb(), `${base}/data/empty`, '/')).toBe('');
  });

  it('reports a missing file with os.Root wording', async () => {
    expect(await failure(sb().open('data/nope.txt', base))).toEqual({
      code: 'ENOENT',
      message: 'no such file or directory',
      pathMessage: 'openat nope.txt: no such file or directory',
    });
    expect((await failure(sb().open('data/a.txt/x', base))).pathMessage).toBe('openat a.txt/x: not a directory');
  });

  it('opens a directory, but reading it is EISDIR', async () => {
    const f = await sb().open('data', base);
    try {
      expect((await f.stat()).kind).toBe('dir');
      expect(await failure(f.read(new Uint8Array(16)))).toEqual({
        code: 'EISDIR',
        message: 'is a directory',
        pathMessage: 'read data: is a directory',
      });
    } finally {
      await f.close();
    }
  });

  it('fstat of an open file describes it', async () => {
    const f = await sb().open('data/link', base);
    try {
      const st = await f.stat();
      expect([st.name, st.kind, st.size]).toEqual(['link', 'file', 3]);
    } finally {
      await f.close();
    }
  });

  it('treats the empty path as missing, not as the working directory', async () => {
    expect((await failure(sb().open('', `${base}/data`))).code).toBe('ENOENT');
    expect((await failure(fs.open('', `${base}/data`))).code).toBe('EACCES');
  });

  it('rejects NUL bytes in a path inside a root as EINVAL', async () => {
    expect(await failure(sb().open('data/a\0b', base))).toEqual({
      code: 'EINVAL',
      message: 'invalid argument',
      pathMessage: 'openat a\0b: invalid argument',
    });
    expect((await failure(sb().open('elsewhere/a\0b', base))).code).toBe('EACCES');
  });

  it('waits for a FIFO writer\'s data without blocking the thread pool', async () => {
    const dir = makeTree({});
    try {
      execFileSync('mkfifo', [`${dir}/pipe`]);
      const { fs: f } = createSandbox({ allowedPaths: [dir] });
      const file = await f.open('pipe', dir);
      try {
        // Open for writing only now (a non-blocking reader exists), write after a delay.
        const writer = await openForWrite(`${dir}/pipe`, 'w');
        setTimeout(() => void writer.write('late\n').then(() => writer.close()), 30);
        const buf = new Uint8Array(16);
        const n = await file.read(buf);
        expect(Buffer.from(buf.subarray(0, n)).toString()).toBe('late\n');
        expect(await file.read(buf)).toBe(0);
      } finally {
        await file.close();
      }
    } finally {
      removeTree(dir);
    }
  });

  it('an abort signal ends a read waiting on a silent FIFO', async () => {
    const dir = makeTree({});
    try {
      execFileSync('mkfifo', [`${dir}/pipe`]);
      const { fs: f } = createSandbox({ allowedPaths: [dir] });
      const ac = new AbortController();
      const file = await f.open('pipe', dir, { signal: ac.signal });
      const writer = await openForWrite(`${dir}/pipe`, 'w'); // holds the FIFO open, never writes
      try {
        const pending = file.read(new Uint8Array(8));
        setTimeout(() => ac.abort(new Error('run canceled')), 30);
        await expect(pending).rejects.toThrow('run canceled');
      } finally {
        await writer.close();
        await file.close();
      }
    } finally {
      removeTree(dir);
    }
  });

  it('does not block on a FIFO without a writer', async () => {
    const dir = makeTree({});
    try {
      execFileSync('mkfifo', [`${dir}/pipe`]);
      const { fs: f } = createSandbox({ allowedPaths: [dir] });
      expect(await readText(f, 'pipe', dir)).toBe('');
    } finally {
      removeTree(dir);
    }
  });
});

describe('byte-exact names', () => {
  let dir: string;
  const latin = 'caf\xe9'; // invalid UTF-8 on its own (a lone 0xE9 byte)
  const utf8 = fromUtf16('naïve'); // valid UTF-8, as a bstr
  beforeAll(() => {
    dir = makeTree({});
    writeFileSync(Buffer.from(`${dir}/${latin}`, 'latin1'), 'latin1 name\n');
    writeFileSync(Buffer.from(`${dir}/${utf8}`, 'latin1'), 'utf8 name\n');
    mkdirSync(Buffer.from(`${dir}/d\xff`, 'latin1'));
    writeFileSync(Buffer.from(`${dir}/d\xff/in`, 'latin1'), 'inner\n');
  });
  afterAll(() => removeTree(dir));

  it('opens and lists names that are not valid UTF-8', async () => {
    const { fs } = createSandbox({ allowedPaths: [dir] });
    expect(await readText(fs, latin, dir)).toBe('latin1 name\n');
    expect(await readText(fs, utf8, dir)).toBe('utf8 name\n');
    expect(await readText(fs, 'd\xff/in', dir)).toBe('inner\n');
    expect((await fs.readDir('.', dir)).map((e) => e.name)).toEqual([latin, 'd\xff', utf8].sort());
  });

  it('accepts a root whose name is not valid UTF-8', async () => {
    const { fs, warnings } = createSandbox({ allowedPaths: [`${dir}/d\xff`] });
    expect(warnings).toEqual([]);
    expect(await readText(fs, 'in', `${dir}/d\xff`)).toBe('inner\n');
    expect(await fs.readDir('.', `${dir}/d\xff`)).toEqual([{ name: 'in', kind: 'file' }]);
    expect((await fs.stat(`${dir}/d\xff`, '/')).name).toBe('d\xff');
  });
});

describe('readDir', () => {
  const fs = () => createSandbox({ allowedPaths: [`${base}/data`] }).fs;

  it('lists entries in byte order with lstat-like kinds, dotfiles included', async () => {
    expect(await fs().readDir('data', base)).toEqual([
      { name: '.hidden', kind: 'file' },
      { name: 'B.txt', kind: 'file' },
      { name: 'a.txt', kind: 'file' },
      { name: 'b.txt', kind: 'file' },
      { name: 'dirlink', kind: 'symlink' },
      { name: 'empty', kind: 'file' },
      { name: 'link', kind: 'symlink' },
      { name: 'sub', kind: 'dir' },
    ]);
  });

  it('follows a symlinked directory', async () => {
    expect(await fs().readDir('data/dirlink', base)).toEqual([{ name: 'x', kind: 'file' }]);
  });

  it('refuses files and missing paths', async () => {
    expect(await failure(fs().readDir('data/a.txt', base))).toEqual({
      code: 'ENOTDIR',
      message: 'not a directory',
      pathMessage: 'readdirent data/a.txt: not a directory',
    });
    expect((await failure(fs().readDir('data/none', base))).pathMessage).toBe('openat none: no such file or directory');
  });

  it(`caps at ${MAX_DIR_ENTRIES} entries by default and at a given limit`, async () => {
    const dir = makeTree({});
    try {
      // Dangling symlinks: one syscall each, the cheapest directory entries to make.
      for (let i = 0; i < MAX_DIR_ENTRIES; i++) symlinkSync('x', `${dir}/f${i}`);
      const { fs: big } = createSandbox({ allowedPaths: [dir] });
      expect((await big.readDir('.', dir)).length).toBe(MAX_DIR_ENTRIES);
      writeFileSync(`${dir}/one-more`, '');
      expect(await failure(big.readDir('.', dir))).toEqual({
        code: 'EMFILE',
        message: `directory has too many entries (cap: ${MAX_DIR_ENTRIES})`,
        pathMessage: `readdir .: directory has too many entries (cap: ${MAX_DIR_ENTRIES})`,
      });
      expect((await failure(big.readDir('.', dir, 5))).message).toBe('directory has too many entries (cap: 5)');
      for (const odd of [0, Infinity, 2.5]) {
        expect((await failure(big.readDir('.', dir, odd))).message).toBe(`directory has too many entries (cap: ${MAX_DIR_ENTRIES})`);
      }
    } finally {
      removeTree(dir);
    }
  });
});

describe('stat, lstat, readlink', () => {
  const fs = () => createSandbox({ allowedPaths: [`${base}/data`] }).fs;

  it('stat follows links, lstat does not', async () => {
    const st = await fs().stat('data/link', base);
    const lst = await fs().lstat('data/link', base);
    expect([st.name, st.kind, st.size]).toEqual(['link', 'file', 3]);
    expect([lst.name, lst.kind, lst.size]).toEqual(['link', 'symlink', 5]);
    expect((await fs().stat('data/dirlink', base)).kind).toBe('dir');
    expect((await fs().lstat('data/dirlink', base)).kind).toBe('symlink');
  });

  it('reports mtime with nanosecond precision and permission bits', async () => {
    utimesSync(`${base}/data/b.txt`, 1_700_000_000, 1_700_000_000.5);
    chmodSync(`${base}/data/b.txt`, 0o640);
    const st = await fs().stat('data/b.txt', base);
    expect(st.mtimeNs).toBe(1_700_000_000_500_000_000n);
    expect(st.mtimeMs).toBe(1_700_000_000_500);
    expect(st.perm).toBe(0o640);
    expect(st.nlink).toBe(1);
  });

  it('names the root "." and a trailing-slash path by its last element', async () => {
    expect((await fs().stat('.', `${base}/data`)).name).toBe('.');
    expect((await fs().stat('sub/', `${base}/data`)).name).toBe('sub');
  });

  it('lstat of a link that points outside works (the link itself is inside)', async () => {
    symlinkSync('/etc/passwd', `${base}/data/out`);
    try {
      expect((await fs().lstat('data/out', base)).kind).toBe('symlink');
      expect(await fs().readlink('data/out', base)).toBe('/etc/passwd');
      expect((await failure(fs().stat('data/out', base))).message).toBe('statat out: path escapes from parent');
    } finally {
      execFileSync('rm', [`${base}/data/out`]);
    }
  });

  it('readlink returns the target bytes and refuses non-links', async () => {
    expect(await fs().readlink('data/link', base)).toBe('a.txt');
    expect(await failure(fs().readlink('data/a.txt', base))).toEqual({
      code: 'EINVAL',
      message: 'invalid argument',
      pathMessage: 'readlinkat a.txt: invalid argument',
    });
  });

  it('always lets scripts stat /dev/null, as rshell does', async () => {
    const st = await createSandbox().fs.stat('/dev/null', '/');
    expect([st.name, st.kind]).toEqual(['null', 'char']);
  });
});

describe('access', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeTree({ 'plain': 'p', 'exec': 'e', 'none': 'n', 'sub/f': '' });
    chmodSync(`${dir}/plain`, 0o644);
    chmodSync(`${dir}/exec`, 0o755);
    chmodSync(`${dir}/none`, 0o000);
    chmodSync(`${dir}/sub`, 0o644);
  });
  afterAll(() => {
    chmodSync(`${dir}/sub`, 0o755);
    removeTree(dir);
  });
  const fs = () => createSandbox({ allowedPaths: [dir] }).fs;
  const isRoot = process.getuid?.() === 0;

  it('grants read on a readable file and execute only with an x bit', async () => {
    await expect(fs().access('plain', dir, 'r')).resolves.toBeUndefined();
    await expect(fs().access('exec', dir, 'x')).resolves.toBeUndefined();
    expect(await failure(fs().access('plain', dir, 'x'))).toEqual({
      code: 'EACCES',
      message: 'permission denied',
      pathMessage: 'access plain: permission denied',
    });
  });

  it.runIf(isRoot)('as root: read and write pass without bits, execute needs one (rshell semantics)', async () => {
    await expect(fs().access('none', dir, 'r')).resolves.toBeUndefined();
    await expect(fs().access('none', dir, 'w')).resolves.toBeUndefined();
    expect((await failure(fs().access('none', dir, 'x'))).pathMessage).toBe('access none: permission denied');
    expect((await failure(fs().access('sub', dir, 'x'))).pathMessage).toBe('access sub: permission denied');
  });

  it.runIf(!isRoot)('as a user: the owner bits decide', async () => {
    expect((await failure(fs().access('none', dir, 'r'))).code).toBe('EACCES');
    expect((await failure(fs().access('none', dir, 'w'))).code).toBe('EACCES');
    await expect(fs().access('plain', dir, 'w')).resolves.toBeUndefined();
  });

  describe('permission classes (Lambda runs as a non-root user)', () => {
    const st = (mode: number, uid: number, gid: number) => ({ mode: BigInt(0o100000 | mode), uid: BigInt(uid), gid: BigInt(gid) }) as unknown as BigIntStats;
    const user = { uid: 1051, gid: 495, groups: [495, 20] };

    it.each([
      // [mode, owner uid, owner gid, access, expected]
      [0o600, 1051, 0, 'r', true],
      [0o600, 1051, 0, 'w', true],
      [0o600, 1051, 0, 'x', false],
      [0o060, 1051, 495, 'r', false], // owner class applies even if the group would allow
      [0o060, 0, 495, 'r', true],
      [0o060, 0, 20, 'w', true], // supplementary group
      [0o604, 0, 7, 'r', true],
      [0o640, 0, 7, 'r', false],
      [0o001, 0, 7, 'x', true],
      [0o110, 0, 7, 'x', false],
    ] as const)('mode %s owner %s:%s %s → %s', (mode, uid, gid, access, expected) => {
      expect(hasPermission(st(mode, uid, gid), access, user)).toBe(expected);
    });

    it('root passes r and w without bits and needs any x bit for x', () => {
      const root = { uid: 0, gid: 0, groups: [] };
      expect(hasPermission(st(0o000, 5, 5), 'r', root)).toBe(true);
      expect(hasPermission(st(0o000, 5, 5), 'w', root)).toBe(true);
      expect(hasPermission(st(0o000, 5, 5), 'x', root)).toBe(false);
      expect(hasPermission(st(0o001, 5, 5), 'x', root)).toBe(true);
    });
  });

  it('a missing file is "permission denied" too', async () => {
    expect((await failure(fs().access('missing', dir, 'r'))).pathMessage).toBe('access missing: permission denied');
  });
});

describe('paths', () => {
  it.each([
    ['', '.'],
    ['/', '/'],
    ['//a//b/', '/a/b'],
    ['/../a', '/a'],
    ['a/../..', '..'],
    ['./a/./b/..', 'a'],
    ['a/..b/.c', 'a/..b/.c'],
  ])('clean(%j) = %j', (input, out) => {
    expect(clean(input)).toBe(out);
  });

  it('joins and makes absolute like Go', () => {
    expect(join('/a', '', 'b/../c')).toBe('/a/c');
    expect(toAbs('x/../../y', '/d/e')).toBe('/d/y');
    expect(toAbs('/abs/./p/', '/ignored')).toBe('/abs/p');
    expect(createSandbox().fs.abs('../z', '/w/v')).toBe('/w/z');
  });
});
