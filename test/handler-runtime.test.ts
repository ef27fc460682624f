/** Container-level behaviour: secrets read once, concurrency bounded, failures of set-up retried. */
import type { IncomingMessage, Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../src/actions/types.js';
import { createSqsHandler } from '../src/tasks/sqs-handler.js';
import { taskBody } from '../src/producer/task.js';
import { loadConfig } from '../src/tasks/config.js';
import { startLocalIntake, type LocalIntake } from '../src/tracing/local-intake.js';
import { close, listen, slowKms, slowParameters, slowSecrets } from './helpers/aws-stubs.js';
import { context, fixture, MemoryLogger, MemoryPublisher, trustedKeysJson } from './helpers/stack.js';
import { WHOLE_WINDOW_FAILURE } from './faults-helpers.js';

let intake: LocalIntake;
beforeAll(async () => {
  intake = await startLocalIntake();
});
afterAll(() => intake.close());

const KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-api-key-AbCdEf';
const SIGNING_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:signing-XyZ123';

it('reads the API key secret once per container and sends spans with it', async () => {
  const reads: string[] = [];
  const handler = createSqsHandler(loadConfig({ DD_API_KEY_SECRET_ARN: KEY_ARN, DD_TRACE_INTAKE_URL: intake.url }), {
    logger: new MemoryLogger(),
    publisher: new MemoryPublisher(),
    readSecret: async (arn) => {
      reads.push(arn);
      return 'secret-api-key\n';
    },
  });
  await handler(fixture('single-task.json'), context());
  await handler(fixture('single-task.json'), context());
  expect(reads).toEqual([KEY_ARN]);
  const posts = intake.requests().filter((r) => r.status < 300);
  expect(posts.length).toBe(2);
  for (const p of posts) expect(p.headers['dd-api-key']).toBe('secret-api-key');
});

it('names the Datadog sampling settings it does not read, once per container, never their values', async () => {
  const env = { DD_API_KEY: 'k', DD_TRACE_INTAKE_URL: intake.url, DD_TRACE_SAMPLING_RULES: '[{"sample_rate":1}]', DD_TRACE_RATE_LIMIT: '50', DD_SPAN_SAMPLING_RULES: '[{"service":"svc-never-logged"}]' };
  const logger = new MemoryLogger();
  const handler = createSqsHandler(loadConfig(env), { logger, publisher: new MemoryPublisher() });
  await handler(fixture('single-task.json'), context());
  await handler(fixture('single-task.json'), context());
  const warnings = logger.records.filter((r) => r.msg.startsWith('Datadog settings'));
  expect(warnings).toEqual([
    expect.objectContaining({
      level: 'warn',
      msg: 'Datadog settings this runner does not read; traces are sampled by DD_TRACE_SAMPLING_RULES and DD_TRACE_SAMPLE_RATE only',
      names: 'DD_SPAN_SAMPLING_RULES',
    }),
  ]);
  expect(JSON.stringify(logger.records)).not.toContain('never-logged');
  // With tracing off there is nothing to sample: no warning.
  const quiet = new MemoryLogger();
  await createSqsHandler(loadConfig({ ...env, DD_TRACE_ENABLED: 'false' }), { logger: quiet, publisher: new MemoryPublisher() })(fixture('single-task.json'), context());
  expect(quiet.records.filter((r) => r.msg.startsWith('Datadog settings'))).toEqual([]);
});

it('DD_TRACE_ENABLED=false: no secret read, no span sent, tasks answered', async () => {
  const reads: string[] = [];
  const pub = new MemoryPublisher();
  const handler = createSqsHandler(loadConfig({ DD_TRACE_ENABLED: 'false', DD_API_KEY_SECRET_ARN: KEY_ARN, DD_TRACE_INTAKE_URL: intake.url }), {
    logger: new MemoryLogger(),
    publisher: pub,
    readSecret: async (arn) => {
      reads.push(arn);
      return 'secret-api-key';
    },
  });
  const before = intake.requests().length;
  const res = await handler(fixture('single-task.json'), context());
  expect(res.batchItemFailures).toEqual([]);
  expect(pub.items.map((i) => i.update.data.id)).toEqual(['succeed_task']);
  expect(reads).toEqual([]);
  expect(intake.requests().length).toBe(before);
});

it('keeps answering tasks when the API key secret cannot be read', async () => {
  const pub = new MemoryPublisher();
  const logger = new MemoryLogger();
  const handler = createSqsHandler(loadConfig({ DD_API_KEY_SECRET_ARN: KEY_ARN, DD_TRACE_INTAKE_URL: intake.url }), {
    logger,
    publisher: pub,
    readSecret: async () => {
      throw new Error('AccessDenied: not allowed');
    },
  });
  const res = await handler(fixture('single-task.json'), context());
  expect(res.batchItemFailures).toEqual([]);
  expect(pub.items).toHaveLength(1);
  const line = logger.records.find((r) => r.msg.startsWith('could not read the Datadog API key'));
  expect(line).toMatchObject({ level: 'error', source: 'DD_API_KEY_SECRET_ARN', error_type: 'Error' });
  expect(JSON.stringify(logger.records)).not.toContain('AccessDenied');
});

it('reads the API key from an SSM parameter once per container and sends spans with it', async () => {
  const reads: string[] = [];
  const handler = createSqsHandler(loadConfig({ DD_API_KEY_SSM_NAME: '/datadog/api-key', DD_TRACE_INTAKE_URL: intake.url }), {
    logger: new MemoryLogger(),
    publisher: new MemoryPublisher(),
    readSecret: async () => expect.unreachable('no secret is configured'),
    readParameter: async (name) => {
      reads.push(name);
      return 'ssm-api-key\n';
    },
  });
  const before = intake.requests().length;
  await handler(fixture('single-task.json'), context());
  await handler(fixture('single-task.json'), context());
  expect(reads).toEqual(['/datadog/api-key']);
  const posts = intake.requests().slice(before);
  expect(posts.map((p) => p.headers['dd-api-key'])).toEqual(['ssm-api-key', 'ssm-api-key']);
});

describe('the API key as KMS ciphertext (DD_KMS_API_KEY)', () => {
  const CIPHERTEXT = 'AQICAHgAbCdEf0123456789+/w==';
  const run = async (env: Record<string, string>, decrypt: (c: string, ctx?: Record<string, string>) => Promise<string>) => {
    const logger = new MemoryLogger();
    const handler = createSqsHandler(loadConfig({ DD_KMS_API_KEY: CIPHERTEXT, DD_TRACE_INTAKE_URL: intake.url, ...env }), {
      logger,
      publisher: new MemoryPublisher(),
      decrypt,
    });
    const before = intake.requests().length;
    expect((await handler(fixture('single-task.json'), context())).batchItemFailures).toEqual([]);
    return { logger, keys: intake.requests().slice(before).map((p) => p.headers['dd-api-key']) };
  };

  it('decrypts without an encryption context (the AWS CLI way)', async () => {
    const calls: unknown[] = [];
    const { keys } = await run({ AWS_LAMBDA_FUNCTION_NAME: 'executor' }, async (c, ctx) => {
      calls.push([c, ctx]);
      return 'kms-api-key';
    });
    expect(calls).toEqual([[CIPHERTEXT, undefined]]);
    expect(keys).toEqual(['kms-api-key']);
  });

  it("then under the function's name (the Lambda console way)", async () => {
    const calls: unknown[] = [];
    const { keys } = await run({ AWS_LAMBDA_FUNCTION_NAME: 'executor' }, async (c, ctx) => {
      calls.push([c, ctx]);
      if (ctx === undefined) throw Object.assign(new Error('context mismatch'), { name: 'InvalidCiphertextException' });
      return 'console-api-key\n';
    });
    expect(calls).toEqual([
      [CIPHERTEXT, undefined],
      [CIPHERTEXT, { LambdaFunctionName: 'executor' }],
    ]);
    expect(keys).toEqual(['console-api-key']);
  });

  it('undecryptable: tasks still answered, spans carry no key, the log names the source and the error type only', async () => {
    const { logger, keys } = await run({ AWS_LAMBDA_FUNCTION_NAME: 'executor' }, async () => {
      // Words, not digits, for the message: a random trace id in the logs can contain "1234".
      throw Object.assign(new Error('AccessDenied for key alias/never-logged'), { name: 'AccessDeniedException' });
    });
    // The local intake takes spans without a key; Datadog's would refuse them.
    expect(keys).toEqual(['']);
    expect(logger.records.find((r) => r.msg.startsWith('could not read the Datadog API key'))).toMatchObject({
      level: 'error',
      source: 'DD_KMS_API_KEY',
      error_type: 'AccessDeniedException',
    });
    expect(JSON.stringify(logger.records)).not.toContain('never-logged');
    expect(JSON.stringify(logger.records)).not.toContain(CIPHERTEXT);
  });
});

it('a stored key that is blank is a failed read: logged with its source, read again later', async () => {
  const logger = new MemoryLogger();
  let value = ' \n';
  const handler = createSqsHandler(loadConfig({ DD_API_KEY_SSM_NAME: '/datadog/api-key', DD_TRACE_INTAKE_URL: intake.url }), {
    logger,
    publisher: new MemoryPublisher(),
    apiKeyRetryMs: 0,
    readParameter: async () => value,
  });
  const before = intake.requests().length;
  await handler(fixture('single-task.json'), context());
  expect(logger.records.find((r) => r.msg.startsWith('could not read the Datadog API key'))).toMatchObject({ source: 'DD_API_KEY_SSM_NAME', error_type: 'EmptyApiKey' });
  value = 'fixed-key';
  await handler(fixture('single-task.json'), context());
  expect(intake.requests().slice(before).map((p) => p.headers['dd-api-key'])).toEqual(['', 'fixed-key']);
});

it('sending to an agent (the Datadog Extension reads the key itself): no stored key is read', async () => {
  const handler = createSqsHandler(loadConfig({ DD_API_KEY_SECRET_ARN: KEY_ARN, DD_KMS_API_KEY: 'AQID', DD_TRACE_AGENT_URL: 'http://127.0.0.1:9' }), {
    logger: new MemoryLogger(),
    publisher: new MemoryPublisher(),
    readSecret: async () => expect.unreachable('the secret was read'),
    decrypt: async () => expect.unreachable('the ciphertext was decrypted'),
  });
  expect((await handler(fixture('single-task.json'), context())).batchItemFailures).toEqual([]);
});

it('reads the API key again after a failed read, at most once per interval, and then sends spans', async () => {
  const reads: number[] = [];
  let failing = true;
  const logger = new MemoryLogger();
  const make = (apiKeyRetryMs: number) =>
    createSqsHandler(loadConfig({ DD_API_KEY_SECRET_ARN: KEY_ARN, DD_TRACE_INTAKE_URL: intake.url }), {
      logger,
      publisher: new MemoryPublisher(),
      apiKeyRetryMs,
      readSecret: async () => {
        reads.push(Date.now());
        if (failing) throw new Error('ThrottlingException: rate exceeded');
        return 'later-api-key\n';
      },
    });
  const sent = () => intake.requests().filter((r) => r.headers['dd-api-key'] === 'later-api-key').length;

  // Within the interval: no second read, no spans, tasks answered all the same.
  const patient = make(60_000);
  failing = true;
  for (let i = 0; i < 3; i++) expect((await patient(fixture('single-task.json'), context())).batchItemFailures).toEqual([]);
  expect(reads).toHaveLength(1);

  // Interval over (0 ms here): the next invocation reads again; once that works, its spans
  // go out with the key, and no more reads follow.
  reads.length = 0;
  const eager = make(0);
  await eager(fixture('single-task.json'), context());
  await eager(fixture('single-task.json'), context());
  expect(reads).toHaveLength(2);
  expect(sent()).toBe(0);
  failing = false;
  await eager(fixture('single-task.json'), context());
  expect(reads).toHaveLength(3);
  expect(sent()).toBe(1);
  await eager(fixture('single-task.json'), context());
  expect(reads).toHaveLength(3);
  expect(sent()).toBe(2);
  expect(logger.records.filter((r) => r.msg === 'read the Datadog API key; spans are sent again')).toEqual([
    expect.objectContaining({ level: 'info', source: 'DD_API_KEY_SECRET_ARN' }),
  ]);
  expect(JSON.stringify(logger.records)).not.toContain('Throttling');
});

it('retries the whole batch while the signing keys cannot be read, and recovers', async () => {
  let fail = true;
  const pub = new MemoryPublisher();
  const logger = new MemoryLogger();
  const handler = createSqsHandler(loadConfig({ TASK_SIGNING_KEYS: SIGNING_ARN }), {
    logger,
    publisher: pub,
    readSecret: async () => {
      if (fail) throw new Error('throttled');
      return trustedKeysJson();
    },
  });
  const event = fixture('signed.json');
  const ctx = context();
  const first = await handler(event, ctx);
  expect(first.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(event.Records.map((r) => r.messageId));
  expect(pub.items).toEqual([]);
  // The summary line says so too, so the construct's RetriedRecords metric counts them.
  const summaries = () => logger.records.filter((r) => r.msg === 'invocation done');
  const n = event.Records.length;
  expect(summaries()).toEqual([
    { level: 'info', msg: 'invocation done', request_id: ctx.awsRequestId, function_name: ctx.functionName, cold_start: true, records: n, retried: n },
  ]);
  fail = false;
  const second = await handler(event, context());
  expect(second.batchItemFailures).toEqual([]);
  expect(summaries()[1]).toMatchObject({ cold_start: false, records: n, retried: 0 });
  expect(pub.items.filter((i) => i.update.data.id === 'succeed_task').map((i) => i.update.data.attributes.task_id).sort()).toEqual(['signed-ed25519', 'signed-rsa']);
});

it('a batch that goes back whole names a message delivered twice once', async () => {
  const logger = new MemoryLogger();
  const handler = createSqsHandler(loadConfig({ TASK_SIGNING_KEYS: SIGNING_ARN }), {
    logger,
    publisher: new MemoryPublisher(),
    readSecret: async () => {
      throw new Error('throttled');
    },
  });
  const [r] = fixture('signed.json').Records;
  // SQS is at-least-once: the same message (id and body) twice in one batch.
  const res = await handler({ Records: [r!, { ...r! }] }, context());
  expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: r!.messageId }] });
  expect(logger.records.find((l) => l.msg === 'invocation done')).toMatchObject({ records: 1, retried: 1 });
});

