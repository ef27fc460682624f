/**
 * The queue-driven pipeline on loopback, end to end: tasks enqueued with the SDK travel
 * through a local SQS server and an event-source poller with Lambda's batch semantics into
 * the real handler; results come back on the results queue, traces reach the local intake,
 * a never-ending task is answered (it had the invocation's whole window: a retry could not
 * give it more), a poison message is dead-lettered after the redrive limit, and nothing is
 * lost.
 */
import * as sqs from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSqsHandler } from '../src/tasks/sqs-handler.js';
import { LocalEventSource } from '../src/local/event-source.js';
import { lambdaContext } from '../src/local/lambda-context.js';
import { startLocalQueues, type LocalQueues } from '../src/local/sqs-server.js';
import { enqueueTask, type Enqueued } from '../src/producer/enqueue.js';
import { loadConfig } from '../src/tasks/config.js';
import { sqsPublisher } from '../src/tasks/publisher.js';
import type { ResultPublisher } from '../src/tasks/publisher.js';
import type { FailurePayload, SuccessPayload } from '../src/tasks/results.js';
import { WHOLE_WINDOW_FAILURE } from './faults-helpers.js';
import { startLocalIntake, type LocalIntake } from '../src/tracing/local-intake.js';
import { drainQueue, drainResults, MemoryLogger } from './helpers/stack.js';

let queues: LocalQueues;
let intake: LocalIntake;
let source: LocalEventSource;
const batches: { records: number; deleted: number; failed: number }[] = [];

beforeAll(async () => {
  queues = await startLocalQueues({ prefix: 'e2e', maxReceiveCount: 5, visibilityTimeout: 1 });
  intake = await startLocalIntake();
  // The results queue takes every result but the poison task's, every time: its message can
  // never be answered, so SQS redelivers it until the redrive limit.
  const real = sqsPublisher(queues.client, queues.resultsQueueUrl, sqs);
  const publisher: ResultPublisher = {
    async publish(items, deadline, abortAt) {
      const refused = items.filter((i) => i.update.data.attributes.task_id === 'poison').map((i) => i.messageId);
      const undelivered = await real.publish(items.filter((i) => !refused.includes(i.messageId)), deadline, abortAt);
      return new Set([...undelivered, ...refused]);
    },
  };
  const handler = createSqsHandler(
    loadConfig({ DD_API_KEY: 'test-key', DD_TRACE_INTAKE_URL: intake.url, RESULTS_QUEUE_URL: queues.resultsQueueUrl }),
    { logger: new MemoryLogger(), publisher },
  );
  source = new LocalEventSource({
    client: queues.client,
    queueUrl: queues.taskQueueUrl,
    queueArn: queues.taskQueueArn,
    batchSize: 10,
    batchingWindowMs: 200,
    // A short invocation: the endless task below can never finish inside it. Long enough that
    // flushing its 10,000-span trace to this in-process intake fits the flush reserve.
    invoke: (event) => handler(event, lambdaContext({ timeoutMs: 5000 })),
    onBatch: (b) => batches.push(b),
  }).start();
});

afterAll(async () => {
  await source?.stop();
  await intake?.close();
  await queues?.close();
});

