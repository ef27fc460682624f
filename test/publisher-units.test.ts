/**
 * sqsPublisher over a client that answers in-process: which entries go in which call, what is
 * sent again, when, and what is reported undelivered. No sockets, so the timing is exact.
 */
import * as sqsSdk from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sqsPublisher, type ResultItem } from '../src/tasks/publisher.js';
import { MAX_RESULT_BYTES, succeeded } from '../src/tasks/results.js';

type Entry = sqsSdk.SendMessageBatchRequestEntry;
type Answer = (entries: Entry[], call: number) => sqsSdk.SendMessageBatchResult | Promise<sqsSdk.SendMessageBatchResult>;

const accepted = (entries: Entry[]) => entries.map((e) => ({ Id: e.Id!, MessageId: 'x', MD5OfMessageBody: '' }));
const ok: Answer = (entries) => ({ Successful: accepted(entries), Failed: [] });

/** A client whose SendMessageBatch answers are made by `answer`; it keeps every call. */
function fakeClient(answer: Answer = ok) {
  const calls: { entries: Entry[]; at: number; signal?: AbortSignal }[] = [];
  let inFlight = 0;
  const stats = { most: 0 };
  const client = {
    async send(cmd: sqsSdk.SendMessageBatchCommand, opts?: { abortSignal?: AbortSignal }) {
      const entries = cmd.input.Entries ?? [];
      calls.push({ entries, at: Date.now(), signal: opts?.abortSignal });
      stats.most = Math.max(stats.most, ++inFlight);
      try {
        return await answer(entries, calls.length);
      } finally {
        inFlight--;
      }
    },
  } as unknown as sqsSdk.SQSClient;
  return { client, calls, stats };
}

const STD = 'https://sqs.us-east-1.amazonaws.com/1/results';
const FIFO = 'https://sqs.us-east-1.amazonaws.com/1/results.fifo';

const item = (n: number, o: Partial<ResultItem> & { stdout?: string; jobId?: string } = {}): ResultItem => ({
  messageId: o.messageId ?? `m-${n}`,
  groupId: o.groupId,
  trace: o.trace,
  update: succeeded({ taskId: `t-${n}`, jobId: o.jobId ?? `j-${n}`, fqn: 'b.a' }, o.messageId ?? `m-${n}`, { stdout: o.stdout ?? '' }),
});
const bodyOf = (e: Entry) => JSON.parse(e.MessageBody!);
const ids = (entries: Entry[]) => entries.map((e) => bodyOf(e).data.attributes.message_id);

afterEach(() => {
  vi.useRealTimers();
});

