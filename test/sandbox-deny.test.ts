/**
 * The deny list: with `/` allowed, the Lambda's secrets (process environments, memory, fds)
 * and devices other than /dev/null stay unreadable, however the path is spelled.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, DENY_RULES, DenyList } from '../src/rshell/sandbox/index.js';
import { matchDenyRule } from '../src/rshell/sandbox/denylist.js';
import { failure, makeTree, readText, removeTree } from './sandbox-helpers.js';

const PID = process.pid;
const PPID = process.ppid;
const hasProc = existsSync(`/proc/${PID}/environ`);

describe('deny table', () => {
  const list = new DenyList();

  it.each([
    ['/proc/self', 'magic link to the reading process'],
    ['/proc/self/environ', 'magic link to the reading process'],
    ['/proc/thread-self/environ', 'magic link to the reading thread'],
    ['/proc/1/environ', 'environment variables: the Lambda credentials'],
    ['/proc/1/task/1/environ', 'environment variables: the Lambda credentials'],
    ['/proc/1/mem', 'process memory'],
    ['/proc/1/fd', 'open file descriptors: magic links to files, sockets and memfds'],
    ['/proc/1/fd/0', 'open file descriptors: magic links to files, sockets and memfds'],
    ['/proc/1/task/7/fd/3', 'open file descriptors: magic links to files, sockets and memfds'],
    ['/proc/1/fdinfo/3', 'open file descriptor details'],
    ['/proc/1/map_files/400000-401000', 'magic links to mapped memory'],
    ['/proc/1/maps', 'memory layout'],
    ['/proc/1/smaps', 'memory layout'],
    ['/proc/1/smaps_rollup', 'memory layout'],
    ['/proc/1/pagemap', 'physical page map'],
    ['/proc/1/auxv', 'auxiliary vector (addresses)'],
    ['/proc/1/cmdline', 'command lines may carry secrets'],
    ['/proc/1/root', 'magic link to the process root'],
    ['/proc/1/root/etc/passwd', 'magic link to the process root'],
    ['/proc/1/cwd', 'magic link to the working directory'],
    ['/proc/1/exe', 'magic link to the executable'],
    ['/proc/kcore', 'kernel memory'],
    ['/proc/kallsyms', 'kernel addresses'],
    ['/proc/keys', 'kernel keyrings'],
    ['/dev/zero', 'devices (zero, random, stdin, fd, shm, pts, ...): only /dev/null is readable'],
    ['/dev/stdin', 'devices (zero, random, stdin, fd, shm, pts, ...): only /dev/null is readable'],
    ['/dev/shm/x', 'devices (zero, random, stdin, fd, shm, pts, ...): only /dev/null is readable'],
    ['/sys/firmware/efi/efivars', 'firmware tables and variables'],
    ['/sys/kernel/debug', 'debugfs'],
  ])('denies %s (%s)', (path, why) => {
    expect(list.check(path)?.why).toBe(why);
  });

  it.each([
    '/proc',
    '/proc/1',
    '/proc/1/stat',
    '/proc/1/status',
    '/proc/1/net/tcp',
    '/proc/net/tcp',
    '/proc/uptime',
    '/proc/cmdline',
    '/dev',
    '/dev/null',
    '/sys',
    '/sys/kernel/hostname',
    '/etc/environ',
    '/tmp/proc/self/environ',
    '/procfoo/self/environ',
  ])('lets %s through', (path) => {
    expect(list.check(path)).toBeUndefined();
  });

  it('applies under the container host prefix', () => {
    const prefixed = new DenyList('/host');
    expect(prefixed.check('/host/proc/1/environ')?.why).toBe('environment variables: the Lambda credentials');
    expect(prefixed.check('/host/dev/zero')).toBeDefined();
    expect(prefixed.check('/host/proc/1/stat')).toBeUndefined();
    expect(new DenyList().check('/host/proc/1/environ')).toBeUndefined();
  });

  it.runIf(hasProc)('refuses per-process names on any procfs, by device, and nowhere else', () => {
    const procDev = lstatSync('/proc', { bigint: true }).dev;
    const tmpDev = lstatSync(tmpdir(), { bigint: true }).dev;
    for (const name of ['environ', 'mem', 'fd', 'maps', 'cmdline', 'root', 'self', 'thread-self']) {
      expect(list.checkEntry(name, procDev)?.area).toBe('proc');
      expect(list.checkEntry(name, tmpDev)).toBeUndefined();
    }
    for (const name of ['stat', 'status', 'net', 'tcp', '1', 'uptime']) expect(list.checkEntry(name, procDev)).toBeUndefined();
  });

  it('matches patterns segment by segment', () => {
    expect(matchDenyRule('proc', ['123', 'environ'])?.pattern).toEqual(['*', 'environ', '**']);
    expect(matchDenyRule('proc', ['123', 'environment'])).toBeUndefined();
    expect(matchDenyRule('proc', ['123', 'task', '5', 'mem'])?.pattern).toEqual(['*', 'task', '*', 'mem', '**']);
    expect(matchDenyRule('dev', [])).toBeUndefined();
    expect(matchDenyRule('dev', ['null'])).toBeUndefined();
    expect(matchDenyRule('dev', ['null', 'x'])?.area).toBe('dev');
    expect(DENY_RULES.every((r) => r.why.length > 0 && r.pattern.length > 0)).toBe(true);
  });
});

describe.runIf(hasProc)('with / allowed', () => {
  const { fs } = createSandbox({ allowedPaths: ['/'] });
  const denied = (op: string, path: string) => ({
    code: 'EACCES',
    message: 'permission denied',
    pathMessage: `${op} ${path}: permission denied`,
  });

  it.each([
    '/proc/self/environ',
    `/proc/${PID}/environ`,
    `/proc/${PPID}/environ`,
    '/proc/1/environ',
    `/proc/${PID}/task/${PID}/environ`,
    '/proc/thread-self/environ',
    `/proc/${PID}/mem`,
    `/proc/${PID}/maps`,
    `/proc/${PID}/fd/0`,
    `/proc/${PID}/cmdline`,
    `/proc/${PID}/root/proc/${PID}/environ`,
    `/proc/${PID}/cwd/x`,
    '/proc/kcore',
    '/dev/zero',
    '/dev/urandom',
    '/dev/stdin',
    '/dev/fd/0',
  ])('cannot open %s', async (path) => {
    expect(await failure(fs.open(path, '/'))).toEqual(denied('open', path));
  });

  it('cannot list, stat, readlink or probe them either', async () => {
    expect(await failure(fs.readDir(`/proc/${PID}/fd`, '/'))).toEqual(denied('readdir', `/proc/${PID}/fd`));
    expect(await failure(fs.stat(`/proc/${PID}/environ`, '/'))).toEqual(denied('stat', `/proc/${PID}/environ`));
    expect(await failure(fs.lstat('/proc/self', '/'))).toEqual(denied('lstat', '/proc/self'));
    expect(await failure(fs.readlink(`/proc/${PID}/exe`, '/'))).toEqual(denied('readlink', `/proc/${PID}/exe`));
    expect(await failure(fs.access(`/proc/${PID}/environ`, '/', 'r'))).toEqual(denied('access', `/proc/${PID}/environ`));
  });

  it('cannot reach them by relative spelling from inside /proc', async () => {
    expect(await failure(fs.open('environ', `/proc/${PID}`))).toEqual(denied('open', 'environ'));
    expect(await failure(fs.open('../self/environ', `/proc/${PID}`))).toEqual(denied('open', '../self/environ'));
    expect(await failure(fs.open('task/../environ', `/proc/${PID}`))).toEqual(denied('open', 'task/../environ'));
  });

  it('reads harmless proc files and /dev/null', async () => {
    expect(await readText(fs, `/proc/${PID}/stat`, '/')).toMatch(new RegExp(`^${PID} \\(`));
    expect(await readText(fs, '/dev/null', '/')).toBe('');
    const names = (await fs.readDir(`/proc/${PID}`, '/')).map((e) => e.name);
    expect(names).toContain('environ'); // listing a name is not reading it
    expect(names).toEqual([...names].sort());
  });

  describe('through symlinks', () => {
    let dir: string;
    beforeAll(() => {
      dir = makeTree({
        'abs_env': { link: `/proc/${PID}/environ` },
        'self_env': { link: '/proc/self/environ' },
        'zero': { link: '/dev/zero' },
        'fd_dir': { link: `/proc/${PID}/fd` },
        'proc_link': { link: '/proc' },
      });
    });
    afterAll(() => removeTree(dir));

    it.each(['abs_env', 'self_env', 'zero', 'fd_dir/0', 'proc_link/self/environ'])('%s is denied', async (name) => {
      expect(await failure(fs.open(`${dir}/${name}`, '/'))).toEqual(denied('open', `${dir}/${name}`));
    });

    it('a relative link climbing to /proc is denied', async () => {
      const up = '../'.repeat(dir.split('/').length - 1);
      symlinkSync(`${up}proc/${PID}/environ`, `${dir}/climb_env`);
      expect(await failure(fs.open(`${dir}/climb_env`, '/'))).toEqual(denied('open', `${dir}/climb_env`));
      expect(await failure(fs.open('climb_env', dir))).toEqual(denied('open', 'climb_env'));
    });

    it('a link to a denied path is denied even when both roots are allowed', async () => {
      const { fs: two } = createSandbox({ allowedPaths: [dir, '/proc'] });
      expect(await failure(two.open('abs_env', dir))).toEqual(denied('open', 'abs_env'));
      expect(await failure(two.open('self_env', dir))).toEqual(denied('open', 'self_env'));
    });
  });

  it('a root inside a denied area is skipped with a warning', () => {
    const { warnings, roots } = createSandbox({ allowedPaths: ['/proc/self', '/dev/shm'] });
    expect(roots).toEqual([]);
    expect(warnings).toEqual([
      'AllowedPaths: skipping "/proc/self": open /proc/self: permission denied',
      'AllowedPaths: skipping "/dev/shm": open /dev/shm: permission denied',
    ]);
  });

  it('a root whose real path is a pid directory still hides environ', async () => {
    const { fs: p } = createSandbox({ allowedPaths: [`/proc/${PID}`] });
    expect(await failure(p.open('environ', `/proc/${PID}`))).toEqual(denied('open', 'environ'));
    expect(await readText(p, 'status', `/proc/${PID}`)).toMatch(/^Name:/);
  });
});

describe.runIf(process.getuid?.() === 0)('device nodes outside /dev', () => {
  let dir: string;
  let made = false;
  beforeAll(() => {
    dir = makeTree({ 'keep.txt': 'k' });
    try {
      execFileSync('mknod', [`${dir}/zero`, 'c', '1', '5'], { stdio: 'ignore' });
      execFileSync('mknod', [`${dir}/null`, 'c', '1', '3'], { stdio: 'ignore' });
      made = true;
    } catch {
      // No CAP_MKNOD in this container: the test below skips.
    }
  });
  afterAll(() => removeTree(dir));

  it('refuses to open any device but the null device', async (ctx) => {
    if (!made) ctx.skip();
    const { fs } = createSandbox({ allowedPaths: [dir] });
    expect(await failure(fs.open('zero', dir))).toEqual({
      code: 'EACCES',
      message: 'permission denied',
      pathMessage: 'open zero: permission denied',
    });
    expect(await readText(fs, 'null', dir)).toBe('');
    expect((await fs.stat('zero', dir)).kind).toBe('char');
    expect(readdirSync(dir).sort()).toEqual(['keep.txt', 'null', 'zero']);
  });
});

describe.runIf(hasProc && process.getuid?.() === 0)('a bind mount of a process directory', () => {
  it('still hides environ, fd and mem, by procfs device and name', async (ctx) => {
    const dir = makeTree({ 'keep.txt': 'k' });
    mkdirSync(`${dir}/p`);
    try {
      execFileSync('mount', ['--bind', `/proc/${PID}`, `${dir}/p`], { stdio: 'ignore' });
    } catch {
      removeTree(dir);
      ctx.skip(); // no CAP_SYS_ADMIN here
      return;
    }
    try {
      const { fs } = createSandbox({ allowedPaths: [dir] });
      for (const name of ['environ', 'mem', 'maps', 'fd/0', `task/${PID}/environ`]) {
        expect((await failure(fs.open(`p/${name}`, dir))).pathMessage).toBe(`open p/${name}: permission denied`);
      }
      expect((await failure(fs.readDir('p/fd', dir))).pathMessage).toBe('readdir p/fd: permission denied');
      expect(await readText(fs, 'p/status', dir)).toMatch(/^Name:/);
    } finally {
      execFileSync('umount', [`${dir}/p`], { stdio: 'ignore' });
      removeTree(dir);
    }
  });
});
