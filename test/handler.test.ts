/**
 * The handler end to end over the fixtures: results on a real SQS-compatible endpoint on
 * loopback, spans at the local intake before the handler resolves, batch semantics.
 */
import * as sqs from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSqsHandler } from '../src/tasks/sqs-handler.js';
import { startLocalQueues, type LocalQueues } from '../src/local/sqs-server.js';
import { loadConfig } from '../src/tasks/config.js';
import { taskBody } from '../src/producer/task.js';
import { sqsPublisher } from '../src/tasks/publisher.js';
import { datadogCarrierOf } from '../src/tasks/trace-context.js';
import type { FailurePayload, SuccessPayload, TaskUpdate } from '../src/tasks/results.js';
import { startLocalIntake, type IntakeSpan, type LocalIntake } from '../src/tracing/local-intake.js';
import { context, drainMessages, drainResults, fixture, MemoryLogger, MemoryPublisher, trustedKeysJson } from './helpers/stack.js';

let intake: LocalIntake;
let queues: LocalQueues;

beforeAll(async () => {
  intake = await startLocalIntake();
  queues = await startLocalQueues({ prefix: 'handler-test' });
});
afterAll(async () => {
  await intake.close();
  await queues.close();
});
afterEach(() => {
  intake.clear();
  intake.setFault(null);
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { DD_API_KEY: 'test-key', DD_TRACE_INTAKE_URL: intake.url, DD_ENV: 'test', ...extra };
}

function sqsHandler(extra: Record<string, string> = {}, logger = new MemoryLogger()) {
  return createSqsHandler(loadConfig(env(extra)), { logger, publisher: sqsPublisher(queues.client, queues.resultsQueueUrl, sqs) });
}

const outputs = (u: TaskUpdate | undefined) => (u?.data.attributes.payload as SuccessPayload).outputs;
const failure = (u: TaskUpdate | undefined) => u?.data.attributes.payload as FailurePayload;
const spansNamed = (name: string) => intake.spans().filter((s) => s.name === name);

describe('handler over the fixtures', () => {
  it('answers a single task on the results queue, with its spans already at the intake', async () => {
    const handler = sqsHandler();
    const res = await handler(fixture('single-task.json'), context());
    expect(res).toEqual({ batchItemFailures: [] });
    // No waiting: the flush happened before the handler resolved.
    const runSpans = spansNamed('action.run');
    expect(runSpans).toHaveLength(1);
    const [result] = await drainResults(queues, 1);
    expect(result.data.id).toBe('succeed_task');
    expect(result.data.attributes).toMatchObject({
      task_id: 'single-1',
      job_id: 'job-single-1',
      action_fqn: 'com.datadoghq.remoteaction.rshell.runCommand',
      message_id: fixture('single-task.json').Records[0].messageId,
    });
    expect(outputs(result)).toEqual({ exitCode: 0, stdout: 'hello from rshell\nanswer=42\n', stderr: '', sandboxWarnings: [] });

    const span = runSpans[0];
    expect(span.service).toBe('private-action-runner');
    expect(span.resource).toBe('com.datadoghq.remoteaction.rshell.runCommand');
    expect(span.error).toBe(0);
    expect(span.meta).toMatchObject({
      task_id: 'single-1',
      job_id: 'job-single-1',
      cold_start: 'true',
      function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:lambda-action-runner-local',
      env: 'test',
    });
    expect(span.meta.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(span.metrics._top_level).toBe(1);
    expect(span.metrics._sampling_priority_v1).toBe(2);
    expect(span.metrics['sqs.receive_count']).toBe(1);
    expect(span.metrics['sqs.queue_time_ms']).toBeGreaterThan(0);

    const run = spansNamed('run')[0];
    expect(run.service).toBe('rshell');
    expect(run.parent_id).toBe(span.span_id);
    expect(run.trace_id).toBe(span.trace_id);
    expect(spansNamed('command').map((s) => s.resource)).toEqual(['echo', 'printf']);

    // Second invocation of the same container: no longer a cold start.
    intake.clear();
    await handler(fixture('single-task.json'), context());
    expect(spansNamed('action.run')[0].meta.cold_start).toBe('false');
    await drainResults(queues, 1);
  });

  it('with RSHELL_DETAILED_TELEMETRY=false sends the run span but no command spans', async () => {
    const handler = sqsHandler({ RSHELL_DETAILED_TELEMETRY: 'false' });
    expect(await handler(fixture('single-task.json'), context())).toEqual({ batchItemFailures: [] });
    const [result] = await drainResults(queues, 1);
    expect(outputs(result)).toEqual({ exitCode: 0, stdout: 'hello from rshell\nanswer=42\n', stderr: '', sandboxWarnings: [] });
    const [action] = spansNamed('action.run');
    const [run] = spansNamed('run');
    expect(run.parent_id).toBe(action.span_id);
    expect(run.metrics['rshell.run.commands.total']).toBe(2);
    expect(intake.spans().map((s) => s.name).sort()).toEqual(['action.run', 'run']);
  });

  it('puts DD_TAGS on every span it sends; a tag the span sets itself wins, and DD_ENV wins over env in DD_TAGS', async () => {
    const handler = sqsHandler({ DD_TAGS: 'team:sre,cost-center:42,task_id:not-this,env:not-this' });
    expect(await handler(fixture('single-task.json'), context())).toEqual({ batchItemFailures: [] });
    await drainResults(queues, 1);
    const spans = intake.spans();
    expect(spans.map((s) => s.name).sort()).toEqual(['action.run', 'command', 'command', 'run']);
    for (const span of spans) expect(span.meta).toMatchObject({ team: 'sre', 'cost-center': '42', env: 'test' });
    expect(spansNamed('action.run')[0].meta.task_id).toBe('single-1');
    expect(spansNamed('run')[0].meta.task_id).toBe('not-this');
  });

  it('shares RSHELL_MAX_SPANS_PER_INVOCATION between the tasks of a batch; every run span is sent', async () => {
    const detail = () => intake.spans().filter((s) => s.service === 'rshell' && s.name !== 'run');
    // The same batch without a binding limit: how many detail spans its scripts make.
    await sqsHandler()(fixture('batch-of-ten.json'), context());
    await drainResults(queues, 10);
    const unlimited = detail().length;
    expect(unlimited).toBeGreaterThan(5);
    intake.clear();

    const logger = new MemoryLogger();
    const handler = sqsHandler({ RSHELL_MAX_SPANS_PER_INVOCATION: '5', TASK_CONCURRENCY: '1' }, logger);
    for (let invocation = 0; invocation < 2; invocation++) {
      expect(await handler(fixture('batch-of-ten.json'), context())).toEqual({ batchItemFailures: [] });
      expect(await drainResults(queues, 10)).toHaveLength(10);
      expect(spansNamed('action.run')).toHaveLength(10);
      const runs = spansNamed('run');
      expect(runs).toHaveLength(10);
      // Each invocation starts with a full budget of 5.
      expect(detail()).toHaveLength(5);
      // What the runs lost is on their spans: with what was sent, every start is accounted for.
      const dropped = runs.reduce((n, r) => n + (r.metrics['rshell.run.spans_dropped'] ?? 0), 0);
      expect(dropped).toBe(unlimited - 5);
      // Once per invocation in the logs, with the same count (no run reached rshell's own cap).
      const spent = logger.records.filter((l) => l.msg === 'span budget spent');
      expect(spent).toHaveLength(invocation + 1);
      expect(spent[invocation]).toMatchObject({ level: 'warn', budget: 5, refused: dropped });
      intake.clear();
    }
  });

  it("keeps every span of a run at rshell's 10,000 cap: the action.run span around it is not over the trace's cap", async () => {
    const logger = new MemoryLogger();
    const event = fixture('single-task.json');
    // run + for + 5,000 × (for.iteration + command) = 10,002 starts: rshell keeps 10,000.
    event.Records[0].body = taskBody({ id: 'loop', jobId: 'j-loop', inputs: { command: 'for i in {1..5000}; do true; done' }, allowedCommands: ['rshell:true'] });
    expect(await sqsHandler({}, logger)(event, context())).toEqual({ batchItemFailures: [] });
    await drainResults(queues, 1);
    expect(intake.spans()).toHaveLength(10_001);
    expect(spansNamed('run')[0].metrics['rshell.run.spans_dropped']).toBe(2);
    expect(logger.records.find((l) => l.msg === 'invocation done')).toMatchObject({ spans_sent: 10_001, spans_dropped: 0 });
  });

  it('logs one summary line per invocation: records, retries, and what the span flush sent and how long it waited', async () => {
    const logger = new MemoryLogger();
    const ctx = context();
    const handler = sqsHandler({}, logger);
    expect(await handler(fixture('batch-of-ten.json'), ctx)).toEqual({ batchItemFailures: [] });
    await drainResults(queues, 10);
    const done = logger.records.filter((l) => l.msg === 'invocation done');
    expect(done).toHaveLength(1);
    const reqs = intake.requests();
    expect(reqs.length).toBeGreaterThan(0);
    expect(done[0]).toMatchObject({
      level: 'info',
      request_id: ctx.awsRequestId,
      function_name: ctx.functionName,
      cold_start: true,
      records: 10,
      retried: 0,
      // Non-zero exits and rejected constructs are a script's outputs, not failed tasks.
      tasks_succeeded: 10,
      tasks_failed: 0,
      spans_sent: intake.spans().length,
      spans_dropped: 0,
      spans_sampled_out: undefined,
      span_requests: reqs.length,
      span_bytes: reqs.reduce((n, r) => n + r.body.length, 0),
    });
    expect(done[0].flush_wait_ms).toEqual(expect.any(Number));
    expect(done[0].duration_ms).toBeGreaterThanOrEqual(done[0].flush_wait_ms as number);
    // Last of the invocation's lines: every task's lines come before it.
    expect(logger.records.at(-1)?.msg).toBe('invocation done');
    // The same container's next invocation is warm; bodies that are not tasks are answered as failed.
    await handler(fixture('malformed.json'), context());
    await drainResults(queues, 8);
    expect(logger.records.filter((l) => l.msg === 'invocation done')[1]).toMatchObject({ cold_start: false, records: 8, retried: 0, tasks_succeeded: 0, tasks_failed: 8 });
  });

  it('runs a batch of ten and answers each task exactly once', async () => {
    const res = await sqsHandler()(fixture('batch-of-ten.json'), context());
    expect(res.batchItemFailures).toEqual([]);
    const results = new Map((await drainResults(queues, 10)).map((r) => [r.data.attributes.task_id, r]));
    expect(results.size).toBe(10);
    expect(outputs(results.get('batch-1'))).toMatchObject({ exitCode: 0, stdout: 'one\n' });
    expect(outputs(results.get('batch-2'))).toMatchObject({ exitCode: 0, stdout: '003.1|ab  |ff\n' });
    expect(outputs(results.get('batch-3'))).toMatchObject({ stdout: 'item alpha\nitem beta\nitem gamma\n' });
    expect(outputs(results.get('batch-4'))).toMatchObject({ stdout: 'bigger\n' });
    expect(outputs(results.get('batch-5'))).toMatchObject({ exitCode: 0, stdout: '      2 a\n      1 b\n      1 c\n' });
    expect(outputs(results.get('batch-6'))).toMatchObject({ exitCode: 0, stdout: '1\n' });
    // A non-zero exit status is an output, not a failure.
    expect(results.get('batch-7')?.data.id).toBe('succeed_task');
    expect(outputs(results.get('batch-7'))).toMatchObject({ exitCode: 3, stdout: 'exit status is an output\n' });
    expect(outputs(results.get('batch-8'))).toEqual({ exitCode: 127, stdout: '', stderr: 'curl: command not allowed\n', sandboxWarnings: [] });
    expect(outputs(results.get('batch-9'))).toEqual({ exitCode: 2, stdout: '', stderr: 'while/until loops are not supported\n', sandboxWarnings: [] });
    expect(outputs(results.get('batch-10'))).toMatchObject({ exitCode: 0, stdout: 'inline and 0\nrecovered\n' });
    // Each task has its own trace (no shared first-record context).
    expect(new Set(spansNamed('action.run').map((s) => s.trace_id)).size).toBe(10);
  });

  it('sends the spans of finished tasks while others run, and every span exactly once before returning', async () => {
    const script = Array.from({ length: 300 }, (_, i) => `echo ${i}`).join('\n');
    const event = fixture('batch-of-ten.json');
    event.Records.forEach((r, i) => (r.body = taskBody({ id: `big-${i}`, jobId: `j-${i}`, inputs: { command: script }, allowedCommands: ['rshell:echo'] })));
    const res = await sqsHandler({ TASK_CONCURRENCY: '2' })(event, context());
    expect(res.batchItemFailures).toEqual([]);
    // 10 tasks x (action.run + run + 300 commands), all at the intake when the handler resolved.
    const spans = intake.spans();
    expect(spans).toHaveLength(3020);
    expect(new Set(spans.map((s) => s.span_id)).size).toBe(3020);
    // More than one request: early ones went out while later tasks ran.
    expect(intake.requests().length).toBeGreaterThan(1);
    expect(intake.requests().every((r) => r.status === 202)).toBe(true);
    await drainResults(queues, 10);
  });

  it('keeps FIFO order within groups and stops a group after its first retried message', async () => {
    const pub = new MemoryPublisher();
    const event = fixture('fifo-batch.json');
    pub.refuse.add(event.Records[0].messageId); // a1's result cannot be delivered
    const h = createSqsHandler(loadConfig(env()), { logger: new MemoryLogger(), publisher: pub });
    const res = await h(event, context());
    // a1 undelivered ⇒ a1 and a2 go back to SQS, and a2's result is held back (it is
    // answered when SQS redelivers it, once); group b is unaffected.
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([event.Records[0].messageId, event.Records[2].messageId]);
    expect(pub.items.map((i) => i.update.data.attributes.task_id)).toEqual(['fifo-b1', 'fifo-b2']);
    expect(pub.items.map((i) => i.groupId)).toEqual(['group-b', 'group-b']);
  });

  it('treats a standard queue whose messages carry group ids (fair queues) as standard, not FIFO', async () => {
    const pub = new MemoryPublisher();
    const event = fixture('fifo-batch.json');
    for (const r of event.Records) r.eventSourceARN = r.eventSourceARN.replace(/\.fifo$/, '');
    pub.refuse.add(event.Records[0].messageId);
    const h = createSqsHandler(loadConfig(env()), { logger: new MemoryLogger(), publisher: pub });
    const res = await h(event, context());
    // Only a1 goes back; a2 is answered although it shares a1's group, and no group id is
    // passed on to the results.
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([event.Records[0].messageId]);
    expect(pub.items.map((i) => i.update.data.attributes.task_id).sort()).toEqual(['fifo-a2', 'fifo-b1', 'fifo-b2']);
    expect(pub.items.map((i) => i.groupId)).toEqual([undefined, undefined, undefined]);
  });

  it('gives every malformed body a specific failed result and no retry', async () => {
    const pub = new MemoryPublisher();
    const event = fixture('malformed.json');
    const res = await createSqsHandler(loadConfig(env()), { logger: new MemoryLogger(), publisher: pub })(event, context());
    expect(res.batchItemFailures).toEqual([]);
    const details = pub.items.map((i) => [i.update.data.id, failure(i.update).error_code, failure(i.update).error_details]);
    const ids = event.Records.map((r) => r.messageId);
    expect(details).toEqual([
      ['fail_task', 'INTERNAL_ERROR', `message ${ids[0]}: body is not valid JSON: invalid literal at position 0`],
      ['fail_task', 'INTERNAL_ERROR', `message ${ids[1]}: invalid task: data.attributes.bundle_id: required string is missing; data.attributes.job_id: required string is missing`],
      ['fail_task', 'INTERNAL_ERROR', `message ${ids[2]}: invalid task: data.attributes.trace_id: must be an unsigned 64-bit integer; data.attributes.span_id: must be an unsigned 64-bit integer`],
      ['fail_task', 'INTERNAL_ERROR', `message ${ids[3]}: invalid task: data.attributes.trace_id: must be an unsigned 64-bit integer`],
      ['fail_task', 'ACTION_ERROR', 'command is required'],
      ['fail_task', 'INTERNAL_ERROR', `message ${ids[5]}: the SNS notification's Message is not valid JSON: invalid literal at position 0`],
      ['fail_task', 'INTERNAL_ERROR', `message ${ids[6]}: the SNS notification's Message: invalid task: data.attributes.job_id: required string is missing`],
      ['fail_task', 'INTERNAL_ERROR', `message ${ids[7]}: the EventBridge event's detail: invalid task: data.attributes.name: required string is missing`],
    ]);
    // The unreadable body still names its message; identifiable tasks keep their ids.
    expect(pub.items[0].update.data.attributes.message_id).toBe(ids[0]);
    expect(pub.items[2].update.data.attributes.task_id).toBe('bad-ids');
    expect(pub.items[6].update.data.attributes.task_id).toBe('sns-missing-fields');
    expect(pub.items[7].update.data.attributes).toMatchObject({ task_id: 'eventbridge-missing-fields', job_id: 'job-eb' });
  });

  it('answers an unknown action without opening an action.run span', async () => {
    const pub = new MemoryPublisher();
    await createSqsHandler(loadConfig(env()), { logger: new MemoryLogger(), publisher: pub })(fixture('unknown-action.json'), context());
    expect(failure(pub.items[0].update)).toEqual({
      error_code: 'INTERNAL_ERROR',
      error_details: 'could not find action for com.datadoghq.remoteaction.rshell.deleteEverything',
    });
    expect(spansNamed('action.run')).toHaveLength(0);
  });

  it('runs only tasks whose signature verifies when keys are configured', async () => {
    const pub = new MemoryPublisher();
    await createSqsHandler(loadConfig(env({ TASK_SIGNING_KEYS: trustedKeysJson() })), { logger: new MemoryLogger(), publisher: pub })(
      fixture('signed.json'),
      context(),
    );
    const byTask = pub.byTask();
    expect(outputs(byTask.get('signed-ed25519'))).toMatchObject({ exitCode: 0, stdout: 'signed with ed25519\n' });
    expect(outputs(byTask.get('signed-rsa'))).toMatchObject({ exitCode: 0, stdout: 'signed with rsa\n' });
    expect(failure(byTask.get('unsigned')).error_code).toBe('SIGNATURE_ERROR');
    expect(failure(byTask.get('signed-expired'))).toEqual({ error_code: 'EXPIRED_TASK', error_details: 'task expired at 2020-01-01T00:00:00.000Z' });
    expect(failure(byTask.get('signed-unknown-key'))).toEqual({ error_code: 'SIGNATURE_KEY_NOT_FOUND', error_details: 'no trusted key for key id(s): not-trusted' });
    expect(failure(byTask.get('signed-tampered'))).toEqual({ error_code: 'SIGNATURE_ERROR', error_details: 'invalid signature for key id fixture-ed25519' });
    // The signed data ran; job ids came from the unsigned wrapper.
    expect(byTask.get('signed-rsa')?.data.attributes.job_id).toBe('job-signed-rsa');
  });

  it('gives every signed fixture the same answer when it arrives inside an SNS notification or an EventBridge event', async () => {
    const run = async (event: SQSEvent) => {
      const pub = new MemoryPublisher();
      await createSqsHandler(loadConfig(env({ TASK_SIGNING_KEYS: trustedKeysJson() })), { logger: new MemoryLogger(), publisher: pub })(event, context());
      return pub.items.map((i) => i.update);
    };
    const direct = fixture('signed.json');
    const viaSns = fixture('signed.json');
    for (const r of viaSns.Records) r.body = JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:123456789012:tasks', Message: r.body });
    const viaEventBridge = fixture('signed.json');
    for (const r of viaEventBridge.Records) r.body = `{"detail-type":"runCommand requested","source":"com.example.ops","detail":${r.body}}`;
    const answers = await run(direct);
    expect(answers.map((u) => u.data.id)).toEqual(['succeed_task', 'succeed_task', 'fail_task', 'fail_task', 'fail_task', 'fail_task']);
    expect(await run(viaSns)).toEqual(answers);
    expect(await run(viaEventBridge)).toEqual(answers);
  });

  it('parents each task from its own message: task ids, _datadog, traceparent, an SNS notification\'s or EventBridge event\'s _datadog, a Datadog AWSTraceHeader, or a new trace', async () => {
    const pub = new MemoryPublisher();
    await createSqsHandler(loadConfig(env()), { logger: new MemoryLogger(), publisher: pub })(fixture('trace-propagation.json'), context());
    const byTask = new Map(spansNamed('action.run').map((s) => [s.meta.task_id, s]));
    expect(byTask.get('trace-task-ids')).toMatchObject({ trace_id: 12345678901234567890n, parent_id: 9876543210987654321n });
    expect(byTask.get('trace-datadog-attr')).toMatchObject({ trace_id: 18446744073709551557n, parent_id: 4611686018427387904n });
    expect(byTask.get('trace-traceparent')).toMatchObject({ trace_id: 0xfedcba9876543210n, parent_id: 0x0123456789abcdefn });
    expect(byTask.get('trace-sns')).toMatchObject({ trace_id: 9223372036854775809n, parent_id: 77n, metrics: { _sampling_priority_v1: 1 } });
    expect(byTask.get('trace-aws-header')).toMatchObject({ trace_id: 0xf00dfeedcafe0001n, parent_id: 0xabcdef01n, metrics: { _sampling_priority_v1: 1 } });
    expect(byTask.get('trace-eventbridge')).toMatchObject({ trace_id: 13835058055282163713n, parent_id: 88n, metrics: { _sampling_priority_v1: 1 } });
    for (const fresh of [byTask.get('trace-none')!, byTask.get('trace-xray-only')!]) expect(fresh.parent_id).toBe(0n);
    expect(new Set([...byTask.values()].map((s) => s.trace_id)).size).toBe(8);
    // Every child keeps its task's trace id, even above 2^63.
    const runs = spansNamed('run').filter((s) => s.trace_id === 12345678901234567890n);
    expect(runs).toHaveLength(1);
    expect(runs[0].parent_id).toBe(byTask.get('trace-task-ids')!.span_id);
    // Each result continues its task's trace from the action.run span, with the trace's
    // priority and, for a 128-bit trace, its upper half.
    const high = new Map([['trace-datadog-attr', 0x640cfd8d00000000n], ['trace-traceparent', 0x640cfd8e00000000n]]);
    for (const item of pub.items) {
      const task = item.update.data.attributes.task_id!;
      const span = byTask.get(task)!;
      const traceIdHigh = high.get(task);
      expect(item.trace).toEqual({ traceId: span.trace_id, spanId: span.span_id, samplingPriority: span.metrics._sampling_priority_v1, ...(traceIdHigh && { traceIdHigh }) });
    }
    // The traceparent's tracestate says 2 (dd=s:2), beyond what its sampled flag can.
    expect(pub.items.map((i) => i.trace?.samplingPriority)).toEqual([2, 2, 2, 2, 1, 1, 2, 1]);
  });

  it('joins a 128-bit trace: every span of it carries _dd.p.tid, and its result hands the upper half on', async () => {
    const pub = new MemoryPublisher();
    await createSqsHandler(loadConfig(env()), { logger: new MemoryLogger(), publisher: pub })(fixture('trace-propagation.json'), context());
    const tidOfTrace = new Map<bigint, Set<string | undefined>>();
    for (const s of intake.spans()) {
      const set = tidOfTrace.get(s.trace_id) ?? new Set();
      set.add(s.meta['_dd.p.tid']);
      tidOfTrace.set(s.trace_id, set);
    }
    // From x-datadog-tags, and from a traceparent's first 16 hex digits; every other trace is 64-bit.
    expect(tidOfTrace.get(18446744073709551557n)).toEqual(new Set(['640cfd8d00000000']));
    expect(tidOfTrace.get(0xfedcba9876543210n)).toEqual(new Set(['640cfd8e00000000']));
    expect([...tidOfTrace.values()].filter((tids) => !tids.has(undefined))).toHaveLength(2);
    expect(intake.spans().filter((s) => s.trace_id === 18446744073709551557n).map((s) => s.name).sort()).toEqual(['action.run', 'command', 'run']);
    const carrier = (task: string) => JSON.parse(datadogCarrierOf(pub.items.find((i) => i.update.data.attributes.task_id === task)!.trace!));
    expect(carrier('trace-datadog-attr')).toMatchObject({ 'x-datadog-trace-id': '18446744073709551557', 'x-datadog-tags': '_dd.p.tid=640cfd8d00000000' });
    expect(carrier('trace-traceparent')['x-datadog-tags']).toBe('_dd.p.tid=640cfd8e00000000');
    expect(carrier('trace-task-ids')['x-datadog-tags']).toBeUndefined();
  });

  it('at DD_TRACE_SAMPLE_RATE=0 sends no trace it started, hands the drop on to their results, and keeps traces that came with a parent', async () => {
    const pub = new MemoryPublisher();
    const logger = new MemoryLogger();
    await createSqsHandler(loadConfig(env({ DD_TRACE_SAMPLE_RATE: '0' })), { logger, publisher: pub })(fixture('trace-propagation.json'), context());
    const fresh = ['trace-none', 'trace-xray-only'];
    const sent = new Set(spansNamed('action.run').map((s) => s.meta.task_id));
    expect([...sent].sort()).toEqual(['trace-aws-header', 'trace-datadog-attr', 'trace-eventbridge', 'trace-sns', 'trace-task-ids', 'trace-traceparent']);
    for (const item of pub.items) {
      const started = fresh.includes(item.update.data.attributes.task_id!);
      expect(item.update.data.id).toBe('succeed_task');
      if (started) expect(item.trace?.samplingPriority).toBe(-1);
      else expect(item.trace?.samplingPriority).toBeGreaterThan(0);
    }
    // Only the two action.run spans: rshell made none under a trace that would not be sent.
    expect(logger.records.find((l) => l.msg === 'invocation done')).toMatchObject({ spans_sampled_out: 2 });
  });

  it('DD_TRACE_SAMPLING_RULES picks by the root as it starts (here a task_id tag); a trace no rule matches is kept undecided', async () => {
    const pub = new MemoryPublisher();
    const rules = '[{"resource":"*.runCommand","tags":{"task_id":"trace-NONE"},"sample_rate":0},{"name":"run","sample_rate":0}]';
    await createSqsHandler(loadConfig(env({ DD_TRACE_SAMPLING_RULES: rules })), { logger: new MemoryLogger(), publisher: pub })(fixture('trace-propagation.json'), context());
    const roots = new Map(spansNamed('action.run').map((s) => [s.meta.task_id, s]));
    expect(roots.has('trace-none')).toBe(false);
    // Started here too, matched by no rule (rshell's `run` span is never a root): no decision, sent.
    expect(roots.get('trace-xray-only')?.metrics).toMatchObject({ _sampling_priority_v1: 2 });
    expect(roots.get('trace-xray-only')?.metrics['_dd.rule_psr']).toBeUndefined();
    expect(roots.size).toBe(7);
    expect(pub.items.find((i) => i.update.data.attributes.task_id === 'trace-none')?.trace?.samplingPriority).toBe(-1);
  });

  it('a task refused before its span (unreadable body, unknown action, bad signature) hands on the context it came with', async () => {
    const carrier = { _datadog: { stringValue: '{"x-datadog-trace-id":"11","x-datadog-parent-id":"12","x-datadog-sampling-priority":"2"}', dataType: 'String' } };
    const answers = async (records: SQSRecord[], extra: Record<string, string> = {}) => {
      const pub = new MemoryPublisher();
      await createSqsHandler(loadConfig(env(extra)), { logger: new MemoryLogger(), publisher: pub })({ Records: records }, context());
      return pub.items.map((i) => [failure(i.update).error_code, i.trace]);
    };
    const unreadable = { ...fixture('malformed.json').Records[0], messageAttributes: carrier };
    const unknown = { ...fixture('unknown-action.json').Records[0], messageAttributes: carrier };
    const bare = fixture('malformed.json').Records[1];
    expect(await answers([unreadable, unknown, bare])).toEqual([
      ['INTERNAL_ERROR', { traceId: 11n, spanId: 12n, samplingPriority: 2 }],
      ['INTERNAL_ERROR', { traceId: 11n, spanId: 12n, samplingPriority: 2 }],
      ['INTERNAL_ERROR', undefined], // nothing to hand on
    ]);
    const unsigned = fixture('signed.json').Records.find((r) => r.body.includes('"unsigned"'))!;
    unsigned.attributes.AWSTraceHeader = 'Root=1-00000000-00000000000000000000000d;Parent=000000000000000e;Sampled=0';
    expect(await answers([unsigned], { TASK_SIGNING_KEYS: trustedKeysJson() })).toEqual([['SIGNATURE_ERROR', { traceId: 13n, spanId: 14n, samplingPriority: 0 }]]);
    expect(spansNamed('action.run')).toEqual([]);
  });

  it('with tracing off, a result still hands on the context its task came with', async () => {
    const pub = new MemoryPublisher();
    await createSqsHandler(loadConfig({}), { logger: new MemoryLogger(), publisher: pub })(fixture('trace-propagation.json'), context());
    const traceOf = new Map(pub.items.map((i) => [i.update.data.attributes.task_id, i.trace]));
    expect(traceOf.get('trace-task-ids')).toEqual({ traceId: 12345678901234567890n, spanId: 9876543210987654321n, samplingPriority: undefined });
    expect(traceOf.get('trace-datadog-attr')).toEqual({ traceId: 18446744073709551557n, spanId: 4611686018427387904n, samplingPriority: 2, traceIdHigh: 0x640cfd8d00000000n });
    expect(traceOf.get('trace-traceparent')).toEqual({ traceId: 0xfedcba9876543210n, spanId: 0x0123456789abcdefn, samplingPriority: 2, traceIdHigh: 0x640cfd8e00000000n });
    expect(traceOf.get('trace-sns')).toEqual({ traceId: 9223372036854775809n, spanId: 77n, samplingPriority: 1 });
    expect(traceOf.get('trace-eventbridge')).toEqual({ traceId: 13835058055282163713n, spanId: 88n, samplingPriority: 1 });
    expect(traceOf.get('trace-none')).toBeUndefined();
    expect(traceOf.get('trace-xray-only')).toBeUndefined();
  });

  it("fails a task that exceeds its own timeout, with the error's type only on the span", async () => {
    const pub = new MemoryPublisher();
    const started = Date.now();
    const res = await createSqsHandler(loadConfig(env()), { logger: new MemoryLogger(), publisher: pub })(fixture('timeout.json'), context());
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(res.batchItemFailures).toEqual([]);
    expect(failure(pub.items[0].update)).toEqual({ error_code: 'INTERNAL_ERROR', error_details: 'task execution exceeded timeout of 1 seconds' });
    const span = spansNamed('action.run')[0];
    expect(span.error).toBe(1);
    expect(span.meta['error.type']).toBe('TimeoutError');
    expect(Object.keys(span.meta).filter((k) => k.startsWith('error.'))).toEqual(['error.type']);
  });

  it("a task cut at its own deadline leaves an rshell run span whose outcome is timeout, not canceled", async () => {
    // The PAR runs rshell under a context with the task's deadline: rshell classifies
    // context.DeadlineExceeded as `timeout` (specs/rshell.md §5, par-telemetry §2.3/§3.2).
    // Before: the executor's deadline timer aborted the run first, as a plain cancel.
    const pub = new MemoryPublisher();
    await createSqsHandler(loadConfig(env()), { logger: new MemoryLogger(), publisher: pub })(fixture('timeout.json'), context());
    expect(failure(pub.items[0].update).error_details).toBe('task execution exceeded timeout of 1 seconds');
    const [run] = spansNamed('run');
    expect([run.error, run.meta['rshell.run.outcome'], run.meta['error.type']]).toEqual([1, 'timeout', 'timeout']);
  });
});

describe('batch semantics and failures', () => {
  it('retries tasks the invocation has no time left to run, and returns before its deadline', async () => {
    const pub = new MemoryPublisher();
    const fixed = fixture('timeout.json');
    // The same task twice, one slot. 2.5 s left (1.4 s for tasks): the first runs to its own
    // 1 s timeout (answered); the second starts that late, so its own 1 s timeout is capped
    // by the invocation ⇒ retry, no result (a task that had the invocation's whole window
    // would be answered instead: a retry could not give it more time).
    const event: SQSEvent = { Records: [{ ...fixed.Records[0], messageId: 'timeout-ahead' }, fixed.Records[0]] };
    const started = Date.now();
    // No tracer here: the in-process intake would parse the runs' 10,000 spans each on this
    // same event loop, which a remote intake never does (tracing faults are covered below).
    const res = await createSqsHandler(loadConfig({ TASK_CONCURRENCY: '1' }), { logger: new MemoryLogger(), publisher: pub })(event, context(2_500));
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: fixed.Records[0].messageId }]);
    expect(pub.items.map((i) => [i.messageId, (i.update.data.attributes.payload as FailurePayload).error_details])).toEqual([
      ['timeout-ahead', 'task execution exceeded timeout of 1 seconds'],
    ]);
  });

  it('turns an unreachable results queue into batch item failures', async () => {
    const logger = new MemoryLogger();
    const handler = createSqsHandler(loadConfig(env({ RESULTS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/nowhere' })), { logger });
    const prev = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
    try {
      const event = fixture('single-task.json');
      const res = await handler(event, context(5000));
      expect(res.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0].messageId }]);
      expect(logger.records.filter((l) => l.msg === 'invocation done')).toEqual([expect.objectContaining({ records: 1, retried: 1, tasks_succeeded: 0, tasks_failed: 0 })]);
    } finally {
      process.env = prev;
    }
  });

  it('publishes through AWS_ENDPOINT_URL_SQS with the real SDK client; the result continues the task\'s trace', async () => {
    const prev = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL_SQS: queues.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' });
    try {
      const handler = createSqsHandler(loadConfig(env({ RESULTS_QUEUE_URL: queues.resultsQueueUrl })), { logger: new MemoryLogger() });
      const res = await handler(fixture('single-task.json'), context());
      expect(res.batchItemFailures).toEqual([]);
      const [m] = await drainMessages(queues, queues.resultsQueueUrl, 1);
      expect(outputs(JSON.parse(m.Body!) as TaskUpdate)).toMatchObject({ stdout: 'hello from rshell\nanswer=42\n' });
      // A consumer traced by Datadog continues from the task's action.run span.
      const [run] = spansNamed('action.run');
      expect(m.MessageAttributes?._datadog?.DataType).toBe('String');
      expect(JSON.parse(m.MessageAttributes!._datadog.StringValue!)).toEqual({
        'x-datadog-trace-id': run.trace_id.toString(),
        'x-datadog-parent-id': run.span_id.toString(),
        'x-datadog-sampling-priority': '2',
      });
    } finally {
      process.env = prev;
    }
  });

  it('task results are unaffected by a failing intake, and the handler still returns in time', async () => {
    for (const fault of [{ kind: 'status', code: 500 }, { kind: 'reset' }, { kind: 'hang' }] as const) {
      intake.setFault(fault);
      const pub = new MemoryPublisher();
      const started = Date.now();
      const res = await createSqsHandler(loadConfig(env()), { logger: new MemoryLogger(), publisher: pub })(fixture('single-task.json'), context(3000));
      expect(Date.now() - started).toBeLessThan(3000);
      expect(res.batchItemFailures).toEqual([]);
      expect(outputs(pub.items[0].update)).toMatchObject({ exitCode: 0, stdout: 'hello from rshell\nanswer=42\n' });
    }
    intake.setFault(null);
  });

  it('sets the trace sampling priority from apmSamplingPriority: kept, or dropped on the telemetry intake', async () => {
    const withPriority = (priority: number) => {
      const ev = fixture('single-task.json');
      const body = JSON.parse(ev.Records[0].body) as { data: { attributes: { inputs: Record<string, unknown> } } };
      body.data.attributes.inputs.apmSamplingPriority = priority;
      ev.Records[0].body = JSON.stringify(body);
      return ev;
    };
    const publisher = new MemoryPublisher();
    const handler = createSqsHandler(loadConfig(env()), { logger: new MemoryLogger(), publisher });
    await handler(withPriority(1), context());
    const kept = intake.spans();
    expect(kept.map((s) => s.name).sort()).toEqual(['action.run', 'command', 'command', 'run']);
    for (const s of kept) expect(s.metrics._sampling_priority_v1).toBe(1);
    intake.clear();
    // A drop is the task's choice about its trace, not about the task: it still runs and answers.
    await handler(withPriority(-1), context());
    expect(intake.spans()).toEqual([]);
    expect(publisher.items.map((i) => i.update.data.id)).toEqual(['succeed_task', 'succeed_task']);
    // The result hands the decision on, so a traced consumer keeps or drops its part alike.
    expect(publisher.items.map((i) => i.trace?.samplingPriority)).toEqual([1, -1]);
  });

  it('makes no rshell span under a dropped trace for the telemetry intake, and every span for an agent, which counts dropped traces', async () => {
    const dropped = fixture('single-task.json');
    const body = JSON.parse(dropped.Records[0].body) as { data: { attributes: { inputs: Record<string, unknown> } } };
    body.data.attributes.inputs.apmSamplingPriority = -1;
    dropped.Records[0].body = JSON.stringify(body);
    const logger = new MemoryLogger();
    await createSqsHandler(loadConfig(env()), { logger, publisher: new MemoryPublisher() })(dropped, context());
    // Only action.run was made (and not sent): rshell's run and commands would be 3 more.
    expect(logger.records.find((l) => l.msg === 'invocation done')).toMatchObject({ spans_sent: 0, spans_sampled_out: 1 });
    await createSqsHandler(loadConfig(env({ DD_TRACE_AGENT_URL: intake.baseUrl })), { logger: new MemoryLogger(), publisher: new MemoryPublisher() })(dropped, context());
    expect(intake.spans().map((s) => [s.name, s.metrics._sampling_priority_v1]).sort()).toEqual([
      ['action.run', -1],
      ['command', -1],
      ['command', -1],
      ['run', -1],
    ]);
  });

  it('never throws and never returns a malformed response on garbage events', async () => {
    const handler = createSqsHandler(loadConfig(env()), { logger: new MemoryLogger(), publisher: new MemoryPublisher() });
    for (const ev of [null, {}, { Records: null }, { Records: [null, 5, {}] }, { Records: [{ messageId: 'm1' }] }] as unknown as SQSEvent[]) {
      const res = await handler(ev, context());
      expect(Array.isArray(res.batchItemFailures)).toBe(true);
    }
    // Records that are not a list (a hand-made console test event): nothing to answer, no throw.
    for (const ev of [{ Records: 'not-a-list' }, { Records: { length: 1 } }, { Records: 42 }] as unknown as SQSEvent[]) {
      await expect(handler(ev, context())).resolves.toEqual({ batchItemFailures: [] });
    }
    const res = await handler({ Records: [{ messageId: 'm1' }] } as unknown as SQSEvent, context());
    expect(res).toEqual({ batchItemFailures: [] });
  });

  it('logs task ids and trace correlation, never script text or outputs', async () => {
    const logger = new MemoryLogger();
    await createSqsHandler(loadConfig(env()), { logger, publisher: new MemoryPublisher() })(fixture('single-task.json'), context());
    const finished = logger.records.find((r) => r.msg === 'task finished')!;
    const span = spansNamed('action.run')[0] as IntakeSpan;
    expect(finished).toMatchObject({ task_id: 'single-1', result: 'success', 'dd.trace_id': span.trace_id.toString(), 'dd.span_id': span.span_id.toString() });
    const text = JSON.stringify(logger.records);
    expect(text).not.toContain('hello from rshell');
    expect(text).not.toContain('answer');
  });
});
