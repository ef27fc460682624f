/**
 * Property-based batches through the handler and the real results publisher: standard or FIFO
 * queues, 1–10 records in random message groups, a mix of task kinds (echo, exit 1, a body
 * that is not JSON, an unknown action, a nap, a sleep past the invocation or past its own
 * timeout, the same message twice, the same body under another id), a results queue whose
 * every SendMessageBatch call answers its own way (delivered, refused whole, throttled,
 * some entries failed on SQS's or the sender's side, slow) and a random time left. Every run
 * must keep the batch's contract:
 * - each message ends as exactly one delivered result or one batch item failure, never both
 *   (but for the two documented at-least-once cases: a call abandoned at the deadline after
 *   the queue took it, and a FIFO group's later result in the same call as its failed one,
 *   RELIABILITY F20), never neither;
 * - a delivered result is the right answer for its kind; a task the invocation's end cut
 *   short is answered only if it had the invocation's whole window (it started within the
 *   slack of the invocation's start: a retry could not give it more time), and then as
 *   exceeding that window; one that started later is retried;
 * - a permanent failure goes back to SQS only for a transient reason;
 * - FIFO groups run one task at a time, stop at their first retried message and send no
 *   result after it; a standard queue runs at most TASK_CONCURRENCY tasks at once;
 * - the handler never throws, its response is well formed, and it returns in time.
 */
import fc from 'fast-check';
import * as sqsSdk from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/actions/registry.js';
import type { Action } from '../src/actions/types.js';
import { taskBody } from '../src/producer/task.js';
import { loadConfig } from '../src/tasks/config.js';
import { sqsPublisher } from '../src/tasks/publisher.js';
import type { TaskUpdate } from '../src/tasks/results.js';
import { createSqsHandler } from '../src/tasks/sqs-handler.js';
import { context } from './helpers/stack.js';
import { record, rshellTask, TimedLogger, WHOLE_WINDOW_FAILURE, wholeWindowSlackMs } from './faults-helpers.js';

const RUNS = Number(process.env.FUZZ_BATCH_RUNS ?? 40);
const SEED = process.env.FUZZ_BATCH_SEED === undefined ? 5 : Number(process.env.FUZZ_BATCH_SEED);

const SLEEP_FQN = 'com.example.test.sleep';
const SIGNING_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:signing-XyZ123';

/** Sleeps `inputs.ms`; stops at the abort (rejecting with its reason) unless `inputs.deaf`. */
const sleepAction: Action = {
  fqn: SLEEP_FQN,
  async run(ctx) {
    const ms = Number(ctx.task.inputs.ms);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, ms);
      t.unref();
      if (ctx.task.inputs.deaf !== true) {
        ctx.signal.addEventListener('abort', () => (clearTimeout(t), reject(ctx.signal.reason)), { once: true });
      }
    });
    return { slept: ms };
  },
};

const oneIn = (n: number) => fc.nat(n - 1).map((v) => v === 0);

type Kind = 'ok' | 'exit1' | 'malformed' | 'unknown' | 'nap' | 'forever' | 'deaf' | 'own_timeout';

function bodyOf(kind: Kind, n: number): string {
  const sleep = (inputs: Record<string, unknown>) => taskBody({ id: `t-${n}`, bundleId: 'com.example.test', name: 'sleep', inputs });
  switch (kind) {
    case 'ok':
      return rshellTask(`echo ok-${n}`, { id: `t-${n}`, allowedPaths: ['/tmp'] });
    case 'exit1':
      return rshellTask('echo no >&2; false', { id: `t-${n}`, allowedPaths: ['/tmp'] });
    case 'malformed':
      return `{"data": not json ${n}`;
    case 'unknown':
      return taskBody({ id: `t-${n}`, bundleId: 'com.example.nope', name: 'run', inputs: {} });
    case 'nap':
      return sleep({ ms: 40, timeout: 3600 });
    case 'forever':
      return sleep({ ms: 60_000, timeout: 3600 });
    case 'deaf':
      return sleep({ ms: 60_000, timeout: 3600, deaf: true });
    case 'own_timeout':
      return sleep({ ms: 60_000, timeout: 1 });
  }
}

