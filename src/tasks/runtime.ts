/**
 * Everything a container needs to answer batches, built once per container and reused:
 * config, API key and signing keys (read once when stored in AWS: Secrets Manager, SSM, KMS), the
 * tracer with its keep-alive connection, the results publisher and the action registry.
 * One part can repair itself later: a tracer left without its API key by a failed read.
 */
import { defaultRegistry, type ActionRegistry } from '../actions/registry.js';
import { openTracer, tracerConfigFromEnv, unreadSettings, type Tracer } from '../tracing/index.js';
import { readApiKey, type StoredValueReaders } from './api-key.js';
import type { BatchDeps } from './batch.js';
import type { RunnerConfig, SecretRef } from './config.js';
import { parseSigningKeys } from './keys.js';
import { createLogger, errorName, type Logger } from './log.js';
import { logPublisher, sqsPublisher, type ResultPublisher } from './publisher.js';
import { within } from './timeout.js';

/** Tests replace parts; any of the AWS reads (readSecret, readParameter, decrypt) too. */
export interface RuntimeOverrides extends Partial<StoredValueReaders> {
  tracer?: Tracer;
  publisher?: ResultPublisher;
  registry?: ActionRegistry;
  logger?: Logger;
  /** Default API_KEY_RETRY_MS. */
  apiKeyRetryMs?: number;
}

/**
 * How long a container whose stored API key could not be read waits before reading it again
 * (one AWS call each time): a throttle or a network blip at cold start must not
 * leave a container untraced for its whole life, nor a missing permission cost a call per
 * invocation.
 */
export const API_KEY_RETRY_MS = 60_000;

/** What the runtime gives the handler: the batch's dependencies, and how to repair them. */
export interface Runtime {
  deps: BatchDeps;
  /**
   * Called before each invocation. While the API key is missing after a failed read, it
   * reads the key again (at most once per API_KEY_RETRY_MS) and, once read, swaps in a
   * tracer that sends. It waits at most `waitMs` for the read: a read still going on is left
   * to a later invocation, which takes its tracer if it is ready by then.
   */
  renew(waitMs: number): Promise<void>;
}

export async function createRuntime(config: RunnerConfig, o: RuntimeOverrides = {}): Promise<Runtime> {
  const logger = o.logger ?? createLogger(undefined, config.logLevel);
  const readers: StoredValueReaders = {
    readSecret: o.readSecret ?? (async (arn) => (await aws()).readSecret(arn)),
    readParameter: o.readParameter ?? (async (name) => (await aws()).readParameter(name)),
    decrypt: o.decrypt ?? (async (c, ctx) => (await aws()).decrypt(c, ctx)),
  };
  // The three pieces are independent, and each waits on the network or on loading an AWS SDK
  // client (on a cold container ~100 ms of module loading for the first client, 20-30 ms for
  // the second): started together, a cold start pays for the slowest instead of the sum.
  const [keys, traced, publisher] = await Promise.all([
    // Without trusted keys nothing could be verified: fail (the batch is retried) rather than run unsigned.
    config.signingKeys ? resolve(config.signingKeys, readers.readSecret).then((json) => parseSigningKeys(json, 'TASK_SIGNING_KEYS')) : undefined,
    o.tracer ? { tracer: o.tracer, keyMissing: false } : tracerFor(config, readers, logger),
    o.publisher ?? publisherFor(config),
  ]);
  const deps: BatchDeps = {
    tracer: traced.tracer,
    registry: o.registry ?? defaultRegistry(),
    keys,
    policy: {
      allowedCommands: config.operatorAllowedCommands,
      allowedPaths: config.operatorAllowedPaths,
      detailedTelemetry: config.rshellDetailedTelemetry,
      maxSpansPerInvocation: config.rshellMaxSpansPerInvocation,
    },
    defaultTaskTimeoutSeconds: config.defaultTaskTimeoutSeconds,
    maxReceiveCount: config.maxReceiveCount,
    logger,
    publisher,
    reserves: { publishReserveMs: config.publishReserveMs, flushReserveMs: config.flushReserveMs },
    taskConcurrency: config.taskConcurrency,
  };
  const unread = unreadSettings(config.env);
  if (unread.length > 0 && traced.tracer.enabled) {
    logger.log('warn', 'Datadog settings this runner does not read; traces are sampled by DD_TRACE_SAMPLING_RULES and DD_TRACE_SAMPLE_RATE only', { names: unread.join(',') });
  }
  const retryMs = o.apiKeyRetryMs ?? API_KEY_RETRY_MS;
  let keyMissing = traced.keyMissing;
  let nextRead = Date.now() + retryMs;
  let reading: Promise<{ tracer: Tracer; keyMissing: boolean }> | undefined;
  const renew = async (waitMs: number): Promise<void> => {
    if (!keyMissing) return;
    if (reading === undefined) {
      if (Date.now() < nextRead) return;
      nextRead = Date.now() + retryMs;
      reading = tracerFor(config, readers, logger);
    }
    const again = await within(reading, waitMs);
    if (again === undefined) return; // still reading: the invocation's deadline comes first
    reading = undefined;
    if (again.keyMissing) return;
    keyMissing = false;
    deps.tracer = again.tracer;
    logger.log('info', 'read the Datadog API key; spans are sent again', { source: config.apiKeySource?.variable });
  };
  return { deps, renew };
}

/**
 * The AWS readers, in a chunk of their own: a container given its key in plain text (or
 * sending to an agent) and no signing-key secret never loads them.
 */
const aws = async (): Promise<StoredValueReaders> => (await import('./aws-stored-values.js')).awsReaders;

/**
 * A missing API key never fails tasks: the tracer goes quiet and says so; `keyMissing` when
 * the stored key could not be read (the runtime tries again later).
 */
async function tracerFor(config: RunnerConfig, readers: StoredValueReaders, logger: Logger): Promise<{ tracer: Tracer; keyMissing: boolean }> {
  const fromEnv = tracerConfigFromEnv(config.env);
  // The config leaves the source unset when there is nothing to read (DD_API_KEY set, an
  // agent, tracing off); the stored key only fills in the key.
  const source = config.apiKeySource;
  if (source === undefined) return { tracer: await openTracer(fromEnv), keyMissing: false };
  try {
    const apiKey = await readApiKey(source, readers, config.env.AWS_LAMBDA_FUNCTION_NAME);
    return { tracer: await openTracer({ ...fromEnv, apiKey }), keyMissing: false };
  } catch (err) {
    logger.log('error', 'could not read the Datadog API key; spans will not be sent until it can be read', {
      source: source.variable,
      error_type: errorName(err),
    });
    return { tracer: await openTracer(fromEnv), keyMissing: true };
  }
}

async function resolve(ref: SecretRef, readSecret: (arn: string) => Promise<string>): Promise<string> {
  if (ref.value !== undefined) return ref.value;
  return readSecret(ref.secretArn!);
}

async function publisherFor(config: RunnerConfig): Promise<ResultPublisher> {
  if (!config.resultsQueueUrl) return logPublisher();
  // Loaded only when needed: the Lambda runtime provides the SDK, and local runs without a
  // results queue never pay for it.
  const sqs = await import('@aws-sdk/client-sqs');
  const client = new sqs.SQSClient({ maxAttempts: 2 });
  return sqsPublisher(client, config.resultsQueueUrl, sqs);
}
