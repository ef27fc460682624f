/**
 * Batches that cannot all finish in the invocation's remaining time: finished tasks are
 * answered, unfinished ones that started late go back to SQS (batch item failures) while one
 * that had the invocation's whole window is answered as exceeding it, tasks there is no time
 * to start are not started, FIFO groups stop at their first retried message, and the handler
 * returns before the Lambda deadline with the flush reserve kept (spans at the intake), and
 * an API key read again before a batch never holds the batch past a tenth of its time.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/tasks/config.js';
import { createSqsHandler } from '../src/tasks/sqs-handler.js';
import { startLocalIntake, type LocalIntake } from '../src/tracing/local-intake.js';
import { context, fixture, MemoryLogger, MemoryPublisher } from './helpers/stack.js';
import { event, failureOf, outputsOf, record, rshellTask, TimedLogger, WHOLE_WINDOW_FAILURE, wholeWindowSlackMs, wiredHandler } from './faults-helpers.js';

// Ends only at its deadline; inputs.timeout far away so the invocation is what stops it.
const FOREVER = 'for a in {1..1000}; do for b in {1..1000}; do for c in {1..1000}; do true; done; done; done';
const forever = () => rshellTask(FOREVER, { timeout: 3600 });
const quick = (word: string) => rshellTask(`echo ${word}`);
/**
 * Holds its slot for its own 1 s timeout (inside the invocation's budget: answered), so that
 * the tasks queued behind it start late, which is when a retry can give them more time.
 */
const blocker = () => rshellTask(FOREVER, { timeout: 1 });
const OWN_TIMEOUT_1S = 'task execution exceeded timeout of 1 seconds';

let intake: LocalIntake;
/**
 * An intake that accepts and discards: the in-process local intake decodes every span on the
 * event loop it shares with the handler (a 10,000-span flush blocks it for ~300 ms), which
 * would make the handler look late for a reason a remote intake never causes.
 */
