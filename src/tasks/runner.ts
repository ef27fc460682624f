/**
 * One SQS record → one outcome: an answered result (success or a permanent failure), or a
 * retry (a transient failure: no time left to start the task, or the invocation's deadline
 * cut short a task that started late, which another invocation can give more time). A task
 * that had the invocation's whole window and was still cut short by its deadline is answered
 * (`fail_task`): run again, it would only be cut again, until the dead-letter queue. So is a
 * task that would be retried on the delivery after which SQS dead-letters it (its queue's
 * maxReceiveCount, when configured): a retry would reach nobody. Mirrors
 * the PAR's RunTask: lookup failures are answered without a span; a found action runs inside
 * an `action.run` span parented from this record's own context.
 */
import type { SQSRecord } from 'aws-lambda';
import { bundleOf, hasBundle, type ActionRegistry } from '../actions/registry.js';
import type { OperatorPolicy } from '../actions/types.js';
import type { Span, SpanBudget, Tracer } from '../tracing/index.js';
import { parseTaskBody, type Task } from './envelope.js';
import { TaskError, TaskTimeoutError, describeError, type ErrorCode } from './errors.js';
import { traceFields, type LogFields, type Logger } from './log.js';
import { failed, succeeded, type TaskUpdate } from './results.js';
import { verifySignedTask, type TrustedKeys } from './signature.js';
import { hadWholeWindow, taskDeadline, within } from './timeout.js';
import { parentContextFor, resultTraceOf, type ResultTrace } from './trace-context.js';

export const ACTION_RUN = 'action.run';

/** Below this much time a task is not started: it is retried by a later invocation. */
export const MIN_TASK_START_MS = 50;

export interface TaskRunnerDeps {
  tracer: Tracer;
  registry: ActionRegistry;
  /** Trusted signing keys; undefined ⇒ unsigned tasks are accepted. */
  keys?: TrustedKeys;
  policy: OperatorPolicy;
  defaultTaskTimeoutSeconds: number;
  /** The task queue's maxReceiveCount; undefined ⇒ unknown (no delivery is known to be the last). */
  maxReceiveCount?: number;
  logger: Logger;
}

export interface InvocationInfo {
  requestId: string;
  functionArn: string;
  coldStart: boolean;
  /** Epoch ms the invocation began (the handler's entry): its tasks' window opens then. */
  startedAt: number;
  /** Epoch ms by which every task must be finished. */
  tasksEnd: number;
  /** Detail spans left to this invocation's tasks; undefined ⇒ no limit. */
  spanBudget?: SpanBudget;
}

export type RecordOutcome = { kind: 'answered'; update: TaskUpdate; trace?: ResultTrace } | { kind: 'retry'; reason: string };

