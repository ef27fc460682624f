/**
 * The contract a task's sender reads: every task leaves a log line naming it and its trace,
 * a logged result is one line a log pipeline keeps whole, and a refused envelope or input
 * says which field is wrong and how.
 */
import { describe, expect, it } from 'vitest';
import { logPublisher } from '../src/tasks/publisher.js';
import { encodeResult, MAX_RESULT_BYTES, succeeded, type FailurePayload, type SuccessPayload } from '../src/tasks/results.js';
import { context, trustedKeysJson } from './helpers/stack.js';
import { failureOf, record, rshellTask, wiredHandler } from './faults-helpers.js';

const UNTRACED = { DD_TRACE_ENABLED: 'false' };
const BUNDLE = 'com.datadoghq.remoteaction.rshell';

/** A task body carrying the backend's trace context (par-telemetry §5). */
function withTrace(body: string, traceId: string, spanId: string): string {
  return body.replace('"job_id":', `"trace_id":${traceId},"span_id":${spanId},"job_id":`);
}

describe('every task leaves a log line with its task_id and trace ids', () => {
  const TRACE = '18446744073709551615';
  const SPAN = '77';

  it('a task returned to SQS because no time was left to start it', async () => {
    const w = wiredHandler(UNTRACED);
    const body = withTrace(rshellTask('echo hi', { id: 'late-task' }), TRACE, SPAN);
    // 60 ms left: the reserves leave under MIN_TASK_START_MS for tasks, so it is not started.
    const res = await w.handler({ Records: [record(body)] }, context(60));
    expect(res.batchItemFailures).toHaveLength(1);
    const line = w.logger.records.find((r) => r.task_id === 'late-task');
    expect(line).toMatchObject({ message_id: res.batchItemFailures[0]!.itemIdentifier, 'dd.trace_id': TRACE, 'dd.span_id': SPAN, result: 'retry' });
  });

  it.each([
    ['an unknown action', (b: string) => b.replace('"name":"runCommand"', '"name":"nope"'), false],
    ['an unsigned task when keys are configured', (b: string) => b, true],
  ])('a task refused before it runs: %s', async (_n, mutate, keys) => {
    const w = wiredHandler(keys ? { ...UNTRACED, TASK_SIGNING_KEYS: trustedKeysJson() } : UNTRACED);
    const res = await w.handler({ Records: [record(mutate(withTrace(rshellTask('echo hi', { id: 'refused-task' }), TRACE, SPAN)))] }, context());
    expect(res.batchItemFailures).toEqual([]);
    expect(w.publisher.items[0]!.update.data.id).toBe('fail_task');
    // The result hands the context on; the log line must join the same trace.
    expect(w.publisher.items[0]!.trace).toMatchObject({ traceId: BigInt(TRACE), spanId: BigInt(SPAN) });
    const line = w.logger.records.find((r) => r.task_id === 'refused-task');
    expect(line).toMatchObject({ 'dd.trace_id': TRACE, 'dd.span_id': SPAN });
  });

  it('a task that runs, with tracing off, joins the trace it came with (as its result does)', async () => {
    const w = wiredHandler(UNTRACED);
    await w.handler({ Records: [record(withTrace(rshellTask('echo hi', { id: 'untraced-task' }), TRACE, SPAN))] }, context());
    expect(w.publisher.items[0]!.trace).toMatchObject({ traceId: BigInt(TRACE), spanId: BigInt(SPAN) });
    const lines = w.logger.records.filter((r) => r.task_id === 'untraced-task');
    expect(lines.map((l) => l.msg)).toEqual(['task started', 'task finished']);
    for (const l of lines) expect(l).toMatchObject({ 'dd.trace_id': TRACE, 'dd.span_id': SPAN });
  });

  it('an unreadable body joins the trace its message carried', async () => {
    const w = wiredHandler(UNTRACED);
    const carrier = JSON.stringify({ 'x-datadog-trace-id': '5', 'x-datadog-parent-id': '6' });
    const rec = record('not json', { messageAttributes: { _datadog: { dataType: 'String', stringValue: carrier } } });
    await w.handler({ Records: [rec] }, context());
    const line = w.logger.records.find((r) => r.message_id === rec.messageId && r.msg !== 'invocation done');
    expect(line).toMatchObject({ 'dd.trace_id': '5', 'dd.span_id': '6' });
  });
});

describe('a result written as a log line (no results queue)', () => {
  async function logged(command: string): Promise<string> {
    const lines: string[] = [];
    const w = wiredHandler(UNTRACED, logPublisher((l) => lines.push(l)));
    const res = await w.handler({ Records: [record(rshellTask(command))] }, context());
    expect(res.batchItemFailures).toEqual([]);
    expect(lines).toHaveLength(1);
    return lines[0]!;
  }

  it('fits one log event and says it was cut, as a result on the queue does', async () => {
    // Both streams at the 256 KiB a result keeps of each: over 512 KiB of JSON in one line,
    // which a log pipeline cuts (CloudWatch Logs events are bounded), leaving no JSON at all.
    const w = 'x'.repeat(1023);
    const line = await logged(`w=${w}; for i in {1..400}; do echo $w; echo $w >&2; done`);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    const parsed = JSON.parse(line);
    expect(parsed.msg).toBe('task result');
    const outputs = (parsed.result.data.attributes.payload as SuccessPayload).outputs;
    expect(outputs.truncated).toBe(true);
    expect(outputs.exitCode).toBe(0);
    expect((outputs.stdout as string).startsWith(w + '\n')).toBe(true);
    expect((outputs.stderr as string).startsWith(w + '\n')).toBe(true);
  });

  it('a small result is written whole', async () => {
    const parsed = JSON.parse(await logged('echo hi'));
    expect(parsed.result.data.attributes.payload).toEqual({ branch: 'main', outputs: { exitCode: 0, stdout: 'hi\n', stderr: '', sandboxWarnings: [] } });
  });
});

