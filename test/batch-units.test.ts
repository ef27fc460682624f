/**
 * processBatch alone, over a recording tracer, test actions and publishers that misbehave on
 * purpose: the batch response, the FIFO rules and the summary line, each pinned exactly.
 */
import type { Context, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Action, ActionContext } from '../src/actions/types.js';
import { lambdaContext } from '../src/local/lambda-context.js';
import { taskBody } from '../src/producer/task.js';
import { processBatch, unversionedArn, type BatchDeps } from '../src/tasks/batch.js';
import { INVOCATION_DONE } from '../src/tasks/log.js';
import type { ResultItem, ResultPublisher } from '../src/tasks/publisher.js';
import { RecordingTracer } from './helpers/recording-tracer.js';
import { MemoryLogger, MemoryPublisher } from './helpers/stack.js';

const FQN = 'test.bundle.act';

/** Outputs `{ n }` for inputs `{ n }`; inputs.fail makes it throw. */
const echo: Action['run'] = async ({ task }) => {
  if (task.inputs.fail) throw new Error('failed on purpose');
  return { n: task.inputs.n };
};

function deps(run: Action['run'] = echo, extra: Partial<BatchDeps> = {}) {
  const tracer = new RecordingTracer();
  const logger = new MemoryLogger();
  const publisher = new MemoryPublisher();
  const d: BatchDeps = {
    tracer,
    logger,
    publisher,
    registry: new Map([[FQN, { fqn: FQN, run }]]),
    policy: { allowedCommands: [], allowedPaths: [] },
    defaultTaskTimeoutSeconds: 60,
    reserves: { publishReserveMs: 1500, flushReserveMs: 1000 },
    taskConcurrency: 4,
    ...extra,
  };
  return { d, tracer, logger, publisher };
}

const body = (n: number, extra: Record<string, unknown> = {}) => taskBody({ id: `t-${n}`, jobId: `j-${n}`, bundleId: 'test.bundle', name: 'act', inputs: { n, ...extra } });

function rec(id: string, b: string, o: { group?: string; arn?: string } = {}): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body: b,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 's', ApproximateFirstReceiveTimestamp: '0', ...(o.group === undefined ? {} : { MessageGroupId: o.group }) } as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: o.arn ?? 'arn:aws:sqs:us-east-1:1:tasks',
    awsRegion: 'us-east-1',
  };
}

const FIFO_ARN = 'arn:aws:sqs:us-east-1:1:tasks.fifo';
const ctx = (ms = 30_000): Context => lambdaContext({ timeoutMs: ms });
const failuresOf = (r: Awaited<ReturnType<typeof processBatch>>) => r.response.batchItemFailures.map((f) => f.itemIdentifier);
const summaryOf = (l: MemoryLogger) => l.records.find((r) => r.msg === INVOCATION_DONE);

afterEach(() => {
  vi.useRealTimers();
});

