/**
 * The SQS batch handler over a configuration: SQS batch in, partial batch response out. The
 * runtime is built once per container (or ahead of time by prepare()), and processBatch does
 * the work. The handler never throws and never returns an empty or malformed response: on an
 * unexpected failure every record is returned as a batch item failure so SQS retries it.
 * Importing this module does nothing; src/handlers/sqs.ts is the Lambda's entry point.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processBatch, type BatchDeps } from './batch.js';
import type { RunnerConfig } from './config.js';
import { createLogger, errorName, INVOCATION_DONE, invocationFields } from './log.js';
import { createRuntime, type Runtime, type RuntimeOverrides } from './runtime.js';
import { setFunctionMemory } from '../rshell/interp/process-memory.js';
import { invocationBudget, saneRemainingMs, within } from './timeout.js';

/** The longest an invocation waits for the API key to be read again (runtime.ts renew). */
const RENEW_WAIT_MS = 1000;

export type BatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface SqsHandler extends BatchHandler {
  /**
   * Builds the container's runtime now (secrets, SDK clients, tracer) instead of at the first
   * invocation. Never rejects: a failure is logged and the first invocation tries again.
   */
  prepare(): Promise<void>;
}

export function createSqsHandler(config: RunnerConfig, overrides: RuntimeOverrides = {}): SqsHandler {
  // The runs of the process share a memory budget sized from the function's (rshell/interp/process-memory.ts).
  setFunctionMemory(config.functionMemoryMb);
  const logger = overrides.logger ?? createLogger(undefined, config.logLevel);
  let runtime: Promise<Runtime> | undefined;
  let coldStart = true;
  const built = async (): Promise<Runtime> => {
    const rt = runtime ?? (runtime = createRuntime(config, { ...overrides, logger }));
    try {
      return await rt;
    } catch (err) {
      if (runtime === rt) runtime = undefined; // try again on the next invocation
      throw err;
    }
  };
  const deps = async (context: Context): Promise<BatchDeps> => {
    // A runtime built for this invocation has just read its secrets.
    const fresh = runtime === undefined;
    // A read of the stored keys can hang (5 s a call in the SDK, two calls for KMS): waited
    // for past the time left for tasks, the handler returned after Lambda's timeout. The
    // build goes on for a later invocation; this one sends its records back.
    const now = Date.now();
    const rt = await within(built(), invocationBudget(now, context.getRemainingTimeInMillis(), config).tasksEnd - now);
    if (rt === undefined) throw Object.assign(new Error('runtime not ready'), { name: 'RuntimeNotReady' });
    // A key read again is worth a tenth of the time left (at most 1 s), never the deadline.
    if (!fresh) await rt.renew(Math.min(RENEW_WAIT_MS, 0.1 * saneRemainingMs(context.getRemainingTimeInMillis())));
    return rt.deps;
  };
  const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    // Where the invocation's time starts for its tasks (batch.ts): before the runtime and the key.
    const invokedAt = Date.now();
    const wasCold = coldStart;
    coldStart = false;
    try {
      return (await processBatch(event, context, await deps(context), wasCold, invokedAt)).response;
    } catch (err) {
      logger.log('error', 'batch failed; returning every record for retry', {
        error_type: errorName(err),
        request_id: context?.awsRequestId,
      });
      const ids = messageIdsOf(event);
      // The summary every invocation ends with (batch.ts), so that metrics on `retried` count
      // these records too; no span figures, nothing was flushed.
      logger.log('info', INVOCATION_DONE, invocationFields(context, wasCold, ids.length, ids.length));
      return { batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })) };
    }
  };
  const prepare = async (): Promise<void> => {
    try {
      await built();
    } catch (err) {
      logger.log('error', 'could not prepare the runtime; the first invocation tries again', {
        error_type: errorName(err),
      });
    }
  };
  return Object.assign(handler, { prepare });
}

/**
 * The messages of an event, each once: SQS may deliver a message twice in one batch, and the
 * response names messages, not deliveries (as batch.ts answers them).
 */
function messageIdsOf(event: SQSEvent): string[] {
  const ids = (Array.isArray(event?.Records) ? event.Records : []).map((r) => r?.messageId);
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))];
}
