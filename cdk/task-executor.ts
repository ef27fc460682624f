/**
 * TaskExecutor: the reusable construct that puts the runner into an AWS account — the task
 * queue (standard or FIFO, created or given) with its dead-letter queue, the results queue,
 * the function (bundled by the local esbuild, no Docker), its SQS event source with partial
 * batch responses, least-privilege grants, alarms and log retention. Props are validated with
 * clear errors; nothing is silently adjusted into something unsafe.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { isBase64, isOperatorCommand, isSsmParameterName, loadConfig } from '../src/tasks/config.js';
import { parseSigningKeys } from '../src/tasks/keys.js';
import { INVOCATION_DONE } from '../src/tasks/log.js';
import { isDatadogSite, tracerConfigFromEnv } from '../src/tracing/config.js';
import { LAMBDA_DEFAULT_ENVIRONMENT } from './runtime-defaults.js';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface TaskExecutorProps {
  /**
   * An existing task queue. Its redrive policy and visibility timeout are then the owner's
   * job; a queue defined in the same app with a dead-letter queue passes its maxReceiveCount
   * on (TASK_MAX_RECEIVE_COUNT), an imported one does not (set it in `environment`). A queue
   * defined in the same app must have a visibility timeout of at least 6 × timeout +
   * maxBatchingWindow, as a created one (an imported one's is not known here).
   */
  readonly queue?: sqs.IQueue;
  /** Create a FIFO task queue (ignored with `queue`). Default false. */
  readonly fifo?: boolean;
  /** Deliveries before a message moves to the dead-letter queue. Default 5 (minimum 5). Refused with `queue`. */
  readonly maxReceiveCount?: number;
  /** Visibility timeout of a created task queue. Default 6 × timeout + maxBatchingWindow; shorter is refused. */
  readonly visibilityTimeout?: Duration;
  /** An existing results queue; otherwise one is created (FIFO when the task queue is). */
  readonly resultsQueue?: sqs.IQueue;
  /** Records per batch. Default 10; above 10 needs a batching window (standard queues only). */
  readonly batchSize?: number;
  /** Default none. At most 5 minutes; not available for FIFO queues. */
  readonly maxBatchingWindow?: Duration;
  /** Concurrent invocations for this event source (2–1000). Default unlimited. */
  readonly maxConcurrency?: number;
  /** Function timeout. Default 60 s, at most 15 minutes. */
  readonly timeout?: Duration;
  /** Function memory in MB. Default 512. */
  readonly memorySize?: number;
  /** Default ARM_64. */
  readonly architecture?: lambda.Architecture;
  /** Datadog site, a host name (`datadoghq.eu`, `us5.datadoghq.com`). Default datadoghq.com. */
  readonly datadogSite?: string;
  /**
   * Secret holding the Datadog API key (plain string). Without it, `apiKeyParameter` or
   * `apiKeyKms`, no spans are sent. At most one of the three.
   */
  readonly apiKeySecret?: secretsmanager.ISecret;
  /**
   * SSM parameter holding the Datadog API key, usually a SecureString
   * (`StringParameter.fromSecureStringParameterAttributes`; give its `encryptionKey` when it
   * is a customer-managed key, so the function may decrypt it).
   */
  readonly apiKeyParameter?: ssm.IParameter;
  /**
   * The Datadog API key encrypted with a KMS key: `ciphertext` is the base64 CiphertextBlob
   * (`aws kms encrypt`), decrypted once per container with `key`.
   */
  readonly apiKeyKms?: { readonly ciphertext: string; readonly key: kms.IKey };
  /** Trusted task-signing keys: a secret holding `{"key id": "PEM"}`, or the map itself. */
  readonly signingKeys?: secretsmanager.ISecret | Readonly<Record<string, string>>;
  /** Operator allow-list of rshell commands. Default ["rshell:*"]. */
  readonly allowedCommands?: readonly string[];
  /** Operator allow-list of paths. Default ["/"]. */
  readonly allowedPaths?: readonly string[];
  /** Default two weeks. */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Alarm when the oldest task has waited this long in the task queue: a backlog that no other
   * alarm shows (concurrency capped by `maxConcurrency`, a flood, invocations that keep
   * returning records for retry). Default 15 minutes; from 1 minute to 14 days.
   */
  readonly maxTaskWait?: Duration;
  /**
   * Extra environment for the function (DD_ENV, DD_VERSION, TASK_CONCURRENCY, ...); it wins
   * over the construct's own defaults, e.g. `UV_THREADPOOL_SIZE` (default 2). Source maps
   * ship with the bundle but are off: `NODE_OPTIONS: '--enable-source-maps'` turns them on
   * at a cold-start cost (see runtime-defaults.ts).
   */
  readonly environment?: Readonly<Record<string, string>>;
}

