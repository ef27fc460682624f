/**
 * Hostile scripts against what one run holds in total across many allowed steps: each
 * expansion, heredoc and substitution is capped on its own, but pipeline stages run
 * concurrently and loops nest. Also long pipelines and values that pass a cap inside a
 * construct. Every run must come back with a clear message, never an internal panic.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BUILTINS } from '../src/rshell/builtins/registry.js';
import { createRunner, type RunResult } from '../src/rshell/index.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const ALL_COMMANDS = [...BUILTINS.keys()].map((n) => `rshell:${n}`);
const base = makeTree({ 'root/ok.txt': 'ok\n' });
const root = `${base}/root`;
afterAll(() => removeTree(base));

async function run(script: string, timeoutMs = 10_000): Promise<RunResult> {
  return createRunner({ allowedPaths: [root], dir: root, allowedCommands: ALL_COMMANDS, timeoutMs }).run(script);
}

const text = (r: RunResult) => ({ out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1'), code: r.exitCode, outcome: r.outcome });

const HELD = 'expansions held at once exceed the maximum of 33554432 bytes\n';
/** x: 510,000 bytes of `a`. */
const X = 'x=$(printf "%10000s" {1..51} | tr " " a)\n';
/** One word of `n` references to x. */
const xs = (n: number) => '"' + '$x'.repeat(n) + '"';

describe('long pipelines', () => {
  it('20,000 stages are refused with a message, not a stack overflow', async () => {
    const script = Array(20_000).fill('true').join(' | ') + '\necho "done $?"\n';
    expect(text(await run(script))).toEqual({
      out: 'done 1\n',
      err: 'pipeline: too many stages running at once (limit 1024)\n',
      code: 0,
      outcome: 'success',
    });
  });

  it('1,024 stages run', async () => {
    const script = 'echo hi | ' + Array(1_023).fill('cat').join(' | ') + '\n';
    expect(text(await run(script))).toEqual({ out: 'hi\n', err: '', code: 0, outcome: 'success' });
  });
});

describe('values past a cap inside a construct', () => {
  it('a for item over the one-variable cap fails the loop, not the run', async () => {
    const script = 'x=$(printf "%10000s" {1..60} | tr " " a)\nfor a in "$x$x"; do echo in; done\necho "after $?"\n';
    expect(text(await run(script))).toEqual({ out: 'after 1\n', err: 'a: value too large (limit 1048576 bytes)\n', code: 0, outcome: 'success' });
  });

  it('a heredoc naming a 1 MiB value 1,100 times gets the heredoc message, not "Invalid string length"', async () => {
    const script = 'x=$(printf "%10000s" {1..104} | tr " " a)\ncat <<E | wc -c\n' + '$x'.repeat(1_100) + '\nE\necho "after $?"\n';
    expect(text(await run(script))).toEqual({
      out: '0\nafter 0\n',
      err: 'heredoc: content exceeds maximum size (10485760 bytes)\n',
      code: 0,
      outcome: 'success',
    });
  });
});

describe('what a run holds at once', () => {
  it('concurrent stages share 32 MiB of expansions: a third 12 MB word is refused', async () => {
    const w = xs(24); // 12,240,000 bytes
    const script = X + `echo ${w} | echo ${w} | echo ${w} | wc -c\necho "after $?"\n`;
    expect(text(await run(script))).toEqual({ out: '0\nafter 0\n', err: HELD, code: 0, outcome: 'success' });
  });

  it('nested for lists share it too', async () => {
    // y: 5,100 fields of 99 bytes; a list of 24 y is 12,240,000 bytes.
    const list = Array(24).fill('$y').join(' ');
    const script =
      'y=$(printf "%99s_" {1..5100} | tr " _" "a ")\n' +
      `for a in ${list}; do for b in ${list}; do for c in ${list}; do echo in; done; break 2; done; done\necho "after $?"\n`;
    const r = await createRunner({ allowedPaths: [root], dir: root, allowedCommands: [...ALL_COMMANDS, 'rshell:break'], timeoutMs: 10_000 }).run(script);
    expect(text(r)).toEqual({ out: 'after 0\n', err: HELD, code: 0, outcome: 'success' });
  });

  it('heredoc bodies of concurrent stages share it: the fourth 10 MB body is refused', async () => {
    const body = '$x'.repeat(20); // 10,200,000 bytes
    const script = X + `cat <<A | cat <<B | cat <<C | cat <<D | wc -c\n${body}\nA\n${body}\nB\n${body}\nC\n${body}\nD\necho "after $?"\n`;
    expect(text(await run(script))).toEqual({ out: '0\nafter 0\n', err: HELD, code: 0, outcome: 'success' });
  });

  it('a stage blocked inside $(…) holds its capture', async () => {
    const script = X + 'true | ' + Array(80).fill('echo $(echo "$x"; cat)').join(' | ') + ' | true\necho done\n';
    const t = text(await run(script));
    expect({ ...t, err: t.err.split('\n').filter((l) => l !== HELD.trim()) }).toEqual({ out: 'done\n', err: [''], code: 0, outcome: 'success' });
    expect(t.err).toContain(HELD);
  });

  it('what was held is given back: the same 16 MiB word runs ten times in a row', async () => {
    const script = X + `for i in {1..10}; do echo ${xs(32)} | wc -c; done | uniq -c\n`;
    expect(text(await run(script))).toEqual({ out: '     10 16320001\n', err: '', code: 0, outcome: 'success' });
  });
});
