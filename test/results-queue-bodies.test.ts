/**
 * Results as they reach a results queue: the real handler, the real SQS publisher and the
 * project's loopback SQS server, which refuses what SQS refuses. Every message is answered
 * even when its output is binary, holds characters SQS will not carry, or piles up sandbox
 * warnings, and a FIFO results queue fed by a standard task queue takes every result, an
 * unreadable body's included.
 */
import * as sqs from '@aws-sdk/client-sqs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalQueues, type LocalQueues } from '../src/local/sqs-server.js';
import { loadConfig } from '../src/tasks/config.js';
import { sqsPublisher } from '../src/tasks/publisher.js';
import type { SuccessPayload } from '../src/tasks/results.js';
import { createSqsHandler } from '../src/tasks/sqs-handler.js';
import { context, drainQueue, drainResults, MemoryLogger } from './helpers/stack.js';
import { event, record, rshellTask } from './faults-helpers.js';

let queues: LocalQueues;
let fifoQueues: LocalQueues;
let dir: string;
beforeAll(async () => {
  queues = await startLocalQueues({ prefix: 'result-bodies' });
  fifoQueues = await startLocalQueues({ prefix: 'result-bodies-fifo', fifo: true });
  dir = mkdtempSync(join(tmpdir(), 'result-bodies-'));
});
afterAll(async () => {
  await queues.close();
  await fifoQueues.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('result bodies', () => {
  const handler = () =>
    createSqsHandler(loadConfig({ DD_TRACE_ENABLED: 'false' }), {
      logger: new MemoryLogger(),
      publisher: sqsPublisher(queues.client, queues.resultsQueueUrl, sqs),
    });

  async function runOne(command: string): Promise<{ raw: string; outputs: Record<string, unknown>; id: string }> {
    const res = await handler()(event([rshellTask(command, { allowedPaths: [dir] })]), context());
    expect(res.batchItemFailures).toEqual([]);
    const [raw] = await drainQueue(queues, queues.resultsQueueUrl, 1, 3000);
    const u = JSON.parse(raw!);
    return { raw: raw!, id: u.data.id, outputs: (u.data.attributes.payload as SuccessPayload).outputs };
  }

  it('a binary file larger than a result keeps the start of its output', async () => {
    // 300 KiB of NUL bytes, e.g. a sparse or binary log such as wtmp/lastlog.
    writeFileSync(join(dir, 'zeros.bin'), Buffer.alloc(300 * 1024));
    const r = await runOne(`cat ${dir}/zeros.bin`);
    expect(r.id).toBe('succeed_task');
    expect(r.outputs.truncated).toBe(true);
    expect(Buffer.byteLength(r.raw)).toBeLessThanOrEqual(256 * 1024);
    // 256 KiB of JSON holds ~43,000 escaped NULs (\u0000); the result carries none of them.
    expect((r.outputs.stdout as string).length).toBeGreaterThan(10_000);
  });

  it('a result only carries characters SQS accepts in a message body', async () => {
    // U+FFFF (bytes EF BF BF) is valid UTF-8, but SQS refuses a message containing it
    // (allowed: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF), so the result is never delivered.
    writeFileSync(join(dir, 'nonchar.txt'), Buffer.from([0x61, 0xef, 0xbf, 0xbf, 0xef, 0xbf, 0xbe, 0x62, 0x0a]));
    const r = await runOne(`cat ${dir}/nonchar.txt`);
    expect(r.id).toBe('succeed_task');
    expect(r.raw).toMatch(/^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u);
    expect(r.outputs.stdout).toBe('a\uFFFF\uFFFEb\n');
  });

  it('a successful task with many sandbox warnings is still answered as a success, its list capped', async () => {
    // ls warns once per directory it truncates (more than 1,000 entries): a loop over one such
    // directory, under a long path, piled up sandboxWarnings beyond 256 KiB (F27). rshell now
    // keeps 64 KiB of them and a note, which a result carries whole.
    let big = dir;
    for (let i = 0; i < 12; i++) big = join(big, 'd'.repeat(200) + i);
    mkdirSync(big, { recursive: true });
    for (let i = 0; i < 1001; i++) writeFileSync(join(big, `f${i}`), '');
    const r = await runOne(`for i in {1..120}; do ls ${big} >/dev/null 2>&1; done; echo done`);
    const warning = `ls: warning: directory '${big}': too many entries (exceeded 1000 limit), output truncated`;
    const kept = Math.floor((64 * 1024) / warning.length);
    expect(r.id).toBe('succeed_task');
    expect(r.outputs).toEqual({
      exitCode: 0,
      stdout: 'done\n',
      stderr: '',
      sandboxWarnings: [...Array<string>(kept).fill(warning), `${120 - kept} more warnings not shown`],
    });
  }, 30_000);
});

describe('a FIFO results queue fed by a standard task queue', () => {
  it('answers an unreadable body and its batch-mates on a FIFO results queue (standard task queue)', async () => {
    expect(fifoQueues.resultsQueueUrl.endsWith('.fifo')).toBe(true);
    const handler = createSqsHandler(loadConfig({ DD_TRACE_ENABLED: 'false' }), {
      logger: new MemoryLogger(),
      publisher: sqsPublisher(fifoQueues.client, fifoQueues.resultsQueueUrl, sqs),
    });
    // Standard task queue (its ARN does not end in .fifo): records carry no group id.
    const good = record(rshellTask('echo ok', { id: 'good-1', jobId: 'job-good-1' }));
    const garbage = record('this is not json');
    const res = await handler({ Records: [good, garbage] }, context());
    // Both are permanent outcomes (a success and an INTERNAL_ERROR): answered, not retried.
    expect(res.batchItemFailures).toEqual([]);
    const results = await drainResults(fifoQueues, 2, 3000);
    expect(results.map((r) => r.data.id).sort()).toEqual(['fail_task', 'succeed_task']);
  });
});
