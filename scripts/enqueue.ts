/**
 * `npm run enqueue -- --queue-url URL --command '...' [--allowed-path P ...]
 *   [--allowed-command rshell:X ...] [--timeout S] [--group G] [--sign-key FILE --key-id ID [--expires-in S]]`
 * Builds a task in the envelope the handler reads and sends it with the AWS SDK, to
 * --queue-url or else $TASK_QUEUE_URL. The
 * standard AWS_ENDPOINT_URL_SQS (and AWS_REGION / credentials) apply; a loopback endpoint
 * gets placeholder credentials so `npm run local` needs no AWS account.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseOptions, usageError } from './cli.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import { enqueueTask } from '../src/producer/enqueue.js';
import { DEFAULT_SIGNED_VALIDITY_MS } from '../src/producer/task.js';

const usage = "usage: npm run enqueue -- --queue-url URL --command '...' [--allowed-path P ...] [--allowed-command rshell:X ...] [--timeout S] [--group G] [--sign-key FILE --key-id ID [--expires-in S]] (--queue-url defaults to $TASK_QUEUE_URL)";
const options = {
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
} as const;
const { values } = parseOptions(options, usage);
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const queueUrl = values['queue-url'] ?? process.env.TASK_QUEUE_URL;
if (!queueUrl) usageError(`--queue-url is required (or set TASK_QUEUE_URL)\n${usage}`);
if (values.command === undefined) usageError(`--command is required\n${usage}`);
const endpoint = process.env.AWS_ENDPOINT_URL_SQS;
const loopback = endpoint !== undefined && /^https?:\/\/(127\.|localhost|\[::1\])/.test(endpoint);
const client = new SQSClient(
  loopback
    ? { region: process.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
    : {},
);
const inputs: Record<string, unknown> = { command: values.command };
if (values.timeout !== undefined) {
  // The runner reads inputs.timeout only as whole seconds, 0 < n ≤ 2^31−1, and otherwise uses its default.
  const t = Number(values.timeout);
  if (!/^\d+$/.test(values.timeout.trim()) || !Number.isSafeInteger(t) || t <= 0 || t > 2 ** 31 - 1) {
    usageError(`--timeout must be a positive whole number of seconds, got ${JSON.stringify(values.timeout)}`);
  }
  inputs.timeout = t;
}
if ((values['sign-key'] === undefined) !== (values['key-id'] === undefined)) {
  usageError('--sign-key and --key-id go together: give both to sign the task, or neither to send it unsigned');
}
// Only the signed copy carries an expiry: an unsigned task never expires, whatever was asked.
if (values['expires-in'] !== undefined && values['sign-key'] === undefined) {
  usageError('--expires-in applies to a signed task: give --sign-key and --key-id too (an unsigned task never expires)');
}
// A signed task runs again if it is sent again before it expires.
const expiresIn = values['expires-in'] === undefined ? DEFAULT_SIGNED_VALIDITY_MS / 1000 : Number(values['expires-in']);
if (!Number.isFinite(expiresIn) || expiresIn <= 0) {
  usageError(`--expires-in must be a positive number of seconds, got ${JSON.stringify(values['expires-in'])}`);
}
let signer;
if (values['sign-key'] !== undefined && values['key-id'] !== undefined) {
  let key;
  try {
    key = createPrivateKey(readFileSync(values['sign-key']));
  } catch (err) {
    usageError(`--sign-key ${values['sign-key']}: not a readable PEM private key (${(err as Error).message})`);
  }
  signer = { keyId: values['key-id'], key, expiresAt: Date.now() + expiresIn * 1000 };
}
let sent;
try {
  sent = await enqueueTask(
    client,
    queueUrl,
    { inputs, allowedPaths: values['allowed-path'] ?? [], allowedCommands: values['allowed-command'] ?? [] },
    signer,
    values.group,
  );
} catch (err) {
  const e = err as Error;
  console.error(`enqueue: could not send to ${queueUrl}: ${e.name}: ${e.message}`);
  client.destroy();
  process.exit(1);
}
console.log(JSON.stringify({ messageId: sent.messageId, taskId: sent.taskId, traceId: sent.traceId.toString(), parentId: sent.parentId.toString() }));
client.destroy();