/** How one SendMessageBatch call is answered. */
type CallBehaviour =
  | { kind: 'ok' }
  | { kind: 'fail' }
  | { kind: 'throttle' }
  | { kind: 'partial'; pick: 'last' | 'first' | 'mask'; mask: number; senderFault: boolean }
  | { kind: 'slow'; ms: number };

const behaviour: fc.Arbitrary<CallBehaviour> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'ok' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'fail' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'throttle' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('partial' as const), pick: fc.constantFrom('last' as const, 'first' as const, 'mask' as const), mask: fc.nat(1023), senderFault: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('slow' as const), ms: fc.integer({ min: 5, max: 400 }) }) },
);

interface Delivery {
  messageId: string;
  call: number;
  /** The call was abandoned (its abort signal fired) after the queue had taken it. */
  abandoned: boolean;
  /** This was a re-send of an entry an earlier call failed. */
  resent: boolean;
  update: TaskUpdate;
}

interface Offer {
  call: number;
  messageId: string;
  failed: boolean;
}

/** A SendMessageBatch client whose n-th call answers as `plan[n]` (then 'ok'), recording everything. */
function fakeQueue(plan: CallBehaviour[]) {
  const deliveries: Delivery[] = [];
  const offers: Offer[] = [];
  const seen = new Set<string>();
  let calls = 0;
  const client = {
    async send(cmd: sqsSdk.SendMessageBatchCommand, opts?: { abortSignal?: AbortSignal }) {
      const call = calls++;
      const b = plan[call] ?? { kind: 'ok' };
      const entries = cmd.input.Entries ?? [];
      if (opts?.abortSignal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      const idOf = (e: (typeof entries)[number]) => (JSON.parse(e.MessageBody!) as TaskUpdate).data.attributes.message_id;
      if (b.kind === 'fail' || b.kind === 'throttle') for (const e of entries) offers.push({ call, messageId: idOf(e), failed: true });
      if (b.kind === 'fail') throw Object.assign(new Error('We encountered an internal error.'), { name: 'InternalError', $fault: 'server' });
      if (b.kind === 'throttle') throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' });
      const failing = new Set<number>();
      if (b.kind === 'partial') {
        entries.forEach((_, i) => {
          if (b.pick === 'last' ? i === entries.length - 1 : b.pick === 'first' ? i === 0 : (b.mask >> i) & 1) failing.add(i);
        });
      }
      const taken: Delivery[] = [];
      entries.forEach((e, i) => {
        const update = JSON.parse(e.MessageBody!) as TaskUpdate;
        const messageId = update.data.attributes.message_id;
        offers.push({ call, messageId, failed: failing.has(i) });
        if (failing.has(i)) return;
        const d = { messageId, call, abandoned: false, resent: seen.has(messageId), update };
        taken.push(d);
        deliveries.push(d);
      });
      for (const e of entries) seen.add(idOf(e));
      if (b.kind === 'slow') {
        // The queue has taken the messages; the answer comes late, or never if abandoned.
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, b.ms);
          opts?.abortSignal?.addEventListener('abort', () => {
            clearTimeout(t);
            for (const d of taken) d.abandoned = true;
            reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' }));
          });
        });
      }
      return {
        Successful: entries.filter((_, i) => !failing.has(i)).map((e) => ({ Id: e.Id, MessageId: `r-${e.Id}`, MD5OfMessageBody: '' })),
        Failed: [...failing].map((i) => ({ Id: entries[i]!.Id, SenderFault: b.kind === 'partial' && b.senderFault, Code: 'InternalError' })),
      };
    },
  };
  return { client: client as unknown as sqsSdk.SQSClient, deliveries, offers };
}

interface Item {
  kind: Kind;
  group: number;
  /** Also deliver this record a second time (same message id and body) at a random later place. */
  twice: boolean;
  /** Also send the same body under another message id. */
  sameBody: boolean;
}

const item: fc.Arbitrary<Item> = fc.record({
  kind: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<Kind>('ok', 'exit1', 'malformed', 'unknown') },
    { weight: 2, arbitrary: fc.constant<Kind>('nap') },
    { weight: 2, arbitrary: fc.constantFrom<Kind>('forever', 'deaf') },
    { weight: 1, arbitrary: fc.constant<Kind>('own_timeout') },
  ),
  group: fc.nat(2),
  twice: oneIn(8),
  sameBody: oneIn(8),
});

