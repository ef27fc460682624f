/** The trusted proc reader: a fixed allow-list over a proc root, nothing else. */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrustedProc, isTrustedProcFile, SandboxError } from '../src/rshell/sandbox/index.js';
import { MAX_PIDS } from '../src/rshell/sandbox/trusted-proc.js';
import { failure, makeTree, removeTree } from './sandbox-helpers.js';

describe('allow-list', () => {
  it.each([
    '1/stat',
    '4194304/status',
    '42/cmdline',
    'stat',
    'uptime',
    'loadavg',
    'sys/kernel/ostype',
    'sys/kernel/hostname',
    'sys/kernel/osrelease',
    'sys/kernel/version',
    'net/tcp',
    'net/tcp6',
    'net/udp',
    'net/udp6',
    'net/unix',
    'net/route',
    'net/ipv6_route',
    'net/dev',
    'net/if_inet6',
    'net/fib_trie',
  ])('allows %s', (rel) => {
    expect(isTrustedProcFile(rel)).toBe(true);
  });

  it.each([
    '1/environ',
    'self/environ',
    'self/stat',
    'thread-self/stat',
    '1/mem',
    '1/maps',
    '1/fd/0',
    '1/fdinfo/0',
    '1/task/1/stat',
    '1/task/1/environ',
    '1/root/etc/passwd',
    '0/stat',
    '01/stat',
    '-1/stat',
    '1/../1/environ',
    '1//stat',
    '/1/stat',
    './stat',
    'stat/',
    'stat\n',
    'net/tcp/../../1/environ',
    'net/packet',
    'sys/kernel/random/uuid',
    'kcore',
    '',
  ])('refuses %j with EACCES', async (rel) => {
    expect(isTrustedProcFile(rel)).toBe(false);
    expect(await failure(createTrustedProc('/proc').readFile(rel))).toEqual({
      code: 'EACCES',
      message: 'permission denied',
      pathMessage: `open ${rel}: permission denied`,
    });
  });
});

describe('reads under a fake proc root', () => {
  let root: string;
  beforeAll(() => {
    root = makeTree({
      '1/stat': '1 (init) S 0 1 1 0\n',
      '1/status': 'Name:\tinit\n',
      '1/environ': 'AWS_SECRET_ACCESS_KEY=x\0',
      '1/cmdline': 'init\0--flag\0',
      '250/stat': '250 (worker) R 1\n',
      '31/stat': '31 (b) S 1\n',
      'uptime': '12.5 3.1\n',
      'net/tcp': '  sl  local_address\n',
      'sys/kernel/hostname': 'box\n',
      'self/stat': 'should never be read\n',
      'abc/stat': 'not a pid\n',
    });
    writeFileSync(`${root}/7`, 'a file named like a pid is not a process');
    mkdirSync(`${root}/0`);
    symlinkSync('1/stat', `${root}/loadavg`);
  });
  afterAll(() => removeTree(root));

  it('returns the exact bytes of allow-listed files', async () => {
    const proc = createTrustedProc(root);
    expect((await proc.readFile('1/stat')).toString()).toBe('1 (init) S 0 1 1 0\n');
    expect((await proc.readFile('1/cmdline')).toString('latin1')).toBe('init\0--flag\0');
    expect((await proc.readFile('uptime')).toString()).toBe('12.5 3.1\n');
    expect((await proc.readFile('net/tcp')).toString()).toBe('  sl  local_address\n');
    expect((await proc.readFile('sys/kernel/hostname')).toString()).toBe('box\n');
  });

  it('never reads environ even though the file exists', async () => {
    await expect(createTrustedProc(root).readFile('1/environ')).rejects.toBeInstanceOf(SandboxError);
  });

  it('reports a missing allow-listed file as ENOENT', async () => {
    expect(await failure(createTrustedProc(root).readFile('99/status'))).toEqual({
      code: 'ENOENT',
      message: 'no such file or directory',
      pathMessage: `open ${root}/99/status: no such file or directory`,
    });
  });

  it('does not follow a symlink in the last component', async () => {
    expect((await failure(createTrustedProc(root).readFile('loadavg'))).code).toBe('ELOOP');
  });

  it('lists numeric process directories only, ascending', async () => {
    expect(await createTrustedProc(`${root}/`).pids()).toEqual([1, 31, 250]);
  });
});

describe.runIf(existsSync('/proc/self/stat'))('the real /proc', () => {
  const proc = createTrustedProc();

  it('reads this process\'s stat and lists its pid', async () => {
    const stat = (await proc.readFile(`${process.pid}/stat`)).toString();
    expect(stat.startsWith(`${process.pid} (`)).toBe(true);
    const pids = await proc.pids();
    expect(pids).toContain(process.pid);
    expect(pids.length).toBeLessThanOrEqual(MAX_PIDS);
    expect(pids).toEqual([...pids].sort((a, b) => a - b));
  });

  it('reads kernel identity and a network table', async () => {
    expect((await proc.readFile('sys/kernel/ostype')).toString()).toBe('Linux\n');
    expect((await proc.readFile('net/dev')).toString()).toContain('Inter-|');
  });

  it('refuses this process\'s environ', async () => {
    expect((await failure(proc.readFile(`${process.pid}/environ`))).code).toBe('EACCES');
  });
});
