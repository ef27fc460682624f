/**
 * Task deadlines. A task's own timeout is `inputs.timeout` (whole seconds, 0 < n ≤ 2^31−1,
 * as the PAR reads it) or the configured default; it is capped by what the invocation has
 * left after the reserve for publishing results and flushing spans.
 */

const MAX_TIMEOUT_SECONDS = 2 ** 31 - 1;

export function timeoutSecondsOf(inputs: Record<string, unknown>): number | undefined {
  const t = inputs.timeout;
  if (typeof t !== 'number' || !Number.isInteger(t) || t <= 0 || t > MAX_TIMEOUT_SECONDS) return undefined;
  return t;
}

export interface TaskDeadline {
  /** Epoch ms the task must finish by. */
  at: number;
  /** The task's own timeout in seconds. */
  ownSeconds: number;
  /** True when the invocation's budget, not the task's own timeout, sets the deadline. */
  cappedByInvocation: boolean;
}

export function taskDeadline(inputs: Record<string, unknown>, defaultSeconds: number, startMs: number, invocationCap: number): TaskDeadline {
  const ownSeconds = timeoutSecondsOf(inputs) ?? defaultSeconds;
  const own = startMs + ownSeconds * 1000;
  return own <= invocationCap
    ? { at: own, ownSeconds, cappedByInvocation: false }
    : { at: invocationCap, ownSeconds, cappedByInvocation: true };
}

/** At most this late after the invocation began, a task counts as having had its whole window. */
export const WHOLE_WINDOW_SLACK_MS = 1000;

/**
 * Whether a task had (nearly) all the time an invocation leaves for tasks: started within
 * WHOLE_WINDOW_SLACK_MS, or 5 % of that time if less, of the invocation's start (the
 * handler's entry, so that a wait for a cold runtime or an API key read again counts as
 * late). Cut short by the invocation's deadline, such a task would get no more time from a
 * retry: it is answered as timed out instead of being run again, attempt after attempt,
 * until the dead-letter queue, with no answer at all. A task that started later (queued
 * behind others, later in its FIFO group) is retried: another invocation can give it more.
 */
export function hadWholeWindow(taskStartMs: number, invocationStartMs: number, tasksEndMs: number): boolean {
  const slack = Math.min(WHOLE_WINDOW_SLACK_MS, 0.05 * (tasksEndMs - invocationStartMs));
  return taskStartMs - invocationStartMs <= slack;
}

/** How an invocation's remaining time is split (all epoch ms). */
export interface InvocationBudget {
  /** Tasks must be done by then. */
  tasksEnd: number;
  /** Results must be published by then. */
  publishEnd: number;
  /** The span flush must be done by then; the handler returns right after. */
  flushEnd: number;
}

export interface ReserveConfig {
  publishReserveMs: number;
  flushReserveMs: number;
}

/**
 * Splits the remaining time. Reserves shrink on short budgets (at most 20% each) so that a
 * nearly-expired invocation still answers what it can; a safety margin keeps the return
 * ahead of Lambda's own timeout.
 */
export function invocationBudget(nowMs: number, remainingMs: number, cfg: ReserveConfig): InvocationBudget {
  const rem = saneRemainingMs(remainingMs);
  // A quarter of a short budget: timers fire late on a busy CPU, and returning late loses the batch.
  const safety = Math.min(100, rem * 0.25);
  const flush = Math.min(cfg.flushReserveMs, rem * 0.2);
  const publish = Math.min(cfg.publishReserveMs, rem * 0.2);
  const end = nowMs + rem - safety;
  return { flushEnd: end, publishEnd: end - flush, tasksEnd: end - flush - publish };
}

/** Lambda's longest timeout, 15 minutes. */
const MAX_INVOCATION_MS = 15 * 60_000;

/**
 * The context's time left as a budget can use it: at most Lambda's longest timeout (past 2^32
 * ms a timer or an AbortSignal.timeout throws, and the results of tasks that ran were never
 * sent), and 0 for NaN, as for a negative value: with no time known nothing is started.
 */
export function saneRemainingMs(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.min(Math.max(0, ms), MAX_INVOCATION_MS);
}

/** What `p` settles to if that happens within `ms`, else undefined (the timer is cleared either way). */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), Math.max(0, ms))))]);
  } finally {
    clearTimeout(timer);
  }
}
