/**
 * Three limits RELIABILITY listed as open: the run's warnings list (uncapped), heredoc bodies
 * handed out in 64 KiB views (unpinned), and the number of variables (bounded, it said, by
 * the 200,000-node script cap, which did not count an assignment without a value). Every
 * assertion is on output, status or counts, never on time.
 */
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunner } from '../src/rshell/index.js';
import { BUILTINS } from '../src/rshell/builtins/registry.js';
import type { Builtin } from '../src/rshell/builtins/types.js';
import { MAX_WARNING_BYTES, MAX_WARNINGS, WarningSink } from '../src/rshell/interp/warnings.js';
import { encodeResult, MAX_RESULT_BYTES, succeeded } from '../src/tasks/results.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const MIB = 1 << 20;
// One entry over ls's 1,000-entry limit, so every `ls big` adds a warning.
const root = makeTree({ ...Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`big/f${i}`, ''])), 's1': 'x\n' });
afterAll(() => removeTree(root));

const run = (script: string) => createRunner({ allowedPaths: [root], allowAllCommands: true, timeoutMs: 60_000 }).run(script);
const text = (r: { stdout: Buffer; stderr: Buffer; exitCode: number }) => ({ out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1'), code: r.exitCode });

describe('the run warnings list', () => {
  const lsWarning = (p: string) => `ls: warning: directory '${p}': too many entries (exceeded 1000 limit), output truncated`;

  it('keeps the first 64 KiB of warnings and one last entry counting the rest (40 before, all kept)', async () => {
    // A 3,983-byte spelling of the same directory: 16 warnings fill 64 KiB.
    const p = 'big' + '/.'.repeat(1_990);
    const r = await run(`for i in ${Array.from({ length: 40 }, (_, i) => i).join(' ')}; do ls ${p} >/dev/null 2>&1; done; echo done`);
    const kept = Math.floor(MAX_WARNING_BYTES / lsWarning(p).length);
    expect(kept).toBe(16);
    expect({ ...text(r), warnings: r.warnings }).toEqual({
      out: 'done\n',
      err: '',
      code: 0,
      warnings: [...Array<string>(kept).fill(lsWarning(p)), `${40 - kept} more warnings not shown`],
    });
  });

  it('keeps every warning under both caps, with no note', async () => {
    const r = await run('ls big >/dev/null 2>&1; ls big >/dev/null 2>&1');
    expect(r.warnings).toEqual([lsWarning('big'), lsWarning('big')]);
  });

  it('holds at most 1,000 entries, the note included, however short they are', () => {
    const full = new WarningSink();
    for (let i = 0; i < MAX_WARNINGS; i++) full.add(`w${i}`);
    expect(full.list.length).toBe(1_000);
    expect(full.list.at(-1)).toBe('w999');

    const over = new WarningSink(['sandbox']);
    for (let i = 0; i < 2_500; i++) over.add(`w${i}`);
    // 'sandbox' and w0…w997 kept; w998…w2499 (1,502) counted by the note in the 1,000th place.
    expect(over.list.length).toBe(MAX_WARNINGS);
    expect(over.list.slice(0, 2)).toEqual(['sandbox', 'w0']);
    expect(over.list.slice(-2)).toEqual(['w997', '1502 more warnings not shown']);
    const one = new WarningSink(['x'.repeat(MAX_WARNING_BYTES)]);
    one.add('y');
    expect(one.list).toEqual(['x'.repeat(MAX_WARNING_BYTES), '1 more warning not shown']);
  });

  it('a full list arrives whole in a result beside a stdout and a stderr cut to fit', () => {
    const sink = new WarningSink();
    for (let i = 0; i < 5_000; i++) sink.add(lsWarning(`d${i}`));
    expect(sink.list.at(-1)).toMatch(/^\d+ more warnings not shown$/);
    const outputs = { exitCode: 0, stdout: 'o'.repeat(MIB), stderr: 'e'.repeat(MIB), sandboxWarnings: sink.list };
    const body = encodeResult(succeeded({ taskId: 't', jobId: 'j', fqn: 'f' }, 'm', outputs));
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    const got = JSON.parse(body).data.attributes.payload.outputs;
    expect([got.truncated, got.sandboxWarnings]).toEqual([true, sink.list]);
    expect(got.stdout.length).toBeGreaterThan(64 * 1024);
  });
});

describe('heredoc bodies are handed out in 64 KiB views', () => {
  // A 3 MiB body of 5-byte lines (3,145,730 bytes).
  const body = 'line\n'.repeat((3 * MIB) / 5 + 1);
  const heredoc = (cmd: string) => `${cmd} <<EOF\n${body}EOF\n`;

  it('each `sed 1q` takes one view and leaves the rest to the next command (all of it before)', async () => {
    const r = await run(heredoc('{ sed 1q; sed 1q; sed 1q; wc -c; }'));
    // Views start at 0, 65,536 and 131,072 bytes: 1 and 2 bytes into a 5-byte line.
    expect(text(r)).toEqual({ out: `line\nine\nne\n${body.length - 3 * 65_536}\n`, err: '', code: 0 });
  });

  it('no read of a 3 MiB body returns more than 64 KiB (one read of it all before)', async () => {
    const sizes: number[] = [];
    const probe: Builtin = async (ctx) => {
      for (let c = await ctx.stdin.read(); c !== null; c = await ctx.stdin.read()) sizes.push(c.length);
      return 0;
    };
    const builtins = BUILTINS as Map<string, Builtin>;
    builtins.set('readsizes', probe);
    try {
      expect(text(await run(heredoc('readsizes')))).toEqual({ out: '', err: '', code: 0 });
    } finally {
      builtins.delete('readsizes');
    }
    expect({ reads: sizes.length, largest: Math.max(...sizes), total: sizes.reduce((a, b) => a + b, 0) }).toEqual({
      reads: Math.ceil(body.length / 65_536),
      largest: 65_536,
      total: body.length,
    });
  });
});

describe('assignments count against the 200,000 syntax nodes', () => {
  // Short distinct names: a, b, …, Z, ba, bb, …
  const A = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const name = (i: number) => {
    let s = '';
    do {
      s += A[i % 52];
      i = Math.floor(i / 52);
    } while (i > 0);
    return s;
  };

  it('refuses one command of 250,000 empty assignments where the 200,000th is (it set 250,000 variables before)', async () => {
    const words = Array.from({ length: 250_000 }, (_, i) => `${name(i)}=`);
    const r = await run(words.join(' ') + '\necho ran');
    // The statement is node 1, so the 200,000th assignment is node 200,001.
    const col = words.slice(0, 199_999).join(' ').length + 2;
    const msg = `failed to parse command: 1:${col}: script too complex: more than 200000 commands, words and operators; split the script into smaller pieces`;
    expect({ ...text(r), error: r.error }).toEqual({ out: '', err: `${msg}\n`, code: 2, error: msg });
  });

  it('still runs 90,000 empty variables, one a line (180,000 nodes)', async () => {
    const lines = Array.from({ length: 90_000 }, (_, i) => `${name(i)}=`);
    const r = await run(`${lines.join('\n')}\n${name(89_999)}=x; echo "[$${name(89_998)}][$${name(89_999)}]"`);
    expect(text(r)).toEqual({ out: '[][x]\n', err: '', code: 0 });
  });
});

describe('descriptors at the end of a run', () => {
  const fds = () => readdirSync('/proc/self/fd').length;

  it.runIf(existsSync('/proc/self/fd'))('a builtin that cancels its input and then closes it waits for the descriptor (`sort s1 big`: open after the run in 3–9 % of runs before)', async () => {
    let left = 0;
    for (let i = 0; i < 200; i++) {
      const before = fds();
      const r = await run('sort s1 big');
      expect(text(r)).toEqual({ out: '', err: 'sort: big: is a directory\n', code: 1 });
      if (fds() > before) left++;
    }
    expect(left).toBe(0);
  });
});
