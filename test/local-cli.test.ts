/**
 * `npm run local` as a user runs it: an option it cannot honour (not a number, outside what
 * SQS or Lambda allow) or an unknown option is answered in one line with exit 2, before
 * anything starts. It used to start anyway: `--batch-size abc` or `0` made every poll fail
 * in silence, so enqueued tasks were never run; `--timeout-ms soon` gave every invocation
 * no deadline.
 */
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/stack.js';

const run = promisify(execFile);

/** The refusal of `args`: exit code and output. A stack that starts is killed after 15 s. */
async function refusal(...args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return refusalWith({}, ...args);
}

async function refusalWith(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const err = (await run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/local.ts'), '--port', '0', ...args], { cwd: ROOT, timeout: 15_000, env: { ...process.env, ...env } }).then(
    () => { throw new Error(`local ${args.join(' ')} succeeded`); },
    (e: unknown) => e,
  )) as { code: number | null; stderr: string; stdout: string };
  return { code: err.code, stderr: err.stderr, stdout: err.stdout };
}

describe('npm run local', () => {
  it.each([
    [['--batch-size', 'abc'], /^--batch-size must be a whole number from 1 to 10000, got "abc"\n$/],
    [['--batch-size', '0'], /^--batch-size must be a whole number from 1 to 10000, got "0"\n$/],
    [['--window-ms=-1'], /^--window-ms must be a whole number from 0 to 300000, got "-1"\n$/],
    [['--max-receive', '0'], /^--max-receive must be a whole number from 1 to 1000, got "0"\n$/],
    [['--visibility', '1.5'], /^--visibility must be a whole number from 0 to 43200, got "1.5"\n$/],
    [['--timeout-ms', 'soon'], /^--timeout-ms must be a whole number from 1 to 900000, got "soon"\n$/],
    [['--port', '70000'], /^--port must be a whole number from 0 to 65535, got "70000"\n$/],
    // Lambda's own rules for an SQS trigger (the construct refuses the same).
    [['--fifo', '--batch-size', '11', '--window-ms', '1000'], /^--batch-size must be at most 10 with --fifo \(Lambda's FIFO maximum\), got 11\n$/],
    [['--fifo', '--window-ms', '100'], /^--window-ms is not supported with --fifo \(Lambda has no batching window for FIFO queues\)\n$/],
    [['--batch-size', '11'], /^--batch-size above 10 \(11\) needs --window-ms of at least 1000, as Lambda requires\n$/],
    [['--verbose'], /^Unknown option '--verbose'.*\nusage: npm run local -- \[--port N\] .*\n$/],
    // A negative value as its own argument got three lines from parseArgs on how to spell it.
    [['--visibility', '-1'], /^--visibility must be a whole number from 0 to 43200, got "-1"\n$/],
    [['--timeout-ms', '-100'], /^--timeout-ms must be a whole number from 1 to 900000, got "-100"\n$/],
    [['--timeout-ms', '--fifo'], /^Option '--timeout-ms <value>' argument missing \(a value that starts with an option's letter is written --timeout-ms=-…\)\nusage: npm run local -- \[--port N\] .*\n$/],
  ])('refuses %j in one line with exit 2, before anything starts', async (args, message) => {
    const r = await refusal(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  }, 30_000);

  // A taken port crashed with Node's unhandled 'error' event and its stack trace.
  it('refuses a port already in use in one line with exit 2, before anything starts', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const { port } = taken.address() as AddressInfo;
    try {
      const r = await refusalWith({}, '--port', String(port));
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`--port ${port}: 127.0.0.1:${port} is already in use (another npm run local?); give another port, or --port 0 for any free one\n`);
      expect(r.stdout).toBe('');
    } finally {
      await new Promise((r) => taken.close(r));
    }
  }, 30_000);

  // A bad DD_* value used to start the stack, whose handler returned every batch for retry
  // with the error log dropped; a bad runner variable threw a stack trace after the queues started.
  it.each([
    [{ DD_SITE: 'https://datadoghq.eu' }, /^DD_SITE must be a host name such as datadoghq\.com/],
    [{ DD_TAGS: 'team' }, /^DD_TAGS: entry 1 of 1 is not key:value\n$/],
    [{ TASK_TIMEOUT_SECONDS: '-5' }, /^TASK_TIMEOUT_SECONDS: expected a whole number, got "-5"\n$/],
  ])('refuses the configuration %j in one line with exit 2, before anything starts', async (env, message) => {
    const r = await refusalWith(env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  }, 30_000);
});
