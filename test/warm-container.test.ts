/**
 * One warm container, many invocations in sequence: what one invocation leaves behind must not
 * leak into the next (spans, counters, timers).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startLocalIntake, type LocalIntake } from '../src/tracing/local-intake.js';
import { context } from './helpers/stack.js';
import { createRunner } from '../src/rshell/index.js';
import { event, failureOf, rshellTask, WHOLE_WINDOW_FAILURE, wiredHandler } from './faults-helpers.js';

const FOREVER = 'for a in {1..1000}; do for b in {1..1000}; do for c in {1..1000}; do true; done; done; done';

let intake: LocalIntake;
let fifoDir: string;
let fifo: string;
let writer: ChildProcess;
beforeAll(async () => {
  intake = await startLocalIntake();
  fifoDir = mkdtempSync(join(tmpdir(), 'warm-fifo-'));
  fifo = join(fifoDir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  // Holds the FIFO open for writing and never writes: a reader waits until cancelled.
  writer = spawn('sh', ['-c', `exec 3<>"${fifo}"; sleep 60`], { stdio: 'ignore' });
});
afterAll(async () => {
  writer.kill();
  rmSync(fifoDir, { recursive: true, force: true });
  await intake.close();
});
beforeEach(() => {
  intake.clear();
  intake.setFault(null);
});

const done = (w: ReturnType<typeof wiredHandler>) => w.logger.records.filter((r) => r.msg === 'invocation done');

describe('a task cut short at the deadline, then a normal invocation', () => {
  it.each([
    ['a tight loop', () => rshellTask(FOREVER, { timeout: 3600 })],
    ['a read waiting on a silent FIFO', () => rshellTask(`cat ${fifo}`, { timeout: 3600, allowedPaths: [fifoDir] })],
  ])('%s: every span of the cut-short task leaves with its own invocation, none with the next', async (_n, task) => {
    // Only the run span under action.run: a cut-short loop's 10,000 command spans would make
    // the in-process intake, not the handler, the slow part.
    const w = wiredHandler({ DD_API_KEY: 'k', DD_TRACE_INTAKE_URL: intake.url, RSHELL_DETAILED_TELEMETRY: 'false' });
    const first = event([task()]);
    const res = await w.handler(first, context(1_500));
    // Cut short by the invocation: retried, or, if it had the invocation's whole window (a
    // start within 40 ms of the invocation's, which a loaded machine may miss), answered as
    // exceeding it (test/faults-deadline.test.ts pins both down).
    const answered = w.publisher.items.find((i) => i.messageId === first.Records[0].messageId);
    if (answered) {
      expect(failureOf(answered.update)?.error_details).toMatch(WHOLE_WINDOW_FAILURE);
      expect(res.batchItemFailures).toEqual([]);
    } else {
      expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([first.Records[0].messageId]);
    }
    const atReturn = intake.spans();
    const cutTrace = atReturn.find((s) => s.name === 'action.run')!.trace_id;
    // The rshell run span (its outcome says why the task ended) left with its invocation.
    expect(atReturn.filter((s) => s.trace_id === cutTrace).map((s) => s.name).sort()).toEqual(['action.run', 'run']);
    expect(done(w)[0]).toMatchObject({ spans_sent: 2, spans_dropped: 0 });

    // The container is frozen, then thawed for the next batch.
    await new Promise((r) => setTimeout(r, 50));
    intake.clear();
    const second = event([rshellTask('echo hi')]);
    expect(await w.handler(second, context(5_000))).toEqual({ batchItemFailures: [] });
    const next = intake.spans();
    expect(next.filter((s) => s.trace_id === cutTrace)).toEqual([]);
    expect(next.map((s) => s.name).sort()).toEqual(['action.run', 'run']);
    expect(done(w)[1]).toMatchObject({ spans_sent: 2, spans_dropped: 0, cold_start: false });
  });
});

describe('a run reading a silent FIFO', () => {
  // Before: the read was re-polled every 200 ms for ever, past the run's deadline and past the
  // invocation (its timer firing after every thaw, its descriptor held), and the run never ended.
  it.each([
    ['cat', () => `cat ${fifo}`],
    ['a < redirection', () => `cat < ${fifo}`],
    ['$(<file)', () => `x=$(<${fifo})`],
  ])('%s ends at the run deadline', async (_n, script) => {
    const runner = createRunner({ allowAllCommands: true, allowedPaths: [fifoDir], timeoutMs: 100 });
    const t0 = Date.now();
    const res = await Promise.race([runner.run(script()), new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 2_000).unref())]);
    expect(res === 'stuck' ? res : res.outcome).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('ends when the run is cancelled', async () => {
    const ac = new AbortController();
    const runner = createRunner({ allowAllCommands: true, allowedPaths: [fifoDir], signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const res = await Promise.race([runner.run(`cat ${fifo}`), new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 2_000).unref())]);
    expect(res === 'stuck' ? res : res.outcome).toBe('canceled');
  });
});

describe('what one invocation leaves to the next', () => {
  it('an intake that hangs for one invocation, then recovers: each summary counts its own spans', async () => {
    const w = wiredHandler({ DD_API_KEY: 'k', DD_TRACE_INTAKE_URL: intake.url });
    intake.setFault({ kind: 'hang' });
    expect(await w.handler(event([rshellTask('echo a'), rshellTask('echo b')]), context(2_000))).toEqual({ batchItemFailures: [] });
    expect(done(w)[0]).toMatchObject({ spans_sent: 0, spans_dropped: 6 });
    intake.setFault(null);
    intake.clear();
    const t0 = Date.now();
    expect(await w.handler(event([rshellTask('echo c')]), context(2_000))).toEqual({ batchItemFailures: [] });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(intake.spans().map((s) => s.name).sort()).toEqual(['action.run', 'command', 'run']);
    expect(done(w)[1]).toMatchObject({ spans_sent: 3, spans_dropped: 0, span_requests: 1 });
  });

  it('a results queue that fails for one invocation, then recovers: retried records and task counts per invocation', async () => {
    const w = wiredHandler({});
    const ev1 = event([rshellTask('echo a'), rshellTask('echo b')]);
    w.publisher.refuse.add(ev1.Records[1].messageId);
    const r1 = await w.handler(ev1, context(5_000));
    expect(r1.batchItemFailures).toEqual([{ itemIdentifier: ev1.Records[1].messageId }]);
    w.publisher.refuse.clear();
    // SQS redelivers the record that went back, with a fresh one.
    const again = { ...ev1.Records[1], attributes: { ...ev1.Records[1].attributes, ApproximateReceiveCount: '2' } };
    const ev2 = { Records: [again, ...event([rshellTask('echo c')]).Records] };
    expect(await w.handler(ev2, context(5_000))).toEqual({ batchItemFailures: [] });
    expect(done(w).map((d) => [d.records, d.retried, d.tasks_succeeded, d.cold_start])).toEqual([
      [2, 1, 1, true],
      [2, 0, 2, false],
    ]);
  });
});

describe('a frozen container thawed later', () => {
  it("the wall clock jumped while the monotonic one stood still: the next invocation's spans carry the new time", async () => {
    const w = wiredHandler({ DD_API_KEY: 'k', DD_TRACE_INTAKE_URL: intake.url });
    await w.handler(event([rshellTask('echo a')]), context(5_000));
    intake.clear();
    const real = Date.now.bind(Date);
    const jump = 600_000;
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => real() + jump);
    try {
      const before = Date.now();
      await w.handler(event([rshellTask('echo b; echo c')]), context(5_000));
      const after = Date.now();
      const spans = intake.spans();
      expect(spans).toHaveLength(4);
      for (const s of spans) {
        const startMs = Number(s.start / 1_000_000n);
        expect(startMs).toBeGreaterThanOrEqual(before - 5);
        expect(startMs + Number(s.duration / 1_000_000n)).toBeLessThanOrEqual(after + 5);
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('the rate limiter lets a full second of traces through again after a freeze', async () => {
    const w = wiredHandler({ DD_API_KEY: 'k', DD_TRACE_INTAKE_URL: intake.url, DD_TRACE_SAMPLE_RATE: '1', DD_TRACE_RATE_LIMIT: '2' });
    const real = Date.now.bind(Date);
    let shift = 0;
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => real() + shift);
    try {
      await w.handler(event([rshellTask('echo 1'), rshellTask('echo 2'), rshellTask('echo 3')]), context(5_000));
      expect(intake.spans().filter((s) => s.name === 'action.run')).toHaveLength(2);
      intake.clear();
      shift = 30_000;
      await w.handler(event([rshellTask('echo 4'), rshellTask('echo 5'), rshellTask('echo 6')]), context(5_000));
      const roots = intake.spans().filter((s) => s.name === 'action.run');
      expect(roots).toHaveLength(2);
      // Nothing was asked in the second before: the previous window counts as all let through.
      for (const r of roots) expect(r.metrics['_dd.limit_psr']).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });
});
