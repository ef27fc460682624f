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
export function wiredHandler(env: NodeJS.ProcessEnv, publisher: ResultPublisher = new MemoryPublisher()): Wired & { publisher: MemoryPublisher } {
  const logger = new MemoryLogger();
  const handler = createSqsHandler(loadConfig(env), { logger, publisher });
  return { handler, publisher: publisher as MemoryPublisher, logger };
}

export const outputsOf = (u: TaskUpdate | undefined) => (u?.data.attributes.payload as SuccessPayload | undefined)?.outputs;
export const failureOf = (u: TaskUpdate | undefined) => u?.data.attributes.payload as FailurePayload | undefined;
