/**
 * grep and sed end to end through createRunner: the real sandbox, pipes, redirects and
 * the interpreter's error mapping.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner, type Runner } from '../src/rshell/index.js';

let dir: string;
let runner: Runner;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'grep-sed-runner-'));
  writeFileSync(join(dir, 'log.txt'), 'INFO start\nERROR disk full\nINFO retry\nERROR disk full again\nINFO done\n');
  writeFileSync(join(dir, 'bin.dat'), Buffer.from('ERROR\0binary\n'));
  mkdirSync(join(dir, 'sub'));
  runner = createRunner({ allowedPaths: [dir], dir, allowAllCommands: true });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(script: string) {
  const r = await runner.run(script);
  return { code: r.exitCode, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1') };
}

describe('grep and sed through the interpreter', () => {
  it('grep reads files through the sandbox', async () => {
    expect(await run('grep -c ERROR log.txt')).toEqual({ code: 0, stdout: '2\n', stderr: '' });
    expect(await run('grep -n -A1 "full$" log.txt')).toEqual({
      code: 0,
      stdout: '2:ERROR disk full\n3-INFO retry\n',
      stderr: '',
    });
    expect(await run('grep ERROR bin.dat log.txt')).toEqual({
      code: 0,
      stdout: 'log.txt:ERROR disk full\nlog.txt:ERROR disk full again\n',
      stderr: 'grep: bin.dat: binary file matches\n',
    });
  });
  it('grep and sed are denied outside the allowed paths', async () => {
    const g = await run('grep root /etc/passwd');
    expect(g.code).toBe(2);
    expect(g.stdout).toBe('');
    expect(g.stderr).toBe('grep: /etc/passwd: permission denied\n');
    const s = await run('sed p /etc/passwd');
    expect(s).toEqual({ code: 1, stdout: '', stderr: 'sed: /etc/passwd: permission denied\n' });
    expect(await run('grep x sub')).toEqual({ code: 2, stdout: '', stderr: 'grep: sub: is a directory\n' });
  });
  it('pipes grep into sed and stdin from redirects', async () => {
    expect(await run("grep ERROR log.txt | sed -n 's/ERROR //p' | sed '$!d'")).toEqual({
      code: 0,
      stdout: 'disk full again\n',
      stderr: '',
    });
    expect(await run("sed -n '/retry/=' < log.txt")).toEqual({ code: 0, stdout: '3\n', stderr: '' });
    expect(await run('grep -q ERROR log.txt && echo found')).toEqual({ code: 0, stdout: 'found\n', stderr: '' });
  });
  it('stops early when the reader goes away', async () => {
    const r = await run("sed 'p' log.txt | grep -m1 INFO");
    expect(r).toEqual({ code: 0, stdout: 'INFO start\n', stderr: '' });
  });
});
