/**
 * Batches that cannot all finish in the invocation's remaining time: finished tasks are
 * answered, unfinished ones go back to SQS (batch item failures), tasks there is no time to
 * start are not started, FIFO groups stop at their first retried message, and the handler
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
import { event, outputsOf, record, rshellTask, wiredHandler } from './faults-helpers.js';

// Ends only at its deadline; inputs.timeout far away so the invocation is what stops it.
const FOREVER = 'for a in {1..1000}; do for b in {1..1000}; do for c in {1..1000}; do true; done; done; done';
const forever = () => rshellTask(FOREVER, { timeout: 3600 });
const quick = (word: string) => rshellTask(`echo ${word}`);

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
    // Two runs cut short carry 20,000 spans (rshell's per-run cap): the discarding intake takes them.
    const w = wiredHandler({ DD_API_KEY: 'deadline-key', DD_TRACE_INTAKE_URL: sinkUrl, TASK_CONCURRENCY: '2' });
    const ev = event([quick('q1'), quick('q2'), quick('q3'), quick('q4'), forever(), forever(), forever(), forever()]);
    const ids = ev.Records.map((r) => r.messageId);
    const started = Date.now();
    const res = await w.handler(ev, context(2_500));
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(ids.slice(4));
    expect(ids.slice(0, 4).map((id) => stdoutOf(w, id))).toEqual(['q1\n', 'q2\n', 'q3\n', 'q4\n']);
    expect(w.publisher.items).toHaveLength(4);
    // The flush finished inside its reserve.
    expect(w.logger.records.filter((l) => l.msg === 'span flush failed')).toEqual([]);
  });

  it('with one slot, tasks after a task that used up the time are not started', async () => {
    const w = wired({ TASK_CONCURRENCY: '1' });
    const ev = event([quick('first'), forever(), quick('late1'), quick('late2')]);
    const ids = ev.Records.map((r) => r.messageId);
    const res = await w.handler(ev, context(2_000));
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(ids.slice(1));
    expect(w.publisher.items.map((i) => i.messageId)).toEqual([ids[0]]);
    // Only two tasks opened a span: the never-started ones did not run at all.
    expect(intake.spans().filter((s) => s.name === 'action.run')).toHaveLength(2);
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
    const w = wiredHandler({ DD_API_KEY: 'deadline-key', DD_TRACE_INTAKE_URL: sinkUrl, TASK_CONCURRENCY: '4' });
    const ev = event([quick('a'), forever(), quick('b'), forever(), quick('c')]);
    const started = Date.now();
    const res = await w.handler(ev, context(remaining));
    const took = Date.now() - started;
    expect(took).toBeLessThan(strict ? remaining : remaining + 250);
    const answered = new Set(w.publisher.items.map((i) => i.messageId));
    const retried = new Set(res.batchItemFailures.map((f) => f.itemIdentifier));
    for (const r of ev.Records) expect(answered.has(r.messageId) !== retried.has(r.messageId)).toBe(true);
    // Never-ending tasks can never be answered.
    expect(retried.has(ev.Records[1].messageId) && retried.has(ev.Records[3].messageId)).toBe(true);
    // Below MIN_TASK_START_MS of task time nothing starts.
    if (remaining <= 30) expect(w.publisher.items).toEqual([]);
  });

  it('keeps the flush reserve: a slow intake (300 ms) still acknowledges every span before the return', async () => {
    sinkDelayMs = 300;
    sinkRequests = 0;
    try {
      const w = wiredHandler({ DD_API_KEY: 'deadline-key', DD_TRACE_INTAKE_URL: sinkUrl });
      const ev = event([forever(), quick('x')]);
      const started = Date.now();
      const res = await w.handler(ev, context(3_000));
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([ev.Records[0].messageId]);
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

  it('stops a group at its first unfinished message; other groups finish', async () => {
    const w = wired({ TASK_CONCURRENCY: '2' });
    const recs = [fifo(quick('a1'), 'A'), fifo(quick('b1'), 'B'), fifo(forever(), 'A'), fifo(quick('b2'), 'B'), fifo(quick('a3'), 'A')];
    const res = await w.handler({ Records: recs }, context(2_000));
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([recs[2].messageId, recs[4].messageId]);
    expect(w.publisher.items.map((i) => [i.groupId, (outputsOf(i.update) as { stdout: string }).stdout])).toEqual([
      ['A', 'a1\n'],
      ['B', 'b1\n'],
      ['B', 'b2\n'],
    ]);
    // a3 never ran: only a1, a2 (cut short), b1 and b2 have spans.
    expect(intake.spans().filter((s) => s.name === 'action.run')).toHaveLength(4);
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
