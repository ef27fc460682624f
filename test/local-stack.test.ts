/**
 * The queue-driven pipeline on loopback, end to end: tasks enqueued with the SDK travel
 * through a local SQS server and an event-source poller with Lambda's batch semantics into
 * the real handler; results come back on the results queue, traces reach the local intake,
 * a poison message is dead-lettered after the redrive limit, and nothing is lost.
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
import type { SuccessPayload } from '../src/tasks/results.js';
import { startLocalIntake, type LocalIntake } from '../src/tracing/local-intake.js';
import { drainQueue, drainResults, MemoryLogger } from './helpers/stack.js';

let queues: LocalQueues;
let intake: LocalIntake;
let source: LocalEventSource;
const batches: { records: number; deleted: number; failed: number }[] = [];

beforeAll(async () => {
  queues = await startLocalQueues({ prefix: 'e2e', maxReceiveCount: 5, visibilityTimeout: 1 });
  intake = await startLocalIntake();
  const handler = createSqsHandler(
    loadConfig({ DD_API_KEY: 'test-key', DD_TRACE_INTAKE_URL: intake.url, RESULTS_QUEUE_URL: queues.resultsQueueUrl }),
    { logger: new MemoryLogger(), publisher: sqsPublisher(queues.client, queues.resultsQueueUrl, sqs) },
  );
  source = new LocalEventSource({
    client: queues.client,
    queueUrl: queues.taskQueueUrl,
    queueArn: queues.taskQueueArn,
    batchSize: 10,
    batchingWindowMs: 200,
    // A short invocation: the poison task below can never finish inside it. Long enough that
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
  // Never finishes within an invocation, so it is retried until the redrive limit.
  const words = Array.from({ length: 200 }, (_, i) => i).join(' ');
  const poison = await enqueueTask(queues.client, queues.taskQueueUrl, {
    id: 'poison',
    inputs: { command: `for a in ${words}; do for b in ${words}; do for c in ${words}; do true; done; done; done`, timeout: 600 },
    allowedCommands: ['rshell:true'],
  });

  const results = await drainResults(queues, N, 30_000);
  const dead = await drainQueue(queues, queues.deadLetterQueueUrl, 1, 60_000);
  // The emulator may dead-letter while the last delivery is still running: let it finish.
  await source.stop();

  // Exactly one result per task, each correct.
  const byTask = new Map(results.map((r) => [r.data.attributes.task_id, r]));
  expect(results).toHaveLength(N);
  expect(byTask.size).toBe(N);
  for (let i = 0; i < N; i++) {
    const r = byTask.get(`e2e-${i}`)!;
    expect(r.data.id).toBe('succeed_task');
    expect((r.data.attributes.payload as SuccessPayload).outputs).toMatchObject({ exitCode: 0, stdout: `TASK ${i}\n` });
  }
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
  expect(poisonRuns.every((s) => s.trace_id === poison.traceId && s.meta['error.type'] === 'TimeoutError')).toBe(true);
  expect(batches.some((b) => b.failed > 0)).toBe(true);
}, 120_000);
