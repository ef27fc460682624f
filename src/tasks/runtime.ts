/**
 * Everything a container needs to answer batches, built once per container and reused:
 * config, API key and signing keys (read from Secrets Manager once when given as ARNs), the
 * tracer with its keep-alive connection, the results publisher and the action registry.
 */
import { defaultRegistry, type ActionRegistry } from '../actions/registry.js';
import { createTracer, tracerConfigFromEnv, type Tracer } from '../tracing/index.js';
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
}

export async function createRuntime(config: RunnerConfig, o: RuntimeOverrides = {}): Promise<BatchDeps> {
  const logger = o.logger ?? createLogger();
  const readSecret = o.readSecret ?? readSecretFromAws;
  // The three pieces are independent, and each waits on the network or on loading an AWS SDK
  // client (on a cold container ~100 ms of module loading for the first client, 20-30 ms for
  // the second): started together, a cold start pays for the slowest instead of the sum.
  const [keys, tracer, publisher] = await Promise.all([
    // Without trusted keys nothing could be verified: fail (the batch is retried) rather than run unsigned.
    config.signingKeys ? resolve(config.signingKeys, readSecret).then((json) => parseSigningKeys(json, 'TASK_SIGNING_KEYS')) : undefined,
    o.tracer ?? tracerFor(config, readSecret, logger),
    o.publisher ?? publisherFor(config),
  ]);
  return {
    tracer,
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
}

/** A missing API key never fails tasks: the tracer goes quiet and says so once. */
async function tracerFor(config: RunnerConfig, readSecret: (arn: string) => Promise<string>, logger: Logger): Promise<Tracer> {
  let apiKey = config.apiKey.value;
  if (!apiKey && config.apiKey.secretArn) {
    try {
      apiKey = (await readSecret(config.apiKey.secretArn)).trim();
    } catch (err) {
      logger.log('error', 'could not read the Datadog API key secret; spans will not be sent', {
        error_type: errorName(err),
      });
    }
  }
  return createTracer(tracerConfigFromEnv(config.env, apiKey));
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