/** Default of `maxTaskWait`. */
export const DEFAULT_MAX_TASK_WAIT = Duration.minutes(15);

/** Where the metric filters put the figures of the handler's `invocation done` log line. */
export const METRICS_NAMESPACE = 'LambdaActionRunner';

/** Per-function metrics read from the handler's `invocation done` lines (Sum or Maximum per period). */
export interface TaskExecutorMetrics {
  /** Records returned to SQS for a retry (partial batch failures Lambda's own metrics do not show). */
  readonly retriedRecords: cloudwatch.Metric;
  /** Spans that never reached Datadog (intake failures, flush deadlines, trace and buffer caps). */
  readonly spansDropped: cloudwatch.Metric;
  /** Milliseconds from an invocation's last task to its last span sent: what FLUSH_RESERVE_MS must cover. */
  readonly flushWait: cloudwatch.Metric;
  /**
   * Tasks answered with `fail_task` (malformed, unsigned or expired, unknown action, a script
   * that did not parse, timed out or hit an output limit). No alarm by default: whether a
   * failure needs a person depends on who enqueues what.
   */
  readonly failedTasks: cloudwatch.Metric;
}

export class TaskExecutor extends Construct {
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue?: sqs.Queue;
  readonly resultsQueue: sqs.IQueue;
  readonly function: nodejs.NodejsFunction;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly metrics: TaskExecutorMetrics;

  constructor(scope: Construct, id: string, props: TaskExecutorProps = {}) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(60);
    const fifo = props.queue ? props.queue.fifo : props.fifo === true;
    validate(props, timeout, fifo);

