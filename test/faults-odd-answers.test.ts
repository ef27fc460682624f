/**
 * Answers nobody expects, on the task path: SendMessageBatch responses that do not account for
 * every entry, invocation contexts whose remaining time is not a sane number, and stored keys
 * whose read hangs at cold start. Each record must still end as exactly one delivered result
 * or one batch item failure, and the handler must return before the invocation's deadline.
 */
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sqsSdk from '@aws-sdk/client-sqs';
import { createSqsHandler } from '../src/tasks/sqs-handler.js';
import { sqsPublisher, type ResultItem } from '../src/tasks/publisher.js';
import { succeeded } from '../src/tasks/results.js';
import { loadConfig } from '../src/tasks/config.js';
import { undeliveredLines } from '../src/tasks/batch.js';
import { context, fixture, MemoryLogger, MemoryPublisher, trustedKeysJson } from './helpers/stack.js';
import { event, rshellTask } from './faults-helpers.js';
import { okEntry as ok, SqsStub } from './helpers/sqs-stub.js';

type Answer = SqsStub['answer'];

const refused = (Id: string, SenderFault?: boolean) => ({ Id, Code: 'InternalError', Message: 'x', ...(SenderFault === undefined ? {} : { SenderFault }) });
/** Message ids of the results each call carried. */
const callsOf = (q: SqsStub) => q.requests.map((r) => r.entries.map((e) => JSON.parse(e.MessageBody).data.attributes.message_id as string));