it('prepare() builds the runtime before the first invocation (the init phase), which then reads nothing again', async () => {
  const reads: string[] = [];
  const pub = new MemoryPublisher();
  const handler = createSqsHandler(loadConfig({ TASK_SIGNING_KEYS: SIGNING_ARN }), {
    logger: new MemoryLogger(),
    publisher: pub,
    readSecret: async (arn) => {
      reads.push(arn);
      return trustedKeysJson();
    },
  });
  await handler.prepare();
  expect(reads).toEqual([SIGNING_ARN]);
  const res = await handler(fixture('signed.json'), context());
  expect(res.batchItemFailures).toEqual([]);
  expect(pub.items.filter((i) => i.update.data.id === 'succeed_task')).toHaveLength(2);
  expect(reads).toEqual([SIGNING_ARN]);
});

it('prepare() never rejects: a failure is logged without its message and the first invocation tries again', async () => {
  let attempts = 0;
  const logger = new MemoryLogger();
  const handler = createSqsHandler(loadConfig({ TASK_SIGNING_KEYS: SIGNING_ARN }), {
    logger,
    publisher: new MemoryPublisher(),
    readSecret: async () => {
      if (++attempts === 1) throw new Error('ThrottlingException: rate exceeded');
      return trustedKeysJson();
    },
  });
  await expect(handler.prepare()).resolves.toBeUndefined();
  expect(logger.records.find((r) => r.msg.startsWith('could not prepare the runtime'))).toMatchObject({ level: 'error', error_type: 'Error' });
  expect(JSON.stringify(logger.records)).not.toContain('Throttling');
  const res = await handler(fixture('signed.json'), context());
  expect(res.batchItemFailures).toEqual([]);
  expect(attempts).toBe(2);
});

