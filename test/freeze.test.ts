/**
 * The bundled handler under a local Lambda runtime that freezes the process (SIGSTOP)
 * between invocations, as Lambda does (@vercel/fun). A span that was not sent before the
 * handler resolved would only arrive when the next invocation thaws the process; this test
 * proves none waits.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFunction } from '@vercel/fun';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LAMBDA_DEFAULT_ENVIRONMENT } from '../cdk/runtime-defaults.js';
import { startLocalIntake, type LocalIntake } from '../src/tracing/local-intake.js';
import { fixture, ROOT } from './helpers/stack.js';

let intake: LocalIntake;
let dir: string;
let fn: Awaited<ReturnType<typeof createFunction>>;

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'lar-fun-'));
  cpSync(join(ROOT, 'dist'), dir, { recursive: true }); // handler.mjs and its chunks
  // Harness shim, not product code: fun's bootstrap loads handlers with require() (no ESM on
  // Node 20) and sends a fixed bogus deadline, so give the bundle a real 10 s budget.
  writeFileSync(
    join(dir, 'index.js'),
    `exports.handler = async (event, context) => {
      const deadline = Date.now() + 10000;
      const { handler } = await import('./handler.mjs');
      return handler(event, { ...context, getRemainingTimeInMillis: () => deadline - Date.now() });
    };\n`,
  );
  intake = await startLocalIntake();
  fn = await createFunction({
    Code: { Directory: dir },
    Handler: 'index.handler',
    Runtime: 'nodejs',
    // The function's deployed settings, as the construct sets them.
    Environment: {
      Variables: {
        DD_API_KEY: 'test-key',
        DD_TRACE_INTAKE_URL: intake.url,
        DD_SERVICE: 'private-action-runner',
        ...LAMBDA_DEFAULT_ENVIRONMENT,
      },
    },
    MemorySize: 512,
    Timeout: 15,
  });
}, 60_000);

afterAll(async () => {
  await fn?.destroy();
  await intake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('delivers every span before the invocation returns, though the process is then frozen', async () => {
  const event = fixture('single-task.json');
  const res = (await fn(event)) as { batchItemFailures: unknown[] };
  expect(res).toEqual({ batchItemFailures: [] });
  const atReturn = intake.spans().length;
  expect(intake.spans().map((s) => s.name).sort()).toEqual(['action.run', 'command', 'command', 'run']);
  // The process is stopped now; anything still pending would never arrive while it is.
  await new Promise((r) => setTimeout(r, 500));
  expect(intake.spans().length).toBe(atReturn);
  expect(intake.spans().find((s) => s.name === 'action.run')?.meta.cold_start).toBe('true');

  intake.clear();
  const again = (await fn(event)) as { batchItemFailures: unknown[] };
  expect(again).toEqual({ batchItemFailures: [] });
  const runs = intake.spans().filter((s) => s.name === 'action.run');
  expect(runs).toHaveLength(1);
  expect(runs[0].meta.cold_start).toBe('false');
});

it('the bundle loads the agent exporter (a lazy chunk) when DD_TRACE_AGENT_URL is set, and sends msgpack to the agent', async () => {
  intake.clear();
  const run = `
    const { handler } = await import(${JSON.stringify(join(dir, 'handler.mjs'))});
    const event = JSON.parse(process.argv[1]);
    const deadline = Date.now() + 10000;
    const res = await handler(event, { awsRequestId: 'req-1', functionName: 'fn', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn', getRemainingTimeInMillis: () => deadline - Date.now() });
    process.stderr.write(JSON.stringify(res));`;
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', run, JSON.stringify(fixture('single-task.json'))],
      { env: { PATH: process.env.PATH, DD_TRACE_AGENT_URL: intake.baseUrl, ...LAMBDA_DEFAULT_ENVIRONMENT } },
      (err, _stdout, stderr) => (err ? reject(err) : resolve(stderr)),
    );
  });
  expect(JSON.parse(out)).toEqual({ batchItemFailures: [] });
  const reqs = intake.requests();
  expect(reqs.map((r) => [r.method, r.path, r.status, r.headers['content-type']])).toEqual([['PUT', '/v0.4/traces', 200, 'application/msgpack']]);
  expect(intake.spans().map((s) => s.name).sort()).toEqual(['action.run', 'command', 'command', 'run']);
});
