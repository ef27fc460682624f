/**
 * Every hostile path against every SandboxFS operation, each asserting the exact denial text
 * (Go's PathError form): lexical escapes are "<op> <path>: permission denied", symlink escapes
 * are os.Root's "<op>at <rel>: path escapes from parent", `access` always says "permission
 * denied", and with `/` allowed the kernel's secret views are "permission denied" for all.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, SandboxError, type SandboxFS } from '../src/rshell/sandbox/index.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

type Op = 'open' | 'stat' | 'lstat' | 'readdir' | 'readlink' | 'access';
const OPS: Op[] = ['open', 'stat', 'lstat', 'readdir', 'readlink', 'access'];

/** Runs one operation; resolves to "ok" or the error's pathMessage (anything else fails the test). */
async function attempt(fs: SandboxFS, op: Op, path: string, dir: string): Promise<string> {
  try {
    if (op === 'open') await (await fs.open(path, dir)).close();
    else if (op === 'stat') await fs.stat(path, dir);
    else if (op === 'lstat') await fs.lstat(path, dir);
    else if (op === 'readdir') await fs.readDir(path, dir);
    else if (op === 'readlink') await fs.readlink(path, dir);
    else await fs.access(path, dir, 'r');
    return 'ok';
  } catch (e) {
    if (!(e instanceof SandboxError)) throw e;
    if (e.code !== 'EACCES') return `${e.code}: ${e.pathMessage}`;
    return e.pathMessage;
  }
}

let base: string;
beforeAll(() => {
  base = makeTree({
    'allowed/ok.txt': 'ok',
    'allowed/rel_out': { link: '../secret/hidden.txt' },
    'allowed/rel_out_dir': { link: '../secret' },
    'allowed/abs_out': { link: '/etc' },
    'allowed/dotdot_out': { link: '..' },
    'allowed/deep_out': { link: 'sub/../../secret' },
    'allowed/sub/up2': { link: '../../secret/hidden.txt' },
    'allowed/chain': { link: '../middle/hop' },
    'middle/hop': { link: '../secret/hidden.txt' },
    'secret/hidden.txt': 'secret',
    'allowedX/f': 'prefix confusion',
    'allowed-evil/f': 'prefix confusion',
    'dir1/f': 'dir1',
  });
});
afterAll(() => removeTree(base));

const fsFor = () => createSandbox({ allowedPaths: [`${base}/allowed`, `${base}/dir1`] }).fs;

describe('paths outside every root: "<op> <path>: permission denied" for every operation', () => {
  const PATHS = [
    '..',
    '../..',
    '.',
    '/',
    '/etc',
    '/etc/passwd',
    'secret',
    'secret/hidden.txt',
    'allowed/../secret/hidden.txt',
    'allowed/sub/../../secret',
    'allowed/../../../etc/passwd',
    'allowedX/f',
    'allowed-evil/f',
    'dir1/../allowedX',
    'middle/hop',
    './/secret//hidden.txt',
  ];
  for (const path of PATHS) {
    it.each(OPS)(`${path} → %s`, async (op) => {
      expect(await attempt(fsFor(), op, path, base)).toBe(`${op} ${path}: permission denied`);
    });
  }
  it.each(OPS)('absolute spelling of the secret → %s', async (op) => {
    const path = `${base}/secret/hidden.txt`;
    expect(await attempt(fsFor(), op, path, '/')).toBe(`${op} ${path}: permission denied`);
  });
});

describe('symlinks leading out of the root', () => {
  // [path, root-relative name, whether the last component is the escaping link]
  const CASES: Array<[string, string, boolean]> = [
    ['allowed/rel_out', 'rel_out', true],
    ['allowed/abs_out', 'abs_out', true],
    ['allowed/dotdot_out', 'dotdot_out', true],
    ['allowed/deep_out', 'deep_out', true],
    ['allowed/sub/up2', 'sub/up2', true],
    ['allowed/chain', 'chain', true],
    ['allowed/rel_out_dir/hidden.txt', 'rel_out_dir/hidden.txt', false],
    ['allowed/abs_out/passwd', 'abs_out/passwd', false],
    ['allowed/dotdot_out/secret/hidden.txt', 'dotdot_out/secret/hidden.txt', false],
    ['allowed/deep_out/hidden.txt', 'deep_out/hidden.txt', false],
  ];
  const ROOT_OP: Record<Op, string> = {
    open: 'openat',
    stat: 'statat',
    lstat: 'lstatat',
    readdir: 'openat',
    readlink: 'readlinkat',
    access: 'access',
  };
  for (const [path, rel, lastIsLink] of CASES) {
    it.each(OPS)(`${path} → %s`, async (op) => {
      const got = await attempt(fsFor(), op, path, base);
      if (op === 'access') expect(got).toBe(`access ${path}: permission denied`);
      else if (lastIsLink && (op === 'lstat' || op === 'readlink')) expect(got).toBe('ok'); // the link itself is inside
      else expect(got).toBe(`${ROOT_OP[op]} ${rel}: path escapes from parent`);
    });
  }
});

describe.runIf(existsSync(`/proc/${process.pid}/environ`))('with / allowed, secrets: "<op> <path>: permission denied"', () => {
  const pid = process.pid;
  const PATHS = [
    '/proc/self',
    '/proc/self/environ',
    '/proc/thread-self/environ',
    `/proc/${pid}/environ`,
    `/proc/${process.ppid}/environ`,
    '/proc/1/environ',
    `/proc/${pid}/task/${pid}/environ`,
    `/proc/${pid}/mem`,
    `/proc/${pid}/maps`,
    `/proc/${pid}/smaps`,
    `/proc/${pid}/auxv`,
    `/proc/${pid}/fd`,
    `/proc/${pid}/fd/0`,
    `/proc/${pid}/fdinfo`,
    `/proc/${pid}/map_files`,
    `/proc/${pid}/cmdline`,
    `/proc/${pid}/root`,
    `/proc/${pid}/cwd`,
    `/proc/${pid}/exe`,
    `/proc/${pid}/root/etc/passwd`,
    `/proc/${pid}/task/${pid}/fd/1`,
    '/proc/kcore',
    '/dev/zero',
    '/dev/urandom',
    '/dev/stdin',
    '/dev/fd',
    '/dev/shm',
    `/proc/${pid}/../self/environ`,
    `/proc/./${pid}/./environ`,
    '/dev/../dev/zero',
  ];
  const slash = () => createSandbox({ allowedPaths: ['/'] }).fs;
  for (const path of PATHS) {
    it.each(OPS)(`${path} → %s`, async (op) => {
      expect(await attempt(slash(), op, path, '/')).toBe(`${op} ${path}: permission denied`);
    });
  }
});

describe('the denial does not depend on whether the target exists', () => {
  beforeAll(() => {
    mkdirSync(`${base}/secret/sub`, { recursive: true });
    writeFileSync(`${base}/secret/sub/real`, 'x');
  });
  it.each(OPS)('existing and missing outside files → %s', async (op) => {
    const fs = fsFor();
    expect(await attempt(fs, op, 'secret/sub/real', base)).toBe(`${op} secret/sub/real: permission denied`);
    expect(await attempt(fs, op, 'secret/sub/missing', base)).toBe(`${op} secret/sub/missing: permission denied`);
  });
});