it('reads the signing keys and the API key secret at the same time, not one after the other', async () => {
  let inFlight = 0;
  let most = 0;
  const pub = new MemoryPublisher();
  const handler = createSqsHandler(loadConfig({ TASK_SIGNING_KEYS: SIGNING_ARN, DD_API_KEY_SECRET_ARN: KEY_ARN, DD_TRACE_INTAKE_URL: intake.url }), {
    logger: new MemoryLogger(),
    publisher: pub,
    readSecret: async (arn) => {
      most = Math.max(most, ++inFlight);
      // A network round trip: the other read has until then to start.
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return arn === KEY_ARN ? 'parallel-api-key' : trustedKeysJson();
    },
  });
  const before = intake.requests().length;
  const res = await handler(fixture('signed.json'), context());
  expect(most).toBe(2);
  expect(res.batchItemFailures).toEqual([]);
  expect(pub.items.filter((i) => i.update.data.id === 'succeed_task').map((i) => i.update.data.attributes.task_id).sort()).toEqual(['signed-ed25519', 'signed-rsa']);
  const posts = intake.requests().slice(before);
  expect(posts.map((p) => p.headers['dd-api-key'])).toEqual(['parallel-api-key']);
});

it('runs the tasks of a standard queue concurrently, at most TASK_CONCURRENCY at once', async () => {
  let running = 0;
  let peak = 0;
  const slow: Action = {
    fqn: 'com.example.test.slow',
    async run() {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      return { ok: true };
    },
  };
  const pub = new MemoryPublisher();
  const handler = createSqsHandler(loadConfig({ TASK_CONCURRENCY: '3' }), {
    logger: new MemoryLogger(),
    publisher: pub,
    registry: new Map([[slow.fqn, slow]]),
  });
  const base = fixture('single-task.json').Records[0];
  const event = {
    Records: Array.from({ length: 10 }, (_, i) => ({
      ...base,
      messageId: `m-${i}`,
      body: taskBody({ id: `slow-${i}`, jobId: 'j', bundleId: 'com.example.test', name: 'slow', inputs: {} }),
    })),
  };
  const res = await handler(event, context());
  expect(res.batchItemFailures).toEqual([]);
  expect(peak).toBe(3);
  expect(pub.items).toHaveLength(10);
});

