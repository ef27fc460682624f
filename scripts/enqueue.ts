/**
 * `npm run enqueue -- --queue-url URL --command '...' [--allowed-path P ...]
 *   [--allowed-command rshell:X ...] [--timeout S] [--group G] [--sign-key FILE --key-id ID [--expires-in S]]`
 * Builds a task in the envelope the handler reads and sends it with the AWS SDK. The
 * standard AWS_ENDPOINT_URL_SQS (and AWS_REGION / credentials) apply; a loopback endpoint
 * gets placeholder credentials so `npm run local` needs no AWS account.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SQSClient } from '@aws-sdk/client-sqs';
import { enqueueTask } from '../src/producer/enqueue.js';
import { DEFAULT_SIGNED_VALIDITY_MS } from '../src/producer/task.js';

const { values } = parseArgs({
  options: {
    'queue-url': { type: 'string' },
    command: { type: 'string' },
    'allowed-path': { type: 'string', multiple: true },
    'allowed-command': { type: 'string', multiple: true },
    timeout: { type: 'string' },
    group: { type: 'string' },
    'sign-key': { type: 'string' },
    'key-id': { type: 'string' },
    'expires-in': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
const usage = "usage: npm run enqueue -- --queue-url URL --command '...' [--allowed-path P ...] [--allowed-command rshell:X ...] [--timeout S] [--group G] [--sign-key FILE --key-id ID [--expires-in S]]";
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const queueUrl = values['queue-url'] ?? process.env.TASK_QUEUE_URL;
if (!queueUrl || values.command === undefined) {
  console.error(usage);
  process.exit(2);
}
const endpoint = process.env.AWS_ENDPOINT_URL_SQS;
const loopback = endpoint !== undefined && /^https?:\/\/(127\.|localhost|\[::1\])/.test(endpoint);
const client = new SQSClient(
  loopback
    ? { region: process.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
    : {},
);
const inputs: Record<string, unknown> = { command: values.command };
if (values.timeout !== undefined) inputs.timeout = Number(values.timeout);
// A signed task runs again if it is sent again before it expires.
const expiresIn = values['expires-in'] === undefined ? DEFAULT_SIGNED_VALIDITY_MS / 1000 : Number(values['expires-in']);
if (!Number.isFinite(expiresIn) || expiresIn <= 0) {
  console.error(`--expires-in must be a positive number of seconds, got ${JSON.stringify(values['expires-in'])}`);
  process.exit(2);
}
const signer =
  values['sign-key'] && values['key-id']
    ? { keyId: values['key-id'], key: createPrivateKey(readFileSync(values['sign-key'])), expiresAt: Date.now() + expiresIn * 1000 }
    : undefined;
const sent = await enqueueTask(
  client,
  queueUrl,
  { inputs, allowedPaths: values['allowed-path'] ?? [], allowedCommands: values['allowed-command'] ?? [] },
  signer,
  values.group,
);
console.log(JSON.stringify({ messageId: sent.messageId, taskId: sent.taskId, traceId: sent.traceId.toString(), parentId: sent.parentId.toString() }));
client.destroy();
