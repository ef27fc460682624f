/** The text builtins inside the real interpreter: pipelines, redirections, the sandbox. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../src/rshell/index.js';

let dir: string;
const run = async (script: string): Promise<{ out: string; err: string; code: number }> => {
  const r = await createRunner({ allowedPaths: [dir], dir, allowAllCommands: true }).run(script);
  return { out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1'), code: r.exitCode };
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'text-pipe-'));
  writeFileSync(join(dir, 'log.txt'), 'web ERROR\ndb INFO\nweb ERROR\nweb INFO\ndb INFO\nweb ERROR\n');
  // 8 MiB: far more than any pipe buffers, so head can only finish early if cat stops.
  writeFileSync(join(dir, 'big.txt'), Buffer.alloc(8 << 20, 'line of text\n'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('text builtins in pipelines', () => {
  it('sort | uniq -c | sort -rn | head counts occurrences', async () => {
    expect(await run('sort log.txt | uniq -c | sort -rn | head -n 2')).toEqual({
      out: '      3 web ERROR\n      2 db INFO\n',
      err: '',
      code: 0,
    });
  });

  it('head ends the pipeline early; the producer\'s broken pipe stays quiet', async () => {
    expect(await run('cat big.txt | head -n 2; echo "status $?"')).toEqual({ out: 'line of text\nline of text\nstatus 0\n', err: '', code: 0 });
  });

  it('cut | tr | wc over a redirect, and tail of stdin', async () => {
    expect(await run("cut -d ' ' -f2 < log.txt | tr A-Z a-z | sort -u | wc -l")).toEqual({ out: '2\n', err: '', code: 0 });
    expect(await run('tail -n 1 < log.txt')).toEqual({ out: 'web ERROR\n', err: '', code: 0 });
  });

  it('files outside the sandbox fail with the POSIX text', async () => {
    expect(await run('wc -l /etc/passwd')).toEqual({ out: '', err: 'wc: /etc/passwd: permission denied\n', code: 1 });
  });

  it('wc -l counts a large file', async () => {
    expect(await run('wc -l big.txt')).toEqual({ out: `${(8 << 20) / 13 | 0} big.txt\n`, err: '', code: 0 });
  });
});
