/**
 * Regenerates test/fixtures/events/*.json: SQS events in the shape Lambda delivers, holding
 * PAR task envelopes. Deterministic apart from signatures' expiry (far future) so the files
 * only change when this script does. Run: npx tsx scripts/make-fixtures.ts
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { taskBody, type Signer, type TaskSpec } from '../src/producer/task.js';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const out = join(root, 'test/fixtures/events');
const keyDir = join(root, 'test/fixtures/keys');
const QUEUE = 'arn:aws:sqs:us-east-1:123456789012:lambda-action-runner-tasks';
const FIFO_QUEUE = `${QUEUE}.fifo`;
const SENT = 1764028800000; // 2025-11-25T00:00:00Z

const ALL = ['rshell:echo', 'rshell:printf', 'rshell:true', 'rshell:false', 'rshell:test', 'rshell:[', 'rshell:exit', 'rshell:tr', 'rshell:wc', 'rshell:grep', 'rshell:head', 'rshell:cat', 'rshell:ls', 'rshell:uname', 'rshell:sort', 'rshell:uniq'];

let seq = 0;
function record(body: string, opts: { queue?: string; group?: string; messageAttributes?: Record<string, unknown>; receiveCount?: number; awsTraceHeader?: string } = {}) {
  seq++;
  const messageId = `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
  const attributes: Record<string, string> = {
    ApproximateReceiveCount: String(opts.receiveCount ?? 1),
    SentTimestamp: String(SENT + seq * 1000),
    SenderId: 'AIDAEXAMPLEPRODUCER',
    ApproximateFirstReceiveTimestamp: String(SENT + seq * 1000 + 250),
  };
  if (opts.awsTraceHeader) attributes.AWSTraceHeader = opts.awsTraceHeader;
  if (opts.group) {
    attributes.MessageGroupId = opts.group;
    attributes.MessageDeduplicationId = messageId;
    attributes.SequenceNumber = String(18849496460467696128n + BigInt(seq));
  }
  return {
    messageId,
    receiptHandle: `AQEB-fixture-${seq}`,
    body,
    attributes,
    messageAttributes: opts.messageAttributes ?? {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: opts.queue ?? QUEUE,
    awsRegion: 'us-east-1',
  };
}

/** The body SQS gets from an EventBridge rule whose target is the queue (no input transformer). */
function eventBridgeEvent(detail: string): string {
  // The detail is spliced in as JSON text so that ids above 2^53 in it stay exact.
  const head = JSON.stringify({
    version: '0',
    id: `20000000-0000-4000-8000-${String(seq + 1).padStart(12, '0')}`,
    'detail-type': 'runCommand requested',
    source: 'com.example.diagnostics',
    account: '123456789012',
    time: '2025-11-25T00:00:00Z',
    region: 'us-east-1',
    resources: [],
  });
  return `${head.slice(0, -1)},"detail":${detail}}`;
}

function task(id: string, command: string, extra: Partial<TaskSpec> = {}, signer?: Signer): string {
  return taskBody({ id, jobId: `job-${id}`, inputs: { command }, allowedCommands: ALL, allowedPaths: ['/tmp'], ...extra }, signer);
}

/** The body SQS gets from an SNS subscription without raw message delivery. */
function snsNotification(message: string, messageAttributes: Record<string, { Type: string; Value: string }> = {}): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: `10000000-0000-4000-8000-${String(seq + 1).padStart(12, '0')}`,
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:lambda-action-runner-tasks',
    Message: message,
    Timestamp: '2025-11-25T00:00:00.000Z',
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-EXAMPLE.pem',
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
    MessageAttributes: messageAttributes,
  });
}

function write(name: string, records: unknown[]) {
  writeFileSync(join(out, name), JSON.stringify({ Records: records }, null, 2) + '\n');
}

write('single-task.json', [record(task('single-1', 'echo "hello from rshell"; printf "%s=%d\\n" answer 42'))]);