it('answers an action that throws a non-Error with ACTION_ERROR and keeps going', async () => {
  const weird: Action = {
    fqn: 'com.example.test.weird',
    async run() {
      throw 'a string, not an Error';
    },
  };
  const pub = new MemoryPublisher();
  const handler = createSqsHandler(loadConfig({}), { logger: new MemoryLogger(), publisher: pub, registry: new Map([[weird.fqn, weird]]) });
  const base = fixture('single-task.json').Records[0];
  await handler({ Records: [{ ...base, body: taskBody({ id: 'w', jobId: 'j', bundleId: 'com.example.test', name: 'weird', inputs: {} }) }] }, context());
  expect(pub.items[0].update.data.attributes.payload).toEqual({ error_code: 'ACTION_ERROR', error_details: 'a string, not an Error' });
});

it('answers a signed task as the task that was signed, whatever the unsigned wrapper claims', async () => {
  const { createPrivateKey } = await import('node:crypto');
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { ROOT } = await import('./helpers/stack.js');
  const key = createPrivateKey(readFileSync(join(ROOT, 'test/fixtures/keys/ed25519-test-private.pem')));
  const body = JSON.parse(
    taskBody({ id: 'signed-id', jobId: 'job-1', inputs: { command: 'echo signed' }, allowedCommands: ['rshell:echo'] }, { keyId: 'fixture-ed25519', key }),
  ) as { data: { id: string; attributes: { inputs: Record<string, unknown> } } };
  body.data.id = 'forged-id';
  body.data.attributes.inputs = { command: 'echo forged' };
  const pub = new MemoryPublisher();
  const handler = createSqsHandler(loadConfig({ TASK_SIGNING_KEYS: trustedKeysJson() }), { logger: new MemoryLogger(), publisher: pub });
  const base = fixture('single-task.json').Records[0];
  await handler({ Records: [{ ...base, body: JSON.stringify(body) }] }, context());
  const a = pub.items[0].update.data.attributes;
  expect(a.task_id).toBe('signed-id');
  expect(a.job_id).toBe('job-1');
  expect(a.payload).toMatchObject({ outputs: { exitCode: 0, stdout: 'signed\n' } });
});

