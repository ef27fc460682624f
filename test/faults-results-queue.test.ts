/**
 * A failing results queue turns undelivered results into batch item failures (SQS retries
 * the task; nothing is lost) and never makes the handler late. The queue is a tiny loopback
 * stub speaking the SQS JSON protocol, driven through the real SDK client the runtime builds
 * from RESULTS_QUEUE_URL and AWS_ENDPOINT_URL_SQS.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as sqsSdk from '@aws-sdk/client-sqs';
import { createSqsHandler } from '../src/tasks/sqs-handler.js';
import { PUBLISH_CONCURRENCY, sqsPublisher, type ResultItem } from '../src/tasks/publisher.js';
import { encodeResult, succeeded } from '../src/tasks/results.js';
import { loadConfig } from '../src/tasks/config.js';
import { context, MemoryLogger } from './helpers/stack.js';
import { event, rshellTask } from './faults-helpers.js';
import { SqsStub, type Mode, type StubRequest } from './helpers/sqs-stub.js';

/** A loopback URL nobody listens on (bound, noted, closed). */
async function closedPortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

/** A result for message `messageId` (of FIFO group `groupId`) whose stdout is `stdout`. */
function resultItem(messageId: string, groupId?: string, stdout = `${messageId}\n`): ResultItem {
  const update = succeeded({ taskId: `t-${messageId}`, jobId: 'j', fqn: 'com.datadoghq.remoteaction.rshell.runCommand' }, messageId, {
    exitCode: 0,
    stdout,
    stderr: '',
    sandboxWarnings: [],
  });
  return { messageId, groupId, update };
}

let stub: SqsStub;
let savedEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  stub = await new SqsStub().start();
  savedEnv = { ...process.env };
  Object.assign(process.env, { AWS_ENDPOINT_URL_SQS: stub.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
});
afterAll(async () => {
  process.env = savedEnv;
  await stub.close();
});
afterEach(() => {
  stub.reset();
});

function handlerFor(queueUrl: string, extra: Record<string, string> = {}) {
  const logger = new MemoryLogger();
  return { logger, handler: createSqsHandler(loadConfig({ RESULTS_QUEUE_URL: queueUrl, ...extra }), { logger }) };
}

async function runBatch(mode: Mode, remainingMs = 10_000, queueUrl = `${stub.endpoint}/000000000000/results`, tasks = 3) {
  stub.mode = mode;
  const { handler, logger } = handlerFor(queueUrl);
  const ev = event(Array.from({ length: tasks }, (_, i) => rshellTask(`echo task-${i}`)));
  const started = Date.now();
  const res = await handler(ev, context(remainingMs));
  return { res, took: Date.now() - started, ids: ev.Records.map((r) => r.messageId), logger };
}