const ten = [
  'echo one',
  'printf "%05.1f|%-4s|%x\\n" 3.14159 ab 255',
  'for n in alpha beta gamma; do echo "item $n"; done',
  'if test 3 -gt 2; then echo bigger; else echo smaller; fi',
  'echo "b a c a" | tr " " "\\n" | sort | uniq -c',
  'printf "x\\ny\\nz\\n" | grep -c y',
  'echo "exit status is an output"; exit 3',
  'curl http://example.com',
  'while true; do echo never; done',
  'X=inline; echo "$X and $?"; false || echo recovered',
];
write('batch-of-ten.json', ten.map((c, i) => record(task(`batch-${i + 1}`, c))));

write('fifo-batch.json', [
  record(task('fifo-a1', 'echo a1'), { queue: FIFO_QUEUE, group: 'group-a' }),
  record(task('fifo-b1', 'echo b1'), { queue: FIFO_QUEUE, group: 'group-b' }),
  record(task('fifo-a2', 'echo a2'), { queue: FIFO_QUEUE, group: 'group-a' }),
  record(task('fifo-b2', 'echo b2'), { queue: FIFO_QUEUE, group: 'group-b' }),
]);

write('malformed.json', [
  record('this is not JSON'),
  record('{"data":{"id":"missing-fields","attributes":{"name":"runCommand"}}}'),
  record('{"data":{"id":"bad-ids","attributes":{"name":"runCommand","bundle_id":"com.datadoghq.remoteaction.rshell","job_id":"job-bad-ids","trace_id":-5,"span_id":1.5,"inputs":{"command":"echo x"}}}}'),
  record('{"data":{"id":"too-big-id","attributes":{"name":"runCommand","bundle_id":"com.datadoghq.remoteaction.rshell","job_id":"j","trace_id":18446744073709551616,"inputs":{"command":"echo x"}}}}'),
  record(task('empty-command', '')),
  record(snsNotification('not a task either')),
  record(snsNotification('{"data":{"id":"sns-missing-fields","attributes":{"name":"runCommand","bundle_id":"com.datadoghq.remoteaction.rshell"}}}')),
  record(eventBridgeEvent('{"data":{"id":"eventbridge-missing-fields","attributes":{"bundle_id":"com.datadoghq.remoteaction.rshell","job_id":"job-eb"}}}')),
]);

write('unknown-action.json', [record(taskBody({ id: 'unknown-1', jobId: 'job-unknown-1', bundleId: 'com.datadoghq.remoteaction.rshell', name: 'deleteEverything', inputs: {} }))]);

const ed: Signer = { keyId: 'fixture-ed25519', key: createPrivateKey(readFileSync(join(keyDir, 'ed25519-test-private.pem'))), expiresAt: Date.parse('2099-01-01T00:00:00Z') };
const rsa: Signer = { keyId: 'fixture-rsa', key: createPrivateKey(readFileSync(join(keyDir, 'rsa-test-private.pem'))), expiresAt: Date.parse('2099-01-01T00:00:00Z') };
const tampered = JSON.parse(task('signed-tampered', 'echo signed', {}, ed)) as { data: { attributes: { signed_envelope: { data: string } } } };
tampered.data.attributes.signed_envelope.data = Buffer.from(
  Buffer.from(tampered.data.attributes.signed_envelope.data, 'base64').toString().replace('echo signed', 'echo TAMPERED'),
).toString('base64');
write('signed.json', [
  record(task('signed-ed25519', 'echo signed with ed25519', {}, ed)),
  record(task('signed-rsa', 'echo signed with rsa', {}, rsa)),
  record(task('unsigned', 'echo unsigned')),
  record(task('signed-expired', 'echo too late', {}, { ...ed, expiresAt: Date.parse('2020-01-01T00:00:00Z') })),
  record(task('signed-unknown-key', 'echo who', {}, { ...ed, keyId: 'not-trusted' })),
  record(JSON.stringify(tampered)),
]);
writeFileSync(
  join(keyDir, 'trusted-keys.json'),
  JSON.stringify({ 'fixture-ed25519': readFileSync(join(keyDir, 'ed25519-test-public.pem'), 'utf8'), 'fixture-rsa': readFileSync(join(keyDir, 'rsa-test-public.pem'), 'utf8') }, null, 2) + '\n',
);