const scenario = fc.record({
  fifo: fc.boolean(),
  fifoResults: fc.boolean(),
  items: fc.array(item, { minLength: 1, maxLength: 10 }),
  plan: fc.array(behaviour, { maxLength: 12 }),
  // Not all multiples of 5: a Lambda's time left is any whole number of milliseconds.
  remainingMs: fc.constantFrom(0, 20, 60, 150, 299, 600, 1203, 2601),
  concurrency: fc.integer({ min: 1, max: 4 }),
  dupAt: fc.nat(20),
  /** The runtime cannot be built (a signing-key secret that cannot be read): the batch goes back whole. */
  broken: oneIn(10),
});

/** When the publish deadline falls, in ms after the handler starts (src/tasks/timeout.ts, default reserves). */
const publishBy = (rem: number) => rem - Math.min(100, rem * 0.25) - Math.min(1000, rem * 0.2);

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

const FIFO_ARN = 'arn:aws:sqs:us-east-1:123456789012:tasks.fifo';

function buildRecords(s: Scenario): { records: SQSRecord[]; kinds: Map<string, Kind> } {
  const records: SQSRecord[] = [];
  const kinds = new Map<string, Kind>();
  s.items.forEach((it, n) => {
    const extra: Partial<SQSRecord> = s.fifo ? { eventSourceARN: FIFO_ARN } : {};
    const add = (body: string) => {
      const r = record(body, extra);
      if (s.fifo) r.attributes.MessageGroupId = `g${it.group}`;
      records.push(r);
      kinds.set(r.messageId, it.kind);
      return r;
    };
    const r = add(bodyOf(it.kind, n));
    if (it.sameBody && records.length < 10) add(r.body);
    if (it.twice && records.length < 10) {
      const at = Math.min(records.length, records.indexOf(r) + 1 + (s.dupAt % (records.length - records.indexOf(r))));
      records.splice(at, 0, { ...r, receiptHandle: `${r.receiptHandle}-again` });
    }
  });
  return { records: records.slice(0, 10), kinds };
}

/** Starts and ends of tasks, from the log, in order. */
function taskEvents(logger: TimedLogger) {
  return logger.records
    .filter((l) => l.msg === 'task started' || l.msg === 'task finished')
    .map((l) => ({ start: l.msg === 'task started', id: String(l.message_id), retry: l.result === 'retry' }));
}

/**
 * Timing around hadWholeWindow's slack: the invocation began between the handler's call and
 * the first task's start, and a task's `task started` line comes just after its start.
 */
const SLACK_MARGIN_MS = 15;

