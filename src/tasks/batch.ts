/**
 * The batch entry point: an SQS event in, an SQSBatchResponse out, with nothing lost. Every
 * record ends as exactly one published result or as a batch item failure (SQS retries it,
 * then dead-letters it after the redrive limit). Standard queues run tasks concurrently up
 * to a bound; FIFO queues run each message group in order and, after a group's first
 * retried message, fail the rest of that group without running it. Spans leave as tasks
 * finish (invocation-flush.ts) and all are sent before returning, within what is left of
 * the invocation; the last request overlaps the publishing of results. A task the
 * invocation's deadline cut short is retried only if it started late (runner.ts): one that
 * had the invocation's whole window is answered, as a retry could not give it more time.
 */
import { performance } from 'node:perf_hooks';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { msSince, type FlushReport } from '../tracing/index.js';
import { InvocationFlush } from './invocation-flush.js';
import { errorName, INVOCATION_DONE, invocationFields, type LogFields } from './log.js';
import type { ResultPublisher } from './publisher.js';
import { runRecord, type InvocationInfo, type RecordOutcome, type TaskRunnerDeps } from './runner.js';
import { pool } from './pool.js';
import { invocationBudget, type ReserveConfig } from './timeout.js';

export interface BatchDeps extends TaskRunnerDeps {
  publisher: ResultPublisher;
  reserves: ReserveConfig;
  taskConcurrency: number;
}

export interface BatchReport {
  response: SQSBatchResponse;
  flush: FlushReport;
}

/**
 * `invokedAt` is when the handler was entered (epoch ms): time spent before the batch (a cold
 * runtime build, an API key read again) is time a later invocation may not spend, so a task
 * that waited for it did not have the invocation's whole window (timeout.ts hadWholeWindow).
 */
export async function processBatch(
  event: SQSEvent,
  context: Context,
  deps: BatchDeps,
  coldStart: boolean,
  invokedAt: number = Date.now(),
): Promise<BatchReport> {
  const startedAt = performance.now();
  const budget = invocationBudget(Date.now(), context.getRemainingTimeInMillis(), deps.reserves);
  const records = distinctRecords(event?.Records);
  const inv: InvocationInfo = {
    requestId: context.awsRequestId,
    functionArn: unversionedArn(context.invokedFunctionArn),
    coldStart,
    startedAt: invokedAt,
    tasksEnd: budget.tasksEnd,
    // One budget for the whole batch bounds what the flush must send (RELIABILITY F7).
    spanBudget: deps.policy.maxSpansPerInvocation === undefined ? undefined : { remaining: deps.policy.maxSpansPerInvocation, refused: 0 },
  };

  const outcomes = new Map<string, RecordOutcome>();
  const spans = new InvocationFlush(deps.tracer, budget.flushEnd);
  const run = async (r: SQSRecord) => {
    outcomes.set(r.messageId, await runRecordSafely(r, deps, inv));
    spans.taskDone();
  };
  const fifo = records.some(isFifo);
  const groups = fifo ? groupInOrder(records) : undefined;
  if (groups) {
    await pool([...groups.values()], deps.taskConcurrency, async (group) => {
      for (let i = 0; i < group.length; i++) {
        await run(group[i]!);
        if (outcomes.get(group[i]!.messageId)?.kind !== 'retry') continue;
        // The rest of the group goes back unrun: each says so, or the logs would not show why it ran again.
        for (const held of group.slice(i + 1)) {
          deps.logger.log('warn', 'task not started; its FIFO group stopped', { message_id: held.messageId, after_message_id: group[i]!.messageId, result: 'retry' });
        }
        break;
      }
    });
  } else {
    await pool(records, deps.taskConcurrency, run);
  }

  const toPublish = records.flatMap((r) => {
    const o = outcomes.get(r.messageId);
    return o?.kind === 'answered' ? [{ messageId: r.messageId, groupId: fifo ? groupOf(r) : undefined, update: o.update, trace: o.trace }] : [];
  });
  // Every task's spans have finished: the last span request goes out while the results are
  // published, not after them (two independent round trips; the response waits for both).
  const flushing = spans.finish();
  // Calls start until the publish deadline; one in flight then may run on into the flush's
  // reserve, which the span request shares (both are waits on the network).
  const undelivered = toPublish.length ? await publishSafely(deps, toPublish, budget.publishEnd, budget.flushEnd) : new Set<string>();

  // A record is done only if its result was delivered; in a FIFO group, nothing after the
  // first record that is not done counts as done (SQS must redeliver the rest in order).
  const failures = new Set<string>();
  const stoppedGroups = new Set<string>();
  // Results delivered, by kind: what the operator's FailedTasks metric counts.
  let succeeded = 0;
  let failed = 0;
  for (const r of records) {
    const group = fifo ? groupOf(r) : undefined;
    const o = outcomes.get(r.messageId);
    const done = o?.kind === 'answered' && !undelivered.has(r.messageId);
    if (done) {
      if (o.update.data.id === 'fail_task') failed += 1;
      else succeeded += 1;
    }
    if (!done || (group !== undefined && stoppedGroups.has(group))) {
      failures.add(r.messageId);
      if (group !== undefined) stoppedGroups.add(group);
    }
  }

  // Traces cut short are visible per run (rshell.run.spans_dropped); this says so once per
  // invocation, for an operator sizing RSHELL_MAX_SPANS_PER_INVOCATION.
  if (inv.spanBudget !== undefined && inv.spanBudget.refused > 0) {
    deps.logger.log('warn', 'span budget spent', { refused: inv.spanBudget.refused, budget: deps.policy.maxSpansPerInvocation, request_id: inv.requestId });
  }
  const flush = await flushing;
  if (flush.failure) {
    deps.logger.log('warn', 'span flush failed', { failure: flush.failure, dropped: flush.dropped, request_id: inv.requestId });
  }
  // One line per invocation: what went back for a retry, and what the operator sizes the
  // flush reserve by (flush.ms: from the last task's end until every span was sent, while
  // the results were being published).
  deps.logger.log('info', INVOCATION_DONE, {
    ...invocationFields(context, coldStart, records.length, failures.size),
    tasks_succeeded: succeeded,
    tasks_failed: failed,
    duration_ms: msSince(startedAt),
    spans_sent: flush.sent,
    spans_dropped: flush.dropped,
    spans_sampled_out: flush.sampledOut,
    span_requests: flush.requests,
    span_bytes: flush.bytes,
    flush_wait_ms: flush.ms,
  });
  return {
    response: { batchItemFailures: records.filter((r) => failures.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })) },
    flush,
  };
}