    if (props.queue) {
      this.queue = props.queue;
    } else {
      this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
        fifo: fifo || undefined,
        retentionPeriod: Duration.days(14),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      this.queue = new sqs.Queue(this, 'TaskQueue', {
        fifo: fifo || undefined,
        visibilityTimeout: props.visibilityTimeout ?? Duration.seconds(minVisibilitySeconds(timeout, props.maxBatchingWindow)),
        deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
    }
    this.resultsQueue =
      props.resultsQueue ??
      new sqs.Queue(this, 'ResultsQueue', {
        fifo: fifo || undefined,
        retentionPeriod: Duration.days(4),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });

    // Known for a queue made here, or one made in the same app with a redrive policy.
    const redrive = this.queue instanceof sqs.Queue ? this.queue.deadLetterQueue : undefined;
    const maxReceiveCount = redrive?.maxReceiveCount;
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.TWO_WEEKS });
    const signing = props.signingKeys;
    const signingSecret = signing && isSecret(signing) ? signing : undefined;
    const environment: Record<string, string> = {
      ...LAMBDA_DEFAULT_ENVIRONMENT,
      DD_SITE: props.datadogSite ?? 'datadoghq.com',
      RESULTS_QUEUE_URL: this.resultsQueue.queueUrl,
      // The runner answers, rather than retries, a task out of time on its last delivery.
      ...(maxReceiveCount !== undefined ? { TASK_MAX_RECEIVE_COUNT: String(maxReceiveCount) } : {}),
      RSHELL_ALLOWED_COMMANDS: JSON.stringify(props.allowedCommands ?? ['rshell:*']),
      RSHELL_ALLOWED_PATHS: JSON.stringify(props.allowedPaths ?? ['/']),
      ...(props.apiKeySecret ? { DD_API_KEY_SECRET_ARN: props.apiKeySecret.secretArn } : {}),
      ...(props.apiKeyParameter ? { DD_API_KEY_SSM_NAME: props.apiKeyParameter.parameterName } : {}),
      ...(props.apiKeyKms ? { DD_KMS_API_KEY: props.apiKeyKms.ciphertext } : {}),
      ...(signingSecret ? { TASK_SIGNING_KEYS: signingSecret.secretArn } : {}),
      ...(signing && !signingSecret ? { TASK_SIGNING_KEYS: JSON.stringify(signing) } : {}),
      ...props.environment,
    };
    validateEnvironment(environment, props.environment ?? {});

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: join(projectRoot, 'src/handlers/sqs.ts'),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: props.architecture ?? lambda.Architecture.ARM_64,
      timeout,
      memorySize: props.memorySize ?? 512,
      logGroup,
      environment,
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        bundleAwsSDK: false,
        externalModules: ['@aws-sdk/*'],
        forceDockerBundling: false,
        // Replace the single-file bundle with the project's split build (scripts/build.mjs):
        // the same esbuild, but grep/sed and the RE2 engine become chunks loaded on first
        // use, so a cold start parses ~288 KiB instead of ~500 KiB.
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            `node "${join(projectRoot, 'scripts/build.mjs')}" --outdir "${outputDir}" --entry-name index`,
          ],
        },
      },
    });

    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize ?? 10,
        maxBatchingWindow: props.maxBatchingWindow,
        maxConcurrency: props.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    // Only what the function calls. SendMessageBatch is authorized by sqs:SendMessage
    // (grantSendMessages would add GetQueueAttributes and GetQueueUrl, and Encrypt and
    // ReEncrypt* on a customer-managed key); a producer to a queue under such a key needs
    // GenerateDataKey and Decrypt on it.
    this.resultsQueue.grant(this.function, 'sqs:SendMessage');
    this.resultsQueue.encryptionMasterKey?.grant(this.function, 'kms:GenerateDataKey', 'kms:Decrypt');
    props.apiKeySecret?.grantRead(this.function);
    // GetParameter only (with decryption): grantRead adds GetParameterHistory, which returns
    // every earlier value of the parameter, i.e. API keys since rotated out.
    if (props.apiKeyParameter) {
      // Its customer-managed key, if given (ssm's parameters carry it but IParameter does not declare it).
      if (isEncryptedResource(props.apiKeyParameter)) props.apiKeyParameter.grantOnKey(this.function, 'kms:Decrypt');
      this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [props.apiKeyParameter.parameterArn] }));
    }
    props.apiKeyKms?.key.grantDecrypt(this.function);
    signingSecret?.grantRead(this.function);

    this.alarms.push(
      this.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }).createAlarm(this, 'TaskWaitAlarm', {
        alarmDescription: 'The oldest task has waited in the queue longer than maxTaskWait: tasks are not being taken as fast as they come',
        threshold: (props.maxTaskWait ?? DEFAULT_MAX_TASK_WAIT).toSeconds(),
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
    if (this.deadLetterQueue) {
      this.alarms.push(
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }).createAlarm(this, 'DeadLetterAlarm', {
          alarmDescription: 'Tasks were dead-lettered after exhausting their retries',
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    this.metrics = {
      retriedRecords: this.invocationMetric(logGroup, 'RetriedRecords', '$.retried', cloudwatch.Unit.COUNT, 'Sum'),
      spansDropped: this.invocationMetric(logGroup, 'SpansDropped', '$.spans_dropped', cloudwatch.Unit.COUNT, 'Sum'),
      flushWait: this.invocationMetric(logGroup, 'SpanFlushWait', '$.flush_wait_ms', cloudwatch.Unit.MILLISECONDS, 'Maximum'),
      failedTasks: this.invocationMetric(logGroup, 'FailedTasks', '$.tasks_failed', cloudwatch.Unit.COUNT, 'Sum'),
    };
    this.alarms.push(
      this.metrics.spansDropped.createAlarm(this, 'SpansDroppedAlarm', {
        alarmDescription: 'Spans were lost before reaching Datadog: the intake failed or was too slow for the flush, or a trace or the buffer went over its cap',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      this.function.metricErrors({ period: Duration.minutes(5) }).createAlarm(this, 'ErrorsAlarm', {
        alarmDescription: 'The executor function failed (init error or timeout)',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      this.function.metricThrottles({ period: Duration.minutes(5) }).createAlarm(this, 'ThrottlesAlarm', {
        alarmDescription: 'The executor function was throttled',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** A metric filter over this function's `invocation done` lines, and its metric. */
  private invocationMetric(logGroup: logs.ILogGroup, name: string, value: string, unit: cloudwatch.Unit, statistic: string): cloudwatch.Metric {
    const filter = new logs.MetricFilter(this, `${name}Filter`, {
      logGroup,
      filterPattern: logs.FilterPattern.stringValue('$.msg', '=', INVOCATION_DONE),
      metricNamespace: METRICS_NAMESPACE,
      metricName: name,
      metricValue: value,
      dimensions: { FunctionName: '$.function_name' },
      unit,
    });
    return filter.metric({ dimensionsMap: { FunctionName: this.function.functionName }, statistic, period: Duration.minutes(5) });
  }
}

/**
 * The shortest visibility timeout of a created task queue: AWS's 6 × the function timeout, so
 * retries of throttled batches still fit, plus the batching window, during which the event
 * source already holds the messages it gathers (received, so their visibility runs).
 */
function minVisibilitySeconds(timeout: Duration, window: Duration | undefined): number {
  return 6 * timeout.toSeconds() + (window?.toSeconds() ?? 0);
}

/** Lambda's limit on a function's environment variables, all together. */
const LAMBDA_ENVIRONMENT_MAX_BYTES = 4096;

/** The prop each of the construct's variables comes from, for messages. */
const ENVIRONMENT_SOURCES: Record<string, string> = {
  TASK_SIGNING_KEYS: 'signingKeys',
  RSHELL_ALLOWED_COMMANDS: 'allowedCommands',
  RSHELL_ALLOWED_PATHS: 'allowedPaths',
  DD_KMS_API_KEY: 'apiKeyKms',
  DD_SITE: 'datadogSite',
};

/**
 * The function's environment checked with the runtime's own rules (loadConfig and the DD_*
 * settings it validates at cold start): `environment` wins over the construct's own
 * variables, so a value the runtime refuses would otherwise fail every cold start, sending
 * every batch back until the dead-letter queue. Values not known until deploy are left out.
 */
function validateEnvironment(environment: Readonly<Record<string, string>>, callers: Readonly<Record<string, string>>): void {
  const literal = Object.fromEntries(Object.entries(environment).filter(([, v]) => !Token.isUnresolved(v)));
  // Lambda refuses a function whose variables, measured as their JSON, pass 4 KB: what is
  // known now is a lower bound (the ARNs and URLs resolved at deploy only add to it).
  const bytes = Buffer.byteLength(JSON.stringify(literal));
  if (bytes > LAMBDA_ENVIRONMENT_MAX_BYTES) {
    const [name, value] = Object.entries(literal).reduce((a, b) => (Buffer.byteLength(b[1]) > Buffer.byteLength(a[1]) ? b : a));
    const from = name in callers ? 'environment' : (ENVIRONMENT_SOURCES[name] ?? 'environment');
    throw new Error(
      `TaskExecutor: the function's environment would take at least ${bytes} bytes, over Lambda's limit of ${LAMBDA_ENVIRONMENT_MAX_BYTES} for all its variables; the largest is ${name} (${Buffer.byteLength(value)} bytes, from ${from})` +
        (name === 'TASK_SIGNING_KEYS' ? ': keep the signing keys in a Secrets Manager secret instead' : ''),
    );
  }
  try {
    loadConfig(literal);
    tracerConfigFromEnv(literal);
  } catch (err) {
    throw new Error(`TaskExecutor: environment: ${(err as Error).message}`);
  }
}

function isEncryptedResource(v: object): v is iam.IEncryptedResource {
  return typeof (v as Partial<iam.IEncryptedResource>).grantOnKey === 'function';
}

function isSecret(v: unknown): v is secretsmanager.ISecret {
  return typeof v === 'object' && v !== null && 'secretArn' in v && 'grantRead' in v;
}

function validate(p: TaskExecutorProps, timeout: Duration, fifo: boolean): void {
  const fail = (msg: string): never => {
    throw new Error(`TaskExecutor: ${msg}`);
  };
  const t = timeout.toSeconds();
  if (t < 1 || t > 900) fail(`timeout must be between 1 second and 15 minutes, got ${t} s`);
  if (p.memorySize !== undefined && (!Number.isInteger(p.memorySize) || p.memorySize < 128 || p.memorySize > 10240)) {
    fail(`memorySize must be 128–10240 MB, a whole number, got ${p.memorySize}`);
  }
  if (p.maxTaskWait !== undefined) {
    const w = p.maxTaskWait.toSeconds();
    if (w < 60 || w > 14 * 86400) fail(`maxTaskWait must be from 1 minute to 14 days (SQS keeps a message at most 14 days), got ${w} s`);
  }
  if (p.maxReceiveCount !== undefined && p.queue) {
    fail('maxReceiveCount applies to a queue this construct creates; set the redrive policy on your own queue instead');
  }
  if (p.maxReceiveCount !== undefined && (!Number.isInteger(p.maxReceiveCount) || p.maxReceiveCount < 5 || p.maxReceiveCount > 1000)) {
    fail(`maxReceiveCount must be a whole number from 5 to 1000 (AWS recommends at least 5), got ${p.maxReceiveCount}`);
  }
  const window = p.maxBatchingWindow?.toSeconds();
  const minVisibility = minVisibilitySeconds(timeout, p.maxBatchingWindow);
  // A caller's queue defined in the same app: its visibility timeout is known, and held to the
  // same rule (under the function timeout, Lambda refuses the event source mapping at deploy).
  const ownVisibility = p.queue instanceof sqs.Queue ? (p.queue.node.defaultChild as sqs.CfnQueue).visibilityTimeout : undefined;
  if (p.queue instanceof sqs.Queue && !Token.isUnresolved(ownVisibility)) {
    const v = ownVisibility ?? 30; // SQS's default
    if (v < minVisibility) {
      fail(
        `queue: its visibility timeout (${v} s) must be at least 6 × the function timeout (${6 * t} s) plus maxBatchingWindow (${window ?? 0} s) so batched messages stay hidden and retries of throttled batches still fit`,
      );
    }
  }
  if (p.visibilityTimeout !== undefined) {
    if (p.queue) fail('visibilityTimeout applies to a queue this construct creates; set it on your own queue instead');
    const v = p.visibilityTimeout.toSeconds();
    if (v < minVisibility) {
      fail(
        `visibilityTimeout (${v} s) must be at least 6 × the function timeout (${6 * t} s) plus maxBatchingWindow (${window ?? 0} s) so batched messages stay hidden and retries of throttled batches still fit`,
      );
    }
    if (v > 43200) fail(`visibilityTimeout must be at most 12 hours, got ${v} s`);
  } else if (!p.queue && minVisibility > 43200) {
    fail(`6 × timeout + maxBatchingWindow (${minVisibility} s) exceeds SQS's 12-hour visibility limit`);
  }
  if (window !== undefined) {
    if (fifo) fail('maxBatchingWindow is not supported for FIFO queues');
    if (window > 300) fail(`maxBatchingWindow must be at most 5 minutes, got ${window} s`);
  }
  const batch = p.batchSize ?? 10;
  if (!Number.isInteger(batch) || batch < 1) fail(`batchSize must be a positive whole number, got ${batch}`);
  if (fifo && batch > 10) fail(`batchSize must be at most 10 for FIFO queues, got ${batch}`);
  if (batch > 10 && (window ?? 0) < 1) fail(`batchSize above 10 (${batch}) needs maxBatchingWindow of at least 1 second`);
  if (batch > 10000) fail(`batchSize must be at most 10000, got ${batch}`);
  if (p.maxConcurrency !== undefined && (!Number.isInteger(p.maxConcurrency) || p.maxConcurrency < 2 || p.maxConcurrency > 1000)) {
    fail(`maxConcurrency must be a whole number from 2 to 1000, got ${p.maxConcurrency}`);
  }
  for (const c of p.allowedCommands ?? []) {
    if (!isOperatorCommand(c)) fail(`allowedCommands entry ${JSON.stringify(c)} must look like "rshell:<name>" or "rshell:*"`);
  }
  // DD_SITE is checked at every cold start: a value it refuses fails init, and every batch goes back to SQS.
  const site = p.datadogSite?.trim();
  if (site && !Token.isUnresolved(site) && !isDatadogSite(site)) {
    fail(`datadogSite ${JSON.stringify(p.datadogSite)} must be a host name such as datadoghq.com or us5.datadoghq.com (no https://, port or path)`);
  }
  const keySources = (['apiKeySecret', 'apiKeyParameter', 'apiKeyKms'] as const).filter((k) => p[k] !== undefined);
  if (keySources.length > 1) fail(`give the Datadog API key one way, not ${keySources.join(' and ')}`);
  // Checked with the runtime's own rules: a bad value would otherwise fail every cold start.
  const ciphertext = p.apiKeyKms?.ciphertext;
  if (ciphertext !== undefined && !Token.isUnresolved(ciphertext) && !isBase64(ciphertext)) {
    fail('apiKeyKms.ciphertext must be base64 (the CiphertextBlob of `aws kms encrypt`)');
  }
  const parameterName = p.apiKeyParameter?.parameterName;
  if (parameterName !== undefined && !Token.isUnresolved(parameterName) && !isSsmParameterName(parameterName)) {
    fail(`apiKeyParameter: ${JSON.stringify(parameterName)} is not a parameter name SSM takes`);
  }
  // An inline map is checked now, with the runtime's own parser: a bad key would otherwise
  // fail every cold start only once deployed, sending every batch back until the DLQ.
  if (p.signingKeys !== undefined && !isSecret(p.signingKeys)) {
    try {
      parseSigningKeys(JSON.stringify(p.signingKeys), 'signingKeys');
    } catch (err) {
      fail((err as Error).message);
    }
  }
  for (const path of p.allowedPaths ?? []) {
    if (!path.startsWith('/')) fail(`allowedPaths entry ${JSON.stringify(path)} must be absolute`);
  }
}
