/**
 * Where results go: SendMessageBatch to RESULTS_QUEUE_URL, or structured log lines when no
 * queue is configured. Publishing reports which messages could not be answered so the batch
 * turns them into batch item failures (retried by SQS) instead of losing them.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { pool } from './pool.js';
import { traceFields } from './log.js';
import { encodeResult, MAX_RESULT_BYTES, type TaskUpdate } from './results.js';
import { datadogCarrierOf, type ResultTrace } from './trace-context.js';

export interface ResultItem {
  /** Source SQS message id: the batch-failure identifier and the FIFO deduplication id. */
  messageId: string;
  /** Source FIFO message group, if any. */
  groupId?: string;
  update: TaskUpdate;
  /** The trace the result continues: a `_datadog` message attribute, or log correlation ids. */
  trace?: ResultTrace;
}

export interface ResultPublisher {
  /**
   * Publishes in order; resolves to the message ids whose result was NOT delivered. Items
   * of a FIFO message group (`groupId`) after the group's first undelivered one are not
   * sent either: SQS redelivers the rest of that group, and its tasks are answered then,
   * once. No call starts at or after `deadline`; one in flight is waited for until
   * `abortAt` (default `deadline`): SQS may already hold its results, and abandoned, they
   * would be retried as well as delivered.
   */
  publish(items: readonly ResultItem[], deadline: number, abortAt?: number): Promise<Set<string>>;
}

/**
 * The undelivered results of one publish call, and the FIFO groups they stop: a group's
 * later results are held back, so a group that goes back to SQS is not answered twice.
 */
export class Undelivered {
  readonly ids = new Set<string>();
  private readonly stoppedGroups = new Set<string>();

  add(it: ResultItem): void {
    this.ids.add(it.messageId);
    if (it.groupId !== undefined) this.stoppedGroups.add(it.groupId);
  }

  /** True (and counted undelivered) when an earlier result of the item's group was not delivered. */
  heldBack(it: ResultItem): boolean {
    if (it.groupId === undefined || !this.stoppedGroups.has(it.groupId)) return false;
    this.ids.add(it.messageId);
    return true;
  }
}

export function logPublisher(write: (line: string) => void = (l) => process.stdout.write(l + '\n')): ResultPublisher {
  return {
    async publish(items) {
      for (const it of items) {
        // The result is cut to fit as on the queue (encodeResult): one line a log pipeline
        // keeps whole. Written in full, two 256 KiB streams (or binary output, six JSON bytes
        // a NUL) made a line of 0.5–1.5 MB, which CloudWatch Logs cuts into broken JSON.
        const head = JSON.stringify({ level: 'info', msg: 'task result', ...traceFields(it.trace), result: null }).slice(0, -'null}'.length);
        write(head + encodeResult(it.update, MAX_RESULT_BYTES - Buffer.byteLength(head) - 1) + '}');
      }
      return new Set();
    },
  };
}

const MAX_BATCH_ENTRIES = 10;
/**
 * Sends of one entry: SQS can fail single entries of a batch on its side (`SenderFault:
 * false`, e.g. InternalError) while the call succeeds, and the SDK retries only failed
 * calls. Re-sending such an entry here answers its task now, instead of running it again
 * after the visibility timeout.
 */
const MAX_ENTRY_SENDS = 3;
/** Pause before the n-th re-send: 50 ms, then 200 ms; none that would reach the deadline. */
const RESEND_DELAY_MS = [50, 200];
/**
 * SendMessageBatch calls in flight at once when no result belongs to a FIFO group. A batch
 * can hold 10,000 messages (1,000 calls); one call after another they could outlast the
 * publish reserve, and every result not sent in time sends its task back to run again.
 */
export const PUBLISH_CONCURRENCY = 8;

interface Entry {
  it: ResultItem;
  body: string;
  /** The `_datadog` attribute's value, if the result continues a trace. */
  carrier?: string;
  /** What SQS counts against its size limits: the body and the attribute's name, type and value. */
  size: number;
}

const TRACE_ATTRIBUTE = '_datadog';

function entryOf(it: ResultItem): Entry {
  const carrier = it.trace && datadogCarrierOf(it.trace);
  const attributeBytes = carrier === undefined ? 0 : TRACE_ATTRIBUTE.length + 'String'.length + Buffer.byteLength(carrier);
  const body = encodeResult(it.update, MAX_RESULT_BYTES - attributeBytes);
  return { it, body, carrier, size: Buffer.byteLength(body) + attributeBytes };
}