describe('calls', () => {
  it('sends at most 10 entries a call, in order', async () => {
    const { client, calls } = fakeClient();
    const undelivered = await sqsPublisher(client, STD, sqsSdk).publish(Array.from({ length: 25 }, (_, i) => item(i)), Date.now() + 10_000);
    expect(undelivered).toEqual(new Set());
    expect(calls.map((c) => c.entries.length)).toEqual([10, 10, 5]);
    expect(calls.flatMap((c) => ids(c.entries))).toEqual(Array.from({ length: 25 }, (_, i) => `m-${i}`));
  });

  it('puts entries of exactly 256 KiB together in one call, and one byte more in two', async () => {
    // An entry's size is its body: a result with an empty stdout, plus the stdout.
    const base = Buffer.byteLength(JSON.stringify(item(1).update));
    const fill = (total: number) => [item(1, { stdout: 'x'.repeat(Math.floor(total / 2) - base) }), item(2, { stdout: 'y'.repeat(Math.ceil(total / 2) - base) })];
    const one = fakeClient();
    await sqsPublisher(one.client, STD, sqsSdk).publish(fill(MAX_RESULT_BYTES), Date.now() + 10_000);
    expect(one.calls.map((c) => c.entries.length)).toEqual([2]);
    const two = fakeClient();
    await sqsPublisher(two.client, STD, sqsSdk).publish(fill(MAX_RESULT_BYTES + 1), Date.now() + 10_000);
    expect(two.calls.map((c) => c.entries.length)).toEqual([1, 1]);
  });

  it('runs up to 8 calls at once on a standard queue, one at a time when results belong to FIFO groups', async () => {
    const slow: Answer = async (entries) => {
      await new Promise((r) => setTimeout(r, 5));
      return ok(entries, 0);
    };
    const std = fakeClient(slow);
    await sqsPublisher(std.client, STD, sqsSdk).publish(Array.from({ length: 200 }, (_, i) => item(i)), Date.now() + 10_000);
    expect(std.stats.most).toBe(8);
    const fifo = fakeClient(slow);
    await sqsPublisher(fifo.client, FIFO, sqsSdk).publish(Array.from({ length: 30 }, (_, i) => item(i, { groupId: `g${i}` })), Date.now() + 10_000);
    expect(fifo.stats.most).toBe(1);
  });

  it("names a FIFO result's group and deduplication id as SQS takes them", async () => {
    const { client, calls } = fakeClient();
    const long = 'm'.repeat(200);
    await sqsPublisher(client, FIFO, sqsSdk).publish([item(1, { groupId: 'grp 1' }), item(2, { jobId: 'job/2' }), item(3, { jobId: '' }), item(4, { messageId: long })], Date.now() + 10_000);
    expect(calls[0].entries.map((e) => [e.MessageGroupId, e.MessageDeduplicationId])).toEqual([
      ['grp1', 'm-1'],
      ['job/2', 'm-2'],
      ['results', 'm-3'],
      ['j-4', 'm'.repeat(128)],
    ]);
    // A standard queue takes neither.
    const std = fakeClient();
    await sqsPublisher(std.client, STD, sqsSdk).publish([item(1, { groupId: 'g' })], Date.now() + 10_000);
    expect(std.calls[0].entries[0]).not.toHaveProperty('MessageGroupId');
  });

  it('fits a result and its _datadog attribute together in one message', async () => {
    const { client, calls } = fakeClient();
    const trace = { traceId: 18446744073709551615n, spanId: 18446744073709551614n, samplingPriority: 2, traceIdHigh: 0x1234n };
    await sqsPublisher(client, STD, sqsSdk).publish([item(1, { stdout: 'x'.repeat(300_000), trace })], Date.now() + 10_000);
    const [e] = calls[0].entries;
    const attr = e.MessageAttributes!._datadog;
    expect(attr.DataType).toBe('String');
    expect(JSON.parse(attr.StringValue!)).toEqual({
      'x-datadog-trace-id': '18446744073709551615',
      'x-datadog-parent-id': '18446744073709551614',
      'x-datadog-sampling-priority': '2',
      'x-datadog-tags': '_dd.p.tid=0000000000001234',
    });
    const size = Buffer.byteLength(e.MessageBody!) + '_datadog'.length + 'String'.length + Buffer.byteLength(attr.StringValue!);
    expect(size).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    expect(size).toBeGreaterThan(MAX_RESULT_BYTES - 100);
  });

  it("cuts a result that fits alone but not with its _datadog attribute's name, type and value", async () => {
    const { client, calls } = fakeClient();
    const trace = { traceId: 5n, spanId: 6n, samplingPriority: 1 };
    const carrier = '{"x-datadog-trace-id":"5","x-datadog-parent-id":"6","x-datadog-sampling-priority":"1"}';
    const attributeBytes = '_datadog'.length + 'String'.length + carrier.length;
    const base = Buffer.byteLength(JSON.stringify(item(1).update));
    // One byte over with the attribute counted: the body alone is well under the limit.
    await sqsPublisher(client, STD, sqsSdk).publish([item(1, { stdout: 'x'.repeat(MAX_RESULT_BYTES - attributeBytes + 1 - base), trace })], Date.now() + 10_000);
    const [e] = calls[0].entries;
    expect(e.MessageAttributes!._datadog.StringValue).toBe(carrier);
    expect(bodyOf(e).data.attributes.payload.outputs.truncated).toBe(true);
    expect(Buffer.byteLength(e.MessageBody!) + attributeBytes).toBeLessThanOrEqual(MAX_RESULT_BYTES);
  });

  it('makes no call at or after the deadline: every result is undelivered', async () => {
    const { client, calls } = fakeClient();
    expect(await sqsPublisher(client, STD, sqsSdk).publish([item(1), item(2)], Date.now())).toEqual(new Set(['m-1', 'm-2']));
    expect(calls).toEqual([]);
  });

  it('lets a call in flight at the deadline run on until abortAt', async () => {
    const late: Answer = (entries) => new Promise((r) => setTimeout(() => r(ok(entries, 0)), 150));
    const { client, calls } = fakeClient(late);
    const now = Date.now();
    expect(await sqsPublisher(client, STD, sqsSdk).publish([item(1)], now + 50, now + 2000)).toEqual(new Set());
    expect(calls[0].signal?.aborted).toBe(false);
  });
});