describe('the batch response', () => {
  it('runs a message delivered twice once, and names it once', async () => {
    let runs = 0;
    const { d, publisher } = deps(async () => {
      runs++;
      return {};
    });
    publisher.refuse.add('m-1');
    const r = await processBatch({ Records: [rec('m-1', body(1)), rec('m-1', body(1)), rec('', body(2)), { ...rec('x', body(3)), messageId: undefined } as unknown as SQSRecord] }, ctx(), d, false);
    expect(runs).toBe(1);
    expect(failuresOf(r)).toEqual(['m-1']);
  });

  it('a FIFO group stops at its first undelivered result even if the publisher delivered a later one', async () => {
    // A publisher that does not hold a group's later results back.
    const sent: string[] = [];
    const naive: ResultPublisher = {
      async publish(items: readonly ResultItem[]) {
        for (const it of items) if (it.messageId !== 'a-1') sent.push(it.messageId);
        return new Set(['a-1']);
      },
    };
    const { d } = deps(echo, { publisher: naive });
    const records = [rec('a-1', body(1), { group: 'a', arn: FIFO_ARN }), rec('a-2', body(2), { group: 'a', arn: FIFO_ARN }), rec('b-1', body(3), { group: 'b', arn: FIFO_ARN })];
    const r = await processBatch({ Records: records }, ctx(), d, false);
    expect(sent).toEqual(['a-2', 'b-1']);
    expect(failuresOf(r)).toEqual(['a-1', 'a-2']);
  });

  it('a record without a queue ARN is FIFO by its group id: results carry the group', async () => {
    const { d, publisher } = deps();
    const noArn = (id: string, group: string) => ({ ...rec(id, body(1), { group }), eventSourceARN: undefined }) as unknown as SQSRecord;
    await processBatch({ Records: [noArn('g-1', 'g'), noArn('h-1', 'h')] }, ctx(), d, false);
    expect(publisher.items.map((i) => [i.messageId, i.groupId])).toEqual([
      ['g-1', 'g'],
      ['h-1', 'h'],
    ]);
    // A FIFO queue's record carries its group to the publisher; a standard queue's does not.
    const fifo = deps();
    await processBatch({ Records: [rec('f-1', body(1), { group: 'q', arn: FIFO_ARN })] }, ctx(), fifo.d, false);
    expect(fifo.publisher.items.map((i) => i.groupId)).toEqual(['q']);
    const std = deps();
    await processBatch({ Records: [rec('s-1', body(1), { group: 'q' })] }, ctx(), std.d, false);
    expect(std.publisher.items.map((i) => i.groupId)).toEqual([undefined]);
  });

  it('a runner that throws sends the record back, and says so', async () => {
    const { d, logger } = deps();
    d.registry = {
      get() {
        throw new TypeError('bug');
      },
    } as unknown as BatchDeps['registry'];
    const r = await processBatch({ Records: [rec('m-1', body(1))] }, ctx(), d, false);
    expect(failuresOf(r)).toEqual(['m-1']);
    expect(logger.records.find((l) => l.msg === 'task runner failed')).toEqual({ level: 'error', msg: 'task runner failed', message_id: 'm-1', error_type: 'TypeError' });
  });

  it('a publisher that throws sends every answered record back, and says so', async () => {
    const broken: ResultPublisher = {
      async publish() {
        throw new RangeError('down');
      },
    };
    const { d, logger } = deps(echo, { publisher: broken });
    const r = await processBatch({ Records: [rec('m-1', body(1)), rec('m-2', body(2))] }, ctx(), d, false);
    expect(failuresOf(r)).toEqual(['m-1', 'm-2']);
    expect(logger.records.find((l) => l.msg === 'results publisher failed')).toEqual({ level: 'error', msg: 'results publisher failed', error_type: 'RangeError' });
  });

  it('names the undelivered messages in a warning', async () => {
    const { d, logger, publisher } = deps();
    publisher.refuse.add('m-2');
    await processBatch({ Records: [rec('m-1', body(1)), rec('m-2', body(2))] }, ctx(), d, false);
    expect(logger.records.filter((l) => l.msg === 'results not delivered')).toEqual([{ level: 'warn', msg: 'results not delivered', count: 1, message_ids: 'm-2' }]);
  });
});

