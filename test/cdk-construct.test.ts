import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { describe, expect, it } from 'vitest';
import { appSettings } from '../cdk/context.js';
import { RunnerStack } from '../cdk/stack.js';
import { METRICS_NAMESPACE, TaskExecutor, type TaskExecutorProps } from '../cdk/task-executor.js';
import { loadConfig } from '../src/tasks/config.js';
import { createSqsHandler } from '../src/tasks/sqs-handler.js';
import { context, fixture, MemoryLogger, MemoryPublisher, ROOT } from './helpers/stack.js';

// Skip esbuild bundling in template tests: they assert resources, not the asset.
const noBundling = { 'aws:cdk:bundling-stacks': [] };

function synth(props: TaskExecutorProps = {}, withSecrets = true): Template {
  const app = new App({ context: noBundling });
  const stack = new Stack(app, 'Test');
  new TaskExecutor(stack, 'Exec', {
    ...props,
    ...(withSecrets
      ? {
          apiKeySecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Key', 'dd-api-key'),
          signingKeys: secretsmanager.Secret.fromSecretNameV2(stack, 'Signing', 'task-signing-keys'),
        }
      : {}),
  });
  return Template.fromStack(stack);
}

describe('TaskExecutor construct', () => {
  const t = synth();

  it('creates the task queue with a DLQ after 5 receives and a 6x visibility timeout', () => {
    t.resourceCountIs('AWS::SQS::Queue', 3);
    // Every property of the three queues, exactly.
    const queues = t.findResources('AWS::SQS::Queue');
    const byPrefix = (prefix: string) => Object.entries(queues).find(([k]) => k.startsWith(prefix))!;
    const [dlqId, dlq] = byPrefix('ExecDeadLetterQueue');
    expect(byPrefix('ExecTaskQueue')[1].Properties).toEqual({
      VisibilityTimeout: 360,
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
      SqsManagedSseEnabled: true,
    });
    // Longer than the task queue's (default 4 days): a standard queue's message keeps its first enqueue time in the DLQ.
    expect(dlq.Properties).toEqual({ MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true });
    expect(byPrefix('ExecResultsQueue')[1].Properties).toEqual({ MessageRetentionPeriod: 345600, SqsManagedSseEnabled: true });
  });

  it('runs the function on the newest Node.js runtime, arm64, with a 14-day log group', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 60,
      MemorySize: 512,
      LoggingConfig: { LogGroup: { Ref: Object.keys(t.findResources('AWS::Logs::LogGroup'))[0] } },
      Environment: {
        // Exactly these: nothing else (NODE_OPTIONS, a plain DD_API_KEY) rides along.
        Variables: Match.objectEquals({
          UV_THREADPOOL_SIZE: '2',
          DD_SITE: 'datadoghq.com',
          RSHELL_ALLOWED_COMMANDS: '["rshell:*"]',
          RSHELL_ALLOWED_PATHS: '["/"]',
          RESULTS_QUEUE_URL: { Ref: Object.keys(t.findResources('AWS::SQS::Queue')).find((k) => k.startsWith('ExecResultsQueue')) },
          TASK_MAX_RECEIVE_COUNT: '5',
          DD_API_KEY_SECRET_ARN: Match.anyValue(),
          TASK_SIGNING_KEYS: Match.anyValue(),
        }),
      },
    });
    t.resourceCountIs('AWS::Logs::LogGroup', 1);
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
  });

  it('reports batch item failures from the event source', () => {
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    const [mapping] = Object.values(t.findResources('AWS::Lambda::EventSourceMapping'));
    const id = (type: string, prefix: string) => Object.keys(t.findResources(type)).find((k) => k.startsWith(prefix))!;
    // Exactly: no batching window, no concurrency cap by default; the task queue, this function.
    expect(mapping!.Properties).toEqual({
      BatchSize: 10,
      EventSourceArn: { 'Fn::GetAtt': [id('AWS::SQS::Queue', 'ExecTaskQueue'), 'Arn'] },
      FunctionName: { Ref: id('AWS::Lambda::Function', 'ExecFunction') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('grants exactly: consume the task queue, send to the results queue, read the two secrets', () => {
    const policies = t.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
    const actions = statements.map((s) => [s.Action].flat().sort().join(','));
    expect(actions.sort()).toEqual(
      [
        'secretsmanager:DescribeSecret,secretsmanager:GetSecretValue',
        'secretsmanager:DescribeSecret,secretsmanager:GetSecretValue',
        // The function only calls SendMessageBatch, which sqs:SendMessage authorizes.
        'sqs:SendMessage',
        'sqs:ChangeMessageVisibility,sqs:DeleteMessage,sqs:GetQueueAttributes,sqs:GetQueueUrl,sqs:ReceiveMessage',
      ].sort(),
    );
    // Each on the resource it is for.
    const queueArn = (prefix: string) => ({ 'Fn::GetAtt': [Object.keys(t.findResources('AWS::SQS::Queue')).find((k) => k.startsWith(prefix))!, 'Arn'] });
    expect(statements.find((s) => s.Action === 'sqs:SendMessage')!.Resource).toEqual(queueArn('ExecResultsQueue'));
    expect(statements.find((s) => [s.Action].flat().includes('sqs:ReceiveMessage'))!.Resource).toEqual(queueArn('ExecTaskQueue'));
    for (const s of statements) expect(s.Resource).not.toBe('*');
  });

  it('sends to a results queue under a customer-managed key with only the calls a producer makes (SendMessage; GenerateDataKey and Decrypt on its key)', () => {
    const app = new App({ context: noBundling });
    const stack = new Stack(app, 'Cmk');
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555';
    const resultsQueue = sqs.Queue.fromQueueAttributes(stack, 'Results', { queueArn: 'arn:aws:sqs:us-east-1:123456789012:results', keyArn });
    new TaskExecutor(stack, 'Exec', { resultsQueue });
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
    expect(statements.filter((s) => s.Resource === 'arn:aws:sqs:us-east-1:123456789012:results').map((s) => [s.Action].flat().sort())).toEqual([['sqs:SendMessage']]);
    expect(statements.filter((s) => s.Resource === keyArn).map((s) => [s.Action].flat().sort())).toEqual([['kms:Decrypt', 'kms:GenerateDataKey']]);
  });

  it('alarms on dead-letter depth, function errors, throttles, dropped spans and the oldest task\'s wait', () => {
    t.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateAgeOfOldestMessage', Namespace: 'AWS/SQS', Statistic: 'Maximum', Threshold: 900 });
    expect(synth({ maxTaskWait: Duration.hours(2) }).findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 7200 } })).not.toEqual({});
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Namespace: 'AWS/Lambda' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Throttles', Namespace: 'AWS/Lambda' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SpansDropped',
      Namespace: METRICS_NAMESPACE,
      Statistic: 'Sum',
      Threshold: 1,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('Function') } }],
    });
  });

  it("turns the handler's 'invocation done' line into per-function metrics, reading fields the handler writes", async () => {
    type Filter = {
      Properties: {
        FilterPattern: string;
        MetricTransformations: Array<{ MetricNamespace: string; MetricName: string; MetricValue: string; Dimensions: unknown; Unit: string }>;
      };
    };
    const filters = Object.values(t.findResources('AWS::Logs::MetricFilter')) as Filter[];
    const byName = new Map(filters.map((f) => [f.Properties.MetricTransformations[0].MetricName, f.Properties.MetricTransformations[0]]));
    expect([...byName.keys()].sort()).toEqual(['FailedTasks', 'RetriedRecords', 'SpanFlushWait', 'SpansDropped']);
    expect(byName.get('FailedTasks')).toMatchObject({ MetricValue: '$.tasks_failed', Unit: 'Count' });
    expect(byName.get('RetriedRecords')).toMatchObject({ MetricValue: '$.retried', Unit: 'Count' });
    expect(byName.get('SpansDropped')).toMatchObject({ MetricValue: '$.spans_dropped', Unit: 'Count' });
    expect(byName.get('SpanFlushWait')).toMatchObject({ MetricValue: '$.flush_wait_ms', Unit: 'Milliseconds' });

    // The real handler's line carries every field the filters read.
    const logger = new MemoryLogger();
    const ctx = context();
    await createSqsHandler(loadConfig({}), { logger, publisher: new MemoryPublisher() })(fixture('single-task.json'), ctx);
    const line = logger.records.find((r) => r.msg === 'invocation done')!;
    expect(line.function_name).toBe(ctx.functionName);
    for (const f of filters) {
      expect(f.Properties.FilterPattern).toBe('{ $.msg = "invocation done" }');
      const m = f.Properties.MetricTransformations[0];
      expect(m.MetricNamespace).toBe(METRICS_NAMESPACE);
      expect(m.Dimensions).toEqual([{ Key: 'FunctionName', Value: '$.function_name' }]);
      expect(line[m.MetricValue.replace(/^\$\./, '')]).toEqual(expect.any(Number));
    }
  });

  it('takes tasks from an SNS topic and an EventBridge rule as the README shows: both may send to its queue, whose encryption they can write to', () => {
    const app = new App({ context: noBundling });
    const stack = new Stack(app, 'Producers');
    const runner = new TaskExecutor(stack, 'Runner');
    const topic = new sns.Topic(stack, 'Tasks');
    topic.addSubscription(new subscriptions.SqsSubscription(runner.queue));
    new events.Rule(stack, 'TaskRule', { eventPattern: { source: ['com.example.ops'] }, targets: [new eventTargets.SqsQueue(runner.queue)] });
    const p = Template.fromStack(stack);
    // SQS-managed keys: SNS and EventBridge cannot write to a queue under the AWS-managed KMS key.
    p.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, RedrivePolicy: Match.anyValue() });
    p.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs', RawMessageDelivery: Match.absent() });
    const statements = Object.values(p.findResources('AWS::SQS::QueuePolicy')).flatMap(
      (r) => (r as { Properties: { PolicyDocument: { Statement: Array<{ Action: string; Principal: { Service?: string } }> } } }).Properties.PolicyDocument.Statement,
    );
    // Besides the construct's own statements (TLS only), one per producer service.
    const byService = statements.filter((st) => st.Principal.Service !== undefined);
    expect(byService.map((st) => [st.Principal.Service, st.Action]).sort()).toEqual([
      ['events.amazonaws.com', ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl']],
      ['sns.amazonaws.com', 'sqs:SendMessage'],
    ]);
  });

  it('maps batching window, concurrency and FIFO', () => {
    const std = synth({ batchSize: 100, maxBatchingWindow: Duration.seconds(2), maxConcurrency: 5 }, false);
    std.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 2,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    const fifo = synth({ fifo: true }, false);
    fifo.resourceCountIs('AWS::SQS::Queue', 3);
    for (const q of Object.values(fifo.findResources('AWS::SQS::Queue'))) {
      expect((q as { Properties: { FifoQueue?: boolean } }).Properties.FifoQueue).toBe(true);
    }
  });

  it('leaves source maps off by default: Node would parse them at every cold start', () => {
    const fn = Object.values(t.findResources('AWS::Lambda::Function'))[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(fn.Properties.Environment.Variables).not.toHaveProperty('NODE_OPTIONS');
  });

  it("lets the caller's environment override a default (the thread-pool size) and turn source maps on", () => {
    const own = synth({ environment: { UV_THREADPOOL_SIZE: '4', DD_ENV: 'prod', NODE_OPTIONS: '--enable-source-maps' } }, false);
    own.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ UV_THREADPOOL_SIZE: '4', DD_ENV: 'prod', NODE_OPTIONS: '--enable-source-maps' }) },
    });
  });

  it('takes an existing queue and an x86 architecture', () => {
    const app = new App({ context: noBundling });
    const stack = new Stack(app, 'Own');
    const queue = new sqs.Queue(stack, 'Mine', { visibilityTimeout: Duration.minutes(10) });
    new TaskExecutor(stack, 'Exec', { queue, architecture: lambda.Architecture.X86_64, memorySize: 1024 });
    const t2 = Template.fromStack(stack);
    t2.resourceCountIs('AWS::SQS::Queue', 2); // mine + results
    t2.hasResourceProperties('AWS::Lambda::Function', { Architectures: ['x86_64'], MemorySize: 1024 });
    // No dead-letter alarm (the queue's redrive is its owner's); the wait alarm watches it too.
    t2.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    // Without a redrive policy no delivery is known to be the last.
    expect(Object.values(t2.findResources('AWS::Lambda::Function'))[0]!.Properties.Environment.Variables).not.toHaveProperty('TASK_MAX_RECEIVE_COUNT');
    // So a redrive count for it would be ignored: refused instead.
    expect(() => new TaskExecutor(stack, 'Exec2', { queue, maxReceiveCount: 10 })).toThrow(
      'maxReceiveCount applies to a queue this construct creates; set the redrive policy on your own queue instead',
    );
    t2.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Mine'), 'QueueName'] } }],
    });
  });

  it("refuses a caller's queue defined in the app whose visibility timeout is under 6 × the function timeout plus the window", () => {
    const app = new App({ context: noBundling });
    const stack = new Stack(app, 'Visibility');
    // SQS's default, 30 s, is under the 60 s function timeout: Lambda refuses the event source mapping at deploy.
    expect(() => new TaskExecutor(stack, 'A', { queue: new sqs.Queue(stack, 'Default') })).toThrow(
      'TaskExecutor: queue: its visibility timeout (30 s) must be at least 6 × the function timeout (360 s) plus maxBatchingWindow (0 s)',
    );
    const short = new sqs.Queue(stack, 'Short', { visibilityTimeout: Duration.seconds(120) });
    expect(() => new TaskExecutor(stack, 'B', { queue: short })).toThrow('TaskExecutor: queue: its visibility timeout (120 s) must be at least 6 × the function timeout (360 s)');
    expect(() => new TaskExecutor(stack, 'C', { queue: short, timeout: Duration.seconds(20) })).not.toThrow();
    const windowed = new sqs.Queue(stack, 'Windowed', { visibilityTimeout: Duration.seconds(360) });
    expect(() => new TaskExecutor(stack, 'D', { queue: windowed, batchSize: 100, maxBatchingWindow: Duration.seconds(30) })).toThrow(
      'TaskExecutor: queue: its visibility timeout (360 s) must be at least 6 × the function timeout (360 s) plus maxBatchingWindow (30 s)',
    );
    // An imported queue's visibility timeout is not known here: its owner's to set.
    expect(() => new TaskExecutor(stack, 'E', { queue: sqs.Queue.fromQueueArn(stack, 'Imported', 'arn:aws:sqs:us-east-1:123456789012:tasks') })).not.toThrow();
  });

  it("passes the redrive count of its own queue, or of a caller's queue defined in the app, to the runner", () => {
    synth({ maxReceiveCount: 12 }, false).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TASK_MAX_RECEIVE_COUNT: '12' }) },
    });
    const app = new App({ context: noBundling });
    const stack = new Stack(app, 'Redriven');
    const dlq = new sqs.Queue(stack, 'Dlq');
    const queue = new sqs.Queue(stack, 'Mine', { visibilityTimeout: Duration.minutes(10), deadLetterQueue: { queue: dlq, maxReceiveCount: 7 } });
    new TaskExecutor(stack, 'Exec', { queue });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TASK_MAX_RECEIVE_COUNT: '7' }) },
    });
  });

  it('keeps a created queue\'s messages invisible through the batching window as well as 6 × the timeout', () => {
    // The event source holds the messages it gathers, already received, for up to the window
    // before the function starts: a visibility of only 6 × 10 s would let them reappear and be
    // received again (and count towards the DLQ) while still waiting in the batch.
    const windowed = synth({ timeout: Duration.seconds(10), batchSize: 100, maxBatchingWindow: Duration.minutes(5) }, false);
    windowed.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 360, RedrivePolicy: Match.anyValue() });
    expect(() => synth({ timeout: Duration.seconds(10), batchSize: 100, maxBatchingWindow: Duration.minutes(5), visibilityTimeout: Duration.seconds(60) }, false)).toThrow(
      'TaskExecutor: visibilityTimeout (60 s) must be at least 6 × the function timeout (60 s) plus maxBatchingWindow (300 s)',
    );
    expect(() => synth({ timeout: Duration.seconds(10), batchSize: 100, maxBatchingWindow: Duration.minutes(5), visibilityTimeout: Duration.seconds(360) }, false)).not.toThrow();
  });

  it.each([
    [{ visibilityTimeout: Duration.seconds(200) }, 'visibilityTimeout (200 s) must be at least 6 × the function timeout (360 s)'],
    [{ maxReceiveCount: 3 }, 'maxReceiveCount must be a whole number from 5 to 1000'],
    [{ batchSize: 50 }, 'batchSize above 10 (50) needs maxBatchingWindow of at least 1 second'],
    [{ fifo: true, maxBatchingWindow: Duration.seconds(1) }, 'maxBatchingWindow is not supported for FIFO queues'],
    [{ fifo: true, batchSize: 20 }, 'batchSize must be at most 10 for FIFO queues'],
    [{ maxConcurrency: 1 }, 'maxConcurrency must be a whole number from 2 to 1000'],
    [{ timeout: Duration.minutes(20) }, 'timeout must be between 1 second and 15 minutes'],
    [{ memorySize: 64 }, 'memorySize must be 128–10240 MB'],
    // CloudFormation takes whole megabytes only: synth merely warned, the deploy failed.
    [{ memorySize: 512.5 }, 'TaskExecutor: memorySize must be 128–10240 MB, a whole number, got 512.5'],
    [{ maxTaskWait: Duration.seconds(30) }, 'maxTaskWait must be from 1 minute to 14 days (SQS keeps a message at most 14 days), got 30 s'],
    [{ maxTaskWait: Duration.days(15) }, 'maxTaskWait must be from 1 minute to 14 days'],
    [{ allowedCommands: ['cat'] }, 'allowedCommands entry "cat" must look like "rshell:<name>"'],
    [{ allowedPaths: ['var/log'] }, 'allowedPaths entry "var/log" must be absolute'],
    [{ signingKeys: {} }, 'TaskExecutor: signingKeys: no keys (leave signingKeys out to run unsigned tasks)'],
    [{ signingKeys: { k1: 'not a key' } }, 'TaskExecutor: signingKeys: key "k1" is not a valid public key'],
    // DD_SITE is checked at every cold start: each of these would fail them all.
    [{ datadogSite: 'https://datadoghq.eu' }, 'datadogSite "https://datadoghq.eu" must be a host name such as datadoghq.com or us5.datadoghq.com (no https://, port or path)'],
    [{ datadogSite: 'datadoghq.eu/' }, 'datadogSite "datadoghq.eu/" must be a host name'],
    [{ datadogSite: 'app.datadoghq.com:443' }, 'datadogSite "app.datadoghq.com:443" must be a host name'],
    [{ datadogSite: 'datadoghq' }, 'datadogSite "datadoghq" must be a host name'],
    // `environment` wins over the construct's own variables, so what it sets is checked with the
    // runtime's own rules too: each of these would fail every cold start.
    [{ datadogSite: 'datadoghq.eu', environment: { DD_SITE: 'https://datadoghq.eu' } }, 'TaskExecutor: environment: DD_SITE must be a host name such as datadoghq.com or us5.datadoghq.com'],
    [{ environment: { LOG_LEVEL: 'verbose' } }, 'TaskExecutor: environment: LOG_LEVEL: expected debug, info, warn or error, got "verbose"'],
    [{ environment: { TASK_CONCURRENCY: '0' } }, 'TaskExecutor: environment: TASK_CONCURRENCY: must be between 1 and 100, got 0'],
    [{ environment: { RSHELL_ALLOWED_PATHS: 'var/log' } }, 'TaskExecutor: environment: RSHELL_ALLOWED_PATHS: entry "var/log" must be an absolute path'],
    [{ environment: { DD_TRACE_ENABLED: 'yes' } }, 'TaskExecutor: environment: DD_TRACE_ENABLED must be true or false'],
    [{ environment: { DD_API_KEY_SECRET_ARN: 'dd-api-key' } }, 'TaskExecutor: environment: DD_API_KEY_SECRET_ARN: expected a Secrets Manager ARN'],
  ] as [TaskExecutorProps, string][])('refuses %o', (props, message) => {
    expect(() => synth(props, false)).toThrow(message);
  });

  it('takes the API key from an SSM parameter or as KMS ciphertext, with the matching grant and variable', () => {
    const policyActions = (tmpl: Template): string[] =>
      Object.values(tmpl.findResources('AWS::IAM::Policy'))
        .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } }).Properties.PolicyDocument.Statement)
        .map((s) => [s.Action].flat().sort().join(','))
        .filter((a) => !a.startsWith('sqs:'));
    const build = (add: (stack: Stack) => TaskExecutorProps): Template => {
      const app = new App({ context: noBundling });
      const stack = new Stack(app, 'Test');
      new TaskExecutor(stack, 'Exec', add(stack));
      return Template.fromStack(stack);
    };
    const variables = (tmpl: Template) =>
      (Object.values(tmpl.findResources('AWS::Lambda::Function'))[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment
        .Variables;

    const withParameter = build((stack) => ({
      apiKeyParameter: ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'P', {
        parameterName: '/datadog/api-key',
        encryptionKey: kms.Key.fromKeyArn(stack, 'K', 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'),
      }),
    }));
    expect(variables(withParameter)).toMatchObject({ DD_API_KEY_SSM_NAME: '/datadog/api-key' });
    expect(variables(withParameter)).not.toHaveProperty('DD_API_KEY_SECRET_ARN');
    // GetParameter only (what the runtime calls): GetParameterHistory would hand out every earlier key, rotated out or not.
    expect(policyActions(withParameter)).toEqual(['kms:Decrypt', 'ssm:GetParameter']);

    const withKms = build((stack) => ({
      apiKeyKms: { ciphertext: 'AQICAHgAbCdEf0123456789+/w==', key: kms.Key.fromKeyArn(stack, 'K', 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555') },
    }));
    expect(variables(withKms)).toMatchObject({ DD_KMS_API_KEY: 'AQICAHgAbCdEf0123456789+/w==' });
    expect(policyActions(withKms)).toEqual(['kms:Decrypt']);
    // What the construct sets, the runtime reads.
    const literal = Object.fromEntries(Object.entries(variables(withKms)).filter((e): e is [string, string] => typeof e[1] === 'string'));
    expect(loadConfig(literal).apiKeySource).toEqual({ variable: 'DD_KMS_API_KEY', value: 'AQICAHgAbCdEf0123456789+/w==' });

    const app = new App({ context: noBundling });
    const stack = new RunnerStack(app, 'Runner', { apiKeyParameterName: '/datadog/api-key' });
    expect(variables(Template.fromStack(stack))).toMatchObject({ DD_API_KEY_SSM_NAME: '/datadog/api-key' });
    expect(policyActions(Template.fromStack(stack))).toEqual(['ssm:GetParameter']);
  });

  it("refuses an environment over Lambda's 4 KB limit at synth, naming what fills it, rather than at deploy", () => {
    const pem = readFileSync(join(ROOT, 'test/fixtures/keys/rsa-test-public.pem'), 'utf8');
    // Ten trusted RSA keys inline (rotation across a few signers): each a valid key, together past 4 KB.
    const signingKeys = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`signer-${i}`, pem]));
    expect(() => synth({ signingKeys }, false)).toThrow(
      /^TaskExecutor: the function's environment would take at least \d+ bytes, over Lambda's limit of 4096 for all its variables; the largest is TASK_SIGNING_KEYS \(\d+ bytes, from signingKeys\): keep the signing keys in a Secrets Manager secret instead$/,
    );
    // Three fit.
    expect(() => synth({ signingKeys: Object.fromEntries(Object.entries(signingKeys).slice(0, 3)) }, false)).not.toThrow();
    expect(() => synth({ environment: { DD_TAGS: 'x'.repeat(4000) } }, false)).toThrow('the largest is DD_TAGS (4000 bytes, from environment)');
  });

  it('refuses two ways of giving the API key, and a ciphertext or parameter name the runtime would refuse', () => {
    const app = new App({ context: noBundling });
    const stack = new Stack(app, 'Test');
    const key = kms.Key.fromKeyArn(stack, 'K', 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555');
    const param = (id: string, name: string) => ssm.StringParameter.fromStringParameterName(stack, id, name);
    expect(() => new TaskExecutor(stack, 'A', { apiKeySecret: secretsmanager.Secret.fromSecretNameV2(stack, 'S', 'k'), apiKeyParameter: param('P1', '/k') })).toThrow(
      'TaskExecutor: give the Datadog API key one way, not apiKeySecret and apiKeyParameter',
    );
    expect(() => new TaskExecutor(stack, 'B', { apiKeyKms: { ciphertext: 'not base64!', key } })).toThrow(
      'TaskExecutor: apiKeyKms.ciphertext must be base64 (the CiphertextBlob of `aws kms encrypt`)',
    );
    expect(() => new TaskExecutor(stack, 'C', { apiKeyParameter: param('P2', 'datadog api key') })).toThrow('TaskExecutor: apiKeyParameter: "datadog api key" is not a parameter name SSM takes');
  });

  it('the app reads its settings from -c strings and from cdk.json values alike, and refuses what it cannot read', () => {
    const settings = (context: Record<string, unknown>) => appSettings(new App({ context }).node);
    // -c key=value: strings.
    expect(settings({ fifo: 'true', allowedPaths: '/var/log, /tmp', allowedCommands: 'rshell:cat,rshell:grep', stackName: 'Ops' })).toEqual({
      stackName: 'Ops',
      props: expect.objectContaining({ executor: expect.objectContaining({ fifo: true, allowedPaths: ['/var/log', '/tmp'], allowedCommands: ['rshell:cat', 'rshell:grep'] }) }),
    });
    // cdk.json: a boolean and lists, once silently ignored (a standard queue, every path allowed).
    expect(settings({ fifo: true, allowedPaths: ['/var/log'], allowedCommands: ['rshell:cat'] }).props.executor).toMatchObject({
      fifo: true,
      allowedPaths: ['/var/log'],
      allowedCommands: ['rshell:cat'],
    });
    expect(settings({}).props.executor).toMatchObject({ fifo: false, allowedPaths: undefined, allowedCommands: undefined });
    expect(settings({ fifo: 'false' }).props.executor?.fifo).toBe(false);
    expect(() => settings({ fifo: 'True' })).toThrow('context fifo: expected true or false, got "True"');
    expect(() => settings({ fifo: 'yes' })).toThrow('context fifo: expected true or false, got "yes"');
    expect(() => settings({ datadogSite: 5 })).toThrow('context datadogSite: expected a string, got 5');
    expect(() => settings({ allowedPaths: [1] })).toThrow('context allowedPaths: expected a comma-separated string or a list of strings, got [1]');
  });

  // `npx cdk synth -c fifo=yes` printed the message inside a 10-line stack trace.
  it.each([
    [{ fifo: 'yes' }, 'context fifo: expected true or false, got "yes"\n'],
    [{ allowedPaths: 'var/log' }, 'TaskExecutor: allowedPaths entry "var/log" must be absolute\n'],
  ])('the app refuses the context %j in one line, exit 1', async (context, message) => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-app-'));
    const err = (await promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, 'cdk/app.ts')], {
      cwd: ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    ));
    expect(err.code).toBe(1);
    expect(err.stderr).toBe(message);
  }, 30_000);

  it('the app stack exposes queue URLs and the function name', () => {
    const app = new App({ context: noBundling });
    const stack = new RunnerStack(app, 'Runner', { apiKeySecretName: 'dd-api-key' });
    const outputs = Template.fromStack(stack).findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual(['DeadLetterQueueUrl', 'FunctionName', 'ResultsQueueUrl', 'TaskQueueUrl']);
  });
});
