/**
 * runRecord alone, over a tracer that records its spans and actions written for the test:
 * the boundaries, tags and answers the end-to-end suites reach only through timing.
 */
import type { SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Action } from '../src/actions/types.js';
import { taskBody } from '../src/producer/task.js';
import { MIN_TASK_START_MS, runRecord, type InvocationInfo, type RecordOutcome, type TaskRunnerDeps } from '../src/tasks/runner.js';
import type { FailurePayload, SuccessPayload } from '../src/tasks/results.js';
import { RecordingTracer } from './helpers/recording-tracer.js';
import { parseSigningKeys } from '../src/tasks/keys.js';
import { MemoryLogger, trustedKeysJson } from './helpers/stack.js';

const FQN = 'test.bundle.act';

function setup(run: Action['run'], extra: Partial<TaskRunnerDeps> = {}) {
  const tracer = new RecordingTracer();
  const logger = new MemoryLogger();
  const deps: TaskRunnerDeps = {
    tracer,
    logger,
    registry: new Map([[FQN, { fqn: FQN, run }]]),
    policy: { allowedCommands: [], allowedPaths: [] },
    defaultTaskTimeoutSeconds: 60,
    ...extra,
  };
  return { tracer, logger, deps };
}

function rec(body: string, attributes: Record<string, string> = {}): SQSRecord {
  return {
    messageId: 'm-1',
    receiptHandle: 'rh',
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0', ...attributes } as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:1:q',
    awsRegion: 'us-east-1',
  };
}

const body = (inputs: Record<string, unknown> = {}) => taskBody({ id: 't-1', jobId: 'j-1', bundleId: 'test.bundle', name: 'act', inputs });

function inv(now: number, tasksEndIn: number, startedAgo = 0): InvocationInfo {
  return { requestId: 'req-1', functionArn: 'arn:fn', coldStart: false, startedAt: now - startedAgo, tasksEnd: now + tasksEndIn };
}

const payloadOf = (o: Awaited<ReturnType<typeof runRecord>>) => (o.kind === 'answered' ? o.update.data.attributes.payload : undefined);

afterEach(() => {
  vi.useRealTimers();
});

describe('the time left to start a task', () => {
  it(`starts a task with exactly ${MIN_TASK_START_MS} ms left, and retries one with a millisecond less`, async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = 1_700_000_000_000;
    vi.setSystemTime(now);
    const { deps } = setup(async () => ({ ok: true }));
    const started = await runRecord(rec(body()), deps, inv(now, MIN_TASK_START_MS));
    expect(started.kind).toBe('answered');
    expect((payloadOf(started) as SuccessPayload).outputs).toEqual({ ok: true });
    expect(await runRecord(rec(body()), deps, inv(now, MIN_TASK_START_MS - 1))).toEqual({ kind: 'retry', reason: 'no time left to start the task' });
  });
});