describe('the invocation', () => {
  it('runs tasks up to the configured concurrency at once', async () => {
    let inFlight = 0;
    let most = 0;
    const run: Action['run'] = async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return {};
    };
    const { d } = deps(run, { taskConcurrency: 3 });
    await processBatch({ Records: [1, 2, 3, 4, 5, 6].map((n) => rec(`m-${n}`, body(n))) }, ctx(), d, false);
    expect(most).toBe(3);
  });

  it('hands the actions one span budget for the batch, or none without a limit', async () => {
    const seen: ActionContext['spanBudget'][] = [];
    const run: Action['run'] = async (c) => {
      seen.push(c.spanBudget);
      return {};
    };
    const limited = deps(run, { policy: { allowedCommands: [], allowedPaths: [], maxSpansPerInvocation: 7 } });
    await processBatch({ Records: [rec('m-1', body(1)), rec('m-2', body(2))] }, ctx(), limited.d, false);
    expect(seen).toEqual([
      { remaining: 7, refused: 0 },
      { remaining: 7, refused: 0 },
    ]);
    expect(seen[0]).toBe(seen[1]);
    seen.length = 0;
    await processBatch({ Records: [rec('m-3', body(3))] }, ctx(), deps(run).d, false);
    expect(seen).toEqual([undefined]);
  });

  it('warns once when the span budget refused spans, and not when it refused none', async () => {
    const refuse: Action['run'] = async (c) => {
      if (c.spanBudget && c.task.inputs.n === 1) c.spanBudget.refused += 3;
      return {};
    };
    const policy = { allowedCommands: [], allowedPaths: [], maxSpansPerInvocation: 7 };
    const spent = deps(refuse, { policy });
    const r1 = await processBatch({ Records: [rec('m-1', body(1))] }, ctx(), spent.d, false);
    expect(spent.logger.records.filter((l) => l.msg === 'span budget spent')).toEqual([
      { level: 'warn', msg: 'span budget spent', refused: 3, budget: 7, request_id: expect.any(String) },
    ]);
    expect(r1.response.batchItemFailures).toEqual([]);
    const calm = deps(refuse, { policy });
    await processBatch({ Records: [rec('m-2', body(2))] }, ctx(), calm.d, false);
    expect(calm.logger.records.filter((l) => l.msg === 'span budget spent')).toEqual([]);
  });

  it('ends with one summary line: results delivered by kind, records sent back, and the span flush', async () => {
    const { d, logger, publisher, tracer } = deps();
    tracer.flushReport = { sent: 5, dropped: 2, bytes: 300, ms: 1, requests: 1, failure: 'timeout', sampledOut: 1 };
    publisher.refuse.add('m-4');
    const r = await processBatch({ Records: [rec('m-1', body(1)), rec('m-2', body(2)), rec('m-3', body(3, { fail: true })), rec('m-4', body(4, { fail: true }))] }, ctx(), d, true);
    expect(failuresOf(r)).toEqual(['m-4']);
    expect(summaryOf(logger)).toMatchObject({ level: 'info', cold_start: true, records: 4, retried: 1, tasks_succeeded: 2, tasks_failed: 1, spans_sent: 5, spans_dropped: 2, spans_sampled_out: 1, span_requests: 1, span_bytes: 300 });
    expect(logger.records.filter((l) => l.msg === 'span flush failed')).toEqual([{ level: 'warn', msg: 'span flush failed', failure: 'timeout', dropped: 2, request_id: expect.any(String) }]);
  });

  it('flushes spans while tasks run once enough are pending, and all of them before returning', async () => {
    const { d, tracer } = deps();
    tracer.pending = 2000;
    await processBatch({ Records: [rec('m-1', body(1))] }, ctx(), d, false);
    expect(tracer.flushes).toBe(2);
  });

  it("counts the invocation's time from the handler's entry: a task cut short after a late start is retried", async () => {
    vi.useFakeTimers();
    const never: Action['run'] = () => new Promise(() => {});
    const { d } = deps(never);
    const entered = Date.now();
    await vi.advanceTimersByTimeAsync(5000);
    // 2 s left: 1.2 s for tasks. Entered 5 s before the batch, the task did not have the whole window.
    const late = processBatch({ Records: [rec('m-1', body(1))] }, ctx(2000), d, false, entered);
    await vi.advanceTimersByTimeAsync(2000);
    expect(failuresOf(await late)).toEqual(['m-1']);
    // Entered just now: it had the whole window, and is answered as exceeding it.
    const fresh = deps(never);
    const now = processBatch({ Records: [rec('m-2', body(2))] }, ctx(2000), fresh.d, false, Date.now());
    await vi.advanceTimersByTimeAsync(2000);
    expect(failuresOf(await now)).toEqual([]);
    expect(fresh.publisher.items.map((i) => i.update.data.id)).toEqual(['fail_task']);
  });
});

describe('unversionedArn', () => {
  it('drops a version or alias qualifier, and keeps an unqualified ARN', () => {
    expect(unversionedArn('arn:aws:lambda:us-east-1:1:function:f:live')).toBe('arn:aws:lambda:us-east-1:1:function:f');
    expect(unversionedArn('arn:aws:lambda:us-east-1:1:function:f:7')).toBe('arn:aws:lambda:us-east-1:1:function:f');
    expect(unversionedArn('arn:aws:lambda:us-east-1:1:function:f')).toBe('arn:aws:lambda:us-east-1:1:function:f');
    expect(unversionedArn(undefined)).toBe('');
  });
});
