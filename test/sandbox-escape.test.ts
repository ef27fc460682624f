/**
 * Confinement: `..`, absolute paths and symlinks cannot leave the allowed roots, with rshell's
 * exact wording ("permission denied" when the lexical path is outside every root, os.Root's
 * "openat <rel>: path escapes from parent" when a link leads out).
 */
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, MAX_CROSS_ROOT_HOPS, ROOT_MAX_SYMLINKS } from '../src/rshell/sandbox/index.js';
import { failure, makeTree, readText, removeTree } from './sandbox-helpers.js';

let base: string;

beforeAll(() => {
  base = makeTree({
    'allowed/ok.txt': 'ok\n',
    'allowed/sub/deep.txt': 'deep\n',
    'allowed/..hidden': 'dotdot\n',
    'allowed/inner_link': { link: 'sub/deep.txt' },
    'allowed/dir_link': { link: 'sub' },
    'allowed/dotdot_inside': { link: '../allowed/ok.txt' },
    'allowed/rel_out': { link: '../secret/hidden.txt' },
    'allowed/rel_out_dir': { link: '../secret' },
    'allowed/abs_out': { link: '/etc/hostname' },
    'allowed/chain_start': { link: '../middle/hop' },
    'allowed/loop_a': { link: 'loop_b' },
    'allowed/loop_b': { link: 'loop_a' },
    'allowed/self_loop': { link: 'self_loop' },
    'allowed/dangling': { link: 'nowhere.txt' },
    'middle/hop': { link: '../secret/hidden.txt' },
    'secret/hidden.txt': 'secret\n',
    'dir1/file.txt': 'cross-root\n',
    'dir2/link.txt': { link: '../dir1/file.txt' },
    'dir1/x_loop': { link: '../dir2/y_loop' },
    'dir2/y_loop': { link: '../dir1/x_loop' },
  });
});

afterAll(() => removeTree(base));

function sandbox(...roots: string[]) {
  return createSandbox({ allowedPaths: roots.map((r) => `${base}/${r}`) }).fs;
}

describe('lexical confinement', () => {
  it('reads inside the root, with . and ..name components', async () => {
    const fs = sandbox('allowed');
    expect(await readText(fs, 'allowed/ok.txt', base)).toBe('ok\n');
    expect(await readText(fs, 'allowed/./sub/./deep.txt', base)).toBe('deep\n');
    expect(await readText(fs, 'allowed/..hidden', base)).toBe('dotdot\n');
    expect(await readText(fs, 'sub/../ok.txt', `${base}/allowed`)).toBe('ok\n');
  });

  it.each([
    ['../../etc/passwd', `${'BASE'}`],
    ['..', 'BASE/allowed'],
    ['../..', 'BASE/allowed'],
    ['a/../../x', 'BASE/allowed'],
    ['allowed/../secret/hidden.txt', 'BASE'],
    ['secret/hidden.txt', 'BASE'],
    ['/etc/passwd', 'BASE'],
    ['/', 'BASE'],
  ])('denies %s from %s with "permission denied"', async (path, dir) => {
    const fs = sandbox('allowed');
    const f = await failure(fs.open(path, dir.replace('BASE', base)));
    expect(f).toEqual({ code: 'EACCES', message: 'permission denied', pathMessage: `open ${path}: permission denied` });
  });

  it('names the operation in the denial', async () => {
    const fs = sandbox('allowed');
    expect((await failure(fs.stat('secret', base))).pathMessage).toBe('stat secret: permission denied');
    expect((await failure(fs.lstat('secret', base))).pathMessage).toBe('lstat secret: permission denied');
    expect((await failure(fs.readDir('secret', base))).pathMessage).toBe('readdir secret: permission denied');
    expect((await failure(fs.readlink('middle/hop', base))).pathMessage).toBe('readlink middle/hop: permission denied');
    expect((await failure(fs.access('secret/hidden.txt', base, 'r'))).pathMessage).toBe(
      'access secret/hidden.txt: permission denied',
    );
  });

  it('denies everything without roots (rshell nil sandbox), even /dev/null', async () => {
    for (const fs of [createSandbox().fs, createSandbox({ allowedPaths: [] }).fs]) {
      expect(await failure(fs.open('/dev/null', base))).toEqual({
        code: 'EACCES',
        message: 'permission denied',
        pathMessage: 'open /dev/null: permission denied',
      });
      expect((await failure(fs.open('allowed/ok.txt', base))).code).toBe('EACCES');
      expect((await failure(fs.readDir('.', base))).pathMessage).toBe('readdir .: permission denied');
    }
  });
});

