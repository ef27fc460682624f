/**
 * `npm run invoke` as a user runs it: a subprocess running an event file through the real
 * handler and printing its results and span tree. A mistyped file, a file that is not JSON,
 * an unknown option or a bad `--timeout-ms` is answered in one line with exit 2, before
 * anything runs, never with a stack trace.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/stack.js';

const run = promisify(execFile);

/** A hand-written event file in a temporary folder. */
function eventFile(name: string, event: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'invoke-cli-')), `${name}.json`);
  writeFileSync(file, JSON.stringify(event));
  return file;
}

function invoke(...args: string[]) {
  return invokeWith({}, ...args);
}

function invokeWith(env: NodeJS.ProcessEnv, ...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/start.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
}

/** The refusal of `args`: exit code and stderr. */
async function refusal(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  return refusalWith({}, ...args);
}

async function refusalWith(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const err = (await invokeWith(env, ...args).then(
    () => { throw new Error(`invoke ${args.join(' ')} succeeded`); },
    (e: unknown) => e,
  )) as { code: number; stderr: string; stdout: string };
  return { code: err.code, stderr: err.stderr, stdout: err.stdout };
}

describe('npm run invoke', () => {
  it('runs one event file through the handler and prints its result and span tree', async () => {
    const { stdout } = await invoke('test/fixtures/events/single-task.json', '--timeout-ms', '20000');
    expect(stdout).toMatch(/^✔ \S+ exit=0$/m);
    expect(stdout).toMatch(/^ {2}action\.run com\.datadoghq\.remoteaction\.rshell\.runCommand \[private-action-runner\]/m);
    expect(stdout).toContain('1 event file(s) processed; 0 record(s) returned for retry.');
  }, 30_000);

  // `npm start | head` ended with Node's unhandled EPIPE error and its stack trace.
  it('ends quietly when its output is piped to a reader that stops early', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/start.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((r) => child.on('close', r));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 60_000);

  it.each([
    [['missing-event.json'], /^\/\S+\/missing-event\.json: cannot read the event file \(no such file\)\n$/],
    [['README.md'], /^\/\S+\/README\.md: not JSON \(.+\)\n$/],
    [['test/fixtures/events/single-task.json', '--timeout-ms', 'soon'], /^--timeout-ms must be a positive whole number of milliseconds, got "soon"\n$/],
    [['test/fixtures/events/single-task.json', '--timeout-ms'], /^--timeout-ms must be a positive whole number of milliseconds, got ""\n$/],
    [['test/fixtures/events/manifest.json'], /^\/\S+\/manifest\.json: not an SQS event \(no "Records" array\)\n$/],
    // The handler skips a record it cannot answer: invoke printed an empty batch as a success.
    [[eventFile('no-message-id', { Records: [{ messageId: 'm1', body: '{}' }, { body: '{}' }] })], /^\/\S+\/no-message-id\.json: not an SQS event \(record 2 has no "messageId"\)\n$/],
    [['--verbose'], /^unknown option --verbose; usage: npm run invoke -- <event\.json> \.\.\. \[--timeout-ms N\]\n$/],
  ])('refuses %j in one line with exit 2', async (args, message) => {
    const r = await refusal(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  }, 30_000);

  // The Lambda's cold start refuses these (src/handlers/sqs.ts); invoke used to run the batch,
  // drop the error log and print every record returned for retry, naming nothing.
  it.each([
    [{ DD_SITE: 'https://datadoghq.eu' }, /^DD_SITE must be a host name such as datadoghq\.com/],
    [{ DD_TAGS: 'team' }, /^DD_TAGS: entry 1 of 1 is not key:value\n$/],
    [{ DD_TRACE_SAMPLE_RATE: '2' }, /^DD_TRACE_SAMPLE_RATE must be a number from 0 to 1\n$/],
    [{ TASK_TIMEOUT_SECONDS: '-5' }, /^TASK_TIMEOUT_SECONDS: expected a whole number, got "-5"\n$/],
  ])('refuses the configuration %j in one line with exit 2, naming the variable', async (env, message) => {
    const r = await refusalWith(env, 'test/fixtures/events/single-task.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  }, 30_000);
});
