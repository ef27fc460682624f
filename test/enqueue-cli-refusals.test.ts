/**
 * `npm run enqueue` refuses what it cannot honour, before anything is sent: half a signing
 * pair (it used to send the task unsigned), a timeout the runner would not read (it used to
 * fall back to its default silently), and bad flags, keys or queues answered with one line,
 * never a stack trace.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalQueues, type LocalQueues } from '../src/local/sqs-server.js';
import { drainQueue, ROOT } from './helpers/stack.js';

const run = promisify(execFile);
const KEY = join(ROOT, 'test/fixtures/keys/ed25519-test-private.pem');

let queues: LocalQueues;
beforeAll(async () => {
  queues = await startLocalQueues({ prefix: 'enqueue-refusals' });
});
afterAll(() => queues?.close());

type Failure = { code: number; stdout: string; stderr: string };
function enqueue(args: string[], endpoint = queues.endpoint) {
  return run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/enqueue.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, AWS_ENDPOINT_URL_SQS: endpoint },
  });
}
const failure = (p: Promise<unknown>) => p.then(() => ({ code: 0, stdout: '', stderr: '' }) as Failure, (e: Failure) => e);

describe('npm run enqueue: flags it cannot honour', () => {
  it('--sign-key without --key-id is refused, not sent unsigned', async () => {
    const err = await failure(enqueue(['--queue-url', queues.taskQueueUrl, '--command', 'true', '--sign-key', KEY]));
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/--sign-key and --key-id/);
    // Nothing reached the queue.
    expect(await drainQueue(queues, queues.taskQueueUrl, 1, 1500)).toEqual([]);
  });

  it('--key-id without --sign-key is refused, not sent unsigned', async () => {
    const err = await failure(enqueue(['--queue-url', queues.taskQueueUrl, '--command', 'true', '--key-id', 'fixture-ed25519']));
    expect(err.code).toBe(2);
    expect(await drainQueue(queues, queues.taskQueueUrl, 1, 1500)).toEqual([]);
  });

  it.each(['abc', '1.5', '0', '-3'])('--timeout %s is refused (the runner would silently use its default)', async (t) => {
    const err = await failure(enqueue(['--queue-url', queues.taskQueueUrl, '--command', 'true', `--timeout=${t}`]));
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/--timeout must be a positive whole number of seconds/);
    expect(await drainQueue(queues, queues.taskQueueUrl, 1, 1000)).toEqual([]);
  });

  it('an unknown flag prints the usage and exits 2 like other usage errors, without a stack trace', async () => {
    const err = await failure(enqueue(['--queue-url', queues.taskQueueUrl, '--command', 'true', '--allowed-commands', 'rshell:echo']));
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/usage: npm run enqueue/);
    expect(err.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unreadable --sign-key file is a one-line error, not a stack trace', async () => {
    const err = await failure(enqueue(['--queue-url', queues.taskQueueUrl, '--command', 'true', '--sign-key', '/nonexistent.pem', '--key-id', 'x']));
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/\/nonexistent\.pem/);
    expect(err.stderr).not.toMatch(/\n\s+at /);
  });

  it('a queue that does not exist is a one-line error, exit 1, not a stack trace', async () => {
    const err = await failure(enqueue(['--queue-url', queues.taskQueueUrl.replace(/tasks$/, 'missing'), '--command', 'true']));
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/QueueDoesNotExist/);
    expect(err.stderr).not.toMatch(/\n\s+at /);
  });
});