describe('a result too large for one message', () => {
  it('keeps the start of both streams when both are long, not one stream whole and the other empty', async () => {
    // A listing on stdout and a flood of "permission denied" on stderr, 200 KiB each: one
    // SQS message holds half of that. Cutting only the longest by the whole excess emptied stdout.
    const out = 'o'.repeat(200 * 1024);
    const err = 'e'.repeat(200 * 1024);
    const u = succeeded({ taskId: 't', jobId: 'j', fqn: 'f' }, 'm', { exitCode: 0, stdout: out, stderr: err, sandboxWarnings: [] });
    const encoded = encodeResult(u);
    expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    const outputs = JSON.parse(encoded).data.attributes.payload.outputs;
    expect(outputs.truncated).toBe(true);
    // Each keeps close to its share of what fits (about 128 KiB each).
    expect(outputs.stdout.length).toBeGreaterThan(120 * 1024);
    expect(outputs.stderr.length).toBeGreaterThan(120 * 1024);
    expect(out.startsWith(outputs.stdout) && err.startsWith(outputs.stderr)).toBe(true);
  });

  it('a short stream is kept whole while the long one is cut', () => {
    const u = succeeded({ taskId: 't', jobId: 'j', fqn: 'f' }, 'm', { exitCode: 2, stdout: 'o'.repeat(400 * 1024), stderr: 'grep: x: permission denied\n', sandboxWarnings: ['w'] });
    const outputs = JSON.parse(encodeResult(u)).data.attributes.payload.outputs;
    expect(outputs).toMatchObject({ exitCode: 2, stderr: 'grep: x: permission denied\n', sandboxWarnings: ['w'], truncated: true });
    expect(outputs.stdout.length).toBeGreaterThan(250 * 1024);
  });

  it('a list longer than a message is cut from its end (rshell caps its warnings, but a list is still cut)', () => {
    const list = Array.from({ length: 4_000 }, (_, i) => `warning ${i} `.padEnd(100, 'w'));
    const u = succeeded({ taskId: 't', jobId: 'j', fqn: 'f' }, 'm', { exitCode: 0, stdout: 'ok\n', stderr: '', sandboxWarnings: list });
    const encoded = encodeResult(u);
    expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    const outputs = JSON.parse(encoded).data.attributes.payload.outputs;
    expect(outputs).toMatchObject({ exitCode: 0, stdout: 'ok\n', truncated: true });
    expect(outputs.sandboxWarnings.length).toBeGreaterThan(2_000);
    expect(outputs.sandboxWarnings).toEqual(list.slice(0, outputs.sandboxWarnings.length));
  });
});

describe('refusals say which field is wrong and how', () => {
  async function details(attrs: string): Promise<string> {
    const w = wiredHandler(UNTRACED);
    const body = rshellTask('echo hi').replace('"job_id":', `${attrs},"job_id":`);
    await w.handler({ Records: [record(body)] }, context());
    return (w.publisher.items[0]!.update.data.attributes.payload as FailurePayload).error_details;
  }

  it.each([
    // A list is what allowed_paths takes: the wrong part is its second entry.
    ['a path list with a number in it', '"allowed_paths":["/a",2]', 'data.attributes.allowed_paths.1: expected string, got number'],
    ['an environment map with a number in its list', '"allowed_paths":{"default":["/a",3]}', 'data.attributes.allowed_paths.default.1: expected string, got number'],
    ['an environment map whose entry is not a list', '"allowed_paths":{"default":5}', 'data.attributes.allowed_paths.default: expected array, got number'],
    ['a path list that is a number', '"allowed_paths":5', 'data.attributes.allowed_paths: expected array or record, got number'],
    ['a client that is an object', '"client":{}', 'data.attributes.client: expected number or string, got object'],
  ])('%s', async (_n, attrs, expected) => {
    expect(await details(attrs)).toMatch(new RegExp(`: invalid task: ${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  it.each([
    ['a number', 5, 'command must be a string, got number'],
    ['a list of words', ['echo', 'hi'], 'command must be a string, got array'],
    ['null', null, 'command must be a string, got null'],
    ['missing', undefined, 'command is required'],
    ['empty', '', 'command is required'],
  ])('a runCommand command that is %s', async (_n, command, expected) => {
    const w = wiredHandler(UNTRACED);
    const inputs = command === undefined ? {} : { command };
    const body = JSON.stringify({ data: { id: 't', type: 'task', attributes: { name: 'runCommand', bundle_id: BUNDLE, job_id: 'j', inputs, allowed_commands: ['rshell:echo'] } } });
    await w.handler({ Records: [record(body)] }, context());
    expect(failureOf(w.publisher.items[0]!.update)).toEqual({ error_code: 'ACTION_ERROR', error_details: expected });
  });
});