export async function runRecord(record: SQSRecord, deps: TaskRunnerDeps, inv: InvocationInfo): Promise<RecordOutcome> {
  const messageId = record.messageId;
  const parsed = parseTaskBody(record.body ?? '');
  if (!parsed.ok) {
    // No task ids to read: the message's own carriers may still say where it came from.
    const from = parentContextFor(NO_TASK_CONTEXT, record);
    // The log line joins the trace the result hands on (no span: the context it came with).
    deps.logger.log('warn', 'task rejected', { message_id: messageId, task_id: parsed.identity.taskId, error_code: 'INTERNAL_ERROR', ...traceFields(from.parent) });
    const trace = resultTraceOf(undefined, deps.tracer, from);
    return answered(failed(parsed.identity, messageId, 'INTERNAL_ERROR', `message ${messageId}: ${parsed.error}`), trace);
  }
  let task = parsed.task;
  const contextOf = (t: Task) => parentContextFor(t, record, parsed.carrier);
  // A task refused before its span hands on the context it came with, and its warning
  // carries the same ids, so that a refusal is found from the trace that sent the task.
  const refused = (t: Task, msg: string, fields: LogFields, update: TaskUpdate): RecordOutcome => {
    const from = contextOf(t);
    deps.logger.log('warn', msg, { message_id: messageId, task_id: t.id, ...fields, ...traceFields(from.parent) });
    return answered(update, resultTraceOf(undefined, deps.tracer, from));
  };
  if (deps.keys) {
    try {
      task = verifySignedTask(task, deps.keys, Date.now());
    } catch (err) {
      const e = err instanceof TaskError ? err : new TaskError('SIGNATURE_ERROR', describeError(err));
      return refused(task, 'task signature rejected', { error_code: e.code }, failed(identityOf(task), messageId, e.code, e.message));
    }
  }
  // From here on the task is what was signed (when keys are configured): answer as that task.
  const identity = identityOf(task);

  const action = deps.registry.get(task.fqn);
  if (!action) {
    // The PAR looks up the bundle, then the action in it, and says which was missing.
    const missing = hasBundle(deps.registry, bundleOf(task.fqn)) ? 'action' : 'bundle';
    return refused(
      task,
      'unknown action',
      { action_fqn: task.fqn, error_code: 'INTERNAL_ERROR' },
      failed(identity, messageId, 'INTERNAL_ERROR', `could not find ${missing} for ${task.fqn}`),
    );
  }

  const ctxParent = contextOf(task);
  const start = Date.now();
  const last = lastDelivery(record, deps.maxReceiveCount);
  if (inv.tasksEnd - start < MIN_TASK_START_MS) {
    // Otherwise the only trace of this task in the logs would be a count in `retried`.
    const fields = { job_id: task.jobId, action_fqn: task.fqn };
    if (last === undefined) {
      deps.logger.log('warn', 'task not started; no time left', { message_id: messageId, task_id: task.id, ...fields, result: 'retry', ...traceFields(ctxParent.parent) });
      return { kind: 'retry', reason: 'no time left to start the task' };
    }
    return refused(
      task,
      'task not started; no time left',
      { ...fields, result: 'error', error_code: 'INTERNAL_ERROR' },
      failed(identity, messageId, 'INTERNAL_ERROR', `task not started: its last delivery (${deliveryOf(last)}) found no time left in the invocation: raise the function's timeout or lower the batch size`),
    );
  }
  const deadline = taskDeadline(task.inputs, deps.defaultTaskTimeoutSeconds, start, inv.tasksEnd);

  // The span is handed down explicitly (actions get it in their context) rather than made
  // active: no AsyncLocalStorage scope, so Node 20 runs no promise hooks for task code.
  const span = deps.tracer.startSpan(ACTION_RUN, { resource: task.fqn, childOf: ctxParent.parent, tags: spanTags(task, record, inv, start) });
  if (ctxParent.samplingPriority !== undefined) deps.tracer.setSamplingPriority(span, ctxParent.samplingPriority);
  // An untraced span (tracing off) has no ids: the lines then join the context the task came with, as its result does.
  const logIds = { message_id: messageId, task_id: task.id, job_id: task.jobId, action_fqn: task.fqn, ...(traceFields(span.traceId !== 0n ? span : ctxParent.parent) as Record<string, string>) };
  deps.logger.log('info', 'task started', logIds);
  let outcome: RecordOutcome;
  let errorCode: ErrorCode | undefined;
  try {
    const outputs = await runWithDeadline(deps, task, span, deadline.at, inv.spanBudget);
    outcome = answered(succeeded(identity, messageId, outputs));
  } catch (err) {
    const e = classify(err);
    // Only the type reaches the span: messages can carry customer data.
    span.setError(e);
    span.setTag('error.type', e.type);
    errorCode = e.code;
    outcome = failureOutcome(e, identity, messageId, deadline, hadWholeWindow(start, inv.startedAt, inv.tasksEnd) ? deadline.at - start : undefined, last);
  } finally {
    span.finish();
  }
  // The result continues the task's trace (a `_datadog` attribute on the results message).
  if (outcome.kind === 'answered') outcome.trace = resultTraceOf(span, deps.tracer, ctxParent);
  deps.logger.log('info', 'task finished', {
    ...logIds,
    duration_ms: Date.now() - start,
    result: outcome.kind === 'retry' ? 'retry' : errorCode ? 'error' : 'success',
    // A retried task was not answered: no error code was sent for it.
    error_code: outcome.kind === 'retry' ? undefined : errorCode,
  });
  return outcome;
}

/**
 * A failed task's outcome: a timeout the invocation caused is retried when a retry can give
 * the task more time (it started late: see hadWholeWindow) and there is a retry left, else
 * answered; anything else is answered.
 */
