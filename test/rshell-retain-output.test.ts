/**
 * RunnerOptions.retainOutputBytes: the runner keeps only the first N bytes of stdout and of
 * stderr, but counts every byte for the caps and reports the whole lengths; runCommand keeps
 * what a result can carry, and its results are what they were when the runner kept it all.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRunner, type RunResult } from '../src/rshell/index.js';
import { MAX_STDOUT_BYTES } from '../src/rshell/interp/streams.js';
import { MAX_STDERR_BYTES } from '../src/rshell/interp/run-state.js';
import { MAX_RESULT_BYTES } from '../src/tasks/results.js';
import { event, outputsOf, rshellTask, wiredHandler } from './faults-helpers.js';
import { context } from './helpers/stack.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const MIB = 1 << 20;
const root = makeTree({
  m: 'a'.repeat(MIB - 3) + 'yz\n',
  // A two-byte character split at MAX_RESULT_BYTES.
  u: 'x' + 'é'.repeat(MAX_RESULT_BYTES),
  exact: 'e'.repeat(MAX_RESULT_BYTES),
});
afterAll(() => removeTree(root));

const mibs = (n: number) => Array(n).fill('m').join(' ');
const run = (script: string, retainOutputBytes?: number): Promise<RunResult> =>
  createRunner({ allowAllCommands: true, allowedPaths: [root], dir: root, timeoutMs: 60_000, retainOutputBytes }).run(script);

/** 10 MiB − 1 of stdout, 11 MiB of stderr (past its cap), and a last word of each. */
const HEAVY = `cat ${mibs(9)}; head -c ${MIB - 1} m\ncat ${mibs(11)} >&2\necho done >&2; false`;

describe('retainOutputBytes', () => {
  it('keeps the first N bytes of each stream and reports their whole lengths', async () => {
    const full = await run(HEAVY);
    expect([full.outcome, full.exitCode, full.stdout.length, full.stderr.length]).toEqual(['success', 1, MAX_STDOUT_BYTES - 1, MAX_STDERR_BYTES]);
    expect([full.stdoutLength, full.stderrLength]).toEqual([full.stdout.length, full.stderr.length]);
    for (const n of [0, 1, 1000, MAX_RESULT_BYTES]) {
      const r = await run(HEAVY, n);
      expect(r.stdout.length).toBe(n);
      expect(r.stderr.length).toBe(n);
      expect(r.stdout.equals(full.stdout.subarray(0, n))).toBe(true);
      expect(r.stderr.equals(full.stderr.subarray(0, n))).toBe(true);
      expect([r.outcome, r.exitCode, r.stdoutLength, r.stderrLength]).toEqual(['success', 1, MAX_STDOUT_BYTES - 1, MAX_STDERR_BYTES]);
    }
    // More than was written: everything, as without the option.
    const small = await run('echo hi; echo oops >&2', 100);
    expect([small.stdout.toString(), small.stderr.toString(), small.stdoutLength, small.stderrLength]).toEqual(['hi\n', 'oops\n', 3, 5]);
  });

  it('output_limit fires at the same byte: 10 MiB passes, one byte more is output_limit', async () => {
    for (const n of [undefined, 10]) {
      const at = await run(`cat ${mibs(10)}; echo -n after >&2`, n);
      expect([at.outcome, at.exitCode, at.stdoutLength, at.stderr.toString()]).toEqual(['success', 0, MAX_STDOUT_BYTES, 'after']);
      const over = await run(`cat ${mibs(10)}; echo -n x; echo -n after >&2`, n);
      expect([over.outcome, over.error, over.stdoutLength, over.stderr.toString()]).toEqual(['output_limit', 'stdout limit exceeded: script produced more than 10 MiB of output', MAX_STDOUT_BYTES, '']);
      expect(over.stdout.length).toBe(n ?? MAX_STDOUT_BYTES);
    }
  });

  it('a run that ends before executing keeps at most N bytes of its message too', async () => {
    const r = await run('echo "', 8);
    expect(r.outcome).toBe('fatal');
    expect(r.stderr.toString()).toBe('failed t');
    expect(r.stderrLength).toBe(r.error!.length + 1);
  });

  it('refuses a count that is not a byte count', () => {
    for (const bad of [-1, 1.5, NaN, Infinity]) expect(() => createRunner({ retainOutputBytes: bad })).toThrow(/retainOutputBytes/);
  });
});

describe('runCommand keeps only what a result carries, with the same results', () => {
  /** What runCommand sent before the option: the first MAX_RESULT_BYTES of each stream, cut when longer. */
  function expected(r: RunResult) {
    const clip = (b: Buffer) => b.subarray(0, MAX_RESULT_BYTES).toString('utf8');
    const cut = r.stdout.length > MAX_RESULT_BYTES || r.stderr.length > MAX_RESULT_BYTES;
    return { exitCode: r.exitCode, stdout: clip(r.stdout), stderr: clip(r.stderr), sandboxWarnings: [], ...(cut ? { truncated: true } : {}) };
  }

  it('for 10 MiB − 1 of stdout and a full stderr, a cut split character, and streams exactly at the result size or one byte past it', async () => {
    const scripts = [HEAVY, 'cat u; cat u >&2', 'cat exact; cat exact >&2', 'cat exact; echo; cat exact >&2', 'cat exact; cat exact >&2; echo >&2', 'echo hi; echo oops >&2'];
    const w = wiredHandler({ ...process.env });
    const ev = event(scripts.map((s) => rshellTask(s, { allowedPaths: [root] })));
    expect(await w.handler(ev, context(120_000))).toEqual({ batchItemFailures: [] });
    const byMessage = new Map(w.publisher.items.map((i) => [i.messageId, i.update]));
    const got = ev.Records.map((r) => outputsOf(byMessage.get(r.messageId)));
    const want = await Promise.all(scripts.map(async (s) => expected(await run(s))));
    expect(got).toEqual(want);
    // The cases the comparison relies on: cut, not cut, and cut by one byte on either stream.
    expect(got.map((o) => o?.truncated ?? false)).toEqual([true, true, false, true, true, false]);
  });
});
