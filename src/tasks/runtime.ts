/**
 * Everything a container needs to answer batches, built once per container and reused:
 * config, API key and signing keys (read from Secrets Manager once when given as ARNs), the
 * tracer with its keep-alive connection, the results publisher and the action registry.
 * One part can repair itself later: a tracer left without its API key by a failed read.
 */
import { defaultRegistry, type ActionRegistry } from '../actions/registry.js';
import { createTracer, tracerConfigFromEnv, unreadSettings, type Tracer } from '../tracing/index.js';
import type { BatchDeps } from './batch.js';
import type { RunnerConfig, SecretRef } from './config.js';
import { parseSigningKeys } from './keys.js';
import { createLogger, errorName, type Logger } from './log.js';
import { logPublisher, sqsPublisher, type ResultPublisher } from './publisher.js';

export interface RuntimeOverrides {
  tracer?: Tracer;
  publisher?: ResultPublisher;
  registry?: ActionRegistry;
  logger?: Logger;
  /** Reads a Secrets Manager secret's string (tests replace the AWS call). */
  readSecret?: (arn: string) => Promise<string>;
  /** Default API_KEY_RETRY_MS. */
  apiKeyRetryMs?: number;
}

/**
 * How long a container whose API key secret could not be read waits before reading it again
 * (one Secrets Manager call each time): a throttle or a network blip at cold start must not
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
   * tracer that sends.
   */
  renew(): Promise<void>;
}

export async function createRuntime(config: RunnerConfig, o: RuntimeOverrides = {}): Promise<Runtime> {
  const logger = o.logger ?? createLogger();
  const readSecret = o.readSecret ?? readSecretFromAws;
  // The three pieces are independent, and each waits on the network or on loading an AWS SDK
  // client (on a cold container ~100 ms of module loading for the first client, 20-30 ms for
  // the second): started together, a cold start pays for the slowest instead of the sum.
  const [keys, traced, publisher] = await Promise.all([
    // Without trusted keys nothing could be verified: fail (the batch is retried) rather than run unsigned.
    config.signingKeys ? resolve(config.signingKeys, readSecret).then((json) => parseSigningKeys(json, 'TASK_SIGNING_KEYS')) : undefined,
    o.tracer ? { tracer: o.tracer, keyMissing: false } : tracerFor(config, readSecret, logger),
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
    logger,
    publisher,
    reserves: { publishReserveMs: config.publishReserveMs, flushReserveMs: config.flushReserveMs },
    taskConcurrency: config.taskConcurrency,
  };
  const unread = unreadSettings(config.env);
  if (unread.length > 0 && traced.tracer.enabled) {
    logger.log('warn', 'Datadog settings this runner does not read; traces are sampled by DD_TRACE_SAMPLE_RATE only', { names: unread.join(',') });
  }
  const retryMs = o.apiKeyRetryMs ?? API_KEY_RETRY_MS;
  let keyMissing = traced.keyMissing;
  let nextRead = Date.now() + retryMs;
  const renew = async (): Promise<void> => {
    if (!keyMissing || Date.now() < nextRead) return;
    nextRead = Date.now() + retryMs;
    const again = await tracerFor(config, readSecret, logger);
    if (again.keyMissing) return;
    keyMissing = false;
    deps.tracer = again.tracer;
    logger.log('info', 'read the Datadog API key secret; spans are sent again');
  };
  return { deps, renew };
}

/**
 * A missing API key never fails tasks: the tracer goes quiet and says so; `keyMissing` when
 * a secret could not be read (the runtime tries again later).
 */
async function tracerFor(
  config: RunnerConfig,
  readSecret: (arn: string) => Promise<string>,
  logger: Logger,
): Promise<{ tracer: Tracer; keyMissing: boolean }> {
  // Read once; the secret, when there is one, only fills in the key.
  const fromEnv = tracerConfigFromEnv(config.env);
  // Switched off (DD_TRACE_ENABLED=false): no secret to read, nothing to send.
  if (fromEnv.enabled === false) return { tracer: createTracer(fromEnv), keyMissing: false };
  let apiKey = fromEnv.apiKey;
  let keyMissing = false;
  if (!apiKey && config.apiKeySecretArn) {
    try {
      apiKey = (await readSecret(config.apiKeySecretArn)).trim();
    } catch (err) {
      keyMissing = true;
      logger.log('error', 'could not read the Datadog API key secret; spans will not be sent until it can be read', {
        error_type: errorName(err),
      });
    }
  }
  return { tracer: createTracer({ ...fromEnv, apiKey }), keyMissing };
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

/** One Secrets Manager client per container, shared by every secret read. */
let secretsClient: Promise<{ read(arn: string): Promise<string> }> | undefined;

async function readSecretFromAws(arn: string): Promise<string> {
  const client = await (secretsClient ??= loadSecretsClient());
  return client.read(arn);
}

async function loadSecretsClient(): Promise<{ read(arn: string): Promise<string> }> {
  try {
    const sm = await import('@aws-sdk/client-secrets-manager');
    const client = new sm.SecretsManagerClient({ maxAttempts: 2 });
    return {
      async read(arn) {
        const out = await client.send(new sm.GetSecretValueCommand({ SecretId: arn }), { abortSignal: AbortSignal.timeout(5000) });
        if (out.SecretString === undefined) throw new Error('secret has no string value');
        return out.SecretString;
      },
    };
  } catch (err) {
    secretsClient = undefined; // a failed load is tried again on the next cold path
    throw err;
  }
}