describe('secrets through the real Secrets Manager client', () => {
  let secrets: Server;
  let gets: string[];
  let saved: NodeJS.ProcessEnv;
  beforeAll(async () => {
    secrets = slowSecrets(0, { [KEY_ARN]: 'sm-api-key\n', [SIGNING_ARN]: trustedKeysJson() });
    gets = [];
    secrets.on('request', (req: IncomingMessage) => gets.push(String(req.headers['x-amz-target'])));
    const endpoint = await listen(secrets);
    saved = { ...process.env };
    // The SDK's per-service endpoint variable, as for SQS (AWS_ENDPOINT_URL_SQS).
    Object.assign(process.env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
  });
  afterAll(async () => {
    process.env = saved;
    await close(secrets);
  });

  it('reads the API key and the signing keys once per container, and uses both', async () => {
    const pub = new MemoryPublisher();
    const handler = createSqsHandler(loadConfig({ DD_API_KEY_SECRET_ARN: KEY_ARN, TASK_SIGNING_KEYS: SIGNING_ARN, DD_TRACE_INTAKE_URL: intake.url }), {
      logger: new MemoryLogger(),
      publisher: pub,
    });
    const before = intake.requests().length;
    for (let i = 0; i < 2; i++) expect((await handler(fixture('signed.json'), context())).batchItemFailures).toEqual([]);
    expect(gets).toEqual(['secretsmanager.GetSecretValue', 'secretsmanager.GetSecretValue']);
    // The signed tasks verified against the keys read; the spans went out with the key read.
    const ok = pub.items.filter((i) => i.update.data.id === 'succeed_task').map((i) => i.update.data.attributes.task_id);
    expect(ok.sort()).toEqual(['signed-ed25519', 'signed-ed25519', 'signed-rsa', 'signed-rsa']);
    const posts = intake.requests().slice(before);
    expect(posts.length).toBe(2);
    for (const p of posts) expect(p.headers['dd-api-key']).toBe('sm-api-key');
  });

  it('a secret that does not exist: the batch goes back to SQS, the log names the error type only', async () => {
    const logger = new MemoryLogger();
    const missing = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-000000';
    const handler = createSqsHandler(loadConfig({ TASK_SIGNING_KEYS: missing }), { logger, publisher: new MemoryPublisher() });
    const event = fixture('signed.json');
    const res = await handler(event, context());
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(event.Records.map((r) => r.messageId));
    expect(logger.records.find((r) => r.msg.startsWith('batch failed'))).toMatchObject({ level: 'error', error_type: 'ResourceNotFoundException' });
    expect(JSON.stringify(logger.records)).not.toContain('no such secret');
  });
});

describe('the API key through the real SSM and KMS clients', () => {
  const PLAIN_CT = Buffer.from('cli-encrypted').toString('base64');
  const CONSOLE_CT = Buffer.from('console-encrypted').toString('base64');
  let ssm: Server;
  let kms: Server;
  let targets: string[];
  let saved: NodeJS.ProcessEnv;
  beforeAll(async () => {
    ssm = slowParameters(0, { '/datadog/api-key': 'ssm-api-key\n' });
    kms = slowKms(0, { [PLAIN_CT]: { plaintext: 'kms-api-key' }, [CONSOLE_CT]: { plaintext: 'kms-console-key\n', context: { LambdaFunctionName: 'executor' } } });
    targets = [];
    for (const s of [ssm, kms]) s.on('request', (req: IncomingMessage) => targets.push(String(req.headers['x-amz-target'])));
    saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SSM: await listen(ssm),
      AWS_ENDPOINT_URL_KMS: await listen(kms),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await close(ssm, kms);
  });

  const keysSent = async (env: Record<string, string>): Promise<unknown[]> => {
    const handler = createSqsHandler(loadConfig({ DD_TRACE_INTAKE_URL: intake.url, ...env }), { logger: new MemoryLogger(), publisher: new MemoryPublisher() });
    const before = intake.requests().length;
    expect((await handler(fixture('single-task.json'), context())).batchItemFailures).toEqual([]);
    return intake.requests().slice(before).map((p) => p.headers['dd-api-key']);
  };

  it('reads a SecureString parameter, decrypted', async () => {
    targets.length = 0;
    expect(await keysSent({ DD_API_KEY_SSM_NAME: '/datadog/api-key' })).toEqual(['ssm-api-key']);
    expect(targets).toEqual(['AmazonSSM.GetParameter']);
  });

  it('decrypts a ciphertext made without a context, and one made under the function name', async () => {
    targets.length = 0;
    expect(await keysSent({ DD_KMS_API_KEY: PLAIN_CT, AWS_LAMBDA_FUNCTION_NAME: 'executor' })).toEqual(['kms-api-key']);
    expect(targets).toEqual(['TrentService.Decrypt']);
    targets.length = 0;
    expect(await keysSent({ DD_KMS_API_KEY: CONSOLE_CT, AWS_LAMBDA_FUNCTION_NAME: 'executor' })).toEqual(['kms-console-key']);
    expect(targets).toEqual(['TrentService.Decrypt', 'TrentService.Decrypt']);
  });

  it('a parameter that does not exist: spans carry no key, the log names the source and the error type', async () => {
    const logger = new MemoryLogger();
    const handler = createSqsHandler(loadConfig({ DD_TRACE_INTAKE_URL: intake.url, DD_API_KEY_SSM_NAME: '/datadog/gone' }), { logger, publisher: new MemoryPublisher() });
    const before = intake.requests().length;
    expect((await handler(fixture('single-task.json'), context())).batchItemFailures).toEqual([]);
    expect(intake.requests().slice(before).map((p) => p.headers['dd-api-key'])).toEqual(['']);
    expect(logger.records.find((r) => r.msg.startsWith('could not read the Datadog API key'))).toMatchObject({
      source: 'DD_API_KEY_SSM_NAME',
      error_type: 'ParameterNotFound',
    });
    expect(JSON.stringify(logger.records)).not.toContain('no such parameter');
  });
});

it('LOG_LEVEL=warn: no per-task lines, the warnings and the invocation line still written', async () => {
  const lines: string[] = [];
  const write = process.stdout.write;
  // The handler's own logger writes to stdout; a span budget of 0 makes one warning per invocation.
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    const config = loadConfig({ DD_API_KEY: 'k', DD_TRACE_INTAKE_URL: intake.url, LOG_LEVEL: 'warn', RSHELL_MAX_SPANS_PER_INVOCATION: '0' });
    const pub = new MemoryPublisher();
    const res = await createSqsHandler(config, { publisher: pub })(fixture('single-task.json'), context());
    expect(res.batchItemFailures).toEqual([]);
    expect(pub.items.map((i) => i.update.data.id)).toEqual(['succeed_task']);
  } finally {
    process.stdout.write = write;
  }
  const recs = lines.map((l) => JSON.parse(l));
  expect(recs.map((r) => [r.level, r.msg])).toEqual([
    ['warn', 'span budget spent'],
    ['info', 'invocation done'],
  ]);
});

