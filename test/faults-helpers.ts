/**
 * Shared plumbing for the hostile, fault, deadline and soak suites: SQS records and events
 * built from task bodies, rshell tasks with every builtin allowed, and a handler wired to a
 * memory publisher and logger.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { BUILTINS } from '../src/rshell/builtins/registry.js';
import { createSqsHandler, type BatchHandler } from '../src/tasks/sqs-handler.js';
import { taskBody, type TaskSpec } from '../src/producer/task.js';
import { loadConfig } from '../src/tasks/config.js';
import type { ResultPublisher } from '../src/tasks/publisher.js';
import type { FailurePayload, SuccessPayload, TaskUpdate } from '../src/tasks/results.js';
import { MemoryLogger, MemoryPublisher } from './helpers/stack.js';

export const ALL_COMMANDS = [...BUILTINS.keys()].map((n) => `rshell:${n}`);
export const TASK_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:lambda-action-runner-tasks';

let seq = 0;

/** A Lambda SQS record for `body`; message ids are unique per process. */
export function record(body: string, extra: Partial<SQSRecord> = {}): SQSRecord {
  seq++;
  return {
    messageId: `msg-${process.pid}-${seq}`,
    receiptHandle: `rh-${seq}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now() - 5),
      SenderId: 'AIDAHOSTILE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: TASK_QUEUE_ARN,
    awsRegion: 'us-east-1',
    ...extra,
  };
}

export function event(bodies: string[]): SQSEvent {
  return { Records: bodies.map((b) => record(b)) };
}

/** An rshell runCommand task body with every builtin and the given paths allowed. */
export function rshellTask(command: string, o: Partial<TaskSpec> & { timeout?: number } = {}): string {
  const { timeout, ...spec } = o;
  return taskBody({
    allowedCommands: ALL_COMMANDS,
    allowedPaths: ['/'],
    ...spec,
    inputs: { command, ...(timeout !== undefined ? { timeout } : {}), ...spec.inputs },
  });
}

export interface Wired {
  handler: BatchHandler;
  publisher: MemoryPublisher;
  logger: MemoryLogger;
}

/** A handler with an in-memory publisher and logger, configured from `env`. */
export function wiredHandler<L extends MemoryLogger = MemoryLogger>(
  env: NodeJS.ProcessEnv,
  publisher: ResultPublisher = new MemoryPublisher(),
  logger: L = new MemoryLogger() as L,
): Wired & { publisher: MemoryPublisher; logger: L } {
  const handler = createSqsHandler(loadConfig(env), { logger, publisher });
  return { handler, publisher: publisher as MemoryPublisher, logger };
}

/** A MemoryLogger that also notes when each task's `task started` line was written (epoch ms, by message id). */
export class TimedLogger extends MemoryLogger {
  startedAt = new Map<string, number>();
  override log(...args: Parameters<MemoryLogger['log']>): void {
    const [, msg, fields] = args;
    if (msg === 'task started' && typeof fields?.message_id === 'string') this.startedAt.set(fields.message_id, Date.now());
    super.log(...args);
  }
}

/** The failure a task gets when the invocation's deadline cut it short although it had the invocation's whole window. */
export const WHOLE_WINDOW_FAILURE = /^task execution exceeded the (\d+(?:\.\d)?) seconds an invocation leaves for tasks \(its own timeout is (\d+) seconds\): raise the function's timeout or lower inputs\.timeout$/;

/** The slack hadWholeWindow allows for `remainingMs` left at the handler's start (default reserves: src/tasks/timeout.ts). */
export function wholeWindowSlackMs(remainingMs: number): number {
  const window = remainingMs - Math.min(100, remainingMs * 0.25) - Math.min(1000, remainingMs * 0.2) - Math.min(1500, remainingMs * 0.2);
  return Math.min(1000, 0.05 * window);
}

export const outputsOf = (u: TaskUpdate | undefined) => (u?.data.attributes.payload as SuccessPayload | undefined)?.outputs;
export const failureOf = (u: TaskUpdate | undefined) => u?.data.attributes.payload as FailurePayload | undefined;