describe('the action.run span', () => {
  const NOW = 1_700_000_000_000;
  const traced = (inputs: Record<string, unknown> = {}) => taskBody({ id: 't-1', jobId: 'j-1', bundleId: 'test.bundle', name: 'act', inputs, traceId: 77n, spanId: 88n });

  it('carries the task, invocation and message tags, under the task\'s own parent, resource the FQN', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    const { deps, tracer } = setup(async () => ({}));
    const out = await runRecord(rec(traced(), { SentTimestamp: String(NOW - 1234), ApproximateReceiveCount: '2' }), deps, { ...inv(NOW, 10_000), coldStart: true });
    expect(tracer.spans).toHaveLength(1);
    const [span] = tracer.spans;
    expect(span.name).toBe('action.run');
    expect(span.opts.resource).toBe(FQN);
    expect(span.opts.childOf).toEqual({ traceId: 77n, spanId: 88n });
    expect(span.tags).toEqual({
      task_id: 't-1',
      job_id: 'j-1',
      cold_start: true,
      function_arn: 'arn:fn',
      request_id: 'req-1',
      'sqs.message_id': 'm-1',
      'sqs.queue_time_ms': 1234,
      'sqs.receive_count': 2,
    });
    expect(span.finished).toBe(true);
    expect(span.error).toBeUndefined();
    // The result continues the span's trace, with its priority.
    expect(out).toMatchObject({ kind: 'answered', trace: { traceId: span.traceId, spanId: span.spanId, samplingPriority: 2 } });
  });

  it('leaves out queue figures a record does not carry, and clamps a send time in the future to 0', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    const { deps, tracer } = setup(async () => ({}));
    await runRecord(rec(traced(), { SentTimestamp: '0', ApproximateReceiveCount: '0' }), deps, inv(NOW, 10_000));
    await runRecord(rec(traced(), { SentTimestamp: String(NOW + 500), ApproximateReceiveCount: 'x' }), deps, inv(NOW, 10_000));
    const [none, future] = tracer.spans;
    expect(none.tags).not.toHaveProperty('sqs.queue_time_ms');
    expect(none.tags).not.toHaveProperty('sqs.receive_count');
    expect(future.tags['sqs.queue_time_ms']).toBe(0);
    expect(future.tags).not.toHaveProperty('sqs.receive_count');
  });

  it('takes the sampling priority the message carried', async () => {
    const { deps, tracer } = setup(async () => ({}));
    const r = rec(body());
    r.messageAttributes = { _datadog: { dataType: 'String', stringValue: '{"x-datadog-trace-id":"5","x-datadog-parent-id":"6","x-datadog-sampling-priority":"-1"}' } };
    const out = await runRecord(r, deps, inv(Date.now(), 10_000));
    expect(tracer.spans[0].opts.childOf).toEqual({ traceId: 5n, spanId: 6n });
    expect(tracer.spans[0].priority).toBe(-1);
    expect(out).toMatchObject({ trace: { samplingPriority: -1 } });
  });

  it('an action that throws: ACTION_ERROR with its message in the result, only its class on the span', async () => {
    const { deps, tracer } = setup(async () => {
      throw new RangeError('secret detail');
    });
    const out = await runRecord(rec(body()), deps, inv(Date.now(), 10_000));
    expect(payloadOf(out)).toEqual({ error_code: 'ACTION_ERROR', error_details: 'secret detail' });
    const [span] = tracer.spans;
    expect(span.error).toMatchObject({ code: 'ACTION_ERROR', type: 'RangeError' });
    expect(span.tags['error.type']).toBe('RangeError');
    expect(span.finished).toBe(true);
  });

  it('a thrown non-error is typed by typeof', async () => {
    const { deps, tracer } = setup(async () => {
      throw 'plain';
    });
    const out = await runRecord(rec(body()), deps, inv(Date.now(), 10_000));
    expect(payloadOf(out)).toEqual({ error_code: 'ACTION_ERROR', error_details: 'plain' });
    expect(tracer.spans[0].tags['error.type']).toBe('string');
  });
});

describe('deadlines', () => {
  /** Runs the record under fake timers, advancing them `ms`. */
  async function runFor(r: SQSRecord, deps: TaskRunnerDeps, info: (now: number) => InvocationInfo, ms: number, onReturn = (o: RecordOutcome) => o) {
    vi.useFakeTimers();
    const p = runRecord(r, deps, info(Date.now())).then(onReturn);
    await vi.advanceTimersByTimeAsync(ms);
    return p;
  }
  const never = () => new Promise<Record<string, unknown>>(() => {});

  it("a task's own timeout is answered with its seconds", async () => {
    const { deps, tracer } = setup(never);
    const out = await runFor(rec(body({ timeout: 2 })), deps, (now) => inv(now, 60_000), 2100);
    expect(payloadOf(out)).toEqual({ error_code: 'INTERNAL_ERROR', error_details: 'task execution exceeded timeout of 2 seconds' });
    expect(tracer.spans[0].tags['error.type']).toBe('TimeoutError');
  });

  it("a task with the invocation's whole window, cut by its deadline, is answered with the window to a tenth of a second", async () => {
    const { deps } = setup(never);
    const out = await runFor(rec(body()), deps, (now) => inv(now, 1260), 1400);
    expect(payloadOf(out)).toEqual({
      error_code: 'INTERNAL_ERROR',
      error_details: "task execution exceeded the 1.3 seconds an invocation leaves for tasks (its own timeout is 60 seconds): raise the function's timeout or lower inputs.timeout",
    });
  });

  it('a task that started late and was cut by the invocation is retried, its log line with no error code', async () => {
    const { deps, logger } = setup(never);
    const out = await runFor(rec(body()), deps, (now) => inv(now, 1000, 5000), 1100);
    expect(out).toEqual({ kind: 'retry', reason: 'the invocation ended before the task' });
    const finished = logger.records.find((l) => l.msg === 'task finished');
    expect(finished).toMatchObject({ result: 'retry', task_id: 't-1' });
    expect(finished).not.toHaveProperty('error_code', expect.anything());
  });

  it("the same on the queue's last delivery is answered, as a retry would reach the dead-letter queue", async () => {
    const { deps } = setup(never, { maxReceiveCount: 3 });
    const last = await runFor(rec(body(), { ApproximateReceiveCount: '3' }), deps, (now) => inv(now, 1000, 5000), 1100);
    expect((payloadOf(last) as FailurePayload).error_details).toBe(
      "task execution was cut short by the invocation's deadline on its last delivery (receive 3; the queue's maxReceiveCount is 3); it started late, behind other tasks: raise the function's timeout, lower inputs.timeout or lower the batch size",
    );
    const before = await runFor(rec(body(), { ApproximateReceiveCount: '2' }), deps, (now) => inv(now, 1000, 5000), 1100);
    expect(before.kind).toBe('retry');
  });

  it('aborts the action at its deadline with a TimeoutError, and waits a little for it to unwind', async () => {
    let reason: unknown;
    let unwound = false;
    const { deps } = setup(
      ({ signal }) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => {
            reason = signal.reason;
            setTimeout(() => {
              unwound = true;
              reject(signal.reason);
            }, 20);
          }),
        ),
    );
    let unwoundAtReturn: boolean | undefined;
    const out = await runFor(rec(body({ timeout: 1 })), deps, (now) => inv(now, 60_000), 1100, (o) => {
      unwoundAtReturn = unwound;
      return o;
    });
    expect(reason).toMatchObject({ name: 'TimeoutError', code: 'INTERNAL_ERROR' });
    // Its spans then leave with this invocation's flush (ABORT_GRACE_MS).
    expect(unwoundAtReturn).toBe(true);
    expect(payloadOf(out)).toEqual({ error_code: 'INTERNAL_ERROR', error_details: 'task execution exceeded timeout of 1 seconds' });
  });
});

