/**
 * grep and sed end to end through createRunner: the real sandbox, pipes, redirects and
 * the interpreter's error mapping.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
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

describe('counting over files of many chunks (chunks reuse one buffer: RELIABILITY.md F17)', () => {
  // Lines of random length, some longer than grep's 256 KiB reads, so lines and matches
  // straddle chunk boundaries; a reused buffer overwritten too early would change a count.
  const lineArb = fc.oneof(
    { weight: 8, arbitrary: fc.nat({ max: 120 }) },
    { weight: 1, arbitrary: fc.integer({ min: 200_000, max: 400_000 }) },
  );
  const fileArb = fc.array(fc.tuple(lineArb, fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 400 });

  it('grep -c/-l/-L/-q and wc agree with a reference count, file after file', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fileArb, fileArb, async (a, b) => {
        const texts = [a, b].map((spec) =>
          spec.map(([len, hit, upper]) => {
            const filler = 'x'.repeat(Math.max(0, len - 6));
            return hit ? `${filler.slice(0, filler.length >> 1)}${upper ? 'NEEDLE' : 'needle'}${filler.slice(filler.length >> 1)}` : filler;
          }).join('\n') + '\n',
        );
        const names = texts.map((t, i) => {
          const name = `big-${n}-${i}.txt`;
          writeFileSync(join(dir, name), t);
          return name;
        });
        n++;
        const count = (t: string, re: RegExp) => t.split('\n').slice(0, -1).filter((l) => re.test(l)).length;
        const [c0, c1] = texts.map((t) => count(t, /needle/));
        const i0 = count(texts[0], /needle/i);
        expect((await run(`grep -c needle ${names.join(' ')}`)).stdout).toBe(`${names[0]}:${c0}\n${names[1]}:${c1}\n`);
        expect((await run(`grep -ci 'ne*dle' ${names[0]}`)).stdout).toBe(`${i0}\n`);
        expect((await run(`grep -l needle ${names.join(' ')}`)).stdout).toBe(names.filter((_, i) => [c0, c1][i] > 0).map((x) => x + '\n').join(''));
        expect((await run(`grep -L needle ${names.join(' ')}`)).stdout).toBe(names.filter((_, i) => [c0, c1][i] === 0).map((x) => x + '\n').join(''));
        expect((await run(`grep -q needle ${names[1]}; echo $?`)).stdout).toBe(c1 > 0 ? '0\n' : '1\n');
        const words = (t: string) => t.split(/\s+/).filter(Boolean).length;
        const bytes = texts.map((t) => Buffer.byteLength(t));
        const lines = texts.map((t) => t.split('\n').length - 1);
        const w = Math.max(String(bytes[0] + bytes[1]).length, 1);
        const row = (i: number) => [lines[i], words(texts[i]), bytes[i]].map((x) => String(x).padStart(w)).join(' ');
        const total = [lines[0] + lines[1], words(texts[0]) + words(texts[1]), bytes[0] + bytes[1]].map((x) => String(x).padStart(w)).join(' ');
        expect((await run(`wc ${names.join(' ')}`)).stdout).toBe(`${row(0)} ${names[0]}\n${row(1)} ${names[1]}\n${total} total\n`);
        for (const name of names) rmSync(join(dir, name));
      }),
      { numRuns: 12, seed: 2511 },
    );
  }, 120_000);
});