let sink: Server;
let sinkUrl: string;
let sinkDelayMs = 0;
let sinkRequests = 0;
beforeAll(async () => {
  intake = await startLocalIntake();
  sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      sinkRequests++;
      setTimeout(() => res.writeHead(202, { 'content-type': 'application/json' }).end('{}'), sinkDelayMs);
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/api/v2/apmtelemetry`;
});
afterAll(async () => {
  sink.closeAllConnections();
  await new Promise<void>((r) => sink.close(() => r()));
  await intake.close();
});
afterEach(() => {
  intake.setFault(null);
  intake.clear();
});

function wired(extra: Record<string, string> = {}) {
  return wiredHandler({ DD_API_KEY: 'deadline-key', DD_TRACE_INTAKE_URL: intake.url, ...extra });
}

const stdoutOf = (w: ReturnType<typeof wired>, id: string) =>
  (outputsOf(w.publisher.items.find((i) => i.messageId === id)?.update) as { stdout?: string } | undefined)?.stdout;

describe('standard queue under a deadline', () => {
  it('answers the quick tasks, retries the unfinished ones and returns in time', async () => {
    // Four runs cut short carry 40,000 spans (rshell's per-run cap): the discarding intake takes them.
    const w = wiredHandler({ DD_API_KEY: 'deadline-key', DD_TRACE_INTAKE_URL: sinkUrl, TASK_CONCURRENCY: '2' });
    // Two blockers hold both slots for 1 s: the never-ending tasks start late (two of them,
    // cut short at the invocation's deadline) or not at all (the other two).
    const ev = event([blocker(), blocker(), quick('q1'), quick('q2'), quick('q3'), quick('q4'), forever(), forever(), forever(), forever()]);
    const ids = ev.Records.map((r) => r.messageId);
    const started = Date.now();
    const res = await w.handler(ev, context(3_500));
    expect(Date.now() - started).toBeLessThan(3_500);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(ids.slice(6));
    expect(ids.slice(2, 6).map((id) => stdoutOf(w, id))).toEqual(['q1\n', 'q2\n', 'q3\n', 'q4\n']);
    expect(ids.slice(0, 2).map((id) => failureOf(w.publisher.items.find((i) => i.messageId === id)?.update)?.error_details)).toEqual([OWN_TIMEOUT_1S, OWN_TIMEOUT_1S]);
    expect(w.publisher.items).toHaveLength(6);
    expect(w.logger.records.filter((l) => l.msg === 'task not started; no time left').map((l) => l.message_id)).toEqual(ids.slice(8));
    // The flush finished inside its reserve.
    expect(w.logger.records.filter((l) => l.msg === 'span flush failed')).toEqual([]);
  });

  it('with one slot, tasks after a task that used up the time are not started', async () => {
    const w = wired({ TASK_CONCURRENCY: '1' });
    // The blocker makes the never-ending task start ~1 s late: it is retried, not answered.
    const ev = event([quick('first'), blocker(), forever(), quick('late1'), quick('late2')]);
    const ids = ev.Records.map((r) => r.messageId);
    const res = await w.handler(ev, context(4_000));
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(ids.slice(2));
    expect(w.publisher.items.map((i) => i.messageId)).toEqual([ids[0], ids[1]]);
    // Only three tasks opened a span: the never-started ones did not run at all.
    expect(intake.spans().filter((s) => s.name === 'action.run')).toHaveLength(3);
  });

  it('a never-ending task alone in a batch had the whole window: answered as exceeding it, not retried', async () => {
    const w = wiredHandler({ DD_API_KEY: 'deadline-key', DD_TRACE_INTAKE_URL: sinkUrl });
    const ev = event([forever()]);
    const started = Date.now();
    // 6 s left: 3.7 s for tasks, a slack of 185 ms for the task's start.
    const res = await w.handler(ev, context(6_000));
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(res).toEqual({ batchItemFailures: [] });
    expect(w.publisher.items).toHaveLength(1);
    const update = w.publisher.items[0]!.update;
    expect(update.data.id).toBe('fail_task');
    const failure = failureOf(update)!;
    expect(failure.error_code).toBe('INTERNAL_ERROR');
    const m = WHOLE_WINDOW_FAILURE.exec(failure.error_details);
    expect(m, failure.error_details).not.toBeNull();
    // N: the time the task had, which is (nearly) the 3.7 s the invocation left for tasks.
    expect(Number(m![1])).toBeGreaterThanOrEqual(3.4);
    expect(Number(m![1])).toBeLessThanOrEqual(3.7);
    expect(m![2]).toBe('3600');
    expect(w.logger.records.find((l) => l.msg === 'task finished')).toMatchObject({ result: 'error', error_code: 'INTERNAL_ERROR' });
  });

  it('the same task queued behind one that holds the only slot for 1 s is retried', async () => {
    const w = wiredHandler({ DD_API_KEY: 'deadline-key', DD_TRACE_INTAKE_URL: sinkUrl, TASK_CONCURRENCY: '1' }, undefined, new TimedLogger());
    const ev = event([blocker(), forever()]);
    const started = Date.now();
    const res = await w.handler(ev, context(4_000));
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([ev.Records[1].messageId]);
    expect(w.publisher.items.map((i) => [i.messageId, failureOf(i.update)?.error_details])).toEqual([[ev.Records[0].messageId, OWN_TIMEOUT_1S]]);
    // It did start (and was cut short), past the slack: a later invocation can give it more time.
    expect(w.logger.startedAt.get(ev.Records[1].messageId)! - started).toBeGreaterThan(wholeWindowSlackMs(4_000));
    // A retried task was not answered: its line names no error code.
    expect(w.logger.records.filter((l) => l.msg === 'task finished').map((l) => [l.result, l.error_code])).toEqual([
      ['error', 'INTERNAL_ERROR'],
      ['retry', undefined],
    ]);
  });

  describe("on the queue's last delivery (TASK_MAX_RECEIVE_COUNT)", () => {
    /** The records of `ev`, delivered for the `n`th time. */
    const atReceive = (ev: ReturnType<typeof event>, n: number) => ({
      Records: ev.Records.map((r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: String(n) } })),
    });
    const LAST_CUT = /^task execution was cut short by the invocation's deadline on its last delivery \(receive (\d+); the queue's maxReceiveCount is (\d+)\); it started late, behind other tasks: raise the function's timeout, lower inputs\.timeout or lower the batch size$/;
    const LAST_NOT_STARTED = "task not started: its last delivery (receive 5; the queue's maxReceiveCount is 5) found no time left in the invocation: raise the function's timeout or lower the batch size";
    const lastWired = (max: string) =>
      wiredHandler({ DD_API_KEY: 'deadline-key', DD_TRACE_INTAKE_URL: sinkUrl, TASK_CONCURRENCY: '1', TASK_MAX_RECEIVE_COUNT: max }, undefined, new TimedLogger());

    it('a task that started late is answered, not sent on to the dead-letter queue', async () => {
      const w = lastWired('5');
      const ev = atReceive(event([blocker(), forever()]), 5);
      const started = Date.now();
      const res = await w.handler(ev, context(4_000));
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(res).toEqual({ batchItemFailures: [] });
      expect(w.logger.startedAt.get(ev.Records[1].messageId)! - started).toBeGreaterThan(wholeWindowSlackMs(4_000));
      const details = failureOf(w.publisher.items.find((i) => i.messageId === ev.Records[1].messageId)?.update);
      expect(details?.error_code).toBe('INTERNAL_ERROR');
      expect(LAST_CUT.exec(details?.error_details ?? '')?.slice(1)).toEqual(['5', '5']);
      expect(w.logger.records.filter((l) => l.msg === 'task finished').map((l) => [l.result, l.error_code])).toEqual([
        ['error', 'INTERNAL_ERROR'],
        ['error', 'INTERNAL_ERROR'],
      ]);
    });

    it('a task there was no time to start is answered with the same ids, and says it never ran', async () => {
      const w = lastWired('5');
      // The first task runs until the 1.4 s left for tasks are spent (its own 5 s is longer): nothing after it starts.
      const ev = atReceive(event([rshellTask(FOREVER, { timeout: 5 }), quick('never')]), 5);
      const res = await w.handler(ev, context(2_500));
      expect(res).toEqual({ batchItemFailures: [] });
      const update = w.publisher.items.find((i) => i.messageId === ev.Records[1].messageId)?.update;
      expect(update?.data.attributes.task_id).toBe(JSON.parse(ev.Records[1].body).data.id);
      expect(failureOf(update)).toEqual({ error_code: 'INTERNAL_ERROR', error_details: LAST_NOT_STARTED });
      expect(w.logger.records.filter((l) => l.msg === 'task not started; no time left').map((l) => [l.message_id, l.result, l.error_code])).toEqual([
        [ev.Records[1].messageId, 'error', 'INTERNAL_ERROR'],
      ]);
      // It never ran: one action.run span, the first task's.
      expect(w.logger.records.filter((l) => l.msg === 'task started').map((l) => l.message_id)).toEqual([ev.Records[0].messageId]);
    });

    it('an earlier delivery is still retried', async () => {
      const w = lastWired('5');
      const ev = atReceive(event([blocker(), forever(), quick('later')]), 4);
      const res = await w.handler(ev, context(4_000));
      expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([ev.Records[1].messageId, ev.Records[2].messageId]);
      expect(w.publisher.items.map((i) => i.messageId)).toEqual([ev.Records[0].messageId]);
    });
  });

  it("a task's own timeout inside the budget is answered, not retried", async () => {
    const w = wired();
    const ev = event([rshellTask(FOREVER, { timeout: 1 }), quick('fine')]);
    const res = await w.handler(ev, context(10_000));
    expect(res).toEqual({ batchItemFailures: [] });
    const failed = w.publisher.items.find((i) => i.messageId === ev.Records[0].messageId)!.update;
    expect(failed.data.attributes.payload).toEqual({ error_code: 'INTERNAL_ERROR', error_details: 'task execution exceeded timeout of 1 seconds' });
  });

  // Strict timing from 400 ms up; below that a loaded 2-core machine (other test workers) can
  // delay timers by tens of milliseconds (see RELIABILITY.md), so only the accounting is strict.
  it.each([
    [0, false],
    [30, false],
    [120, false],
    [400, true],
    [900, true],
    [1_500, true],
  ])('with %i ms left: every record answered or retried (strict timing: %s)', async (remaining, strict) => {
    const w = wiredHandler({ DD_API_KEY: 'deadline-key', DD_TRACE_INTAKE_URL: sinkUrl, TASK_CONCURRENCY: '4' }, undefined, new TimedLogger());
    const ev = event([quick('a'), forever(), quick('b'), forever(), quick('c')]);
    const started = Date.now();
    const res = await w.handler(ev, context(remaining));
    const took = Date.now() - started;
    expect(took).toBeLessThan(strict ? remaining : remaining + 250);
    const answered = new Set(w.publisher.items.map((i) => i.messageId));
    const retried = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
    for (const r of ev.Records) expect(answered.has(r.messageId) !== retried.has(r.messageId)).toBe(true);
    // A never-ending task is answered only as exceeding the invocation's window, and only if it
    // had that window: it started within the slack of the invocation's start. Which side of the
    // slack (7 to 40 ms here) a task falls on depends on the machine's load; the log tells, up
    // to a margin either side: the invocation began between the call and the first task's start.
    const slack = wholeWindowSlackMs(remaining);
    const MARGIN = 15;
    const firstStart = Math.min(...w.logger.startedAt.values());
    for (const r of [ev.Records[1], ev.Records[3]]) {
      const at = w.logger.startedAt.get(r.messageId);
      const update = w.publisher.items.find((i) => i.messageId === r.messageId)?.update;
      if (update) {
        expect(update.data.id).toBe('fail_task');
        expect(failureOf(update)?.error_details).toMatch(WHOLE_WINDOW_FAILURE);
        expect(at).toBeDefined();
        expect(at! - firstStart, 'answered, but started past the slack').toBeLessThanOrEqual(slack + MARGIN);
      } else if (at !== undefined) {
        expect(at - started, 'retried, but started well within the slack').toBeGreaterThan(slack - MARGIN);
      }
    }
    // Below MIN_TASK_START_MS of task time nothing starts.
    if (remaining <= 30) expect(w.publisher.items).toEqual([]);
  });

  it('keeps the flush reserve: a slow intake (300 ms) still acknowledges every span before the return', async () => {
    sinkDelayMs = 300;
    sinkRequests = 0;
    try {
      // One slot: the blocker makes the never-ending task start late, so it is retried.
      const w = wiredHandler({ DD_API_KEY: 'deadline-key', DD_TRACE_INTAKE_URL: sinkUrl, TASK_CONCURRENCY: '1' });
      const ev = event([quick('x'), blocker(), forever()]);
      const started = Date.now();
      const res = await w.handler(ev, context(3_000));
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([ev.Records[2].messageId]);
      expect(w.publisher.items.map((i) => i.messageId)).toEqual([ev.Records[0].messageId, ev.Records[1].messageId]);
      // The task cut short at the deadline left 600 ms for publishing and 600 ms for the flush.
      expect(sinkRequests).toBeGreaterThanOrEqual(1);
      expect(w.logger.records.filter((l) => l.msg === 'span flush failed')).toEqual([]);
    } finally {
      sinkDelayMs = 0;
    }
  });
});

describe('FIFO queue under a deadline', () => {
  const fifo = (body: string, group: string): SQSRecord =>
    record(body, {
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:tasks.fifo',
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'x', ApproximateFirstReceiveTimestamp: String(Date.now()), MessageGroupId: group },
    });

  const resultOf = (i: { update: Parameters<typeof outputsOf>[0] }) => (outputsOf(i.update) as { stdout?: string } | undefined)?.stdout ?? failureOf(i.update)?.error_details;

  it('stops a group at its first unfinished message; other groups finish', async () => {
    const w = wired({ TASK_CONCURRENCY: '2' });
    // The blocker (its own 1 s) makes the never-ending a3 start late: retried, so its group stops.
    const recs = [fifo(quick('a1'), 'A'), fifo(quick('b1'), 'B'), fifo(blocker(), 'A'), fifo(forever(), 'A'), fifo(quick('b2'), 'B'), fifo(quick('a4'), 'A')];
    const res = await w.handler({ Records: recs }, context(3_500));
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([recs[3].messageId, recs[5].messageId]);
    expect(w.publisher.items.map((i) => [i.groupId, resultOf(i)])).toEqual([
      ['A', 'a1\n'],
      ['B', 'b1\n'],
      ['A', OWN_TIMEOUT_1S],
      ['B', 'b2\n'],
    ]);
    // a4 never ran: only a1, the blocker, a3 (cut short), b1 and b2 have spans.
    expect(intake.spans().filter((s) => s.name === 'action.run')).toHaveLength(5);
    // a4 says why it goes back unrun.
    expect(w.logger.records.filter((l) => l.msg === 'task not started; its FIFO group stopped')).toEqual([
      { level: 'warn', msg: 'task not started; its FIFO group stopped', message_id: recs[5].messageId, after_message_id: recs[3].messageId, result: 'retry' },
    ]);
  });

  it("a group whose first message runs forever: that one is answered, the group's later ones retried in order, not run", async () => {
    const w = wiredHandler({ DD_API_KEY: 'deadline-key', DD_TRACE_INTAKE_URL: sinkUrl, TASK_CONCURRENCY: '2' });
    const recs = [fifo(forever(), 'A'), fifo(quick('b1'), 'B'), fifo(quick('a2'), 'A'), fifo(quick('a3'), 'A')];
    const res = await w.handler({ Records: recs }, context(4_000));
    // a1 had the whole window: answered. It used it up, so a2 has no time left to start (the
    // group would go on only with time left): retried, and a3 after it, in order.
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([recs[2].messageId, recs[3].messageId]);
    expect(w.publisher.items.map((i) => [i.messageId, i.groupId])).toEqual([
      [recs[0].messageId, 'A'],
      [recs[1].messageId, 'B'],
    ]);
    expect(failureOf(w.publisher.items[0]!.update)?.error_details).toMatch(WHOLE_WINDOW_FAILURE);
    expect(resultOf(w.publisher.items[1]!)).toBe('b1\n');
    expect(w.logger.records.filter((l) => l.msg === 'task started').map((l) => l.message_id).sort()).toEqual([recs[0].messageId, recs[1].messageId].sort());
    expect(w.logger.records.filter((l) => l.msg === 'task not started; no time left').map((l) => l.message_id)).toEqual([recs[2].messageId]);
  });
});

describe('the API key read again before a batch', () => {
  const KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-api-key-AbCdEf';

  it('waits at most a tenth of the time left: a stalled read leaves the tasks to run untraced, in time', async () => {
    let reads = 0;
    const pub = new MemoryPublisher();
    const handler = createSqsHandler(loadConfig({ DD_API_KEY_SECRET_ARN: KEY_ARN, DD_TRACE_INTAKE_URL: 'http://127.0.0.1:9' }), {
      logger: new MemoryLogger(),
      publisher: pub,
      apiKeyRetryMs: 0,
      readSecret: async () => {
        reads += 1;
        if (reads === 1) throw new Error('ThrottlingException');
        await new Promise((r) => setTimeout(r, 4000)); // a stalled endpoint (the SDK gives up after 5 s)
        throw new Error('TimeoutError');
      },
    });
    // The cold start's read fails at once; the tasks run untraced.
    expect((await handler(fixture('single-task.json'), context())).batchItemFailures).toEqual([]);
    // 2 s left: the key is read again first, and the batch must not wait for it.
    const t0 = Date.now();
    const res = await handler(fixture('single-task.json'), context(2000));
    const took = Date.now() - t0;
    expect(reads).toBe(2);
    expect(took).toBeLessThan(1000);
    expect(res.batchItemFailures).toEqual([]);
    expect(pub.items.map((i) => i.update.data.id)).toEqual(['succeed_task', 'succeed_task']);
    // The stalled read is still the one in progress: the next invocation does not start another.
    await handler(fixture('single-task.json'), context(2000));
    expect(reads).toBe(2);
  }, 15_000);

  /** A handler whose first key read fails at once and every later one stalls for 4 s. */
  const stalling = (publisher = new MemoryPublisher()) =>
    createSqsHandler(loadConfig({ DD_API_KEY_SECRET_ARN: KEY_ARN, DD_TRACE_INTAKE_URL: 'http://127.0.0.1:9' }), {
      logger: new MemoryLogger(),
      publisher,
      apiKeyRetryMs: 0,
      readSecret: (() => {
        let reads = 0;
        return async () => {
          if (++reads === 1) throw new Error('ThrottlingException');
          await new Promise((r) => setTimeout(r, 4000));
          throw new Error('TimeoutError');
        };
      })(),
    });

  it('waits at most 1 s for it however much time is left', async () => {
    const handler = stalling();
    await handler(fixture('single-task.json'), context());
    const t0 = Date.now();
    // 30 s left: a tenth would be 3 s.
    expect((await handler(fixture('single-task.json'), context(30_000))).batchItemFailures).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
    expect(Date.now() - t0).toBeLessThan(2000);
  }, 15_000);

  it("counts that wait as the tasks' own: a task cut short after it started late is retried, not answered", async () => {
    const pub = new MemoryPublisher();
    const handler = stalling(pub);
    await handler(event([quick('warm')]), context());
    // 1.5 s left: a 150 ms wait for the key, then about 0.7 s for tasks, of which 43 ms is the slack.
    const e = event([forever()]);
    const res = await handler(e, context(1500));
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: e.Records[0]!.messageId }]);
    expect(pub.items).toHaveLength(1);
  }, 15_000);

  it('takes the key an earlier invocation was still reading, once it has arrived', async () => {
    let reads = 0;
    let answer: (key: string) => void = () => {};
    const handler = createSqsHandler(loadConfig({ DD_API_KEY_SECRET_ARN: KEY_ARN, DD_TRACE_INTAKE_URL: intake.url }), {
      logger: new MemoryLogger(),
      publisher: new MemoryPublisher(),
      apiKeyRetryMs: 0,
      readSecret: async () => {
        reads += 1;
        if (reads === 1) throw new Error('ThrottlingException');
        return new Promise<string>((r) => (answer = r));
      },
    });
    // The local intake takes spans without a key too: what tells the tracers apart is the key sent.
    const keys = () => intake.requests().map((r) => r.headers['dd-api-key']);
    intake.clear();
    await handler(fixture('single-task.json'), context());
    await handler(fixture('single-task.json'), context(2000)); // the read starts, and waits
    expect(keys()).toEqual(['', '']);
    answer('late-key');
    await handler(fixture('single-task.json'), context(2000));
    expect(reads).toBe(2);
    expect(keys()).toEqual(['', '', 'late-key']);
  });
});