write('trace-propagation.json', [
  record(task('trace-task-ids', 'echo parented by the task', { traceId: 12345678901234567890n, spanId: 9876543210987654321n })),
  record(task('trace-datadog-attr', 'echo parented by _datadog'), {
    messageAttributes: {
      // A 128-bit trace, as Datadog's tracers start them by default: the upper half rides in x-datadog-tags.
      _datadog: { stringValue: JSON.stringify({ 'x-datadog-trace-id': '18446744073709551557', 'x-datadog-parent-id': '4611686018427387904', 'x-datadog-sampling-priority': '2', 'x-datadog-tags': '_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000' }), dataType: 'String' },
    },
  }),
  record(task('trace-traceparent', 'echo parented by traceparent'), {
    messageAttributes: {
      _datadog: { binaryValue: Buffer.from(JSON.stringify({ traceparent: '00-640cfd8e00000000fedcba9876543210-0123456789abcdef-01', tracestate: 'dd=s:2;t.dm:-4,other=x' })).toString('base64'), dataType: 'Binary' },
    },
  }),
  record(task('trace-none', 'echo a new trace')),
  // Datadog's Java tracer writes its context into the X-Ray header SQS carries.
  record(task('trace-aws-header', 'echo parented by AWSTraceHeader'), { awsTraceHeader: 'Root=1-00000000-00000000f00dfeedcafe0001;Parent=00000000abcdef01;Sampled=1' }),
  // Fanned out through SNS without raw delivery: the task is the notification's Message, and
  // the context is the notification's _datadog (Binary, as Datadog's Node tracer writes it),
  // which wins over the SQS message's own.
  record(
    snsNotification(task('trace-sns', 'echo parented through SNS'), {
      _datadog: { Type: 'Binary', Value: Buffer.from(JSON.stringify({ 'x-datadog-trace-id': '9223372036854775809', 'x-datadog-parent-id': '77', 'x-datadog-sampling-priority': '1' })).toString('base64') },
    }),
    { messageAttributes: { _datadog: { stringValue: JSON.stringify({ 'x-datadog-trace-id': '5', 'x-datadog-parent-id': '6' }), dataType: 'String' } } },
  ),
  // X-Ray's own ids cannot join a Datadog trace: a new one.
  record(task('trace-xray-only', 'echo a new trace despite X-Ray'), { awsTraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' }),
  // Routed by an EventBridge rule: the task is the event's detail, and the context is
  // detail._datadog (headers as an object, as Datadog's tracers write it).
  record(
    eventBridgeEvent(
      task('trace-eventbridge', 'echo parented through EventBridge').slice(0, -1) +
        `,"_datadog":${JSON.stringify({ 'x-datadog-trace-id': '13835058055282163713', 'x-datadog-parent-id': '88', 'x-datadog-sampling-priority': '1' })}}`,
    ),
  ),
]);

const words = Array.from({ length: 100 }, (_, i) => String(i)).join(' ');
const endless = `W="${words}"; for a in $W; do for b in $W; do for c in $W; do for d in $W; do true; done; done; done; done`;
write('timeout.json', [record(task('timeout-1', endless, { inputs: { command: endless, timeout: 1 } }))]);

writeFileSync(
  join(out, 'manifest.json'),
  JSON.stringify(
    [
      { file: 'single-task.json', about: 'one runCommand task' },
      { file: 'batch-of-ten.json', about: 'ten tasks run concurrently: outputs, a non-zero exit, a blocked command, a rejected construct' },
      { file: 'fifo-batch.json', about: 'FIFO queue: two message groups, each in order' },
      { file: 'trace-propagation.json', about: 'parents from task ids (above 2^63), a _datadog attribute and a W3C traceparent (both 128-bit traces), a Datadog AWSTraceHeader, an SNS notification\'s or EventBridge event\'s _datadog, none' },
      { file: 'malformed.json', about: 'bodies that are not tasks (also inside SNS notifications and EventBridge events): each gets a specific failed result' },
      { file: 'unknown-action.json', about: 'an action this runner does not have' },
      { file: 'signed.json', about: 'with trusted keys: Ed25519 and RSA signed tasks run; unsigned, expired, unknown-key and tampered ones fail', env: { TASK_SIGNING_KEYS: '@test/fixtures/keys/trusted-keys.json' } },
      { file: 'timeout.json', about: 'a task whose own 1 s timeout expires' },
    ],
    null,
    2,
  ) + '\n',
);
console.log(`fixtures written to ${out}`);