it('answers every task once, dead-letters the poison message, and loses nothing', async () => {
  const N = 12;
  const sent: Enqueued[] = [];
  for (let i = 0; i < N; i++) {
    sent.push(
      await enqueueTask(queues.client, queues.taskQueueUrl, {
        id: `e2e-${i}`,
        inputs: { command: `echo task ${i} | tr a-z A-Z` },
        allowedCommands: ['rshell:echo', 'rshell:tr'],
      }),
    );
  }
  // Never finishes within an invocation: answered once it runs with the invocation's whole
  // window (a delivery where it started late, behind other tasks, is retried).
  const words = Array.from({ length: 200 }, (_, i) => i).join(' ');
  const endless = await enqueueTask(queues.client, queues.taskQueueUrl, {
    id: 'endless',
    inputs: { command: `for a in ${words}; do for b in ${words}; do for c in ${words}; do true; done; done; done`, timeout: 600 },
    allowedCommands: ['rshell:true'],
  });
  sent.push(endless);
  // Runs fine, but its result is never delivered (the publisher above): retried until the redrive limit.
  const poison = await enqueueTask(queues.client, queues.taskQueueUrl, {
    id: 'poison',
    inputs: { command: 'echo poison' },
    allowedCommands: ['rshell:echo'],
  });

  const results = await drainResults(queues, N + 1, 30_000);
  const dead = await drainQueue(queues, queues.deadLetterQueueUrl, 1, 60_000);
  // The emulator may dead-letter while the last delivery is still running: let it finish.
  await source.stop();

  // Exactly one result per task, each correct.
  const byTask = new Map(results.map((r) => [r.data.attributes.task_id, r]));
  expect(results).toHaveLength(N + 1);
  expect(byTask.size).toBe(N + 1);
  for (let i = 0; i < N; i++) {
    const r = byTask.get(`e2e-${i}`)!;
    expect(r.data.id).toBe('succeed_task');
    expect((r.data.attributes.payload as SuccessPayload).outputs).toMatchObject({ exitCode: 0, stdout: `TASK ${i}\n` });
  }
  const cut = byTask.get('endless')!;
  expect([cut.data.id, (cut.data.attributes.payload as FailurePayload).error_code]).toEqual(['fail_task', 'INTERNAL_ERROR']);
  const m = WHOLE_WINDOW_FAILURE.exec((cut.data.attributes.payload as FailurePayload).error_details);
  expect(m).not.toBeNull();
  expect(m![2]).toBe('600');
  // The poison message is in the DLQ after maxReceiveCount deliveries, with no result.
  expect(dead).toHaveLength(1);
  expect(JSON.parse(dead[0]).data.id).toBe('poison');
  expect(byTask.has('poison')).toBe(false);
  // Nothing lost: results + dead letters = enqueued.
  expect(results.length + dead.length).toBe(sent.length + 1);

  // Every task's trace continued the producer's context from the _datadog attribute.
  const rejected = intake.requests().filter((r) => r.status >= 300).map((r) => `${r.status} ${r.reason} ${r.body.subarray(0, 300).toString()}`);
  expect(rejected).toEqual([]);
  const runs = intake.spans().filter((s) => s.name === "action.run");
  for (const e of sent) {
    const span = runs.find((s) => s.meta.task_id === e.taskId);
    expect(span, e.taskId).toBeDefined();
    expect(span!.trace_id).toBe(e.traceId);
    expect(span!.parent_id).toBe(e.parentId);
  }
  const poisonRuns = runs.filter((s) => s.meta.task_id === 'poison');
  // One span per delivery of the poison message, each continuing the producer's trace and
  // carrying the receive count SQS reported (1, 2, 3, …). How many deliveries precede the
  // redrive depends on the emulator's timing (real SQS: exactly maxReceiveCount = 5).
  const counts = poisonRuns.map((s) => s.metrics['sqs.receive_count']).sort((a, b) => a - b);
  expect(counts.length).toBeGreaterThanOrEqual(4);
  expect(counts).toEqual(Array.from({ length: counts.length }, (_, i) => i + 1));
  expect(poisonRuns.every((s) => s.trace_id === poison.traceId)).toBe(true);
  // The endless task ran until the invocation's deadline, once or, after a late start, again.
  const endlessRuns = runs.filter((s) => s.meta.task_id === 'endless');
  expect(endlessRuns.length).toBeGreaterThanOrEqual(1);
  expect(endlessRuns.every((s) => s.trace_id === endless.traceId && s.meta['error.type'] === 'TimeoutError')).toBe(true);
  expect(batches.some((b) => b.failed > 0)).toBe(true);
}, 120_000);