/** A bug in the runner must not lose the message: it becomes a retry. */
async function runRecordSafely(r: SQSRecord, deps: TaskRunnerDeps, inv: InvocationInfo): Promise<RecordOutcome> {
  try {
    return await runRecord(r, deps, inv);
  } catch (err) {
    deps.logger.log('error', 'task runner failed', { message_id: r.messageId, error_type: errorName(err) });
    return { kind: 'retry', reason: 'internal error' };
  }
}

async function publishSafely(deps: BatchDeps, items: Parameters<ResultPublisher['publish']>[0], deadline: number, abortAt: number): Promise<Set<string>> {
  try {
    const failed = await deps.publisher.publish(items, deadline, abortAt);
    // Which messages, not only how many: an SRE following one task must find why it ran again.
    for (const fields of undeliveredLines(failed)) deps.logger.log('warn', 'results not delivered', fields);
    return failed;
  } catch (err) {
    deps.logger.log('error', 'results publisher failed', { error_type: errorName(err) });
    return new Set(items.map((i) => i.messageId));
  }
}

/** Message ids per "results not delivered" line: 1,000 SQS ids are about 37 KB. */
export const IDS_PER_LOG_LINE = 1000;

/**
 * The fields of the "results not delivered" lines for `ids`: one line, or one per
 * IDS_PER_LOG_LINE ids with `part` ("2/10"). A batch window's 10,000 ids in one line made
 * about 370 KB, past CloudWatch's 256 KB per event, which cuts it.
 */
export function undeliveredLines(ids: ReadonlySet<string>): LogFields[] {
  const all = [...ids];
  const parts = Math.ceil(all.length / IDS_PER_LOG_LINE);
  return Array.from({ length: parts }, (_, i) => ({
    count: all.length,
    message_ids: all.slice(i * IDS_PER_LOG_LINE, (i + 1) * IDS_PER_LOG_LINE).join(','),
    ...(parts > 1 ? { part: `${i + 1}/${parts}` } : {}),
  }));
}

/**
 * The records that can be answered (a message id), each message once: a message delivered
 * twice in one batch (SQS is at-least-once) runs once and gets one result; both copies end
 * with it, as the batch response names messages, not deliveries.
 */
function distinctRecords(records: SQSRecord[] | undefined): SQSRecord[] {
  const seen = new Set<string>();
  return (Array.isArray(records) ? records : []).filter((r): r is SQSRecord => {
    if (typeof r?.messageId !== 'string' || r.messageId === '' || seen.has(r.messageId)) return false;
    seen.add(r.messageId);
    return true;
  });
}

/**
 * The queue's ARN says; only a record without one (a hand-made event) is judged by its group
 * id. A standard queue's message can carry a MessageGroupId too (fair queues): it keeps the
 * standard queue's concurrency and retries.
 */
function isFifo(r: SQSRecord): boolean {
  if (r.eventSourceARN) return r.eventSourceARN.endsWith('.fifo');
  return typeof r.attributes?.MessageGroupId === 'string';
}

function groupOf(r: SQSRecord): string {
  return r.attributes?.MessageGroupId ?? '';
}

function groupInOrder(records: SQSRecord[]): Map<string, SQSRecord[]> {
  const groups = new Map<string, SQSRecord[]>();
  for (const r of records) {
    const g = groupOf(r);
    const list = groups.get(g);
    if (list) list.push(r);
    else groups.set(g, [r]);
  }
  return groups;
}

/** Datadog's function_arn facet: the ARN without a version or alias qualifier. */
export function unversionedArn(arn: string | undefined): string {
  if (!arn) return '';
  const parts = arn.split(':');
  return parts.length > 7 ? parts.slice(0, 7).join(':') : arn;
}
