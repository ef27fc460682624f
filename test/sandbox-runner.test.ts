/**
 * End to end through the public runner, with `/` allowed: scripts cannot read any process
 * environment, memory or fd, nor devices other than /dev/null, and see rshell's messages.
 * A child process started with a canary secret in its environment is the target.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../src/rshell/index.js';

const CANARY = 'CANARY_SECRET_b41e07';

describe.runIf(existsSync('/proc/self/environ'))('secrets stay out of reach with / allowed', () => {
  let child: ChildProcess;
  let pid: number;
  const runner = createRunner({ allowedPaths: ['/'], allowAllCommands: true, dir: '/' });

  beforeAll(async () => {
    child = spawn('sleep', ['60'], { env: { AWS_SECRET_ACCESS_KEY: CANARY }, stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    pid = child.pid!;
  });
  afterAll(() => {
    child.kill('SIGKILL');
  });

  async function run(script: string) {
    const r = await runner.run(script);
    const out = r.stdout.toString('latin1');
    const err = r.stderr.toString('latin1');
    expect(out + err).not.toContain(CANARY);
    return { out, err, code: r.exitCode };
  }

  it.each([
    ['/proc/self/environ'],
    ['/proc/thread-self/environ'],
    [`/proc/${process.pid}/environ`],
    [`/proc/${process.ppid}/environ`],
    ['/proc/1/environ'],
    [`/proc/${process.pid}/task/${process.pid}/environ`],
    ['/dev/zero'],
    ['/dev/stdin'],
  ])('cat %s is denied', async (path) => {
    expect(await run(`cat ${path}`)).toEqual({ out: '', err: `cat: ${path}: permission denied\n`, code: 1 });
  });

  it('the child\'s environ is denied by name, by redirect and by $(<file)', async () => {
    expect(await run(`cat /proc/${pid}/environ`)).toEqual({
      out: '',
      err: `cat: /proc/${pid}/environ: permission denied\n`,
      code: 1,
    });
    expect(await run(`cat < /proc/${pid}/environ`)).toEqual({
      out: '',
      err: `open /proc/${pid}/environ: permission denied\n`,
      code: 1,
    });
    const sub = await run(`x=$(</proc/${pid}/environ); echo "[$x]"`);
    expect(sub.out).toBe('[]\n');
  });

  it('globbing over every process reads none of their environments', async () => {
    // The listing of /proc/<pid> is allowed (names are not secrets), so the glob finds every
    // environ file; each read is then denied.
    const r = await run('for f in /proc/[0-9]*/env*; do cat "$f"; done');
    expect(r.out).toBe('');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cat: /proc/${pid}/environ: permission denied\n`);
    expect(r.err.split('\n').filter(Boolean).every((l) => /^cat: \/proc\/\d+\/environ: permission denied$/.test(l))).toBe(true);
  });

  it('relative spellings from inside /proc are denied too', async () => {
    const inside = createRunner({ allowedPaths: ['/'], allowAllCommands: true, dir: `/proc/${pid}` });
    const r = await inside.run(`cat environ; cat task/../environ; cat ./fd/0; cat ../${pid}/./environ; cat ../self/environ`);
    expect(r.stdout.toString()).toBe('');
    expect(r.stderr.toString()).toBe(
      'cat: environ: permission denied\n' +
        'cat: task/../environ: permission denied\n' +
        'cat: ./fd/0: permission denied\n' +
        `cat: ../${pid}/./environ: permission denied\n` +
        'cat: ../self/environ: permission denied\n',
    );
  });

  it('listing fds and reading memory maps are denied, /dev/null reads empty', async () => {
    expect(await run('ls /proc/self/fd')).toEqual({ out: '', err: "ls: cannot access '/proc/self/fd': permission denied\n", code: 1 });
    expect(await run(`head -c 10 /proc/${pid}/maps`)).toMatchObject({ out: '', code: 1 });
    expect(await run('cat /dev/null; echo done')).toEqual({ out: 'done\n', err: '', code: 0 });
  });

  it('the runner\'s own environment is not visible as variables', async () => {
    process.env.SANDBOX_RUNNER_CANARY = CANARY;
    try {
      expect(await run('echo "[$SANDBOX_RUNNER_CANARY][$AWS_SECRET_ACCESS_KEY][$HOME]"')).toEqual({
        out: '[][][]\n',
        err: '',
        code: 0,
      });
    } finally {
      delete process.env.SANDBOX_RUNNER_CANARY;
    }
  });
});
