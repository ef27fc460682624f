/**
 * The soak: N tasks through the local stack (loopback SQS server with a redrive policy, one
 * event-source poller per simulated container, the real handler publishing to the results
 * queue with the real SDK client), with a few poison tasks whose result can never be
 * delivered (they must end in the dead-letter queue) and a few that fail (answered, not
 * retried). It accounts for every task, samples resident memory after the first thousand
 * answers and at the end, and checks that sequential invocations of one container leave no
 * handle or listener behind. `npm run soak` runs 10,000; test/soak-short.test.ts runs 500.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as sqsSdk from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { createSqsHandler, type BatchHandler } from '../src/tasks/sqs-handler.js';
import { LocalEventSource } from '../src/local/event-source.js';
import { lambdaContext } from '../src/local/lambda-context.js';
import { LOCAL_AWS, type LocalQueues } from '../src/local/sqs-server.js';
import { taskBody } from '../src/producer/task.js';
import { loadConfig } from '../src/tasks/config.js';
import type { Logger } from '../src/tasks/log.js';
import { sqsPublisher, type ResultPublisher } from '../src/tasks/publisher.js';
import type { TaskUpdate } from '../src/tasks/results.js';

export interface SoakOptions {
  tasks: number;
  /** Simulated containers, each invoked by its own poller (concurrent invocations). */
  containers: number;
  /** Every n-th task is poison (its result is never delivered): it must reach the DLQ. 0 = none. */
  poisonEvery: number;
  /** Every n-th task fails to parse: answered with fail_task, never retried. 0 = none. */
  failEvery: number;
  maxReceiveCount: number;
  /** Give up after this long. */
  limitMs: number;
  progress?: (line: string) => void;
}

export interface SoakReport {
  tasks: number;
  expectedAnswers: number;
  expectedPoison: number;
  answered: number;
  failedAnswers: number;
  duplicates: number;
  missing: string[];
  deadLettered: number;
  unexpectedDeadLetters: string[];
  answeredPoison: string[];
  invocations: number;
  retriedRecords: number;
  handlerErrors: number;
  ms: number;
  tasksPerSecond: number;
  invokeP50Ms: number;
  invokeP99Ms: number;
  rssAfterFirst1000: number;
  rssEnd: number;
  rssGrowthPct: number;
  heapAfterFirst1000: number;
  heapEnd: number;
  leaks: LeakReport;
}

export interface LeakReport {
  invocations: number;
  /** Active resources (by type) after the warm-up invocation and after the last one. */
  resourcesWarm: Record<string, number>;
  resourcesEnd: Record<string, number>;
  listenersWarm: number;
  listenersEnd: number;
  leaked: string[];
}