function failureOutcome(
  e: TaskError,
  identity: ReturnType<typeof identityOf>,
  messageId: string,
  deadline: ReturnType<typeof taskDeadline>,
  /** The task's window in ms when it had the invocation's whole window, else undefined. */
  wholeWindowMs: number | undefined,
  last: LastDelivery | undefined,
): RecordOutcome {
  if (e instanceof TaskTimeoutError && deadline.cappedByInvocation) {
    if (wholeWindowMs === undefined) {
      if (last === undefined) return { kind: 'retry', reason: 'the invocation ended before the task' };
      return answered(
        failed(
          identity,
          messageId,
          'INTERNAL_ERROR',
          `task execution was cut short by the invocation's deadline on its last delivery (${deliveryOf(last)}); it started late, behind other tasks: raise the function's timeout, lower inputs.timeout or lower the batch size`,
        ),
      );
    }
    const seconds = Math.round(wholeWindowMs / 100) / 10;
    return answered(
      failed(
        identity,
        messageId,
        'INTERNAL_ERROR',
        `task execution exceeded the ${seconds} seconds an invocation leaves for tasks (its own timeout is ${deadline.ownSeconds} seconds): raise the function's timeout or lower inputs.timeout`,
      ),
    );
  }
  if (e instanceof TaskTimeoutError) {
    return answered(failed(identity, messageId, 'INTERNAL_ERROR', `task execution exceeded timeout of ${deadline.ownSeconds} seconds`));
  }
  return answered(failed(identity, messageId, e.code, e.message));
}

interface LastDelivery {
  receives: number;
  max: number;
}

/**
 * This delivery is the queue's last (SQS dead-letters the message if it comes back): its
 * ApproximateReceiveCount has reached the configured maxReceiveCount.
 */
function lastDelivery(record: SQSRecord, max: number | undefined): LastDelivery | undefined {
  const receives = receiveCountOf(record);
  return max !== undefined && receives !== undefined && receives >= max ? { receives, max } : undefined;
}

function deliveryOf(last: LastDelivery): string {
  return `receive ${last.receives}; the queue's maxReceiveCount is ${last.max}`;
}

function receiveCountOf(record: SQSRecord): number | undefined {
  const n = Number(record.attributes?.ApproximateReceiveCount);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function identityOf(task: Task): { taskId: string; jobId: string; fqn: string; client?: number | string } {
  return { taskId: task.id, jobId: task.jobId, fqn: task.fqn, client: task.client };
}

function answered(update: TaskUpdate, trace?: ResultTrace): RecordOutcome {
  return { kind: 'answered', update, trace };
}

/** A record whose body gave no task: only its message attributes can carry a context. */
const NO_TASK_CONTEXT = { traceId: 0n, spanId: 0n };

/** Runs the action under the span, aborting it at the deadline even if it ignores the signal. */
async function runWithDeadline(
  deps: TaskRunnerDeps,
  task: Task,
  span: Span,
  deadline: number,
  spanBudget: SpanBudget | undefined,
): Promise<Record<string, unknown>> {
  const action = deps.registry.get(task.fqn)!;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // A deadline, not a cancel (its name is TimeoutError): rshell's run ends as `timeout`,
      // as under the PAR's context deadline, and an action rejecting with it timed out.
      abort.abort(new TaskTimeoutError());
      reject(new TaskTimeoutError());
    }, Math.max(0, deadline - Date.now()));
  });
  let running: Promise<Record<string, unknown>> | undefined;
  try {
    running = action.run({ task, deadline, signal: abort.signal, tracer: deps.tracer, span, policy: deps.policy, spanBudget });
    return await Promise.race([running, expired]);
  } catch (err) {
    // Cut short: the action unwinds on the abort and finishes its own spans (rshell's run
    // span says how it ended). Wait a little for that, so that they leave with this
    // invocation's flush rather than with the next invocation's.
    if (abort.signal.aborted && running !== undefined) await within(running.then(noop, noop), ABORT_GRACE_MS);
    throw err;
  } finally {
    clearTimeout(timer);
    expired.catch(() => {});
    Promise.resolve(running).catch(() => {});
  }
}

/** How long an action cut short at its deadline is given to unwind (it is aborted, not waited for). */
export const ABORT_GRACE_MS = 50;

function noop(): void {}

function classify(err: unknown): TaskError {
  if (err instanceof TaskError) return err;
  // Anything else an action throws is an action failure (the PAR's DefaultActionError).
  const type = err instanceof Error ? err.constructor.name || 'Error' : typeof err;
  return new TaskError('ACTION_ERROR', describeError(err), type);
}

function spanTags(task: Task, record: SQSRecord, inv: InvocationInfo, now: number): Record<string, string | number | boolean> {
  const tags: Record<string, string | number | boolean> = {
    task_id: task.id,
    job_id: task.jobId,
    cold_start: inv.coldStart,
    function_arn: inv.functionArn,
    request_id: inv.requestId,
    'sqs.message_id': record.messageId,
  };
  const sent = Number(record.attributes?.SentTimestamp);
  if (Number.isFinite(sent) && sent > 0) tags['sqs.queue_time_ms'] = Math.max(0, now - sent);
  const receives = receiveCountOf(record);
  if (receives !== undefined) tags['sqs.receive_count'] = receives;
  return tags;
}