it('treats an action that rejects with its abort signal\'s reason at the deadline as timed out, not as its own failure', async () => {
  // A plain (non-async) run that rejects with signal.reason, the usual AbortSignal idiom: its
  // rejection settles before the runner's own timer does, so the runner sees the reason itself.
  const obedient: Action = {
    fqn: 'com.example.test.obedient',
    run({ signal }) {
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    },
  };
  const base = fixture('single-task.json').Records[0];
  const body = (id: string, inputs: Record<string, unknown>) => taskBody({ id, jobId: 'j', bundleId: 'com.example.test', name: 'obedient', inputs });
  const registry = new Map([[obedient.fqn, obedient]]);
  // One slot. Its own timeout (1 s): answered as a timeout. Behind it, a task without one
  // starts 1 s late and is cut by the invocation's end: retried (a later invocation can give
  // it more time), not answered.
  const pub = new MemoryPublisher();
  const handler = createSqsHandler(loadConfig({ TASK_CONCURRENCY: '1' }), { logger: new MemoryLogger(), publisher: pub, registry });
  const res = await handler({ Records: [{ ...base, messageId: 'own', body: body('own', { timeout: 1 }) }, { ...base, messageId: 'cut', body: body('cut', {}) }] }, context(3_000));
  expect(pub.items.map((i) => [i.messageId, i.update.data.attributes.payload])).toEqual([
    ['own', { error_code: 'INTERNAL_ERROR', error_details: 'task execution exceeded timeout of 1 seconds' }],
  ]);
  expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'cut' }]);
  // Alone, it had the invocation's whole window (a slack of 185 ms for its start): cut by the
  // invocation's end, it is answered as exceeding that window, still not as its own failure.
  const pub2 = new MemoryPublisher();
  const handler2 = createSqsHandler(loadConfig({}), { logger: new MemoryLogger(), publisher: pub2, registry });
  const res2 = await handler2({ Records: [{ ...base, messageId: 'alone', body: body('alone', {}) }] }, context(6_000));
  expect(res2.batchItemFailures).toEqual([]);
  expect(pub2.items.map((i) => i.update.data.attributes.payload)).toEqual([
    { error_code: 'INTERNAL_ERROR', error_details: expect.stringMatching(WHOLE_WINDOW_FAILURE) },
  ]);
});