describe('symlinks', () => {
  it('follows links that stay inside the root', async () => {
    const fs = sandbox('allowed');
    expect(await readText(fs, 'allowed/inner_link', base)).toBe('deep\n');
    expect(await readText(fs, 'allowed/dir_link/deep.txt', base)).toBe('deep\n');
    // Leaves the root through '..' and comes back: os.Root refuses, rshell's fallback allows.
    expect(await readText(fs, 'allowed/dotdot_inside', base)).toBe('ok\n');
  });

  it('refuses a relative link out of the root (scenario symlink_redirect_escape)', async () => {
    const fs = sandbox('allowed');
    expect(await failure(fs.open('allowed/rel_out', base))).toEqual({
      code: 'EACCES',
      message: 'openat rel_out: path escapes from parent',
      pathMessage: 'openat rel_out: path escapes from parent',
    });
  });

  it('refuses a link to a directory outside (scenario symlink_escape_to_dir)', async () => {
    const fs = sandbox('allowed');
    const f = await failure(fs.open('allowed/rel_out_dir/hidden.txt', base));
    expect(f.message).toBe('openat rel_out_dir/hidden.txt: path escapes from parent');
    expect((await failure(fs.readDir('allowed/rel_out_dir', base))).message).toBe(
      'openat rel_out_dir: path escapes from parent',
    );
  });

  it('refuses an absolute link out of the root', async () => {
    const fs = sandbox('allowed');
    const f = await failure(fs.open('allowed/abs_out', base));
    expect(f).toEqual({
      code: 'EACCES',
      message: 'openat abs_out: path escapes from parent',
      pathMessage: 'openat abs_out: path escapes from parent',
    });
  });

  it('refuses a chain that leaves through an unallowed directory (scenario symlink_chain_escape)', async () => {
    const fs = sandbox('allowed');
    expect((await failure(fs.open('allowed/chain_start', base))).message).toBe('openat chain_start: path escapes from parent');
  });

  it('reports in-root loops as ELOOP after os.Root\'s 8 links', async () => {
    const fs = sandbox('allowed');
    expect(await failure(fs.open('allowed/loop_a', base))).toEqual({
      code: 'ELOOP',
      message: 'too many levels of symbolic links',
      pathMessage: 'openat loop_a: too many levels of symbolic links',
    });
    expect((await failure(fs.stat('allowed/self_loop', base))).pathMessage).toBe(
      'statat self_loop: too many levels of symbolic links',
    );
  });

  it('reports a dangling link as ENOENT', async () => {
    const fs = sandbox('allowed');
    expect(await failure(fs.open('allowed/dangling', base))).toEqual({
      code: 'ENOENT',
      message: 'no such file or directory',
      pathMessage: 'openat dangling: no such file or directory',
    });
  });

  it('follows a cross-root link (scenario cross_root_symlink_read)', async () => {
    const fs = sandbox('dir1', 'dir2');
    expect(await readText(fs, 'dir2/link.txt', base)).toBe('cross-root\n');
    expect((await fs.stat('dir2/link.txt', base)).kind).toBe('file');
    expect((await fs.lstat('dir2/link.txt', base)).kind).toBe('symlink');
  });

  it('refuses the same cross-root link when the target root is not allowed', async () => {
    const fs = sandbox('dir2');
    expect((await failure(fs.open('dir2/link.txt', base))).message).toBe('openat link.txt: path escapes from parent');
  });

  it('refuses a cross-root loop as an escape (hops exhausted)', async () => {
    const fs = sandbox('dir1', 'dir2');
    expect(await failure(fs.open('dir1/x_loop', base))).toEqual({
      code: 'EACCES',
      message: 'openat x_loop: path escapes from parent',
      pathMessage: 'openat x_loop: path escapes from parent',
    });
  });
});

