/** Streaming pipelines: the bounded pipe, concurrent stages, early stop, last-stage status. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokenPipeError } from '../src/rshell/io.js';
import { createRunner, type RshellHooks } from '../src/rshell/index.js';
import { Pipe } from '../src/rshell/interp/pipe.js';

describe('Pipe', () => {
  it('delivers chunks in order and ends after close', async () => {
    const p = new Pipe(8);
    await p.write('ab');
    await p.write(new Uint8Array([0x63]));
    p.close();
    expect(Buffer.from((await p.read())!).toString()).toBe('ab');
    expect(Buffer.from((await p.read())!).toString()).toBe('c');
    expect(await p.read()).toBeNull();
  });

  it('copies written bytes so writers may reuse their buffers', async () => {
    const p = new Pipe(8);
    const buf = new Uint8Array([1, 2]);
    await p.write(buf);
    buf[0] = 9;
    expect([...(await p.read())!]).toEqual([1, 2]);
  });

  it('makes the writer wait at the high-water mark until the reader drains', async () => {
    const p = new Pipe(4);
    expect(p.write('ab')).toBeUndefined();
    const pending = p.write('cdef');
    expect(pending).toBeInstanceOf(Promise);
    let released = false;
    void (pending as Promise<void>).then(() => (released = true));
    await Promise.resolve();
    expect(released).toBe(false);
    await p.read();
    await p.read();
    await pending;
    expect(released).toBe(true);
  });

  it('wakes a waiting reader when data arrives', async () => {
    const p = new Pipe(4);
    const r = p.read();
    await p.write('x');
    expect(Buffer.from((await r)!).toString()).toBe('x');
  });

  it('fails writes with BrokenPipeError once the reader cancels, including a blocked one', async () => {
    const p = new Pipe(2);
    const blocked = p.write('abc') as Promise<void>;
    p.cancel();
    await expect(blocked).rejects.toBeInstanceOf(BrokenPipeError);
    expect(() => p.write('x')).toThrow(BrokenPipeError);
  });

  it('fails both sides with the abort error', async () => {
    const p = new Pipe(4);
    const r = p.read();
    const err = new Error('over');
    p.abort(err);
    await expect(r).rejects.toBe(err);
    expect(() => p.write('x')).toThrow(err);
  });
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'interp-pipe-'));
  // 3 MiB of numbered lines: far above the pipe's high-water mark.
  const lines: string[] = [];
  for (let i = 0; i < 300_000; i++) lines.push(`line ${String(i).padStart(6, '0')}`);
  writeFileSync(join(dir, 'big.txt'), lines.join('\n') + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sh(script: string, hooks?: RshellHooks<any>) {
  const r = await createRunner({ allowAllCommands: true, allowedPaths: [dir], dir, hooks }).run(script);
  return { out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1'), code: r.exitCode, outcome: r.outcome };
}

describe('pipelines', () => {
  it('connects stages and returns the last stage status', async () => {
    expect(await sh('echo abc | cat | cat; false | true; echo $?; true | false; echo $?')).toEqual({
      out: 'abc\n0\n1\n',
      err: '',
      code: 0,
      outcome: 'success',
    });
  });

  it('runs each stage in a subshell', async () => {
    expect((await sh('x=1; x=2 | x=3; echo $x; exit 5 | true; echo still')).out).toBe('1\nstill\n');
  });

  it('sends every stage stderr to the shared stderr', async () => {
    expect(await sh('nope | echo ok')).toEqual({ out: 'ok\n', err: 'nope: command not found\n', code: 0, outcome: 'success' });
  });

  it('negates the whole pipeline', async () => {
    expect((await sh('! true | false; echo $?')).out).toBe('0\n');
  });

  it('moves megabytes through several stages intact (backpressure)', async () => {
    expect((await sh('cat big.txt | cat | cat | wc -c')).out).toBe('3600000\n');
    expect((await sh('cat big.txt | cat | tail -n 1')).out).toBe('line 299999\n');
  });

  it('stops the producer when the consumer is done (head), without running the whole loop', async () => {
    let echoes = 0;
    const hooks: RshellHooks<null> = {
      commandStart: (info) => {
        if (info.name === 'echo') echoes++;
        return null;
      },
    };
    // 200,000 iterations if nothing stopped it.
    const r = await sh('for a in {1..200}; do for b in {1..1000}; do echo $a$b; done; done | head -n 1; echo status $?', hooks);
    expect(r).toEqual({ out: '11\nstatus 0\n', err: '', code: 0, outcome: 'success' });
    // The producer ran only until the pipe filled up and head closed it.
    expect(echoes).toBeGreaterThan(0);
    expect(echoes).toBeLessThan(50_000);
  });

  it('stops a file producer early too', async () => {
    expect((await sh('cat big.txt | head -n 2')).out).toBe('line 000000\nline 000001\n');
  });

  it('feeds the run stdin to the first stage only', async () => {
    const r = await createRunner({ allowAllCommands: true, stdin: Buffer.from('in\n') }).run('cat | cat; cat');
    expect(r.stdout.toString()).toBe('in\n');
  });
});
