/**
 * `npm run enqueue` as a user runs it: a subprocess sending to the local SQS server, its
 * signed task's expiry set by --expires-in and checked by the real verifier. It refuses what
 * it cannot honour before anything is sent: half a signing pair (it used to send the task
 * unsigned), a timeout the runner would not read, and bad flags, keys or queues, each
 * answered in one line, never a stack trace.
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

/** The CLI with exactly these arguments, sending to `endpoint` (the local server). */
function enqueueRaw(args: string[], endpoint = queues.endpoint) {
  return run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/enqueue.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, AWS_ENDPOINT_URL_SQS: endpoint },
  });
}

function enqueue(...args: string[]) {
  return enqueueRaw(['--queue-url', queues.taskQueueUrl, ...args]);
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

  // Under Node 20 the AWS SDK's warning that its 2027 releases need Node 22 took nine lines.
  it('prints nothing on stderr when the task is sent', async () => {
    const { stderr } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/enqueue.ts'), '--queue-url', queues.taskQueueUrl, '--command', 'true'], {
      cwd: ROOT,
      env: { ...process.env, AWS_ENDPOINT_URL_SQS: queues.endpoint, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined },
    });
    expect(await drainQueue(queues, queues.taskQueueUrl, 1)).toHaveLength(1);
    expect(stderr).toBe('');
  });

  it('refuses an --expires-in that is not a positive number of seconds', async () => {
    const err = await enqueue('--command', 'true', '--sign-key', KEY, '--key-id', 'fixture-ed25519', '--expires-in', '0').catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2, stderr: '--expires-in must be a positive number of seconds, got "0"\n' });
  });
});

type Failure = { code: number; stdout: string; stderr: string };
const failure = (p: Promise<unknown>) => p.then(() => ({ code: 0, stdout: '', stderr: '' }) as Failure, (e: Failure) => e);

describe('npm run enqueue: flags it cannot honour', () => {
  it('--sign-key without --key-id is refused, not sent unsigned', async () => {
    const err = await failure(enqueueRaw(['--queue-url', queues.taskQueueUrl, '--command', 'true', '--sign-key', KEY]));
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/--sign-key and --key-id/);
    // Nothing reached the queue.
    expect(await drainQueue(queues, queues.taskQueueUrl, 1, 1500)).toEqual([]);
  });

  it('--key-id without --sign-key is refused, not sent unsigned', async () => {
    const err = await failure(enqueueRaw(['--queue-url', queues.taskQueueUrl, '--command', 'true', '--key-id', 'fixture-ed25519']));
    expect(err.code).toBe(2);
    expect(await drainQueue(queues, queues.taskQueueUrl, 1, 1500)).toEqual([]);
  });

  it.each(['abc', '1.5', '0', '-3'])('--timeout %s is refused (the runner would silently use its default)', async (t) => {
    const err = await failure(enqueueRaw(['--queue-url', queues.taskQueueUrl, '--command', 'true', `--timeout=${t}`]));
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/--timeout must be a positive whole number of seconds/);
    expect(await drainQueue(queues, queues.taskQueueUrl, 1, 1000)).toEqual([]);
  });

  // As their own argument, negative values got three lines from parseArgs on how to spell them.
  it.each([
    [['--timeout', '-3'], '--timeout must be a positive whole number of seconds, got "-3"\n'],
    [['--sign-key', KEY, '--key-id', 'fixture-ed25519', '--expires-in', '-5'], '--expires-in must be a positive number of seconds, got "-5"\n'],
  ])('%j is refused in one line', async (args, message) => {
    const err = await failure(enqueueRaw(['--queue-url', queues.taskQueueUrl, '--command', 'true', ...args]));
    expect(err).toMatchObject({ code: 2, stderr: message });
  });

  it('a --command value that looks like one of its options is refused with how to write it, and sent when written so', async () => {
    const err = await failure(enqueueRaw(['--queue-url', queues.taskQueueUrl, '--command', '-hx']));
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/^Option '--command <value>' argument missing \(a value that starts with an option's letter is written --command=-…\)\nusage: npm run enqueue -- /);
    await enqueueRaw(['--queue-url', queues.taskQueueUrl, '--command=-hx']);
    const [body] = await drainQueue(queues, queues.taskQueueUrl, 1, 5000);
    expect(JSON.parse(body!).data.attributes.inputs.command).toBe('-hx');
  });

  it('--expires-in without a signing key is refused, not sent as an unsigned task that never expires', async () => {
    const err = await failure(enqueueRaw(['--queue-url', queues.taskQueueUrl, '--command', 'true', '--expires-in', '60']));
    expect(err).toMatchObject({ code: 2, stderr: '--expires-in applies to a signed task: give --sign-key and --key-id too (an unsigned task never expires)\n' });
    expect(await drainQueue(queues, queues.taskQueueUrl, 1, 1000)).toEqual([]);
  });

  it('a missing --command or queue is named before the usage', async () => {
    const noCommand = await failure(enqueueRaw(['--queue-url', queues.taskQueueUrl]));
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toMatch(/^--command is required\nusage: npm run enqueue -- /);
    const noQueue = await failure(run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/enqueue.ts'), '--command', 'true'], { cwd: ROOT, env: { ...process.env, TASK_QUEUE_URL: undefined } }));
    expect(noQueue.code).toBe(2);
    expect(noQueue.stderr).toMatch(/^--queue-url is required \(or set TASK_QUEUE_URL\)\nusage: npm run enqueue -- /);
  });

  it('an unknown flag prints the usage and exits 2 like other usage errors, without a stack trace', async () => {
    const err = await failure(enqueueRaw(['--queue-url', queues.taskQueueUrl, '--command', 'true', '--allowed-commands', 'rshell:echo']));
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/usage: npm run enqueue/);
    expect(err.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unreadable --sign-key file is a one-line error, not a stack trace', async () => {
    const err = await failure(enqueueRaw(['--queue-url', queues.taskQueueUrl, '--command', 'true', '--sign-key', '/nonexistent.pem', '--key-id', 'x']));
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/\/nonexistent\.pem/);
    expect(err.stderr).not.toMatch(/\n\s+at /);
  });

  it('a queue that does not exist is a one-line error, exit 1, not a stack trace', async () => {
    const err = await failure(enqueueRaw(['--queue-url', queues.taskQueueUrl.replace(/tasks$/, 'missing'), '--command', 'true']));
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/QueueDoesNotExist/);
    expect(err.stderr).not.toMatch(/\n\s+at /);
  });
});