/** An intake that reads and discards: span volume without the in-process decoding cost. */
async function startSink(): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => res.writeHead(202, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/apmtelemetry`,
    requests: () => requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const quietLogger: Logger = { log: () => undefined };

/** Poison tasks' results are reported undelivered, every time: SQS must dead-letter them. */
function poisoning(inner: ResultPublisher): ResultPublisher {
  return {
    async publish(items, deadline, abortAt) {
      const poison = items.filter((i) => i.update.data.attributes.task_id.startsWith('poison-'));
      const failed = await inner.publish(items.filter((i) => !poison.includes(i)), deadline, abortAt);
      for (const p of poison) failed.add(p.messageId);
      return failed;
    },
  };
}

function taskFor(i: number, o: SoakOptions): { id: string; body: string; kind: 'ok' | 'fail' | 'poison' } {
  const kind = o.poisonEvery && i % o.poisonEvery === o.poisonEvery - 1 ? 'poison' : o.failEvery && i % o.failEvery === o.failEvery - 1 ? 'fail' : 'ok';
  const id = `${kind === 'poison' ? 'poison' : 'task'}-${i}`;
  const command = kind === 'fail' ? 'echo $(' : `echo ${id}; printf '%s\\n' line-${i % 97} | tr a-z A-Z`;
  return { id, kind, body: taskBody({ id, jobId: `soak-job-${i % 50}`, inputs: { command }, allowedCommands: ['rshell:echo', 'rshell:printf', 'rshell:tr'], allowedPaths: ['/tmp'] }) };
}

const gc = (globalThis as { gc?: () => void }).gc;
function settledMemory(): { rss: number; heap: number } {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const log = o.progress ?? (() => undefined);
  const sink = await startSink();
  const queues = await startQueueProcess(o.maxReceiveCount);
  const t0 = Date.now();
  try {
    const tasks = Array.from({ length: o.tasks }, (_, i) => taskFor(i, o));
    const expectedPoison = new Set(tasks.filter((t) => t.kind === 'poison').map((t) => t.id));
    await enqueue(queues, tasks.map((t) => t.body));
    log(`enqueued ${tasks.length} tasks in ${Date.now() - t0} ms`);

    const answers = new Map<string, number>();
    let failedAnswers = 0;
    const deadLettered = new Set<string>();
    let invocations = 0;
    let retriedRecords = 0;
    let handlerErrors = 0;
    const invokeMs: number[] = [];
    let first1000: { rss: number; heap: number } | undefined;

    const handlers: BatchHandler[] = Array.from({ length: o.containers }, () =>
      createSqsHandler(loadConfig({ DD_API_KEY: 'soak-key', DD_TRACE_INTAKE_URL: sink.url, TASK_CONCURRENCY: '4' }), {
        logger: quietLogger,
        publisher: poisoning(sqsPublisher(queues.client, queues.resultsQueueUrl, sqsSdk)),
      }),
    );
    const sources = handlers.map(
      (handler) =>
        new LocalEventSource({
          client: queues.client,
          queueUrl: queues.taskQueueUrl,
          queueArn: queues.taskQueueArn,
          batchSize: 10,
          invoke: async (event: SQSEvent) => {
            const s = performance.now();
            const res = await handler(event, lambdaContext({ timeoutMs: 30_000 }));
            invokeMs.push(performance.now() - s);
            return res;
          },
          onBatch: (b) => {
            invocations++;
            retriedRecords += b.failed;
            if (b.error) handlerErrors++;
          },
        }).start(),
    );

    const done = () => answers.size + deadLettered.size >= o.tasks;
    let lastLog = Date.now();
    while (!done() && Date.now() - t0 < o.limitMs) {
      const [r1, r2, r3, dead] = await Promise.all([
        receiveAll(queues, queues.resultsQueueUrl),
        receiveAll(queues, queues.resultsQueueUrl),
        receiveAll(queues, queues.resultsQueueUrl),
        receiveAll(queues, queues.deadLetterQueueUrl),
      ]);
      for (const body of [...r1, ...r2, ...r3]) {
        const u = JSON.parse(body) as TaskUpdate;
        const id = u.data.attributes.task_id;
        answers.set(id, (answers.get(id) ?? 0) + 1);
        if (u.data.id === 'fail_task') failedAnswers++;
      }
      for (const body of dead) deadLettered.add(JSON.parse(body).data.id as string);
      if (!first1000 && answers.size >= Math.min(1000, o.tasks)) first1000 = settledMemory();
      if (Date.now() - lastLog > 5_000) {
        lastLog = Date.now();
        log(`${answers.size} answered, ${deadLettered.size} dead-lettered, ${invocations} invocations, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
      }
    }
    await Promise.all(sources.map((s) => s.stop()));
    const end = settledMemory();
    const ms = Date.now() - t0;

    const ids = tasks.map((t) => t.id);
    const sorted = [...invokeMs].sort((a, b) => a - b);
    const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : 0);
    const base = first1000 ?? end;
    return {
      tasks: o.tasks,
      expectedAnswers: o.tasks - expectedPoison.size,
      expectedPoison: expectedPoison.size,
      answered: answers.size,
      failedAnswers,
      duplicates: [...answers.values()].filter((n) => n > 1).length,
      missing: ids.filter((id) => !answers.has(id) && !deadLettered.has(id)),
      deadLettered: deadLettered.size,
      unexpectedDeadLetters: [...deadLettered].filter((id) => !expectedPoison.has(id)),
      answeredPoison: [...expectedPoison].filter((id) => answers.has(id)),
      invocations,
      retriedRecords,
      handlerErrors,
      ms,
      tasksPerSecond: Math.round((o.tasks / ms) * 1000),
      invokeP50Ms: Math.round(pct(0.5)),
      invokeP99Ms: Math.round(pct(0.99)),
      rssAfterFirst1000: base.rss,
      rssEnd: end.rss,
      rssGrowthPct: Math.round(((end.rss - base.rss) / base.rss) * 1000) / 10,
      heapAfterFirst1000: base.heap,
      heapEnd: end.heap,
      leaks: await probeLeaks(sink.url, 60),
    };
  } finally {
    await queues.close();
    await sink.close();
  }
}

