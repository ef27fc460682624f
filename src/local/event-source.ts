/**
 * A local stand-in for Lambda's SQS event source mapping: polls the task queue, gathers
 * up to `batchSize` messages within the batching window, converts them to Lambda records,
 * invokes the handler and applies the partial batch response exactly as Lambda does:
 * - a response with no failures (or an empty/absent response) deletes the whole batch;
 * - listed failures stay in flight and reappear after the visibility timeout (the queue's
 *   redrive policy moves them to the DLQ after maxReceiveCount);
 * - a failure id that is not in the batch, an empty id, or a thrown handler fails the batch.
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

export interface EventSourceOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  invoke: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
  batchSize?: number;
  batchingWindowMs?: number;
  region?: string;
  /** Called after every invocation (for logs and tests). */
  onBatch?: (info: { records: number; deleted: number; failed: number; error?: unknown }) => void;
}

const POLL_INTERVAL_MS = 100;

export class LocalEventSource {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly o: EventSourceOptions) {}

  start(): this {
    this.running = true;
    this.loop = this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let messages: Message[];
      try {
        messages = await this.gather();
      } catch {
        if (!this.running) return;
        await sleep(200);
        continue;
      }
      if (messages.length === 0) {
        await sleep(POLL_INTERVAL_MS);
        continue;
      }
      await this.deliver(messages);
    }
  }

  /** One batch: up to batchSize messages, waiting at most the batching window for more. */
  private async gather(): Promise<Message[]> {
    const size = this.o.batchSize ?? 10;
    const windowEnd = Date.now() + (this.o.batchingWindowMs ?? 0);
    const out: Message[] = [];
    const seen = new Set<string>();
    do {
      if (out.length > 0) await sleep(Math.min(POLL_INTERVAL_MS, Math.max(0, windowEnd - Date.now())));
      const r = await this.o.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.o.queueUrl,
          MaxNumberOfMessages: Math.min(10, size - out.length),
          // Short polls: local-aws-sqs can count one message several times when its
          // visibility expires during a long poll, which would skew the redrive count.
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
          AttributeNames: ['All'], // older servers only know the deprecated name
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: this.abort.signal },
      );
      for (const m of r.Messages ?? []) {
        // Some local servers can return one message twice in a long poll; SQS never does.
        if (m.MessageId && !seen.has(m.MessageId)) {
          seen.add(m.MessageId);
          out.push(m);
        }
      }
    } while (this.running && out.length > 0 && out.length < size && Date.now() < windowEnd);
    return out;
  }

  private async deliver(messages: Message[]): Promise<void> {
    const records = messages.map((m) => toRecord(m, this.o.queueArn, this.o.region ?? 'us-east-1'));
    let failedIds: Set<string>;
    let error: unknown;
    try {
      const resp = await this.o.invoke({ Records: records });
      failedIds = failuresOf(resp, records);
    } catch (err) {
      error = err;
      failedIds = new Set(records.map((r) => r.messageId));
    }
    const done = messages.filter((m) => !failedIds.has(m.MessageId!));
    for (let i = 0; i < done.length; i += 10) {
      const chunk = done.slice(i, i + 10);
      await this.o.client
        .send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.o.queueUrl,
            Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })),
          }),
        )
        .catch(() => undefined); // undeleted messages simply come back: at-least-once
    }
    this.o.onBatch?.({ records: records.length, deleted: done.length, failed: failedIds.size, error });
  }
}

/** Lambda's reading of a partial batch response. */
export function failuresOf(resp: SQSBatchResponse | void | null, records: SQSRecord[]): Set<string> {
  const all = new Set(records.map((r) => r.messageId));
  if (!resp || !Array.isArray(resp.batchItemFailures)) return new Set();
  const out = new Set<string>();
  for (const f of resp.batchItemFailures) {
    const id = f?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !all.has(id)) return all; // invalid: whole batch failed
    out.add(id);
  }
  return out;
}

/** SQS API message (PascalCase) → Lambda record (camelCase attribute values). */
export function toRecord(m: Message, queueArn: string, region: string): SQSRecord {
  const messageAttributes: SQSMessageAttributes = {};
  for (const [k, v] of Object.entries(m.MessageAttributes ?? {}) as [string, MessageAttributeValue][]) {
    messageAttributes[k] = {
      dataType: v.DataType ?? 'String',
      ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { binaryValue: Buffer.from(v.BinaryValue).toString('base64') } : {}),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: (m.Attributes ?? {}) as unknown as SQSRecord['attributes'],
    messageAttributes,
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export type { Context };