describe('refusals before the span', () => {
  it('says whether the bundle or the action was missing', async () => {
    const { deps, tracer } = setup(async () => ({}));
    const noAction = await runRecord(rec(taskBody({ id: 't', jobId: 'j', bundleId: 'test.bundle', name: 'other', inputs: {} })), deps, inv(Date.now(), 10_000));
    const noBundle = await runRecord(rec(taskBody({ id: 't', jobId: 'j', bundleId: 'test.elsewhere', name: 'act', inputs: {} })), deps, inv(Date.now(), 10_000));
    expect(payloadOf(noAction)).toEqual({ error_code: 'INTERNAL_ERROR', error_details: 'could not find action for test.bundle.other' });
    expect(payloadOf(noBundle)).toEqual({ error_code: 'INTERNAL_ERROR', error_details: 'could not find bundle for test.elsewhere.act' });
    expect(tracer.spans).toEqual([]);
  });

  it('a signed envelope the verifier cannot even describe is still a SIGNATURE_ERROR', async () => {
    const { deps, tracer } = setup(async () => ({}), { keys: parseSigningKeys(trustedKeysJson()) });
    // A key id that is an object without a usable toString: naming it in the error throws a TypeError.
    const b = JSON.parse(body());
    const data = Buffer.from('{"data":{"attributes":{"expiration_time":"2099-01-01T00:00:00Z"}}}').toString('base64');
    b.data.attributes.signed_envelope = { data, hash_type: 'SHA256', signatures: [{ key_id: { toString: 1 } }] };
    const out = await runRecord(rec(JSON.stringify(b)), deps, inv(Date.now(), 10_000));
    expect(payloadOf(out)).toMatchObject({ error_code: 'SIGNATURE_ERROR' });
    expect(tracer.spans).toEqual([]);
  });

  it('an unreadable body is answered INTERNAL_ERROR with what could be read of its task', async () => {
    const { deps } = setup(async () => ({}));
    const out = await runRecord(rec('{"data":{"id":"t-9","attributes":{"name":"act","bundle_id":"test.bundle","job_id":"j-9","client":7}}}'.replace('"name":"act"', '"name":""')), deps, inv(Date.now(), 10_000));
    expect(out).toMatchObject({
      kind: 'answered',
      update: { data: { id: 'fail_task', attributes: { task_id: 't-9', job_id: 'j-9', action_fqn: '', client: 7, message_id: 'm-1', payload: { error_code: 'INTERNAL_ERROR' } } } },
    });
    expect((payloadOf(out) as FailurePayload).error_details).toBe('message m-1: invalid task: data.attributes.name: must not be empty');
  });
});