async function check(s: Scenario, handler: ReturnType<typeof createSqsHandler>, logger: TimedLogger, q: ReturnType<typeof fakeQueue>) {
  const { records, kinds } = buildRecords(s);
  const distinct = [...new Set(records.map((r) => r.messageId))];
  const groupOf = new Map(records.map((r) => [r.messageId, r.attributes.MessageGroupId]));
  logger.records = [];
  const started = Date.now();
  const res = await handler({ Records: records }, context(s.remainingMs));
  const took = Date.now() - started;

  // Well formed: every identifier is a message of the batch, each named once.
  expect(Array.isArray(res.batchItemFailures)).toBe(true);
  const failed = res.batchItemFailures.map((f) => f.itemIdentifier);
  for (const id of failed) expect(distinct).toContain(id);
  expect(new Set(failed).size).toBe(failed.length);
  const failedSet = new Set(failed);

  // In time (below 400 ms left timers may fire late on a busy CPU: RELIABILITY F8).
  expect(took).toBeLessThanOrEqual(s.remainingMs + (s.remainingMs < 400 ? 60 : 0));

  const slack = wholeWindowSlackMs(s.remainingMs);
  const startedAt = (id: string) => logger.startedAt.get(id);
  const firstStart = Math.min(...distinct.map((id) => startedAt(id) ?? Infinity));
  /** An answer that the task exceeded the invocation's window: it must have started within the slack. */
  const expectWholeWindow = (id: string, details: string | undefined, ownSeconds: number, why: string) => {
    const m = WHOLE_WINDOW_FAILURE.exec(details ?? '');
    expect(m, `${why}: ${details}`).not.toBeNull();
    expect(Number(m![2]), why).toBe(ownSeconds);
    const at = startedAt(id);
    expect(at, `${why}: answered as cut short, never started`).toBeDefined();
    expect(at! - firstStart, `${why}: answered as having had the whole window, started ${at! - firstStart} ms after the first task (slack ${slack} ms)`).toBeLessThanOrEqual(slack + SLACK_MARGIN_MS);
  };
  // And the other way: a task the runner gave back after starting it started past the slack.
  for (const l of logger.records.filter((l) => l.msg === 'task finished' && l.result === 'retry')) {
    const id = String(l.message_id);
    const late = startedAt(id)! - started;
    expect(late, `${id} (${kinds.get(id)}) retried although it started ${late} ms after the call (slack ${slack} ms)`).toBeGreaterThan(slack - SLACK_MARGIN_MS);
  }

  const deliveredOf = (id: string) => q.deliveries.filter((d) => d.messageId === id);
  /** Documented at-least-once: delivered in an abandoned call, or after a failed entry of its group in the same call (F20). */
  const excused = (d: Delivery) =>
    d.abandoned ||
    (s.fifo &&
      q.offers.some((o) => o.call === d.call && o.failed && groupOf.get(o.messageId) === groupOf.get(d.messageId) && o.messageId !== d.messageId && distinct.indexOf(o.messageId) < distinct.indexOf(d.messageId)));

  for (const id of distinct) {
    const ds = deliveredOf(id);
    const kind = kinds.get(id)!;
    const why = `${id} (${kind}): delivered ${ds.length}, failed ${failedSet.has(id)}`;
    expect(ds.length, why).toBeLessThanOrEqual(1);
    expect(ds.length + (failedSet.has(id) ? 1 : 0), why).toBeGreaterThanOrEqual(1);
    if (ds.length === 1 && failedSet.has(id)) {
      const calls = q.offers.map((o) => `${o.call}:${o.messageId}@${groupOf.get(o.messageId) ?? '-'}${o.failed ? '!' : ''}`).join(' ');
      expect(excused(ds[0]!), `${why}: published and retried; records ${distinct.join(' ')}; calls ${calls}`).toBe(true);
    }

    // A delivered result is the right answer for its kind.
    const u = ds[0]?.update;
    if (u) {
      const p = u.data.attributes.payload as { outputs?: Record<string, unknown>; error_code?: string; error_details?: string };
      expect(u.data.attributes.message_id).toBe(id);
      switch (kind) {
        case 'ok':
          expect([u.data.id, p.outputs?.exitCode, p.outputs?.stdout], why).toEqual(['succeed_task', 0, expect.stringMatching(/^ok-\d+\n$/)]);
          break;
        case 'exit1':
          expect([u.data.id, p.outputs?.exitCode], why).toEqual(['succeed_task', 1]);
          break;
        case 'malformed':
        case 'unknown':
          expect([u.data.id, p.error_code], why).toEqual(['fail_task', 'INTERNAL_ERROR']);
          break;
        case 'nap':
          expect([u.data.id, p.outputs?.slept], why).toEqual(['succeed_task', 40]);
          break;
        case 'own_timeout':
          expect([u.data.id, p.error_code], why).toEqual(['fail_task', 'INTERNAL_ERROR']);
          // Its own 1 s, or, with less than that left for tasks, the invocation's window.
          if (p.error_details !== 'task execution exceeded timeout of 1 seconds') expectWholeWindow(id, p.error_details, 1, why);
          break;
        case 'forever':
        case 'deaf':
          // Only the invocation's end stops these: a retry, or, for a task that had the
          // invocation's whole window, the answer that it exceeded that window.
          expect([u.data.id, p.error_code], why).toEqual(['fail_task', 'INTERNAL_ERROR']);
          expectWholeWindow(id, p.error_details, 3600, why);
          break;
      }
    }
  }

  // An answered task goes back to SQS only for a transient reason: its result was offered
  // and refused, or never sent because the publish deadline came or its FIFO group stopped.
  const answeredByRunner = (id: string) =>
    ['malformed', 'unknown'].includes(kinds.get(id)!) || logger.records.some((l) => l.msg === 'task finished' && l.message_id === id && l.result !== 'retry');
  for (const id of failed) {
    if (s.broken || !answeredByRunner(id) || deliveredOf(id).length > 0) continue;
    if (q.offers.some((o) => o.messageId === id)) continue;
    const g = groupOf.get(id);
    const stoppedBefore = s.fifo && distinct.slice(0, distinct.indexOf(id)).some((o) => groupOf.get(o) === g && failedSet.has(o));
    const logs = JSON.stringify(logger.records.filter((l) => l.level !== 'info' || l.msg === 'invocation done'));
    expect(stoppedBefore || took >= publishBy(s.remainingMs) - 5, `${id} (${kinds.get(id)}) retried, never offered, took ${took} ms: ${logs}`).toBe(true);
  }

  const events = taskEvents(logger);
  if (s.fifo) {
    for (const g of new Set(distinct.map((id) => groupOf.get(id)))) {
      const ids = distinct.filter((id) => groupOf.get(id) === g);
      // After the group's first retried message: all retried, none started, none delivered.
      const k = ids.findIndex((id) => failedSet.has(id));
      if (k >= 0) {
        for (const id of ids.slice(k + 1)) {
          expect(failedSet.has(id), `${id} after ${ids[k]} in group ${g}`).toBe(true);
          for (const d of deliveredOf(id)) expect(excused(d), `${id} delivered after ${ids[k]} was retried in group ${g}`).toBe(true);
        }
        // A task the runner gave back (or never started: no time left) stops its group at once.
        const runnable = !['malformed', 'unknown'].includes(kinds.get(ids[k]!)!);
        const startedK = events.findIndex((e) => e.start && e.id === ids[k]);
        const retriedAt = startedK < 0 ? (runnable ? 0 : -1) : events.findIndex((e) => !e.start && e.retry && e.id === ids[k]);
        if (retriedAt >= 0) {
          const later = events.slice(retriedAt).filter((e) => e.start && ids.slice(k + 1).includes(e.id));
          expect(later.map((e) => e.id), `ran after ${ids[k]} was retried in group ${g}`).toEqual([]);
        }
      }
      // One task of a group at a time, in order.
      let running = 0;
      const order: string[] = [];
      for (const e of events.filter((e) => ids.includes(e.id))) {
        running += e.start ? 1 : -1;
        if (e.start) order.push(e.id);
        expect(running, `group ${g} ran two tasks at once`).toBeLessThanOrEqual(1);
      }
      expect(order, `group ${g} ran out of order`).toEqual(ids.filter((id) => order.includes(id)));
      // Results of a group reach the queue in order, re-sends aside (F20).
      const firstSends = q.deliveries.filter((d) => ids.includes(d.messageId) && !d.resent).map((d) => d.messageId);
      expect(firstSends, `group ${g} results out of order`).toEqual(ids.filter((id) => firstSends.includes(id)));
    }
  } else {
    let running = 0;
    for (const e of events) {
      running += e.start ? 1 : -1;
      expect(running).toBeLessThanOrEqual(s.concurrency);
    }
  }
}

describe('random batches through the handler and a misbehaving results queue', () => {
  it(`${RUNS} batches: each message answered xor retried, FIFO order kept, in time`, async () => {
    const registry = new Map([...defaultRegistry(), [SLEEP_FQN, sleepAction]]);
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const q = fakeQueue(s.plan);
        const logger = new TimedLogger();
        const url = `https://sqs.us-east-1.amazonaws.com/123456789012/results${s.fifoResults ? '.fifo' : ''}`;
        const publisher = sqsPublisher(q.client, url, sqsSdk);
        const env = { TASK_CONCURRENCY: String(s.concurrency), ...(s.broken ? { TASK_SIGNING_KEYS: SIGNING_ARN } : {}) };
        const readSecret = async (): Promise<string> => {
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        };
        const handler = createSqsHandler(loadConfig(env), { logger, publisher, registry, readSecret });
        await check(s, handler, logger, q);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });
});
