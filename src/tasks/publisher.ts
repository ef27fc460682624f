/**
 * Where results go: SendMessageBatch to RESULTS_QUEUE_URL, or structured log lines when no
 * queue is configured. Publishing reports which messages could not be answered so the batch
 * turns them into batch item failures (retried by SQS) instead of losing them.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { encodeResult, MAX_RESULT_BYTES, type TaskUpdate } from './results.js';

export interface ResultItem {
  /** Source SQS message id: the batch-failure identifier and the FIFO deduplication id. */
  messageId: string;
  /** Source FIFO message group, if any. */
  groupId?: string;
  update: TaskUpdate;
}

export interface ResultPublisher {
  /** Publishes in order; resolves to the message ids whose result was NOT delivered. */
  publish(items: readonly ResultItem[], deadline: number): Promise<Set<string>>;
}

export function logPublisher(write: (line: string) => void = (l) => process.stdout.write(l + '\n')): ResultPublisher {
  return {
    async publish(items) {
      for (const it of items) write(JSON.stringify({ level: 'info', msg: 'task result', result: it.update }));
      return new Set();
    },
  };
}

const MAX_BATCH_ENTRIES = 10;

export function sqsPublisher(client: SQSClient, queueUrl: string, commands: typeof import('@aws-sdk/client-sqs')): ResultPublisher {
  const fifo = queueUrl.endsWith('.fifo');
  return {
    async publish(items, deadline) {
      const failed = new Set<string>();
      const encoded = items.map((it) => ({ it, body: encodeResult(it.update) }));
      for (const batch of batches(encoded)) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          for (const e of batch) failed.add(e.it.messageId);
          continue;
        }
        try {
          const out = await client.send(
            new commands.SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: batch.map((e, i) => ({
                Id: String(i),
                MessageBody: e.body,
                ...(fifo
                  ? {
                      MessageGroupId: e.it.groupId ?? e.it.update.data.attributes.job_id ?? 'results',
                      MessageDeduplicationId: e.it.messageId.replace(/[^\w!-/:-@[-`{-~]/g, '').slice(0, 128),
                    }
                  : {}),
              })),
            }),
            { abortSignal: AbortSignal.timeout(remaining) },
          );
          for (const f of out.Failed ?? []) {
            const e = batch[Number(f.Id)];
            if (e) failed.add(e.it.messageId);
          }
        } catch {
          for (const e of batch) failed.add(e.it.messageId);
        }
      }
      return failed;
    },
  };
}

/** Groups of at most 10 entries and 256 KiB in total, in order. */
function* batches<T extends { body: string }>(entries: T[]): Generator<T[]> {
  let cur: T[] = [];
  let size = 0;
  for (const e of entries) {
    const n = Buffer.byteLength(e.body);
    if (cur.length === MAX_BATCH_ENTRIES || (cur.length > 0 && size + n > MAX_RESULT_BYTES)) {
      yield cur;
      cur = [];
      size = 0;
    }
    cur.push(e);
    size += n;
  }
  if (cur.length) yield cur;
}
