/** Test plumbing: fixtures, the local intake, loopback SQS queues and result collection. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sqsSdk from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { BufferReader, type ByteReader } from '../../src/rshell/io.js';
import { lambdaContext } from '../../src/local/lambda-context.js';
import type { LocalQueues } from '../../src/local/sqs-server.js';
import type { LogFields, Logger, LogLevel } from '../../src/tasks/log.js';
import { Undelivered, type ResultItem, type ResultPublisher } from '../../src/tasks/publisher.js';
import type { TaskUpdate } from '../../src/tasks/results.js';
import { LocalIntake } from '../../src/tracing/local-intake.js';

export const ROOT = join(import.meta.dirname, '../..');

export function fixture(name: string): SQSEvent {
  return JSON.parse(readFileSync(join(ROOT, 'test/fixtures/events', name), 'utf8')) as SQSEvent;
}

export function trustedKeysJson(): string {
  return readFileSync(join(ROOT, 'test/fixtures/keys/trusted-keys.json'), 'utf8');
}

export function context(timeoutMs = 30_000): Context {
  return lambdaContext({ timeoutMs });
}

/** A publisher that keeps results in memory (and can refuse some). */
export class MemoryPublisher implements ResultPublisher {
  items: ResultItem[] = [];
  refuse = new Set<string>();
  async publish(items: readonly ResultItem[]): Promise<Set<string>> {
    const undelivered = new Undelivered();
    for (const it of items) {
      if (undelivered.heldBack(it)) continue;
      if (this.refuse.has(it.messageId)) undelivered.add(it);
      else this.items.push(it);
    }
    return undelivered.ids;
  }
  byTask(): Map<string, TaskUpdate> {
    return new Map(this.items.map((i) => [i.update.data.attributes.task_id, i.update]));
  }
}

/** A logger that keeps its records for assertions. */
export class MemoryLogger implements Logger {
  records: ({ level: LogLevel; msg: string } & LogFields)[] = [];
  log(level: LogLevel, msg: string, fields: LogFields = {}): void {
    this.records.push({ level, msg, ...fields });
  }
}

/** Reads the results queue until `n` results arrived (deleting them) or `ms` passed. */
export async function drainResults(q: LocalQueues, n: number, ms = 10_000): Promise<TaskUpdate[]> {
  return drainQueue(q, q.resultsQueueUrl, n, ms).then((bodies) => bodies.map((b) => JSON.parse(b) as TaskUpdate));
}

export async function drainQueue(q: LocalQueues, url: string, n: number, ms = 10_000): Promise<string[]> {
  return (await drainMessages(q, url, n, ms)).map((m) => m.Body ?? '');
}

/** Whole messages, with their message attributes, until `n` arrived (deleting them) or `ms` passed. */
export async function drainMessages(q: LocalQueues, url: string, n: number, ms = 10_000): Promise<sqsSdk.Message[]> {
  const out: sqsSdk.Message[] = [];
  const end = Date.now() + ms;
  while (out.length < n && Date.now() < end) {
    const r = await q.client.send(new sqsSdk.ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
    for (const m of r.Messages ?? []) {
      out.push(m);
      await q.client.send(new sqsSdk.DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
  return out;
}

export { sqsSdk };

/** A local intake for one test file: started before its tests, emptied and fault-free before each, closed after. */
export function useLocalIntake(): LocalIntake {
  const intake = new LocalIntake();
  beforeAll(async () => {
    await intake.start();
  });
  afterAll(async () => {
    await intake.close();
  });
  beforeEach(() => {
    intake.clear();
    intake.setFault(null);
  });
  return intake;
}

/** A builtin's stdin from a bstr, bytes, an existing reader, or nothing. */
export function stdinReader(stdin: string | Uint8Array | ByteReader | undefined): ByteReader {
  if (stdin === undefined) return new BufferReader();
  if (typeof stdin === 'string') return new BufferReader(Buffer.from(stdin, 'latin1'));
  return stdin instanceof Uint8Array ? new BufferReader(stdin) : stdin;
}