describe('results queue faults', () => {
  it('delivers every result in one SendMessageBatch when the queue is healthy', async () => {
    const r = await runBatch('ok');
    expect(r.res).toEqual({ batchItemFailures: [] });
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0].target).toBe('AmazonSQS.SendMessageBatch');
    const bodies = stub.requests[0].entries.map((e) => JSON.parse(e.MessageBody));
    expect(bodies.map((b) => b.data.attributes.payload.outputs.stdout)).toEqual(['task-0\n', 'task-1\n', 'task-2\n']);
  });

  it.each([
    ['throttling (400 ThrottlingException)', 'throttle' as Mode],
    ['500 InternalError', 'server_error' as Mode],
    ['a 200 that is not SQS JSON', 'garbage' as Mode],
  ])('%s: every record goes back for retry', async (_n, mode) => {
    const r = await runBatch(mode);
    expect(r.res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(r.ids);
    expect(r.took).toBeLessThan(10_000);
    expect(stub.requests.length).toBeGreaterThanOrEqual(1);
    expect(r.logger.records.some((l) => l.msg === 'results not delivered' && l.count === 3)).toBe(true);
  });

  it('a time left that is not a multiple of 5 ms (a fractional publish deadline) still delivers every result', async () => {
    // Under 7.5 s left the publish reserve is 20 % of it: 2,999 ms makes a deadline 599.8 ms
    // after the tasks' end, and AbortSignal.timeout refuses a fraction (RangeError).
    const { handler } = handlerFor(`${stub.endpoint}/000000000000/results`);
    const ev = event([rshellTask('echo a'), rshellTask('echo b')]);
    const ctx = { ...context(2_999), getRemainingTimeInMillis: () => 2_999 };
    const res = await handler(ev, ctx);
    expect(res).toEqual({ batchItemFailures: [] });
    expect(stub.requests.map((q) => q.entries.length)).toEqual([2]);
  });

  it('a batch of many results is published with calls in parallel, up to a bound', async () => {
    // 95 results: 10 calls; at most PUBLISH_CONCURRENCY (8) answered at once.
    const r = await runBatch('slow', 10_000, undefined, 95);
    expect(r.res).toEqual({ batchItemFailures: [] });
    expect(stub.requests.map((q) => q.entries.length)).toEqual([...Array<number>(9).fill(10), 5]);
    expect(stub.maxInFlight).toBe(PUBLISH_CONCURRENCY);
    const delivered = stub.requests.flatMap((q) => q.entries.map((e) => JSON.parse(e.MessageBody).data.attributes.payload.outputs.stdout));
    expect(delivered.sort()).toEqual(Array.from({ length: 95 }, (_, i) => `task-${i}\n`).sort());
  });

  it('a throttle that clears on the SDK retry delivers everything', async () => {
    const r = await runBatch('throttle_once');
    expect(r.res).toEqual({ batchItemFailures: [] });
    expect(stub.requests).toHaveLength(2);
  });

  it('an entry SQS fails on its side is sent again, and its task answered now', async () => {
    const r = await runBatch('partial_once');
    expect(r.res).toEqual({ batchItemFailures: [] });
    expect(stub.requests.map((q) => q.entries.map((e) => JSON.parse(e.MessageBody).data.attributes.payload.outputs.stdout))).toEqual([
      ['task-0\n', 'task-1\n', 'task-2\n'],
      ['task-1\n'],
    ]);
  });

  it('an entry that keeps failing is sent three times, then exactly that record is retried', async () => {
    const r = await runBatch('partial');
    expect(r.res).toEqual({ batchItemFailures: [{ itemIdentifier: r.ids[1] }] });
    expect(stub.requests.map((q) => q.entries.length)).toEqual([3, 1, 1]);
    const line = r.logger.records.find((l) => l.msg === 'results not delivered');
    expect([line?.count, line?.message_ids]).toEqual([1, r.ids[1]]);
  });

  it('an entry refused as a sender fault is not sent again: its record is retried', async () => {
    const r = await runBatch('refused_entry');
    expect(r.res).toEqual({ batchItemFailures: [{ itemIdentifier: r.ids[1] }] });
    expect(stub.requests).toHaveLength(1);
  });

  it('makes no re-send whose pause would reach the publish deadline', async () => {
    const sends: number[] = [];
    const failAll = async (cmd: sqsSdk.SendMessageBatchCommand) => {
      sends.push(Date.now());
      return { Successful: [], Failed: (cmd.input.Entries ?? []).map((e) => ({ Id: e.Id!, SenderFault: false, Code: 'InternalError' })) };
    };
    const pub = sqsPublisher({ send: failAll } as unknown as sqsSdk.SQSClient, `${stub.endpoint}/000000000000/results`, sqsSdk);
    const started = Date.now();
    // Sent, 50 ms pause, sent again; the 200 ms pause would end past the deadline.
    const undelivered = await pub.publish([resultItem('m-1')], started + 150);
    expect([...undelivered]).toEqual(['m-1']);
    expect(sends).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(150);
  });

  describe('FIFO groups', () => {
    const fifoUrl = () => `${stub.endpoint}/000000000000/results.fifo`;
    const client = () => new sqsSdk.SQSClient({ endpoint: stub.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const sentIds = () => stub.requests.map((q) => q.entries.map((e) => JSON.parse(e.MessageBody).data.attributes.message_id));
    // 100 KB of output each: two results fill a 256 KiB SendMessageBatch call.
    const big = (id: string, group: string) => resultItem(id, group, 'x'.repeat(100_000) + `${id}\n`);

    it('holds back the later results of a group whose result was not delivered; other groups go on', async () => {
      stub.mode = 'refused_entry';
      stub.failing = 'a1\\n';
      const pub = sqsPublisher(client(), fifoUrl(), sqsSdk);
      const items = [big('a1', 'A'), big('b1', 'B'), big('a2', 'A'), big('b2', 'B'), big('a3', 'A')];
      const undelivered = await pub.publish(items, Date.now() + 10_000);
      // Calls of at most 256 KiB: [a1, b1], then [b2] (a2 held back), then nothing (a3 held back).
      expect(sentIds()).toEqual([['a1', 'b1'], ['b2']]);
      expect(stub.maxInFlight).toBe(1);
      expect([...undelivered].sort()).toEqual(['a1', 'a2', 'a3']);
      // Group and deduplication ids of the FIFO results queue.
      const first = stub.requests[0].entries as unknown as { MessageGroupId: string; MessageDeduplicationId: string }[];
      expect(first.map((e) => [e.MessageGroupId, e.MessageDeduplicationId])).toEqual([
        ['A', 'a1'],
        ['B', 'b1'],
      ]);
    });

    it('a group result delivered on a re-send does not stop its group', async () => {
      stub.mode = 'partial_once';
      stub.failing = 'a1\\n';
      const pub = sqsPublisher(client(), fifoUrl(), sqsSdk);
      const undelivered = await pub.publish([big('a1', 'A'), big('b1', 'B'), big('a2', 'A')], Date.now() + 10_000);
      expect(sentIds()).toEqual([['a1', 'b1'], ['a1'], ['a2']]);
      expect(undelivered.size).toBe(0);
    });
  });

  it('a result carrying its trace still fits SQS\'s 256 KiB, the _datadog attribute counted in', async () => {
    const pub = sqsPublisher(new sqsSdk.SQSClient({ endpoint: stub.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }), `${stub.endpoint}/000000000000/results`, sqsSdk);
    const trace = { traceId: 18446744073709551615n, spanId: 9223372036854775809n, samplingPriority: -1 };
    // The first result is cut to fit with its attribute; the next two have bodies that fit one
    // call together (50 bytes to spare), but not with their attributes.
    const half = (256 * 1024 - 50) / 2 - Buffer.byteLength(encodeResult(resultItem('m-2', undefined, '').update));
    const items = [
      { ...resultItem('m-1', undefined, 'x'.repeat(300_000)), trace },
      { ...resultItem('m-2', undefined, 'y'.repeat(half)), trace },
      { ...resultItem('m-3', undefined, 'z'.repeat(half)), trace },
    ];
    expect(await pub.publish(items, Date.now() + 10_000)).toEqual(new Set());
    const sqsSize = (e: StubRequest['entries'][number]) =>
      Buffer.byteLength(e.MessageBody) + Object.entries(e.MessageAttributes ?? {}).reduce((n, [k, a]) => n + k.length + a.DataType.length + Buffer.byteLength(a.StringValue), 0);
    expect(stub.requests.map((q) => q.entries.length)).toEqual([1, 1, 1]);
    for (const q of stub.requests) {
      const [e] = q.entries;
      expect(JSON.parse(e.MessageAttributes!._datadog.StringValue)).toEqual({
        'x-datadog-trace-id': '18446744073709551615',
        'x-datadog-parent-id': '9223372036854775809',
        'x-datadog-sampling-priority': '-1',
      });
      expect(sqsSize(e)).toBeLessThanOrEqual(256 * 1024);
    }
    // The cut one is as large as the limit allows with its attribute, not a byte more.
    expect(sqsSize(stub.requests[0].entries[0])).toBeGreaterThan(256 * 1024 - 128);
    expect(JSON.parse(stub.requests[0].entries[0].MessageBody).data.attributes.payload.outputs.truncated).toBe(true);
  });

  it('a hung queue is abandoned at the publish deadline, records retried, handler in time', async () => {
    const r = await runBatch('hang', 4_000);
    expect(r.res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(r.ids);
    expect(r.took).toBeLessThan(4_000);
  });

  it('a refused connection retries every record', async () => {
    const closed = await closedPortUrl();
    process.env.AWS_ENDPOINT_URL_SQS = closed;
    try {
      const r = await runBatch('ok', 10_000, `${closed}/000000000000/results`);
      expect(r.res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(r.ids);
      expect(r.took).toBeLessThan(10_000);
      expect(stub.requests).toHaveLength(0);
    } finally {
      process.env.AWS_ENDPOINT_URL_SQS = stub.endpoint;
    }
  });

  it('one container: ten results in one request, then a failing queue retries only the new record', async () => {
    stub.mode = 'ok';
    const { handler } = handlerFor(`${stub.endpoint}/000000000000/results`);
    const ev = event(Array.from({ length: 10 }, (_, i) => rshellTask(`echo r${i}`)));
    // Lambda batches hold at most 10; two invocations back to back on one container.
    const first = await handler(ev, context(10_000));
    expect(first).toEqual({ batchItemFailures: [] });
    stub.mode = 'server_error';
    const ev2 = event([rshellTask('echo again')]);
    const second = await handler(ev2, context(10_000));
    expect(second.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([ev2.Records[0].messageId]);
    expect(stub.requests[0].entries).toHaveLength(10);
  });

  it('sends the last span request while the results are being published, and returns after both', async () => {
    let intakeSeen!: () => void;
    const seen = new Promise<void>((r) => (intakeSeen = r));
    const intakeBodies: string[] = [];
    const intake = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        intakeBodies.push(Buffer.concat(chunks).toString());
        intakeSeen();
        res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => intake.listen(0, '127.0.0.1', () => r()));
    try {
      // The queue answers only once the spans have reached the intake (or after 3 s, which
      // is what a publish-then-flush order would come to).
      let answeredAfter: string | undefined;
      stub.mode = 'hold';
      stub.hold = Promise.race([seen.then(() => 'spans at the intake'), new Promise((r) => setTimeout(() => r('3 s'), 3_000))]).then(
        (what) => (answeredAfter = what as string),
      );
      const intakeUrl = `http://127.0.0.1:${(intake.address() as AddressInfo).port}/api/v2/apmtelemetry`;
      const { handler, logger } = handlerFor(`${stub.endpoint}/000000000000/results`, { DD_API_KEY: 'k', DD_TRACE_INTAKE_URL: intakeUrl });
      const ev = event([rshellTask('echo a'), rshellTask('echo b')]);
      const res = await handler(ev, context(10_000));
      expect(answeredAfter).toBe('spans at the intake');
      expect(res).toEqual({ batchItemFailures: [] });
      expect(stub.requests).toHaveLength(1);
      expect(stub.requests[0].entries).toHaveLength(2);
      // Both tasks' spans (action.run, run, command each) in the request that overlapped.
      expect(intakeBodies).toHaveLength(1);
      expect(intakeBodies[0].match(/"name":"action.run"/g)).toHaveLength(2);
      expect(intakeBodies[0].match(/"name":"command"/g)).toHaveLength(2);
      expect(logger.records.find((l) => l.msg === 'span flush failed')).toBeUndefined();
    } finally {
      intake.closeAllConnections();
      await new Promise<void>((r) => intake.close(() => r()));
    }
  });

  it('a hung queue and a hung intake together still leave the handler in time', async () => {
    const hung: ServerResponse[] = [];
    const intake = createServer((_req, res) => void hung.push(res));
    await new Promise<void>((r) => intake.listen(0, '127.0.0.1', () => r()));
    try {
      stub.mode = 'hang';
      const intakeUrl = `http://127.0.0.1:${(intake.address() as AddressInfo).port}/api/v2/apmtelemetry`;
      const { handler, logger } = handlerFor(`${stub.endpoint}/000000000000/results`, { DD_API_KEY: 'k', DD_TRACE_INTAKE_URL: intakeUrl });
      const ev = event([rshellTask('echo a'), rshellTask('echo b')]);
      const started = Date.now();
      const res = await handler(ev, context(2_500));
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(ev.Records.map((r) => r.messageId));
      expect(logger.records.find((l) => l.msg === 'span flush failed')?.failure).toBe('timeout');
    } finally {
      for (const r of hung) r.destroy();
      intake.closeAllConnections();
      await new Promise<void>((r) => intake.close(() => r()));
    }
  });
});