let queue: SqsStub;
let savedEnv: NodeJS.ProcessEnv;
beforeAll(async () => {
  queue = await new SqsStub().start();
  queue.mode = 'answer';
  savedEnv = { ...process.env };
  Object.assign(process.env, { AWS_ENDPOINT_URL_SQS: queue.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
});
afterAll(async () => {
  process.env = savedEnv;
  await queue.close();
});

/** Three echo tasks through a handler publishing to the odd queue; what came back, and the calls made. */
async function run(answer: Answer = (entries) => ({ Successful: entries.map(ok), Failed: [] }), ctx: Context = context(10_000)) {
  queue.answer = answer;
  queue.requests = [];
  queue.delayMs = 0;
  const logger = new MemoryLogger();
  const handler = createSqsHandler(loadConfig({ RESULTS_QUEUE_URL: `${queue.endpoint}/000000000000/results` }), { logger });
  const ev = event([rshellTask('echo a'), rshellTask('echo b'), rshellTask('echo c')]);
  const ids = ev.Records.map((r) => r.messageId);
  const t0 = Date.now();
  const res = await handler(ev, ctx);
  const started = logger.records.filter((l) => l.msg === 'task started').length;
  return { ids, took: Date.now() - t0, retried: res.batchItemFailures.map((f) => f.itemIdentifier), calls: callsOf(queue), started };
}

describe('SendMessageBatch answers that do not account for every entry', () => {
  // [case, answer, indexes of the records that must be retried]
  const cases: [string, Answer, number[]][] = [
    ['neither list (a 200 of {})', () => ({}), [0, 1, 2]],
    ['empty lists', () => ({ Successful: [], Failed: [] }), [0, 1, 2]],
    ['one Id missing from both lists', (es) => ({ Successful: es.slice(1).map(ok), Failed: [] }), [0]],
    // Ids are strings: " 2" and "02" name no entry of the call (read as numbers, they named entry 2).
    ['a sender fault under " 2" besides every entry Successful', (es) => ({ Successful: es.map(ok), Failed: [refused(' 2', true)] }), []],
    ['a sender fault under "02" besides every entry Successful', (es) => ({ Successful: es.map(ok), Failed: [refused('02', true)] }), []],
  ];
  it.each(cases)('%s: exactly the unconfirmed records are retried', async (_name, answer, retried) => {
    const r = await run(answer);
    expect(r.retried).toEqual(retried.map((i) => r.ids[i]));
  });

  // What held before this review, kept as a table.
  const held: [string, Answer, number[]][] = [
    ['an Id in both lists (sender fault)', (es) => ({ Successful: es.map(ok), Failed: [refused(es[1]!.Id, true)] }), [1]],
    ['an unknown Id in Failed besides every entry Successful', (es) => ({ Successful: es.map(ok), Failed: [refused('99', true)] }), []],
    ['a failure without SenderFault (not sent again)', (es) => ({ Successful: es.slice(0, 2).map(ok), Failed: [refused(es[2]!.Id)] }), [2]],
  ];
  it.each(held)('%s', async (_name, answer, retried) => {
    const r = await run(answer);
    expect(r.retried).toEqual(retried.map((i) => r.ids[i]));
    expect(r.calls).toHaveLength(1);
  });
});

describe('a context whose remaining time is not a sane number', () => {
  const odd = (ms: number): Context => ({ ...context(10_000), getRemainingTimeInMillis: () => ms });

  // Lambda gives at most 15 minutes; more than 2^32 ms overflowed the publish call's timeout
  // (a RangeError): the tasks ran, their results were never sent, and they were retried, to run again.
  it.each([1e12, Infinity, 2 ** 53])('%s ms left: the tasks are answered', async (ms) => {
    const r = await run(undefined, odd(ms));
    expect(r.retried).toEqual([]);
    expect(r.calls).toEqual([r.ids]);
  });

  // Unknown time left is no time left: nothing is started (before, NaN ran every task, with
  // 1 ms timers, and sent no result), everything is retried.
  it.each([NaN, 0, -1, -Infinity])('%s ms left: nothing runs, every record is retried', async (ms) => {
    const r = await run(undefined, odd(ms));
    expect(r.retried).toEqual(r.ids);
    expect(r.started).toBe(0);
    expect(r.calls).toEqual([]);
  });
});

describe('a stored key whose read hangs at cold start', () => {
  const KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-api-key-AbCdEf';
  const SIGNING_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:signing-XyZ123';

  // [case, env, event, what the read gives once it answers]
  const cases: [string, Record<string, string>, string, string][] = [
    ['the signing keys (Secrets Manager)', { TASK_SIGNING_KEYS: SIGNING_ARN }, 'signed.json', trustedKeysJson()],
    ['the Datadog API key (Secrets Manager)', { DD_API_KEY_SECRET_ARN: KEY_ARN, DD_TRACE_INTAKE_URL: 'http://127.0.0.1:9' }, 'single-task.json', 'k'],
  ];
  // Before: the handler waited for the read however long it took (the SDK gives up after 5 s
  // a call; a stub that never answers, forever), past the invocation's deadline.
  it.each(cases)('%s: every record retried before the deadline; answered once the read is done', async (_name, env, fixtureName, value) => {
    let answer: (v: string) => void = () => {};
    const pub = new MemoryPublisher();
    const handler = createSqsHandler(loadConfig(env), {
      logger: new MemoryLogger(),
      publisher: pub,
      readSecret: () => new Promise<string>((r) => (answer = r)),
    });
    const ev = fixture(fixtureName);
    const t0 = Date.now();
    const first = await Promise.race([handler(ev, context(1500)), new Promise<'late'>((r) => setTimeout(() => r('late'), 3000))]);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(first).toEqual({ batchItemFailures: ev.Records.map((r) => ({ itemIdentifier: r.messageId })) });
    expect(pub.items).toEqual([]);
    // The read goes on in the background; the next invocation takes what it read.
    answer(value);
    const second = await handler(ev, context(1500));
    expect(second).toEqual({ batchItemFailures: [] });
    expect(pub.items.map((i) => i.messageId)).toEqual(ev.Records.map((r) => r.messageId));
  });
});

describe('a results call still in flight at the publish deadline', () => {
  // 2 s left: tasks until +1.1 s, results until +1.5 s, spans (and the return) until +1.9 s.
  // The call starts at once and SQS takes its entries, but answers at +1.6 s. Before, the call
  // was abandoned at +1.5 s: the results SQS had taken were retried too, and their tasks ran
  // and were answered twice. The handler returns at +1.9 s either way: the call may use that time.
  it('is waited for until the handler must return, not abandoned with its results delivered', async () => {
    queue.answer = (entries) => ({ Successful: entries.map(ok), Failed: [] });
    queue.requests = [];
    queue.delayMs = 1600;
    const handler = createSqsHandler(loadConfig({ RESULTS_QUEUE_URL: `${queue.endpoint}/000000000000/results` }), { logger: new MemoryLogger() });
    const ev = event([rshellTask('echo a'), rshellTask('echo b')]);
    const t0 = Date.now();
    const res = await handler(ev, context(2000));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(callsOf(queue)).toEqual([ev.Records.map((r) => r.messageId)]);
    expect(res).toEqual({ batchItemFailures: [] });
  });
});

describe('SendMessageBatch size limits over a batch of results (what held)', () => {
  const item = (n: number, stdoutBytes: number): ResultItem => ({
    messageId: `m-${n}`,
    update: succeeded({ taskId: `t-${n}`, jobId: 'j', fqn: 'com.datadoghq.remoteaction.rshell.runCommand' }, `m-${n}`, { exitCode: 0, stdout: 'x'.repeat(stdoutBytes), stderr: '', sandboxWarnings: [] }),
  });
  const KiB = 1024;
  // [case, stdout size of each result]
  const cases: [string, number[]][] = [
    ['ten of 30 KiB (300 KiB together)', Array(10).fill(30 * KiB)],
    ['ten of 25.5 KiB (255 KiB of output, over 256 KiB with their envelopes)', Array(10).fill(25.5 * KiB)],
    ['nine small, then one too big for a message', [...Array(9).fill(10), 300 * KiB]],
    ['one too big for a message, then nine small', [300 * KiB, ...Array(9).fill(10)]],
    ['too big ones between small ones', [10, 300 * KiB, 10, 300 * KiB, 10, 10, 10, 10, 10, 10]],
    ['eleven of 1 byte', Array(11).fill(1)],
  ];
  it.each(cases)('%s: calls of at most 10 entries and 256 KiB, every result once, in order', async (_name, sizes) => {
    queue.answer = (entries) => ({ Successful: entries.map(ok), Failed: [] });
    queue.requests = [];
    queue.delayMs = 0;
    const sizesSeen: number[] = [];
    const inner = queue.answer;
    queue.answer = (entries) => (sizesSeen.push(entries.reduce((n, e) => n + Buffer.byteLength(e.MessageBody), 0)), inner(entries));
    const client = new sqsSdk.SQSClient({ endpoint: queue.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const items = sizes.map((b, i) => item(i, b));
    expect(await sqsPublisher(client, `${queue.endpoint}/000000000000/results`, sqsSdk).publish(items, Date.now() + 10_000)).toEqual(new Set());
    expect(callsOf(queue).flat()).toEqual(items.map((i) => i.messageId));
    for (const c of callsOf(queue)) expect(c.length).toBeLessThanOrEqual(10);
    for (const n of sizesSeen) expect(n).toBeLessThanOrEqual(256 * KiB);
  });
});

describe('the "results not delivered" log line', () => {
  const ids = (n: number) => new Set(Array.from({ length: n }, (_, i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`));

  it('names every message in one line up to 1,000 ids', () => {
    const lines = undeliveredLines(ids(1000));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual({ count: 1000, message_ids: [...ids(1000)].join(',') });
  });

  it('splits 10,000 ids into ten parts, each under CloudWatch’s 256 KB per event, all ids once and in order', () => {
    const all = ids(10_000);
    const lines = undeliveredLines(all);
    expect(lines.map((l) => l.part)).toEqual(Array.from({ length: 10 }, (_, i) => `${i + 1}/10`));
    expect(lines.every((l) => l.count === 10_000 && JSON.stringify(l).length < 64 * 1024)).toBe(true);
    expect(lines.flatMap((l) => String(l.message_ids).split(','))).toEqual([...all]);
  });
});

describe('a FIFO group whose earlier result is not delivered, and a later one to send again', () => {
  const item = (id: string, groupId: string): ResultItem => ({
    messageId: id,
    groupId,
    update: succeeded({ taskId: `t-${id}`, jobId: 'j', fqn: 'com.datadoghq.remoteaction.rshell.runCommand' }, id, { exitCode: 0, stdout: id, stderr: '', sandboxWarnings: [] }),
  });
  // [case, answer to the first call of a1, a2 (group a) and b1 (group b), calls made, undelivered]
  const cases: [string, Answer, string[][], string[]][] = [
    // Before: a2 was sent again and delivered, while a1 (unconfirmed) went back to SQS with
    // the rest of group a: a2's task ran again and was answered twice.
    ['a1 left out of the answer, a2 failed on the SQS side', (es) => ({ Successful: [ok(es[2]!)], Failed: [refused(es[1]!.Id, false)] }), [['a1', 'a2', 'b1']], ['a1', 'a2']],
    ['a1 refused (sender fault), a2 failed on the SQS side', (es) => ({ Successful: [ok(es[2]!)], Failed: [refused(es[0]!.Id, true), refused(es[1]!.Id, false)] }), [['a1', 'a2', 'b1']], ['a1', 'a2']],
    // The one to send again comes first in its group: it is sent again (and delivered).
    ['a1 failed on the SQS side, a2 refused', (es) => ({ Successful: [ok(es[2]!)], Failed: [refused(es[0]!.Id, false), refused(es[1]!.Id, true)] }), [['a1', 'a2', 'b1'], ['a1']], ['a2']],
  ];
  it.each(cases)('%s', async (_name, first, calls, undelivered) => {
    let n = 0;
    queue.answer = (entries) => (n++ === 0 ? first(entries) : { Successful: entries.map(ok), Failed: [] });
    queue.requests = [];
    queue.delayMs = 0;
    const client = new sqsSdk.SQSClient({ endpoint: queue.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const items = [item('a1', 'a'), item('a2', 'a'), item('b1', 'b')];
    const failed = await sqsPublisher(client, `${queue.endpoint}/000000000000/results.fifo`, sqsSdk).publish(items, Date.now() + 10_000);
    expect(callsOf(queue)).toEqual(calls);
    expect([...failed].sort()).toEqual(undelivered);
  });
});