describe('answers', () => {
  it('an entry the answer leaves out is undelivered', async () => {
    const { client } = fakeClient((entries) => ok(entries.slice(1), 0));
    expect(await sqsPublisher(client, STD, sqsSdk).publish([item(1), item(2)], Date.now() + 10_000)).toEqual(new Set(['m-1']));
  });

  it('sends an entry SQS failed on its side again, after 50 ms then 200 ms, three sends in all', async () => {
    vi.useFakeTimers();
    const { client, calls } = fakeClient((entries) => ({ Successful: [], Failed: entries.map((e) => ({ Id: e.Id!, SenderFault: false, Code: 'InternalError' })) }));
    const t0 = Date.now();
    const p = sqsPublisher(client, STD, sqsSdk).publish([item(1)], t0 + 10_000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await p).toEqual(new Set(['m-1']));
    expect(calls.map((c) => c.at - t0)).toEqual([0, 50, 250]);
  });

  it('a re-sent entry that then arrives is delivered', async () => {
    const { client, calls } = fakeClient((entries, call) => (call === 1 ? { Successful: [], Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError' }] } : ok(entries, call)));
    expect(await sqsPublisher(client, STD, sqsSdk).publish([item(1)], Date.now() + 10_000)).toEqual(new Set());
    expect(calls).toHaveLength(2);
  });

  it('does not send again an entry refused as a sender fault, or one whose fault is not said', async () => {
    for (const SenderFault of [true, undefined]) {
      const { client, calls } = fakeClient(() => ({ Successful: [], Failed: [{ Id: '0', SenderFault, Code: 'X' }] }));
      expect(await sqsPublisher(client, STD, sqsSdk).publish([item(1)], Date.now() + 10_000)).toEqual(new Set(['m-1']));
      expect(calls, String(SenderFault)).toHaveLength(1);
    }
  });

  it('does not pause for a re-send the deadline would interrupt', async () => {
    vi.useFakeTimers();
    const { client, calls } = fakeClient(() => ({ Successful: [], Failed: [{ Id: '0', SenderFault: false, Code: 'InternalError' }] }));
    let result: Set<string> | undefined;
    void sqsPublisher(client, STD, sqsSdk)
      .publish([item(1)], Date.now() + 50)
      .then((r) => (result = r));
    // The first pause (50 ms) would reach the deadline: the entry is given up at once, no timer waited for.
    await vi.advanceTimersByTimeAsync(0);
    expect(result).toEqual(new Set(['m-1']));
    expect(calls).toHaveLength(1);
  });
});

describe('FIFO groups', () => {
  it("holds back a group's later results after one not delivered, in later calls too", async () => {
    const items = Array.from({ length: 12 }, (_, i) => item(i, { groupId: i === 11 ? 'other' : 'g' }));
    // Entry 0 is refused; entries 1-9 of its call are accepted (SQS cannot make them conditional).
    const { client, calls } = fakeClient((entries, call) => (call === 1 ? { Successful: accepted(entries.slice(1)), Failed: [{ Id: '0', SenderFault: true, Code: 'X' }] } : ok(entries, call)));
    const undelivered = await sqsPublisher(client, FIFO, sqsSdk).publish(items, Date.now() + 10_000);
    expect(undelivered).toEqual(new Set(['m-0', 'm-10']));
    expect(calls.map((c) => ids(c.entries))).toEqual([items.slice(0, 10).map((i) => i.messageId), ['m-11']]);
  });

  it('does not send again an entry whose group has an earlier result undelivered', async () => {
    const { client, calls } = fakeClient((entries, call) =>
      call === 1
        ? {
            Successful: [],
            Failed: [
              { Id: '0', SenderFault: true, Code: 'X' },
              { Id: '1', SenderFault: false, Code: 'InternalError' },
              { Id: '2', SenderFault: false, Code: 'InternalError' },
            ],
          }
        : ok(entries, call),
    );
    const undelivered = await sqsPublisher(client, FIFO, sqsSdk).publish([item(0, { groupId: 'g' }), item(1, { groupId: 'g' }), item(2, { groupId: 'h' })], Date.now() + 10_000);
    expect(undelivered).toEqual(new Set(['m-0', 'm-1']));
    expect(calls.map((c) => ids(c.entries))).toEqual([['m-0', 'm-1', 'm-2'], ['m-2']]);
  });
});