/** The loopback SQS server in a child process (see soak-queue-server.ts). */
async function startQueueProcess(maxReceiveCount: number): Promise<LocalQueues> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./soak-queue-server.ts', import.meta.url).pathname, String(maxReceiveCount)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let buf = '';
  child.stdout.setEncoding('utf8');
  const line = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`queue server exited with ${code}`)));
    child.stdout.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
  });
  child.removeAllListeners('exit');
  child.stdout.removeAllListeners('data');
  child.stdout.resume();
  const c = JSON.parse(line) as Omit<LocalQueues, 'client' | 'close'>;
  const client = new sqsSdk.SQSClient({ ...LOCAL_AWS, endpoint: c.endpoint, maxAttempts: 1 });
  return {
    ...c,
    client,
    async close() {
      client.destroy();
      child.stdin.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

async function enqueue(q: LocalQueues, bodies: string[]): Promise<void> {
  const chunks: string[][] = [];
  for (let i = 0; i < bodies.length; i += 10) chunks.push(bodies.slice(i, i + 10));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++];
      await q.client.send(new sqsSdk.SendMessageBatchCommand({ QueueUrl: q.taskQueueUrl, Entries: chunk.map((b, j) => ({ Id: String(j), MessageBody: b })) }));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** One receive of up to 10 messages, deleted right away. */
async function receiveAll(q: LocalQueues, url: string): Promise<string[]> {
  const r = await q.client.send(new sqsSdk.ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  const msgs = r.Messages ?? [];
  if (msgs.length) {
    await q.client.send(new sqsSdk.DeleteMessageBatchCommand({ QueueUrl: url, Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  } else {
    await new Promise((r) => setTimeout(r, 20));
  }
  return msgs.map((m) => m.Body ?? '');
}

function resourceCounts(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

function listenerTotal(): number {
  return process.eventNames().reduce((n, e) => n + process.listenerCount(e), 0);
}

/**
 * Sequential invocations of one container (what Lambda does between freezes): after the
 * warm-up invocation, the process's active handles, requests and listeners must not grow.
 */
export async function probeLeaks(intakeUrl: string, invocations: number): Promise<LeakReport> {
  const memory: ResultPublisher = { publish: async () => new Set() };
  const handler = createSqsHandler(loadConfig({ DD_API_KEY: 'soak-key', DD_TRACE_INTAKE_URL: intakeUrl, TASK_CONCURRENCY: '4' }), { logger: quietLogger, publisher: memory });
  const batch = (k: number): SQSEvent => ({
    Records: Array.from({ length: 10 }, (_, i) => ({
      messageId: `leak-${k}-${i}`,
      receiptHandle: 'r',
      body: taskBody({ id: `leak-${k}-${i}`, inputs: { command: `echo ${i} | tr 0-9 a-j; cat /tmp/.soak-missing 2>/dev/null; true` }, allowedCommands: ['rshell:echo', 'rshell:tr', 'rshell:cat', 'rshell:true'], allowedPaths: ['/tmp'] }),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 's', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:soak',
      awsRegion: 'us-east-1',
    })),
  });
  const settle = () => new Promise((r) => setTimeout(r, 50));
  await handler(batch(0), lambdaContext({ timeoutMs: 30_000 }));
  await settle();
  const resourcesWarm = resourceCounts();
  const listenersWarm = listenerTotal();
  for (let k = 1; k < invocations; k++) await handler(batch(k), lambdaContext({ timeoutMs: 30_000 }));
  await settle();
  const resourcesEnd = resourceCounts();
  const listenersEnd = listenerTotal();
  const leaked = Object.entries(resourcesEnd)
    .filter(([k, n]) => n > (resourcesWarm[k] ?? 0))
    .map(([k, n]) => `${k}: ${resourcesWarm[k] ?? 0} → ${n}`);
  if (listenersEnd > listenersWarm) leaked.push(`process listeners: ${listenersWarm} → ${listenersEnd}`);
  return { invocations, resourcesWarm, resourcesEnd, listenersWarm, listenersEnd, leaked };
}
