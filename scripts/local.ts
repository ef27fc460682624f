/**
 * `npm run local` — the queue-driven pipeline on loopback: an SQS-compatible server
 * (local-aws-sqs) with the task queue, its DLQ and the results queue; the local intake; and
 * an event-source poller invoking the real handler with Lambda's batch semantics. Results
 * and span trees print as they arrive. `npm run enqueue` works against it. Ctrl-C stops all.
 * Options: --port N (SQS, default 9324), --fifo, --batch-size N, --window-ms N,
 * --max-receive N, --visibility S, --timeout-ms N (per invocation).
 */
import { parseOptions, usageError, wholeNumber } from './cli.js';
import { runnerConfig } from './runner-config.js';
import { ReceiveMessageCommand, DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { createSqsHandler } from '../src/tasks/sqs-handler.js';
import { LocalEventSource } from '../src/local/event-source.js';
import { lambdaContext } from '../src/local/lambda-context.js';
import { startLocalQueues } from '../src/local/sqs-server.js';
import { startLocalIntake } from '../src/tracing/local-intake.js';

const usage = 'usage: npm run local -- [--port N] [--fifo] [--batch-size N] [--window-ms N] [--max-receive N] [--visibility S] [--timeout-ms N]';
const { values } = parseOptions(
  {
    options: {
      port: { type: 'string', default: '9324' },
      fifo: { type: 'boolean', default: false },
      'batch-size': { type: 'string', default: '10' },
      'window-ms': { type: 'string', default: '0' },
      'max-receive': { type: 'string', default: '5' },
      visibility: { type: 'string', default: '10' },
      'timeout-ms': { type: 'string', default: '30000' },
    },
  },
  usage,
);
// Within what SQS, Lambda or a port allow: a batch size SQS refuses made every poll fail in
// silence, and no task ran.
const port = wholeNumber('port', values.port, 0, 65535);
const batchSize = wholeNumber('batch-size', values['batch-size'], 1, 10_000);
const windowMs = wholeNumber('window-ms', values['window-ms'], 0, 300_000);
const maxReceiveCount = wholeNumber('max-receive', values['max-receive'], 1, 1000);
const visibilityTimeout = wholeNumber('visibility', values.visibility, 0, 43_200);
const timeoutMs = wholeNumber('timeout-ms', values['timeout-ms'], 1, 900_000);
// Lambda's rules for an SQS trigger, as the construct checks them: a stack that polls in a
// way AWS refuses would show behaviour no deployment can have.
if (values.fifo && batchSize > 10) usageError(`--batch-size must be at most 10 with --fifo (Lambda's FIFO maximum), got ${batchSize}`);
if (values.fifo && windowMs > 0) usageError('--window-ms is not supported with --fifo (Lambda has no batching window for FIFO queues)');
if (batchSize > 10 && windowMs < 1000) usageError(`--batch-size above 10 (${batchSize}) needs --window-ms of at least 1000, as Lambda requires`);

const stackEnv = (intakeUrl: string, resultsQueueUrl: string, endpoint: string): NodeJS.ProcessEnv => ({
  ...process.env,
  DD_API_KEY: process.env.DD_API_KEY ?? 'local-development',
  DD_TRACE_INTAKE_URL: intakeUrl,
  RESULTS_QUEUE_URL: resultsQueueUrl,
  // As the construct passes its queue's redrive count: the last delivery is answered, not lost.
  TASK_MAX_RECEIVE_COUNT: String(maxReceiveCount),
  AWS_ENDPOINT_URL_SQS: endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
});
// Before anything starts: a bad DD_* value used to start the stack and return every batch
// for retry in silence until the tasks were dead-lettered.
runnerConfig(stackEnv('http://127.0.0.1:1/', 'http://127.0.0.1:1/q', 'http://127.0.0.1:1'));

const queues = await startLocalQueues({ port, fifo: values.fifo, maxReceiveCount, visibilityTimeout }).catch((err: NodeJS.ErrnoException) =>
  err.code === 'EADDRINUSE' || err.code === 'EACCES'
    ? usageError(`--port ${port}: 127.0.0.1:${port} ${err.code === 'EADDRINUSE' ? 'is already in use (another npm run local?)' : 'may not be listened on'}; give another port, or --port 0 for any free one`)
    : Promise.reject(err),
);
const intake = await startLocalIntake({ print: (t) => console.log(t) });
const env = stackEnv(intake.url, queues.resultsQueueUrl, queues.endpoint);
Object.assign(process.env, env); // the handler's SQS client reads these
// Task lines are left out (results print as they arrive); errors (a batch returned for retry) are not.
const logger = {
  log: (level: string, msg: string, fields?: Record<string, unknown>) => {
    if (level === 'error') console.error(JSON.stringify({ level, msg, ...fields }));
  },
};
const handler = createSqsHandler(runnerConfig(env), { logger });
const source = new LocalEventSource({
  client: queues.client,
  queueUrl: queues.taskQueueUrl,
  queueArn: queues.taskQueueArn,
  batchSize,
  batchingWindowMs: windowMs,
  invoke: (event) => handler(event, lambdaContext({ timeoutMs })),
  onBatch: (b) => console.log(`batch: ${b.records} record(s), ${b.deleted} done, ${b.failed} returned for retry`),
}).start();

let watching = true;
const watchResults = (async () => {
  while (watching) {
    const r = await queues.client
      .send(new ReceiveMessageCommand({ QueueUrl: queues.resultsQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['_datadog'] }))
      .catch(() => ({ Messages: [] }));
    for (const m of r.Messages ?? []) {
      // The trace context a consumer of this result would continue from.
      const carrier = m.MessageAttributes?._datadog?.StringValue;
      console.log(`result: ${m.Body}${carrier ? `\n  continues trace: ${carrier}` : ''}`);
      await queues.client.send(new DeleteMessageCommand({ QueueUrl: queues.resultsQueueUrl, ReceiptHandle: m.ReceiptHandle! })).catch(() => undefined);
    }
  }
})();

console.log(`local stack ready (loopback only)
  SQS endpoint     ${queues.endpoint}
  task queue       ${queues.taskQueueUrl}
  dead letters     ${queues.deadLetterQueueUrl}
  results queue    ${queues.resultsQueueUrl}
  span intake      ${intake.url}
enqueue a task:
  AWS_ENDPOINT_URL_SQS=${queues.endpoint} npm run enqueue -- --queue-url ${queues.taskQueueUrl} --command 'echo hello' --allowed-command rshell:echo
Ctrl-C stops everything.`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('stopping…');
  watching = false;
  await source.stop();
  await watchResults;
  await intake.close();
  await queues.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
