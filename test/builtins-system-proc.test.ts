import { machine } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ps, parsePidList, parseStat, ttyName } from '../src/rshell/builtins/system/ps.js';
import { uname } from '../src/rshell/builtins/system/uname.js';
import { fakeProc, run } from './builtins-files-harness.js';

const stat = (pid: number, comm: string, ppid: number, sid: number, tty: number, utime: number, stime: number, start: number) =>
  `${pid} (${comm}) S ${ppid} ${pid} ${sid} ${tty} -1 4194560 0 0 0 0 ${utime} ${stime} 0 0 20 0 1 0 ${start} 1000 100 0\n`;

const procFiles = {
  '1/stat': stat(1, 'init', 0, 1, 0, 100, 50, 1),
  '1/status': 'Name:\tinit\nUid:\t0\t0\t0\t0\n',
  '1/cmdline': '/sbin/init\0',
  '42/stat': stat(42, 'kworker/0:1 (x)', 2, 0, 0, 0, 0, 10),
  '42/status': 'Name:\tkworker\nUid:\t0\t0\t0\t0\n',
  '42/cmdline': '',
  [`${process.pid}/stat`]: stat(process.pid, 'node', 1, 77, 34816 + 3, 123456, 0, 360000),
  [`${process.pid}/status`]: 'Uid:\t1000\t1000\t1000\t1000\n',
  [`${process.pid}/cmdline`]: 'node\0script.js\0--flag\0',
  stat: 'cpu  1 2 3\nbtime 1700000000\n',
  uptime: '3700.00 100.00\n',
  'sys/kernel/ostype': 'Linux\n',
  'sys/kernel/hostname': 'sandbox\n',
  'sys/kernel/osrelease': '5.10.0\n',
  'sys/kernel/version': '#1 SMP PREEMPT\n',
};
const proc = fakeProc(procFiles);
const exec = (b: typeof ps, name: string, args: string[], now = new Date()) => run(b, name, args, { dir: '/', proc, now });

describe('ps', () => {
  it('parses stat lines, tty numbers and pid lists', () => {
    expect(parseStat(42, procFiles['42/stat'].trim())).toMatchObject({ comm: 'kworker/0:1 (x)', ppid: 2, cpuTicks: 0, startTicks: 10 });
    expect([ttyName(0), ttyName(34816 + 3), ttyName(1025), ttyName(1024 + 65)]).toEqual(['?', 'pts/3', 'tty1', 'ttyS1']);
    expect(parsePidList('1, 2 2')).toEqual([1, 2]);
    expect(parsePidList('1,,2')).toBe('invalid PID list: 1,,2');
    expect(parsePidList('')).toBe('invalid PID list: ');
    expect(parsePidList('0')).toBe('invalid PID: 0');
    expect(parsePidList('abc')).toBe('invalid PID: abc');
  });

  it('lists every process with -e, kernel threads in brackets', async () => {
    const r = await exec(ps, 'ps', ['-e']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      '   PID TTY              TIME CMD\n' +
        '     1 ?            00:00:01 /sbin/init\n' +
        '    42 ?            00:00:00 [kworker/0:1 (x)]\n' +
        `${String(process.pid).padStart(6)} pts/3        00:20:34 node script.js --flag\n`,
    );
  });

  it('prints the full format with UID, PPID, C, STIME', async () => {
    const now = new Date((1700000000 + 3700) * 1000);
    const r = await exec(ps, 'ps', ['-f', '-p', '1'], now);
    const start = new Date((1700000000 + 0) * 1000);
    const same = start.toDateString() === now.toDateString();
    const stime = same
      ? `${String(start.getHours()).padStart(2, '0')}:${String(start.getMinutes()).padStart(2, '0')}`
      : start.toLocaleString('en-US', { month: 'short' }) + String(start.getDate()).padStart(2, '0');
    expect(r.stdout).toBe(
      'UID             PID   PPID  C STIME TTY              TIME CMD\n' +
        `0                 1      0  0 ${stime.padEnd(5)} ?            00:00:01 /sbin/init\n`,
    );
  });

  it('selects the session by default and fails -p with no match', async () => {
    const r = await exec(ps, 'ps', []);
    expect(r.stdout.split('\n').slice(1, -1).map((l) => Number(l.trim().split(/ +/)[0]))).toEqual([process.pid]);
    expect(await exec(ps, 'ps', ['-p', '999'])).toMatchObject({ stdout: '   PID TTY              TIME CMD\n', code: 1 });
    expect(await exec(ps, 'ps', ['-p', 'notapid'])).toMatchObject({ stdout: '', stderr: 'ps: invalid PID: notapid\n', code: 1 });
    expect(await exec(ps, 'ps', ['--notaflag'])).toMatchObject({ stderr: 'ps: unknown flag: --notaflag\n', code: 1 });
    const h = await exec(ps, 'ps', ['--help']);
    expect(h.stdout).toContain('Usage: ps [-e|-A] [-f] [-p PIDLIST]');
  });
});

describe('uname', () => {
  it('prints selected fields in -a order', async () => {
    expect((await exec(uname, 'uname', [])).stdout).toBe('Linux\n');
    expect((await exec(uname, 'uname', ['-rn'])).stdout).toBe('sandbox 5.10.0\n');
    expect((await exec(uname, 'uname', ['-a'])).stdout).toBe(`Linux sandbox 5.10.0 #1 SMP PREEMPT ${machine()}\n`);
  });
  it('rejects operands and unknown flags, prints help', async () => {
    expect(await exec(uname, 'uname', ['foo'])).toMatchObject({
      stdout: '',
      stderr: "uname: extra operand 'foo'\nTry 'uname --help' for more information.\n",
      code: 1,
    });
    expect(await exec(uname, 'uname', ['-z'])).toMatchObject({ stderr: "uname: unknown shorthand flag: 'z' in -z\n", code: 1 });
    const h = await exec(uname, 'uname', ['--help']);
    for (const w of ['kernel-name', 'nodename', 'kernel-release', 'kernel-version', 'machine']) expect(h.stdout).toContain(w);
  });
  it('reports an unreadable kernel file', async () => {
    const r = await run(uname, 'uname', ['-n'], { dir: '/', proc: fakeProc({}) });
    expect(r).toMatchObject({ stdout: '', stderr: 'uname: cannot read nodename: no such file or directory\n', code: 1 });
  });
});
