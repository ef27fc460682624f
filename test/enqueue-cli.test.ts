/**
 * `npm run enqueue` as a user runs it: a subprocess sending to the local SQS server, its
 * signed task's expiry set by --expires-in and checked by the real verifier.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalQueues, type LocalQueues } from '../src/local/sqs-server.js';
import { loadConfig } from '../src/tasks/config.js';
import { createSqsHandler } from '../src/tasks/sqs-handler.js';
import { drainQueue, context, MemoryLogger, MemoryPublisher, ROOT, trustedKeysJson } from './helpers/stack.js';
import { record } from './faults-helpers.js';

const run = promisify(execFile);
const KEY = join(ROOT, 'test/fixtures/keys/ed25519-test-private.pem');

let queues: LocalQueues;
beforeAll(async () => {
  queues = await startLocalQueues({ prefix: 'enqueue-cli' });
});
afterAll(() => queues?.close());

function enqueue(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/enqueue.ts'), '--queue-url', queues.taskQueueUrl, ...args], {
    cwd: ROOT,
    env: { ...process.env, AWS_ENDPOINT_URL_SQS: queues.endpoint },
  });
}

describe('npm run enqueue', () => {
  it('sends a task signed with its expiry --expires-in seconds ahead, which the handler runs', async () => {
    const before = Date.now();
    const { stdout } = await enqueue('--command', 'echo from the cli', '--allowed-command', 'rshell:echo', '--sign-key', KEY, '--key-id', 'fixture-ed25519', '--expires-in', '90');
    const sent = JSON.parse(stdout) as { messageId: string; taskId: string };
    const [body] = await drainQueue(queues, queues.taskQueueUrl, 1);
    const envelope = JSON.parse(body).data.attributes.signed_envelope;
    const signed = JSON.parse(Buffer.from(envelope.data, 'base64').toString()).data;
    expect(signed.id).toBe(sent.taskId);
    const expires = Date.parse(signed.attributes.expiration_time);
    expect(expires).toBeGreaterThanOrEqual(before + 90_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 90_000);

    const pub = new MemoryPublisher();
    const handler = createSqsHandler(loadConfig({ TASK_SIGNING_KEYS: trustedKeysJson(), RSHELL_ALLOWED_COMMANDS: '["rshell:echo"]' }), { logger: new MemoryLogger(), publisher: pub });
    expect(await handler({ Records: [record(body)] }, context())).toEqual({ batchItemFailures: [] });
    expect(pub.items[0].update.data.attributes.payload).toEqual({ branch: 'main', outputs: { exitCode: 0, stdout: 'from the cli\n', stderr: '', sandboxWarnings: [] } });
  });

  it('refuses an --expires-in that is not a positive number of seconds', async () => {
    const err = await enqueue('--command', 'true', '--sign-key', KEY, '--key-id', 'fixture-ed25519', '--expires-in', '0').catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2, stderr: '--expires-in must be a positive number of seconds, got "0"\n' });
  });
});
