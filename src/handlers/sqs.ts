/**
 * The Lambda entry point: SQS batch in, partial batch response out. Thin by design: the
 * configuration is read at cold start (an invalid value fails init, naming the variable),
 * the runtime is built once per container, and processBatch does the work. The handler
 * never throws and never returns an empty or malformed response: on an unexpected failure
 * every record is returned as a batch item failure so SQS retries it.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { processBatch, type BatchDeps } from '../tasks/batch.js';
import { loadConfig, type RunnerConfig } from '../tasks/config.js';
import { createLogger } from '../tasks/log.js';
import { createRuntime, type RuntimeOverrides } from '../tasks/runtime.js';
import { tracerConfigFromEnv } from '../tracing/index.js';

export type BatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function createSqsHandler(config: RunnerConfig, overrides: RuntimeOverrides = {}): BatchHandler {
  const logger = overrides.logger ?? createLogger();
  let runtime: Promise<BatchDeps> | undefined;
  let coldStart = true;
  return async (event, context) => {
    const wasCold = coldStart;
    coldStart = false;
    try {
      const rt = runtime ?? (runtime = createRuntime(config, { ...overrides, logger }));
      let deps: BatchDeps;
      try {
        deps = await rt;
      } catch (err) {
        runtime = undefined; // try again on the next invocation
        throw err;
      }
      return (await processBatch(event, context, deps, wasCold)).response;
    } catch (err) {
      logger.log('error', 'batch failed; returning every record for retry', {
        error_type: err instanceof Error ? err.name : typeof err,
        request_id: context?.awsRequestId,
      });
      const ids = (event?.Records ?? []).map((r) => r?.messageId).filter((id): id is string => typeof id === 'string' && id !== '');
      return { batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })) };
    }
  };
}

const config = loadConfig(process.env);
tracerConfigFromEnv(process.env); // validate DD_* at cold start too

export const handler: BatchHandler = createSqsHandler(config);
