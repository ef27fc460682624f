/**
 * The runs of one process share a budget for their held and buffered bytes. Each run
 * may hold 32 MiB of expansions and buffer 128 MiB of input, but a Lambda runs
 * TASK_CONCURRENCY tasks in one process of a fixed memory size (512 MB by default): four
 * hostile tasks at both caps peaked at 656–687 MiB RSS before, and an out-of-memory kill loses
 * the whole batch. The run that asks past the process's budget is refused, the others go on.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunner, type RunResult } from '../src/rshell/index.js';
import { PROCESS_MEMORY, processMemoryBudget, processMemoryMessage } from '../src/rshell/interp/process-memory.js';
import { createSqsHandler } from '../src/tasks/sqs-handler.js';
import { loadConfig } from '../src/tasks/config.js';
import { startLocalIntake } from '../src/tracing/local-intake.js';
import { event, outputsOf, rshellTask, wiredHandler } from './faults-helpers.js';
import { context } from './helpers/stack.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const MIB = 1 << 20;
const root = makeTree({
  'lines.txt': 'a\n'.repeat(500_000),
});
afterAll(() => removeTree(root));

const run = (script: string): Promise<RunResult> => createRunner({ allowAllCommands: true, allowedPaths: [root], dir: root, timeoutMs: 60_000 }).run(script);
const text = (r: RunResult) => ({ out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1'), code: r.exitCode, outcome: r.outcome });
const sorts = (n: number) => Array(n).fill('sort lines.txt').join(' | ');

/** Resolves once `ok()` holds, or after `ms` (the test's own assertions then tell). */
async function until(ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

describe('the runs of one process share a budget for held and buffered bytes', () => {
  it('sized from the function memory: three eighths of it, 512 MB when unknown', () => {
    expect(processMemoryBudget(512)).toBe(192 * MIB);
    expect(processMemoryBudget(1024)).toBe(384 * MIB);
    expect(processMemoryBudget(10_240)).toBe(3840 * MIB);
    for (const v of [undefined, 0, 64, 99_999, 512.5, NaN]) expect(processMemoryBudget(v)).toBe(192 * MIB);
    // Lambda sets AWS_LAMBDA_FUNCTION_MEMORY_SIZE; the handler sizes the budget from it when built.
    expect(loadConfig({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024' }).functionMemoryMb).toBe(1024);
    for (const v of [undefined, '', 'abc', '-1', '1e3']) expect(loadConfig({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: v }).functionMemoryMb).toBeUndefined();
    try {
      createSqsHandler(loadConfig({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024' }));
      expect(PROCESS_MEMORY.max).toBe(384 * MIB);
    } finally {
      createSqsHandler(loadConfig({}));
    }
    expect(PROCESS_MEMORY.max).toBe(192 * MIB);
  });

  it('two runs holding their buffers leave a third too little: it is refused, they are not (all three ran before)', async () => {
    // A and B each buffer six sorts of 500,000 lines (99 MB, under their own 128 MiB): the
    // sorts wait to write to `cat`, which waits on the run's own FIFO, which this test holds
    // open until the third run is done.
    const fifos = ['pa', 'pb'].map((f) => join(root, f));
    for (const f of fifos) execFileSync('mkfifo', [f]);
    const ends = fifos.map((f) => openSync(f, constants.O_RDWR | constants.O_NONBLOCK));
    const holders = ['pa', 'pb'].map((p) => run(`${sorts(6)} | cat ${p}; echo $?`));
    try {
      await until(() => PROCESS_MEMORY.used >= 198_000_000, 20_000);
      // The third: a heredoc body of 10.2 MB (an expansion held) and a sort of 500,000 lines
      // (16.5 MB buffered), each within the run's own caps.
      const third = text(await run(`x=$(printf "%10000s" {1..51} | tr " " a)\ncat <<E | wc -c\n${'$x'.repeat(20)}\nE\nsort lines.txt | wc -l`));
      const message = processMemoryMessage(PROCESS_MEMORY.max);
      expect(message).toBe("expansions and buffered input held at once by all of the process's runs exceed their shared maximum of 201326592 bytes");
      expect(third).toEqual({ out: '0\n0\n', err: `${message}\nsort: ${message}\n`, code: 0, outcome: 'success' });
    } finally {
      for (const e of ends) closeSync(e);
    }
    for (const r of await Promise.all(holders)) expect(text(r)).toEqual({ out: '0\n', err: '', code: 0, outcome: 'success' });
    // Every byte was given back: the same third run now runs in full.
    expect(PROCESS_MEMORY.used).toBe(0);
    const again = text(await run(`x=$(printf "%10000s" {1..51} | tr " " a)\ncat <<E | wc -c\n${'$x'.repeat(20)}\nE\nsort lines.txt | wc -l`));
    expect(again).toEqual({ out: '10200001\n500000\n', err: '', code: 0, outcome: 'success' });
  });
});

describe('through the handler', () => {
  it('of three tasks at once, the one asking past the budget gets the message; every task is answered and its spans sent', async () => {
    const intake = await startLocalIntake();
    const fifos = ['ha', 'hb', 'hc'].map((f) => join(root, f));
    for (const f of fifos) execFileSync('mkfifo', [f]);
    const ends = fifos.map((f) => openSync(f, constants.O_RDWR | constants.O_NONBLOCK));
    try {
      const w = wiredHandler({ ...process.env, DD_API_KEY: 'test-key', DD_TRACE_INTAKE_URL: intake.url });
      // The third waits on its FIFO until the other two hold their sorts.
      const third = `cat hc\nx=$(printf "%10000s" {1..51} | tr " " a)\ncat <<E | wc -c\n${'$x'.repeat(20)}\nE\nsort lines.txt | wc -l`;
      const ev = event([`${sorts(6)} | cat ha; echo $?`, `${sorts(6)} | cat hb; echo $?`, third].map((c) => rshellTask(c, { allowedPaths: [root] })));
      const thirdId = ev.Records[2]!.messageId;
      const answered = w.handler(ev, context(120_000));
      await until(() => PROCESS_MEMORY.used >= 198_000_000, 20_000);
      closeSync(ends[2]!);
      await until(() => w.logger.records.some((r) => r.msg === 'task finished' && r.message_id === thirdId), 20_000);
      closeSync(ends[0]!);
      closeSync(ends[1]!);
      expect(await answered).toEqual({ batchItemFailures: [] });
      const byMessage = new Map(w.publisher.items.map((i) => [i.messageId, i.update]));
      const message = processMemoryMessage(PROCESS_MEMORY.max);
      expect(ev.Records.map((r) => byMessage.get(r.messageId)?.data.id)).toEqual(['succeed_task', 'succeed_task', 'succeed_task']);
      expect(ev.Records.map((r) => outputsOf(byMessage.get(r.messageId)))).toEqual([
        { exitCode: 0, stdout: '0\n', stderr: '', sandboxWarnings: [] },
        { exitCode: 0, stdout: '0\n', stderr: '', sandboxWarnings: [] },
        { exitCode: 0, stdout: '0\n0\n', stderr: `${message}\nsort: ${message}\n`, sandboxWarnings: [] },
      ]);
      const spans = intake.spans();
      expect(spans.filter((s) => s.name === 'action.run')).toHaveLength(3);
      expect(spans.filter((s) => s.name === 'run')).toHaveLength(3);
      expect(PROCESS_MEMORY.used).toBe(0);
    } finally {
      for (const e of ends) {
        try {
          closeSync(e);
        } catch {
          // closed above
        }
      }
      await intake.close();
    }
  });
});