export function sqsPublisher(client: SQSClient, queueUrl: string, commands: typeof import('@aws-sdk/client-sqs')): ResultPublisher {
  const fifo = queueUrl.endsWith('.fifo');

  /** One SendMessageBatch call; resolves to the entries worth sending again. */
  const send = async (entries: Entry[], undelivered: Undelivered, deadline: number, abortAt: number, lastTry: boolean): Promise<Entry[]> => {
    // Whole milliseconds: AbortSignal.timeout throws a RangeError on a fraction, and the
    // invocation's deadlines have one whenever 20 % of the time left has (under 7.5 s left).
    const remaining = Math.floor(Math.max(deadline, abortAt) - Date.now());
    if (deadline - Date.now() <= 0) {
      for (const e of entries) undelivered.add(e.it);
      return [];
    }
    const again: Entry[] = [];
    try {
      const out = await client.send(
        new commands.SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((e, i) => ({
            Id: String(i),
            MessageBody: e.body,
            ...(e.carrier === undefined ? {} : { MessageAttributes: { [TRACE_ATTRIBUTE]: { DataType: 'String', StringValue: e.carrier } } }),
            ...(fifo
              ? {
                  MessageGroupId: fifoId(e.it.groupId ?? e.it.update.data.attributes.job_id) || 'results',
                  MessageDeduplicationId: fifoId(e.it.messageId),
                }
              : {}),
          })),
        }),
        { abortSignal: AbortSignal.timeout(remaining) },
      );
      // Delivered means listed as Successful: an entry the answer leaves out (a 200 of `{}`
      // from a proxy or an emulator) is not known to be in the queue, so its task is retried.
      // Ids are matched as the strings sent ("02" is not entry 2).
      const byId = new Map(entries.map((e, i) => [String(i), e]));
      const unconfirmed = new Map(byId);
      for (const s of out.Successful ?? []) unconfirmed.delete(s.Id ?? '');
      for (const f of out.Failed ?? []) {
        const e = byId.get(f.Id ?? '');
        if (e === undefined) continue;
        unconfirmed.delete(f.Id!);
        // A sender fault (the entry itself is refused) fails the same way when sent again.
        if (f.SenderFault === false && !lastTry) again.push(e);
        else undelivered.add(e.it);
      }
      for (const e of unconfirmed.values()) undelivered.add(e.it);
    } catch {
      // The SDK has already retried the call as its retry policy allows.
      for (const e of entries) undelivered.add(e.it);
    }
    return again;
  };

  return {
    async publish(items, deadline, abortAt = deadline) {
      const undelivered = new Undelivered();
      const calls = [...batches(items.map(entryOf))];
      const publishCall = async (batch: Entry[]): Promise<void> => {
        let pending = batch.filter((e) => !undelivered.heldBack(e.it));
        for (let sends = 1; pending.length > 0; sends++) {
          pending = await send(pending, undelivered, deadline, abortAt, sends === MAX_ENTRY_SENDS);
          // Not sent again after an earlier result of its FIFO group that was not delivered
          // (left out of the answer, or refused): SQS redelivers the group from there, this
          // task with it, and a result delivered now as well would answer it twice.
          for (const e of pending) if (stoppedBefore(batch, e, undelivered)) undelivered.add(e.it);
          pending = pending.filter((e) => !undelivered.ids.has(e.it.messageId));
          if (pending.length > 0 && !(await pausedBefore(RESEND_DELAY_MS[sends - 1]!, deadline))) {
            for (const e of pending) undelivered.add(e.it);
            break;
          }
          // A re-sent entry has lost its place in the batch: later results of its FIFO
          // group, if any, were delivered before it (one call cannot be made conditional).
        }
      };
      // A FIFO group's results go one call after another: a call waits to know whether an
      // earlier result of its groups was delivered.
      const grouped = items.some((it) => it.groupId !== undefined);
      await pool(calls, grouped ? 1 : PUBLISH_CONCURRENCY, publishCall);
      return undelivered.ids;
    },
  };
}

/**
 * A FIFO group or deduplication id as SQS takes it (1–128 printable ASCII characters; '' when
 * nothing is left): a job_id read from an unreadable body is '', and one id SQS refuses fails
 * the whole SendMessageBatch call, every result in it.
 */
function fifoId(v: string): string {
  return v.replace(/[^\w!-/:-@[-`{-~]/g, '').slice(0, 128);
}

/** True when a result before `e` in `batch` of the same FIFO group is undelivered. */
function stoppedBefore(batch: readonly Entry[], e: Entry, undelivered: Undelivered): boolean {
  const g = e.it.groupId;
  if (g === undefined) return false;
  for (const p of batch) {
    if (p === e) return false;
    if (p.it.groupId === g && undelivered.ids.has(p.it.messageId)) return true;
  }
  return false;
}

/** Sleeps `ms` and resolves true; false at once when the pause would reach the deadline. */
async function pausedBefore(ms: number, deadline: number): Promise<boolean> {
  if (Date.now() + ms >= deadline) return false;
  await new Promise((r) => setTimeout(r, ms));
  return true;
}

/** Groups of at most 10 entries and 256 KiB in total, in order. */
function* batches(entries: Entry[]): Generator<Entry[]> {
  let cur: Entry[] = [];
  let size = 0;
  for (const e of entries) {
    const n = e.size;
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