describe('symlink hop limits', () => {
  /** Roots r0..rN where r_i/l -> ../r_{i+1}/l and r_K/l -> ../r_{K+1}/target.txt: K+1 cross-root links. */
  function chain(links: number): string {
    const spec: Record<string, { link: string } | string> = {};
    for (let i = 0; i < links; i++) {
      spec[`r${i}/l`] = { link: i === links - 1 ? `../r${i + 1}/target.txt` : `../r${i + 1}/l` };
    }
    spec[`r${links}/target.txt`] = 'end\n';
    return makeTree(spec);
  }

  it(`follows exactly ${MAX_CROSS_ROOT_HOPS} cross-root hops and refuses ${MAX_CROSS_ROOT_HOPS + 1}`, async () => {
    for (const [links, ok] of [
      [MAX_CROSS_ROOT_HOPS, true],
      [MAX_CROSS_ROOT_HOPS + 1, false],
    ] as const) {
      const dir = chain(links);
      try {
        const roots = Array.from({ length: links + 1 }, (_, i) => `${dir}/r${i}`);
        const { fs } = createSandbox({ allowedPaths: roots });
        if (ok) expect(await readText(fs, 'r0/l', dir)).toBe('end\n');
        else
          expect(await failure(fs.open('r0/l', dir))).toEqual({
            code: 'EACCES',
            message: 'openat l: path escapes from parent',
            pathMessage: 'openat l: path escapes from parent',
          });
      } finally {
        removeTree(dir);
      }
    }
  });

  it(`follows ${ROOT_MAX_SYMLINKS} in-root links and refuses ${ROOT_MAX_SYMLINKS + 1} with ELOOP`, async () => {
    const spec: Record<string, { link: string } | string> = { 'root/target.txt': 'end\n' };
    const n = ROOT_MAX_SYMLINKS + 1;
    for (let i = 0; i < n; i++) spec[`root/l${i}`] = { link: i === 0 ? 'target.txt' : `l${i - 1}` };
    const dir = makeTree(spec);
    try {
      const { fs } = createSandbox({ allowedPaths: [`${dir}/root`] });
      expect(await readText(fs, `l${ROOT_MAX_SYMLINKS - 1}`, `${dir}/root`)).toBe('end\n');
      expect((await failure(fs.open(`l${ROOT_MAX_SYMLINKS}`, `${dir}/root`))).pathMessage).toBe(
        `openat l${ROOT_MAX_SYMLINKS}: too many levels of symbolic links`,
      );
    } finally {
      removeTree(dir);
    }
  });
});

describe('container host prefix', () => {
  let host: string;
  beforeAll(() => {
    host = makeTree({
      'host/var/log/pods/app/0.log': 'container log\n',
      'host/var/log/containers/app.log': { link: '/var/log/pods/app/0.log' },
      'host/var/log/containers/rel.log': { link: '../pods/app/0.log' },
      'host/etc/secret/passwd': 'secret\n',
      'host/var/log/containers/escape.log': { link: '/etc/secret/passwd' },
      'host/var/log/containers/dotdot.log': { link: '/var/log/../../etc/secret/passwd' },
    });
  });
  afterAll(() => removeTree(host));

  const fsFor = (withPrefix: boolean) =>
    createSandbox({ allowedPaths: [`${host}/host/var/log`], hostPrefix: withPrefix ? `${host}/host` : undefined }).fs;

  it('maps host-absolute link targets under the prefix', async () => {
    expect(await readText(fsFor(true), 'host/var/log/containers/app.log', host)).toBe('container log\n');
  });

  it('takes a relative prefix from the process working directory', async () => {
    const relPrefix = `${host}/host`.split('/').map(() => '..').join('/') + `${host}/host/`;
    const { fs } = createSandbox({ allowedPaths: [`${host}/host/var/log`], hostPrefix: relPrefix });
    expect(await readText(fs, 'host/var/log/containers/app.log', host)).toBe('container log\n');
  });

  it('does not double-prefix relative links', async () => {
    expect(await readText(fsFor(true), 'host/var/log/containers/rel.log', host)).toBe('container log\n');
  });

  it('without the prefix the absolute target is an escape', async () => {
    expect((await failure(fsFor(false).open('host/var/log/containers/app.log', host))).message).toBe(
      'openat containers/app.log: path escapes from parent',
    );
  });

  it.each(['escape.log', 'dotdot.log'])('still refuses %s that maps outside the roots', async (name) => {
    expect(await failure(fsFor(true).open(`host/var/log/containers/${name}`, host))).toEqual({
      code: 'EACCES',
      message: `openat containers/${name}: path escapes from parent`,
      pathMessage: `openat containers/${name}: path escapes from parent`,
    });
  });
});

describe('roots replaced after construction', () => {
  it('refuses a root swapped for a symlink or another directory', async () => {
    const dir = makeTree({ 'root/f.txt': 'mine\n', 'secret/f.txt': 'secret\n' });
    try {
      const { fs } = createSandbox({ allowedPaths: [`${dir}/root`] });
      expect(await readText(fs, 'f.txt', `${dir}/root`)).toBe('mine\n');
      renameSync(`${dir}/root`, `${dir}/old`);
      symlinkSync('secret', `${dir}/root`);
      expect(await failure(fs.open('f.txt', `${dir}/root`))).toEqual({
        code: 'EACCES',
        message: 'permission denied',
        pathMessage: 'open f.txt: permission denied',
      });
      removeTree(`${dir}/root`);
      mkdirSync(`${dir}/root`);
      writeFileSync(`${dir}/root/f.txt`, 'impostor\n');
      expect((await failure(fs.stat('f.txt', `${dir}/root`))).pathMessage).toBe('stat f.txt: permission denied');
    } finally {
      removeTree(dir);
    }
  });
});
