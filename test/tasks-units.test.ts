/** Unit tests of the executor's pieces: configuration, policy, envelope, signatures, results, budget. */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { cleanPath, effectiveCommands, effectivePaths } from '../src/actions/rshell/policy.js';
import { signedEnvelope, taskBody } from '../src/producer/task.js';
import { loadConfig } from '../src/tasks/config.js';
import { parseTaskBody } from '../src/tasks/envelope.js';
import { TaskError } from '../src/tasks/errors.js';
import { parseSigningKeys } from '../src/tasks/keys.js';
import { createLogger, INVOCATION_DONE, traceFields } from '../src/tasks/log.js';
import { logPublisher } from '../src/tasks/publisher.js';
import { encodeResult, failed, MAX_RESULT_BYTES, succeeded } from '../src/tasks/results.js';
import { verifySignedTask } from '../src/tasks/signature.js';
import { hadWholeWindow, invocationBudget, saneRemainingMs, taskDeadline, timeoutSecondsOf, WHOLE_WINDOW_SLACK_MS } from '../src/tasks/timeout.js';
import { fromAwsTraceHeader, parentContextFor, parseTraceparent } from '../src/tasks/trace-context.js';
import { ROOT, trustedKeysJson } from './helpers/stack.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      operatorAllowedCommands: ['rshell:*'],
      operatorAllowedPaths: ['/'],
      taskConcurrency: 4,
      defaultTaskTimeoutSeconds: 60,
      publishReserveMs: 1500,
      flushReserveMs: 1000,
      rshellDetailedTelemetry: true,
      rshellMaxSpansPerInvocation: 20_000,
      logLevel: 'info',
    });
    expect(c.resultsQueueUrl).toBeUndefined();
    expect(c.signingKeys).toBeUndefined();
  });

  it('reads lists as CSV or JSON, and an empty list as the kill switch', () => {
    expect(loadConfig({ RSHELL_ALLOWED_COMMANDS: 'rshell:cat, rshell:grep' }).operatorAllowedCommands).toEqual(['rshell:cat', 'rshell:grep']);
    expect(loadConfig({ RSHELL_ALLOWED_PATHS: '["/var/log","/tmp"]' }).operatorAllowedPaths).toEqual(['/var/log', '/tmp']);
    expect(loadConfig({ RSHELL_ALLOWED_COMMANDS: '' }).operatorAllowedCommands).toEqual([]);
    expect(loadConfig({ RSHELL_DETAILED_TELEMETRY: 'False' }).rshellDetailedTelemetry).toBe(false);
    expect(loadConfig({ RSHELL_DETAILED_TELEMETRY: '0' }).rshellDetailedTelemetry).toBe(false);
    expect(loadConfig({ RSHELL_DETAILED_TELEMETRY: ' true ' }).rshellDetailedTelemetry).toBe(true);
  });

  it('reads the stored API key from Secrets Manager, SSM or KMS, first in that order, only when it is needed', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-api-key-AbCdEf';
    const ssmArn = 'arn:aws:ssm:eu-west-1:123456789012:parameter/dd/api-key';
    const all = { DD_API_KEY_SECRET_ARN: arn, DD_API_KEY_SSM_NAME: '/dd/api-key', DD_KMS_API_KEY: 'AQICAHg=' };
    expect(loadConfig(all).apiKeySource).toEqual({ variable: 'DD_API_KEY_SECRET_ARN', value: arn });
    expect(loadConfig({ ...all, DD_API_KEY_SECRET_ARN: ' ' }).apiKeySource).toEqual({ variable: 'DD_API_KEY_SSM_NAME', value: '/dd/api-key' });
    expect(loadConfig({ DD_KMS_API_KEY: ' AQICAHg= ' }).apiKeySource).toEqual({ variable: 'DD_KMS_API_KEY', value: 'AQICAHg=' });
    expect(loadConfig({ DD_API_KEY_SSM_NAME: ssmArn }).apiKeySource).toEqual({ variable: 'DD_API_KEY_SSM_NAME', value: ssmArn });
    expect(loadConfig({ DD_API_KEY_SSM_NAME: 'dd_api.key-2' }).apiKeySource).toEqual({ variable: 'DD_API_KEY_SSM_NAME', value: 'dd_api.key-2' });
    // A plain key wins; an agent (the Datadog Extension reads these itself) or tracing off needs none.
    for (const other of [{ DD_API_KEY: 'k' }, { DD_TRACE_AGENT_URL: 'http://127.0.0.1:8126' }, { DD_TRACE_ENABLED: 'False' }, { DD_TRACE_ENABLED: '0' }]) {
      expect(loadConfig({ ...all, ...other }).apiKeySource).toBeUndefined();
    }
    expect(loadConfig({ DD_TRACE_ENABLED: 'true', DD_API_KEY_SSM_NAME: '/k' }).apiKeySource).toEqual({ variable: 'DD_API_KEY_SSM_NAME', value: '/k' });
    expect(loadConfig({}).apiKeySource).toBeUndefined();
  });

  it('reads LOG_LEVEL, raised to the stricter level of Lambda\'s log controls', () => {
    expect(loadConfig({ LOG_LEVEL: ' WARN ' }).logLevel).toBe('warn');
    expect(loadConfig({ LOG_LEVEL: 'warning' }).logLevel).toBe('warn');
    expect(loadConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(loadConfig({ LOG_LEVEL: '' }).logLevel).toBe('info');
    // Lambda drops lines below its own level anyway: writing them would only cost time.
    expect(loadConfig({ AWS_LAMBDA_LOG_LEVEL: 'ERROR' }).logLevel).toBe('error');
    expect(loadConfig({ LOG_LEVEL: 'info', AWS_LAMBDA_LOG_LEVEL: 'FATAL' }).logLevel).toBe('error');
    expect(loadConfig({ LOG_LEVEL: 'warn', AWS_LAMBDA_LOG_LEVEL: 'DEBUG' }).logLevel).toBe('warn');
    expect(loadConfig({ AWS_LAMBDA_LOG_LEVEL: 'TRACE' }).logLevel).toBe('info');
    // The platform's variable, not the operator's: a level it adds later must not fail init.
    expect(loadConfig({ AWS_LAMBDA_LOG_LEVEL: 'NOTICE' }).logLevel).toBe('info');
  });

  it('takes secrets as values or Secrets Manager ARNs', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-api-key-AbCdEf';
    expect(loadConfig({ TASK_SIGNING_KEYS: arn }).signingKeys).toEqual({ secretArn: arn });
    expect(loadConfig({ TASK_SIGNING_KEYS: trustedKeysJson() }).signingKeys).toEqual({ value: trustedKeysJson().trim() });
  });

  it.each([
    [{ TASK_CONCURRENCY: 'many' }, 'TASK_CONCURRENCY: expected a whole number, got "many"'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL: expected debug, info, warn or error, got "verbose"'],
    [{ TASK_CONCURRENCY: '0' }, 'TASK_CONCURRENCY: must be between 1 and 100, got 0'],
    [{ TASK_TIMEOUT_SECONDS: '-5' }, 'TASK_TIMEOUT_SECONDS: expected a whole number, got "-5"'],
    [{ TASK_MAX_RECEIVE_COUNT: '0' }, 'TASK_MAX_RECEIVE_COUNT: must be between 1 and 1000, got 0'],
    [{ TASK_MAX_RECEIVE_COUNT: 'five' }, 'TASK_MAX_RECEIVE_COUNT: expected a whole number, got "five"'],
    [{ RSHELL_ALLOWED_PATHS: '[1,2]' }, 'RSHELL_ALLOWED_PATHS: expected a JSON array of strings'],
    [{ RSHELL_ALLOWED_COMMANDS: '[oops' }, 'RSHELL_ALLOWED_COMMANDS: invalid JSON array'],
    // A bare name or a relative path would match nothing: every task refused, with no word at init.
    [{ RSHELL_ALLOWED_COMMANDS: 'rshell:cat,grep' }, 'RSHELL_ALLOWED_COMMANDS: entry "grep" must look like "rshell:<name>" or "rshell:*"'],
    [{ RSHELL_ALLOWED_COMMANDS: '["rshell:"]' }, 'RSHELL_ALLOWED_COMMANDS: entry "rshell:" must look like "rshell:<name>" or "rshell:*"'],
    [{ RSHELL_ALLOWED_PATHS: '/tmp,var/log' }, 'RSHELL_ALLOWED_PATHS: entry "var/log" must be an absolute path'],
    [{ RESULTS_QUEUE_URL: 'not a url' }, 'RESULTS_QUEUE_URL: not an http(s) URL'],
    // The SDK took it and failed every send: each batch retried until the DLQ, the variable unnamed.
    [{ AWS_ENDPOINT_URL_SQS: 'localhost:9324' }, 'AWS_ENDPOINT_URL_SQS: not an http(s) URL'],
    [{ RSHELL_DETAILED_TELEMETRY: 'yes' }, 'RSHELL_DETAILED_TELEMETRY: expected true or false, got "yes"'],
    [{ RSHELL_MAX_SPANS_PER_INVOCATION: '-1' }, 'RSHELL_MAX_SPANS_PER_INVOCATION: expected a whole number, got "-1"'],
    [{ RSHELL_MAX_SPANS_PER_INVOCATION: '100001' }, 'RSHELL_MAX_SPANS_PER_INVOCATION: must be between 0 and 100000, got 100001'],
    [{ DD_API_KEY_SECRET_ARN: 'dd-api-key' }, 'DD_API_KEY_SECRET_ARN: expected a Secrets Manager ARN'],
    // Checked even when another source wins, so a typo fails the cold start rather than later.
    [{ DD_KMS_API_KEY: 'AQICAH...', DD_API_KEY: 'k' }, 'DD_KMS_API_KEY: expected base64 KMS ciphertext (the CiphertextBlob of `aws kms encrypt`)'],
    [{ DD_KMS_API_KEY: 'AQICAHg' }, 'DD_KMS_API_KEY: expected base64 KMS ciphertext'],
    [{ DD_API_KEY_SSM_NAME: 'dd api key' }, 'DD_API_KEY_SSM_NAME: expected a parameter name (letters, digits and _.-/, at most 2048) or an SSM parameter ARN'],
    [{ DD_API_KEY_SSM_NAME: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x' }, 'DD_API_KEY_SSM_NAME: expected a parameter name'],
    [{ DD_API_KEY_SSM_NAME: '/' + 'a'.repeat(2048) }, 'DD_API_KEY_SSM_NAME: expected a parameter name'],
    // Set but blank must not switch signature checks off.
    [{ TASK_SIGNING_KEYS: '' }, 'TASK_SIGNING_KEYS: empty (leave TASK_SIGNING_KEYS out to run unsigned tasks)'],
    [{ TASK_SIGNING_KEYS: '  ' }, 'TASK_SIGNING_KEYS: empty (leave TASK_SIGNING_KEYS out to run unsigned tasks)'],
    // An inline map is parsed at cold start, as README says; only a secret waits for the runtime.
    [{ TASK_SIGNING_KEYS: '{}' }, 'TASK_SIGNING_KEYS: no keys (leave TASK_SIGNING_KEYS out to run unsigned tasks)'],
    [{ TASK_SIGNING_KEYS: '{"k":"pem"}' }, 'TASK_SIGNING_KEYS: key "k" is not a valid public key'],
  ])('refuses %o naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('allow-list intersection (PAR rules)', () => {
  it('keeps namespaced task commands the operator admits', () => {
    expect(effectiveCommands(['rshell:cat', 'rshell:grep', 'cat', 'rshell:', 'rshell:*'], ['rshell:*'])).toEqual(['rshell:cat', 'rshell:grep']);
    expect(effectiveCommands(['rshell:cat', 'rshell:grep'], ['rshell:grep', 'rshell:ls'])).toEqual(['rshell:grep']);
    expect(effectiveCommands(undefined, ['rshell:*'])).toEqual([]);
    expect(effectiveCommands(['rshell:cat'], [])).toEqual([]);
    expect(effectiveCommands(['rshell:cat', 'rshell:ls', 'rshell:cat'], ['rshell:*'])).toEqual(['rshell:cat', 'rshell:ls']);
  });

  it('narrows paths by containment and keeps the broadest', () => {
    expect(effectivePaths(['/var/log/app', '/etc'], ['/var/log'])).toEqual(['/var/log/app']);
    expect(effectivePaths(['/var'], ['/var/log', '/var/tmp'])).toEqual(['/var/log', '/var/tmp']);
    expect(effectivePaths(['/var/log/', '/var/log/app', '/tmp/x:ro'], ['/'])).toEqual(['/tmp/x', '/var/log']);
    expect(effectivePaths(['/var/logs'], ['/var/log'])).toEqual([]);
    expect(effectivePaths(['relative/dir'], ['/'])).toEqual([]);
    expect(effectivePaths(['/var'], [])).toEqual([]);
    expect(cleanPath('/a/./b/../c/')).toBe('/a/c');
  });

  it('drops a task path that leaves the operator path through a symlink (the PAR compares text only)', () => {
    const base = mkdtempSync(join(tmpdir(), 'policy-'));
    try {
      mkdirSync(join(base, 'op/inner'), { recursive: true });
      mkdirSync(join(base, 'outside'));
      symlinkSync('../outside', join(base, 'op/out'));
      symlinkSync('inner', join(base, 'op/alias'));
      const op = join(base, 'op');
      // `out` is inside `op` as text, but its target is not: it would be a root of its own.
      expect(effectivePaths([`${op}/out`, `${op}/inner`, `${op}/alias`, `${op}/missing`], [op])).toEqual([`${op}/alias`, `${op}/inner`, `${op}/missing`]);
      // The operator's own path may be a link; what counts is where both really are.
      expect(effectivePaths([`${op}/out`], [`${op}/out`])).toEqual([`${op}/out`]);
      expect(effectivePaths([`${op}/out`], ['/'])).toEqual([`${op}/out`]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('envelope', () => {
  it('keeps ids above 2^63 exact and reads allowed_paths keyed by environment', () => {
    const r = parseTaskBody(
      '{"data":{"id":"t","attributes":{"name":"runCommand","bundle_id":"b","job_id":"j","trace_id":18446744073709551615,"span_id":9223372036854775809,"allowed_paths":{"default":["/tmp"],"containerized":["/host/tmp"]}}}}',
    );
    expect(r.ok && r.task).toMatchObject({ fqn: 'b.runCommand', traceId: 18446744073709551615n, spanId: 9223372036854775809n, allowedPaths: ['/tmp'], inputs: {} });
  });

  it('refuses an id written as a non-integer literal instead of rounding it to another id (uint64, par-telemetry §1.1)', () => {
    const attrs = (ids: string) => `{"name":"n","bundle_id":"b","job_id":"j","inputs":{"x":2.5,"trace_id":1.0},${ids}}`;
    // 4503599627370497.5 is no integer, and as a double it is 4503599627370498: a different id.
    for (const lit of ['4503599627370497.5', '4503599627370497.4', '1.5e0', '123456789012345678.9', '1e-1']) {
      for (const key of ['trace_id', 'span_id', 'org_id']) {
        const body = `{"data":{"id":"t","attributes":${attrs(`"${key}":${lit}`)}}}`;
        expect(parseTaskBody(body), `${key}: ${lit}`).toMatchObject({ ok: false, error: `invalid task: data.attributes.${key}: must be an unsigned 64-bit integer` });
        // The same inside an SNS notification's Message and an EventBridge event's detail.
        const sns = JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:1:t', Message: body });
        expect(parseTaskBody(sns).ok, `sns ${key}: ${lit}`).toBe(false);
        const event = `{"detail-type":"d","source":"s","detail":${body}}`;
        expect(parseTaskBody(event).ok, `event ${key}: ${lit}`).toBe(false);
      }
    }
    // Numbers elsewhere (inputs, even under the same key names) are still plain JSON numbers.
    const r = parseTaskBody(`{"data":{"id":"t","attributes":${attrs('"trace_id":4503599627370497')}}}`);
    expect(r.ok && r.task).toMatchObject({ traceId: 4503599627370497n, inputs: { x: 2.5, trace_id: 1 } });
    // A literal whose exact value is an integer is that integer, exactly, however it is written.
    const exact = parseTaskBody(`{"data":{"id":"t","attributes":${attrs('"trace_id":1.8446744073709551615e19,"span_id":4.503599627370497e15,"org_id":1.0')}}}`);
    expect(exact.ok && exact.task).toMatchObject({ traceId: 18446744073709551615n, spanId: 4503599627370497n, orgId: 1 });
  });

  it('reads the bare-metal list of allowed_paths keyed by environment, and none when it has no such key', () => {
    const paths = (p: string) => {
      const r = parseTaskBody(`{"data":{"id":"t","attributes":{"name":"n","bundle_id":"b","job_id":"j","allowed_paths":${p}}}}`);
      return r.ok ? r.task.allowedPaths : r.error;
    };
    expect(paths('{"DEFAULT":["/a"],"bare_metal":["/b"]}')).toEqual(['/a']);
    expect(paths('{"bare_metal":["/b"],"BARE_METAL":["/c"]}')).toEqual(['/b']);
    expect(paths('{"BARE_METAL":["/c"],"containerized":["/d"]}')).toEqual(['/c']);
    expect(paths('{"containerized":["/d"]}')).toEqual([]);
  });

  it("types a task 'task' when data.type is left out, with no inputs when they are", () => {
    const r = parseTaskBody('{"data":{"id":"t","attributes":{"name":"n","bundle_id":"b","job_id":"j"}}}');
    expect(r.ok && r.task.type).toBe('task');
    expect(r.ok && r.task.inputs).toEqual({});
  });

  it('keeps what an invalid task says of itself for its failed result: non-empty ids, a number or string client', () => {
    const bad = (attrs: string) => parseTaskBody(`{"data":{"id":"t-1","attributes":{${attrs},"inputs":[]}}}`);
    expect(bad('"name":"n","bundle_id":"b","job_id":"j","client":"c-1"')).toMatchObject({ ok: false, identity: { taskId: 't-1', jobId: 'j', fqn: 'b.n', client: 'c-1' } });
    expect(bad('"name":"n","bundle_id":"b","job_id":"j","client":7')).toMatchObject({ ok: false, identity: { client: 7 } });
    const empty = parseTaskBody('{"data":{"id":"","attributes":{"name":"","bundle_id":"b","job_id":"","client":true}}}');
    expect(empty.ok === false && empty.identity).toEqual({ taskId: undefined, jobId: undefined, fqn: undefined, client: undefined });
  });

  it('reports every problem with its path', () => {
    const r = parseTaskBody('{"data":{"id":7,"attributes":{"name":"","bundle_id":"b","job_id":"j","inputs":[],"allowed_commands":"rshell:cat"}}}');
    expect(r).toMatchObject({
      ok: false,
      error: 'invalid task: data.id: expected string, got number; data.attributes.name: must not be empty; data.attributes.inputs: expected record, got array; data.attributes.allowed_commands: expected array, got string',
    });
  });

  it('takes the task out of an SNS notification, ids still exact, with the notification\'s _datadog carrier', () => {
    const task = '{"data":{"id":"t","attributes":{"name":"runCommand","bundle_id":"b","job_id":"j","trace_id":18446744073709551615}}}';
    const carrier = '{"x-datadog-trace-id":"1"}';
    const sns = (extra: Record<string, unknown>) => JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:1:t', Message: task, ...extra });
    const plain = parseTaskBody(sns({}));
    expect(plain.ok && plain.task).toMatchObject({ id: 't', traceId: 18446744073709551615n });
    expect(plain.ok && 'carrier' in plain).toBe(false);
    const asString = parseTaskBody(sns({ MessageAttributes: { _datadog: { Type: 'String', Value: carrier } } }));
    expect(asString.ok && asString.carrier).toBe(carrier);
    const asBinary = parseTaskBody(sns({ MessageAttributes: { _datadog: { Type: 'Binary', Value: Buffer.from(carrier).toString('base64') } } }));
    expect(asBinary.ok && asBinary.carrier).toBe(carrier);
    // Only SNS's own shape is unwrapped: without TopicArn, or of another Type, it is a (bad) task.
    for (const extra of [{ TopicArn: undefined }, { Type: 'SubscriptionConfirmation' }, { Message: 5 }]) {
      expect(parseTaskBody(sns(extra))).toMatchObject({ ok: false, error: 'invalid task: data: required object is missing' });
    }
    // One level only: a notification inside the message is not a task.
    expect(parseTaskBody(JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:1:t', Message: sns({}) }))).toMatchObject({
      ok: false,
      error: "the SNS notification's Message: invalid task: data: required object is missing",
    });
  });

  it("takes the task out of an EventBridge event's detail, ids still exact, with detail._datadog as the carrier", () => {
    const task = '{"data":{"id":"t","attributes":{"name":"runCommand","bundle_id":"b","job_id":"j","trace_id":18446744073709551615}}';
    const carrier = '{"x-datadog-trace-id":"18446744073709551614","x-datadog-parent-id":"3"}';
    // An event as a rule's SQS target delivers it: the detail is JSON inside the body, not a string.
    const event = (detail: string, extra = '') =>
      `{"version":"0","id":"e1","detail-type":"runCommand requested","source":"com.example.ops","account":"123456789012","time":"2025-11-25T00:00:00Z","region":"us-east-1","resources":[]${extra},"detail":${detail}}`;
    const plain = parseTaskBody(event(task + '}'));
    expect(plain.ok && plain.task).toMatchObject({ id: 't', traceId: 18446744073709551615n });
    expect(plain.ok && 'carrier' in plain).toBe(false);
    const traced = parseTaskBody(event(`${task},"_datadog":${carrier}}`));
    expect(traced.ok && traced.carrier).toEqual({ 'x-datadog-trace-id': '18446744073709551614', 'x-datadog-parent-id': '3' });
    // Errors say where the task was; an event without one of its fields is a (bad) task.
    expect(parseTaskBody(event('"echo hi"'))).toMatchObject({ ok: false, error: "the EventBridge event's detail: invalid task: (root): expected object, got string" });
    expect(parseTaskBody(event('{"data":{"id":"t2","attributes":{}}}'))).toMatchObject({
      ok: false,
      error: "the EventBridge event's detail: invalid task: data.attributes.name: required string is missing; data.attributes.bundle_id: required string is missing; data.attributes.job_id: required string is missing",
      identity: { taskId: 't2' },
    });
    expect(parseTaskBody(`{"source":"s","detail":${task}}}`)).toMatchObject({ ok: false, error: 'invalid task: data: required object is missing' });
    // One level only: an SNS notification in the detail, or an event in a notification, is not a task.
    const note = JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:1:t', Message: task + '}' });
    expect(parseTaskBody(event(note))).toMatchObject({ ok: false, error: "the EventBridge event's detail: invalid task: data: required object is missing" });
    expect(parseTaskBody(JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:1:t', Message: event(task + '}') }))).toMatchObject({
      ok: false,
      error: "the SNS notification's Message: invalid task: data: required object is missing",
    });
  });

  it('reads the timeout the PAR way', () => {
    expect(timeoutSecondsOf({ timeout: 30 })).toBe(30);
    for (const t of [0, -1, 1.5, '30', 2 ** 31]) expect(timeoutSecondsOf({ timeout: t })).toBeUndefined();
    expect(timeoutSecondsOf({ timeout: 1 })).toBe(1);
    expect(timeoutSecondsOf({ timeout: 2 ** 31 - 1 })).toBe(2 ** 31 - 1);
  });
});

describe('signatures', () => {
  const keys = parseSigningKeys(trustedKeysJson());
  const ed = { keyId: 'fixture-ed25519', key: createPrivateKey(readFileSync(join(ROOT, 'test/fixtures/keys/ed25519-test-private.pem'))) };
  const unsigned = (body: string) => {
    const r = parseTaskBody(body);
    if (!r.ok) throw new Error(r.error);
    return r.task;
  };

  it('runs the signed data with the unsigned wrapper ids', () => {
    const body = taskBody({ id: 'sig', jobId: 'job-9', inputs: { command: 'echo signed' }, traceId: 5n, spanId: 6n }, ed);
    const tampered = body.replace('"inputs":{"command":"echo signed"}', '"inputs":{"command":"echo evil"}');
    const t = verifySignedTask(unsigned(tampered), keys, Date.now());
    expect(t.inputs).toEqual({ command: 'echo signed' });
    expect(t).toMatchObject({ jobId: 'job-9', traceId: 5n, spanId: 6n });
  });

  it.each([
    ['expired', { ...ed, expiresAt: Date.now() - 1 }, 'EXPIRED_TASK'],
    ['unknown key', { ...ed, keyId: 'nope' }, 'SIGNATURE_KEY_NOT_FOUND'],
  ])('%s ⇒ %s', (_name, signer, code) => {
    const t = unsigned(taskBody({ inputs: { command: 'x' } }, signer));
    expect(() => verifySignedTask(t, keys, Date.now())).toThrow(expect.objectContaining({ code }));
  });

  /** A body whose envelope signs `attributes` (plus name, bundle_id and inputs) as given. */
  const signedBody = (attributes: string, unsignedExtra = '') => {
    const data = Buffer.from(`{"data":{"id":"t","type":"task","attributes":{"name":"runCommand","bundle_id":"b","inputs":{"command":"x"},${attributes}}}}`);
    const env = JSON.stringify(signedEnvelope(data, ed));
    return `{"data":{"id":"t","attributes":{"name":"runCommand","bundle_id":"b","job_id":"j"${unsignedExtra},"signed_envelope":${env}}}}`;
  };
  const outcome = (body: string) => {
    try {
      const t = verifySignedTask(unsigned(body), keys, Date.now());
      return { traceId: t.traceId, spanId: t.spanId };
    } catch (e) {
      return { code: (e as TaskError).code, message: (e as Error).message };
    }
  };

  it('answers an expiry too far in the past or future for a date with EXPIRED_TASK, not a thrown RangeError (par-telemetry §1.2 step 3)', () => {
    for (const exp of ['{"seconds":-10000000000000}', '{"seconds":1,"nanos":-1e400}', '{"seconds":1,"nanos":1e400}', '{"seconds":10000000000000}']) {
      expect(outcome(signedBody(`"expiration_time":${exp}`)), exp).toEqual({ code: 'EXPIRED_TASK', message: 'signed data has no valid expiration_time' });
    }
  });

  it('refuses an expiry on a day or hour that does not exist instead of rolling it into the next month or day', () => {
    for (const exp of ['2099-02-29T00:00:00Z', '2100-02-29T00:00:00Z', '2099-04-31T00:00:00Z', '2099-02-30T00:00:00Z', '2099-12-31T24:00:00Z']) {
      expect(outcome(signedBody(`"expiration_time":"${exp}"`)), exp).toEqual({ code: 'EXPIRED_TASK', message: 'signed data has no valid expiration_time' });
    }
    // The last day of each kind of month, and a leap day (2400 is a leap year, 2100 above is not).
    for (const exp of ['2096-02-29T23:59:59Z', '2400-02-29T00:00:00Z', '2099-04-30T00:00:00Z', '2099-12-31T23:00:00-05:00']) {
      expect(outcome(signedBody(`"expiration_time":"${exp}"`)), exp).not.toHaveProperty('code');
    }
  });

  it('refuses a signed org_id written as a non-integer literal rather than rounding it', () => {
    expect(outcome(signedBody('"expiration_time":"2099-01-01T00:00:00Z","org_id":4503599627370497.5'))).toEqual({
      code: 'SIGNATURE_ERROR',
      message: 'signed data: invalid task: data.attributes.org_id: must be an unsigned 64-bit integer',
    });
  });

  it('takes trace_id and span_id from the unsigned wrapper only, never half from the signed data (par-telemetry §1.2 step 6)', () => {
    const signedIds = '"expiration_time":"2099-01-01T00:00:00Z","trace_id":9,"span_id":77';
    expect(outcome(signedBody(signedIds, ',"trace_id":5'))).toEqual({ traceId: 5n, spanId: 0n });
    expect(outcome(signedBody(signedIds))).toEqual({ traceId: 0n, spanId: 0n });
    expect(outcome(signedBody(signedIds, ',"trace_id":5,"span_id":6'))).toEqual({ traceId: 5n, spanId: 6n });
  });

  it('refuses a key of another type under a trusted id', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const t = unsigned(taskBody({ inputs: { command: 'x' } }, { keyId: 'fixture-rsa', key: privateKey }));
    const err = (() => {
      try {
        verifySignedTask(t, keys, Date.now());
      } catch (e) {
        return e as TaskError;
      }
    })();
    expect(err).toMatchObject({ code: 'SIGNATURE_ERROR', message: 'key type ED25519 does not match trusted key fixture-rsa' });
  });

  /** A signed body whose envelope's hash_type and first signature's key_type are replaced. */
  const withTypes = (body: string, hashType: unknown, keyType: unknown) => {
    const b = JSON.parse(body);
    const env = b.data.attributes.signed_envelope;
    env.hash_type = hashType;
    env.signatures[0].key_type = keyType;
    return JSON.stringify(b);
  };
  const rsa = { keyId: 'fixture-rsa', key: createPrivateKey(readFileSync(join(ROOT, 'test/fixtures/keys/rsa-test-private.pem'))) };

  it('takes the protobuf enum numbers for the hash and key types (SHA256 = 1, X509_RSA = 1, ED25519 = 2)', () => {
    const edBody = taskBody({ id: 'ed-num', inputs: { command: 'x' } }, ed);
    const rsaBody = taskBody({ id: 'rsa-num', inputs: { command: 'x' } }, rsa);
    expect(verifySignedTask(unsigned(withTypes(edBody, 1, 2)), keys, Date.now()).id).toBe('ed-num');
    expect(verifySignedTask(unsigned(withTypes(rsaBody, 1, 1)), keys, Date.now()).id).toBe('rsa-num');
    // Swapped numbers name the other key type: refused, not verified with the wrong algorithm.
    expect(() => verifySignedTask(unsigned(withTypes(edBody, 1, 1)), keys, Date.now())).toThrow(
      expect.objectContaining({ code: 'SIGNATURE_ERROR', message: 'key type 1 does not match trusted key fixture-ed25519' }),
    );
    expect(() => verifySignedTask(unsigned(withTypes(edBody, 2, 2)), keys, Date.now())).toThrow(
      expect.objectContaining({ code: 'SIGNATURE_ERROR', message: 'unsupported hash type 2' }),
    );
  });

  it('reads a protobuf Timestamp expiry: seconds as JSON text (int64), nanos cut to the millisecond below', () => {
    const at = (exp: string, now: number) => {
      try {
        return verifySignedTask(unsigned(signedBody(`"expiration_time":${exp}`)), keys, now).id;
      } catch (e) {
        return (e as TaskError).code;
      }
    };
    expect(at('{"seconds":"4102444800"}', 4102444799999)).toBe('t');
    expect(at('{"seconds":"4102444800"}', 4102444800000)).toBe('EXPIRED_TASK');
    // 0.6 ms past the second counts from that millisecond: a sub-millisecond expiry is never read later than it is.
    expect(at('{"seconds":4102444800,"nanos":600000}', 4102444800000)).toBe('EXPIRED_TASK');
    expect(at('{"seconds":4102444800,"nanos":1600000}', 4102444800000)).toBe('t');
  });

  it('says which part of the envelope is missing or malformed', () => {
    const env = (patch: Record<string, unknown>) => {
      const b = JSON.parse(taskBody({ inputs: { command: 'x' } }, ed));
      Object.assign(b.data.attributes.signed_envelope, patch);
      return unsigned(JSON.stringify(b));
    };
    const refusal = (t: ReturnType<typeof unsigned>) => {
      try {
        verifySignedTask(t, keys, Date.now());
        return undefined;
      } catch (e) {
        return { code: (e as TaskError).code, message: (e as Error).message };
      }
    };
    expect(refusal(unsigned(taskBody({ inputs: { command: 'x' } })))).toEqual({ code: 'SIGNATURE_ERROR', message: 'task is not signed and signing keys are configured' });
    expect(refusal(env({ data: '' }))).toEqual({ code: 'SIGNATURE_ERROR', message: 'signed envelope has no data' });
    expect(refusal(env({ data: 'e30*' }))).toEqual({ code: 'SIGNATURE_ERROR', message: 'signed envelope has no data' });
    expect(refusal(env({ signatures: [] }))).toEqual({ code: 'SIGNATURE_ERROR', message: 'signed envelope has no signatures' });
    // A signature with a character outside base64 is refused, not decoded around it.
    const b = JSON.parse(taskBody({ inputs: { command: 'x' } }, ed));
    const sig = b.data.attributes.signed_envelope.signatures[0];
    sig.signature = `${sig.signature.slice(0, 10)}!${sig.signature.slice(10)}`;
    expect(refusal(unsigned(JSON.stringify(b)))).toEqual({ code: 'SIGNATURE_ERROR', message: 'invalid signature for key id fixture-ed25519' });
  });

  it('runs the signed task without a signed_envelope of its own, even when the signed data carries one', () => {
    const t = verifySignedTask(unsigned(signedBody('"expiration_time":"2099-01-01T00:00:00Z","signed_envelope":{"data":"e30="}')), keys, Date.now());
    expect(t.signedEnvelope).toBeUndefined();
  });

  it('is expired at its expiration_time, to the millisecond', () => {
    const at = Date.parse('2099-01-01T00:00:00.500Z');
    const t = unsigned(taskBody({ id: 'exp', inputs: { command: 'x' } }, { ...ed, expiresAt: at }));
    expect(verifySignedTask(t, keys, at - 1).id).toBe('exp');
    expect(() => verifySignedTask(t, keys, at)).toThrow(expect.objectContaining({ code: 'EXPIRED_TASK', message: 'task expired at 2099-01-01T00:00:00.500Z' }));
  });

  it('rejects malformed key configuration with the variable named', () => {
    expect(() => parseSigningKeys('{"k": 5}')).toThrow('TASK_SIGNING_KEYS: key "k" is not a PEM string');
    expect(() => parseSigningKeys('{"k": "-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----"}')).toThrow('TASK_SIGNING_KEYS: key "k" is not a valid public key');
    expect(() => parseSigningKeys('[]')).toThrow('TASK_SIGNING_KEYS: expected a JSON object');
    expect(() => parseSigningKeys('{}')).toThrow('TASK_SIGNING_KEYS: no keys (leave TASK_SIGNING_KEYS out to run unsigned tasks)');
  });
});

describe('results', () => {
  const id = { taskId: 't', jobId: 'j', fqn: 'b.a' };
  it('fits an SQS message by cutting the longest outputs and flagging it', () => {
    const big = 'x'.repeat(400_000);
    const body = encodeResult(succeeded(id, 'm', { exitCode: 0, stdout: big, stderr: 'short', sandboxWarnings: [] }));
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    const outputs = JSON.parse(body).data.attributes.payload.outputs;
    expect(outputs).toMatchObject({ exitCode: 0, stderr: 'short', truncated: true });
    expect(outputs.stdout.length).toBeGreaterThan(200_000);
  });

  it('never splits a UTF-8 character when cutting', () => {
    const body = encodeResult(succeeded(id, 'm', { stdout: '€'.repeat(150_000) }));
    expect(JSON.parse(body).data.attributes.payload.outputs.stdout).toMatch(/^€+$/);
  });

  it('cuts a long output in one pass to 64 bytes under the limit', () => {
    const body = encodeResult(succeeded(id, 'm', { stdout: 'x'.repeat(300_000) }));
    expect(Buffer.byteLength(body)).toBe(MAX_RESULT_BYTES - 64);
    const outputs = JSON.parse(body).data.attributes.payload.outputs;
    expect(outputs).toEqual({ stdout: expect.stringMatching(/^x+$/), truncated: true });
  });

  it('keeps as many list entries as fit in the level, commas counted between entries only', () => {
    const list = Array.from({ length: 50 }, () => 'w'.repeat(1000));
    const u = succeeded(id, 'm', { w: list });
    // The body as first cut (with `truncated`), and the list's JSON: 50 entries of 1,002 bytes, 49 commas.
    const flagged = Buffer.byteLength(JSON.stringify(u)) + ',"truncated":true'.length;
    const listBytes = 2 + 50 * 1002 + 49;
    // A limit whose level (listBytes - excess - 64) is exactly what 10 entries take: 2 + 10 × 1,002 + 9.
    const limit = 2 + 10 * 1002 + 9 - listBytes + flagged + 64;
    expect(JSON.parse(encodeResult(u, limit)).data.attributes.payload.outputs.w).toHaveLength(10);
  });

  it("cuts an oversized failure's details to 4 KiB of whole characters and says so", () => {
    const body = encodeResult(failed(id, 'm', 'ACTION_ERROR', '€'.repeat(200_000)));
    // 4096 bytes hold 1365 three-byte characters; the 1366th would be split.
    expect(JSON.parse(body).data.attributes.payload).toEqual({ error_code: 'ACTION_ERROR', error_details: `${'€'.repeat(1365)} [truncated]` });
  });

  it('leaves small results untouched', () => {
    const u = failed(id, 'm', 'ACTION_ERROR', 'boom');
    expect(JSON.parse(encodeResult(u))).toEqual(u);
  });
});

describe('time budget', () => {
  it('keeps reserves for publishing and flushing, shrinking them on short budgets', () => {
    expect(invocationBudget(0, 60_000, { publishReserveMs: 1500, flushReserveMs: 1000 })).toEqual({ flushEnd: 59_900, publishEnd: 58_900, tasksEnd: 57_400 });
    expect(invocationBudget(0, 1000, { publishReserveMs: 1500, flushReserveMs: 1000 })).toEqual({ flushEnd: 900, publishEnd: 700, tasksEnd: 500 });
    expect(invocationBudget(0, 120, { publishReserveMs: 1500, flushReserveMs: 1000 })).toEqual({ flushEnd: 90, publishEnd: 66, tasksEnd: 42 });
  });

  it('caps a task by the invocation and says so', () => {
    expect(taskDeadline({ timeout: 5 }, 60, 0, 10_000)).toEqual({ at: 5000, ownSeconds: 5, cappedByInvocation: false });
    expect(taskDeadline({}, 60, 0, 10_000)).toEqual({ at: 10_000, ownSeconds: 60, cappedByInvocation: true });
    // Its own deadline falling on the cap is its own: a timeout then is the task's, answered.
    expect(taskDeadline({ timeout: 10 }, 60, 0, 10_000)).toEqual({ at: 10_000, ownSeconds: 10, cappedByInvocation: false });
    expect(taskDeadline({ timeout: 10 }, 60, 1, 10_000)).toEqual({ at: 10_000, ownSeconds: 10, cappedByInvocation: true });
  });

  it("reads the context's time left as at most 15 minutes, and no time for a negative or NaN value", () => {
    const reserves = { publishReserveMs: 1500, flushReserveMs: 1000 };
    expect(saneRemainingMs(20 * 60_000)).toBe(900_000);
    expect(saneRemainingMs(-5)).toBe(0);
    expect(saneRemainingMs(Number.NaN)).toBe(0);
    expect(invocationBudget(0, 2 ** 32, reserves)).toEqual({ flushEnd: 899_900, publishEnd: 898_900, tasksEnd: 897_400 });
    expect(invocationBudget(0, Number.NaN, reserves)).toEqual({ flushEnd: 0, publishEnd: 0, tasksEnd: 0 });
    expect(invocationBudget(0, -1000, reserves)).toEqual({ flushEnd: 0, publishEnd: 0, tasksEnd: 0 });
  });
});

describe('hadWholeWindow: a task that started within the slack of the invocation\'s start', () => {
  const t0 = 1_700_000_000_000; // epoch ms, as the runner passes them

  it('allows at most 1 s on a long window, boundary included', () => {
    expect(WHOLE_WINDOW_SLACK_MS).toBe(1000);
    // 57.4 s for tasks (a 60 s function): 5 % would be 2,870 ms; 1 s is the cap.
    expect(hadWholeWindow(t0, t0, t0 + 57_400)).toBe(true);
    expect(hadWholeWindow(t0 + 999, t0, t0 + 57_400)).toBe(true);
    expect(hadWholeWindow(t0 + 1000, t0, t0 + 57_400)).toBe(true);
    expect(hadWholeWindow(t0 + 1001, t0, t0 + 57_400)).toBe(false);
    expect(hadWholeWindow(t0 + 30_000, t0, t0 + 57_400)).toBe(false);
  });

  it('allows 5 % of a short window, boundary included; the two bounds meet at 20 s', () => {
    // 20 s: 5 % is exactly 1 s.
    expect(hadWholeWindow(t0 + 1000, t0, t0 + 20_000)).toBe(true);
    expect(hadWholeWindow(t0 + 1001, t0, t0 + 20_000)).toBe(false);
    // 19.98 s: 999 ms.
    expect(hadWholeWindow(t0 + 999, t0, t0 + 19_980)).toBe(true);
    expect(hadWholeWindow(t0 + 1000, t0, t0 + 19_980)).toBe(false);
    // 3.7 s (6 s left, default reserves): 185 ms.
    expect(hadWholeWindow(t0 + 185, t0, t0 + 3_700)).toBe(true);
    expect(hadWholeWindow(t0 + 186, t0, t0 + 3_700)).toBe(false);
    // 1,461 ms: 73.05 ms, so 73 ms is in and 74 ms is not.
    expect(hadWholeWindow(t0 + 73, t0, t0 + 1_461)).toBe(true);
    expect(hadWholeWindow(t0 + 74, t0, t0 + 1_461)).toBe(false);
  });

  it('counts a start at or before the invocation\'s (a clock stepped back) as having had the window', () => {
    expect(hadWholeWindow(t0, t0, t0 + 100)).toBe(true);
    expect(hadWholeWindow(t0 - 50, t0, t0 + 100)).toBe(true);
    // No window at all: only a start at the invocation's own moment or earlier.
    expect(hadWholeWindow(t0, t0, t0)).toBe(true);
    expect(hadWholeWindow(t0 + 1, t0, t0)).toBe(false);
  });
});

describe('trace context', () => {
  it('takes the low 64 bits of a W3C trace id as the Datadog id, and keeps the upper 64', () => {
    expect(parseTraceparent('00-11111111111111112222222222222222-3333333333333333-01')).toEqual({
      parent: { traceId: 0x2222222222222222n, spanId: 0x3333333333333333n, traceIdHigh: 0x1111111111111111n },
      sampled: true,
    });
    expect(parseTraceparent('00-00000000000000002222222222222222-3333333333333333-00')).toEqual({
      parent: { traceId: 0x2222222222222222n, spanId: 0x3333333333333333n },
      sampled: false,
    });
    // A later version may add fields after the four it shares with 00; 00 itself may not.
    expect(parseTraceparent('01-11111111111111112222222222222222-3333333333333333-01-what-comes-next')?.parent.traceId).toBe(0x2222222222222222n);
    for (const bad of [
      '00-11111111111111112222222222222222-3333333333333333-01-extra',
      '00-00000000000000000000000000000000-3333333333333333-01',
      '00-11111111111111110000000000000000-3333333333333333-01', // no Datadog id to join
      '00-11111111111111112222222222222222-0000000000000000-01',
      'ff-11111111111111112222222222222222-3333333333333333-01',
      '01-11111111111111112222222222222222-3333333333333333-01x',
    ]) {
      expect(parseTraceparent(bad), bad).toBeUndefined();
    }
  });

  const viaCarrier = (carrier: Record<string, unknown>) =>
    parentContextFor({ traceId: 0n, spanId: 0n }, { messageId: 'm', messageAttributes: { _datadog: { dataType: 'String', stringValue: JSON.stringify(carrier) } } } as unknown as SQSRecord);

  it('reads the upper half of a 128-bit Datadog trace id from x-datadog-tags, ignoring a malformed one', () => {
    const ids = { 'x-datadog-trace-id': '7', 'x-datadog-parent-id': '8' };
    expect(viaCarrier({ ...ids, 'x-datadog-tags': '_dd.p.dm=-4, _dd.p.tid=640cfd8d00000000' }).parent).toEqual({ traceId: 7n, spanId: 8n, traceIdHigh: 0x640cfd8d00000000n });
    for (const tags of ['_dd.p.tid=640CFD8D00000000', '_dd.p.tid=640cfd8d', '_dd.p.tid=0000000000000000', '_dd.p.tid=', '_dd.p.dm=-4', 'x_dd.p.tid=640cfd8d00000000', 42]) {
      expect(viaCarrier({ ...ids, 'x-datadog-tags': tags }).parent, String(tags)).toEqual({ traceId: 7n, spanId: 8n });
    }
  });

  it('takes a W3C parent\'s priority from tracestate\'s dd=s: when it agrees with the sampled flag', () => {
    const tp = (flag: string) => `00-00000000000000002222222222222222-3333333333333333-${flag}`;
    const cases: Array<[string, unknown, number]> = [
      ['01', 'dd=s:2;o:rum', 2],
      ['01', 'vendor=a,dd=t.dm:-4;s:2', 2],
      ['01', 'dd=s:-1', 1], // sampled wins: at least a keep
      ['00', 'dd=s:2', 0], // not sampled wins: a drop
      ['00', 'dd=s:-1;p:0000000000000001', -1],
      ['01', 'dd=o:rum', 1],
      ['01', 'ddx=s:2', 1],
      ['01', 'dd=ts:2', 1],
      ['01', undefined, 1],
      ['00', 7, 0],
    ];
    for (const [flag, tracestate, priority] of cases) {
      expect(viaCarrier({ traceparent: tp(flag), tracestate }).samplingPriority, `${flag} ${String(tracestate)}`).toBe(priority);
    }
  });

  it('reads a Datadog context from an AWSTraceHeader, and nothing from an X-Ray one', () => {
    // Datadog ids above 2^63 survive: the 16 hex digits are the whole unsigned id.
    expect(fromAwsTraceHeader('Root=1-00000000-00000000fffffffffffffffe;Parent=8000000000000001;Sampled=1')).toEqual({
      parent: { traceId: 0xfffffffffffffffen, spanId: 0x8000000000000001n },
      samplingPriority: 1,
    });
    // Keys in any order, extra keys and empty parts ignored; Sampled=0 propagates a drop.
    expect(fromAwsTraceHeader('Sampled=0;_dd.origin=rum;Parent=0000000000000002;;Root=1-6566c0de-00000000000000000000002a')).toEqual({
      parent: { traceId: 42n, spanId: 2n },
      samplingPriority: 0,
    });
    // No Sampled, or a deferred one: no priority.
    expect(fromAwsTraceHeader('Root=1-00000000-0000000000000000000000ab;Parent=00000000000000cd;Sampled=?')?.samplingPriority).toBeUndefined();
    for (const header of [
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1', // X-Ray's own ids
      'Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8;Sampled=1', // trace id 0
      'Root=1-00000000-00000000000000000000002a;Sampled=1', // no parent
      'Root=1-00000000-00000000000000000000002a;Parent=xyz;Sampled=1',
      'Root=2-00000000-00000000000000000000002a;Parent=0000000000000002',
      'Root=1-00000000-00000000000000000000002a00;Parent=0000000000000002',
      '',
      undefined,
    ]) {
      expect(fromAwsTraceHeader(header), String(header)).toBeUndefined();
    }
  });
});

describe('a propagated sampling priority', () => {
  const carrier = (priority: unknown) =>
    ({
      messageId: 'm-1',
      messageAttributes: {
        _datadog: { dataType: 'String', stringValue: JSON.stringify({ 'x-datadog-trace-id': '123', 'x-datadog-parent-id': '456', 'x-datadog-sampling-priority': priority }) },
      },
    }) as unknown as SQSRecord;
  const NO_TASK_IDS = { traceId: 0n, spanId: 0n };

  it('is read from decimal text or a JSON integer', () => {
    for (const [v, n] of [['2', 2], ['-1', -1], ['0', 0], [' 1 ', 1], [2, 2]] as const) {
      const ctx = parentContextFor(NO_TASK_IDS, carrier(v));
      expect(ctx.parent, String(v)).toEqual({ traceId: 123n, spanId: 456n });
      expect(ctx.samplingPriority, String(v)).toBe(n);
    }
  });

  it('is ignored when malformed: a blank one is no decision to drop the trace', () => {
    for (const v of ['', ' ', '\t', '0x2', '1e0', 1.5, null]) {
      const ctx = parentContextFor(NO_TASK_IDS, carrier(v));
      expect(ctx.parent, JSON.stringify(v)).toEqual({ traceId: 123n, spanId: 456n });
      expect(ctx.samplingPriority, JSON.stringify(v)).toBeUndefined();
    }
  });
});

describe('log lines', () => {
  it('writes one JSON object per line: level, msg, ISO time, then the fields, ids as decimal strings', () => {
    const lines: string[] = [];
    const before = Date.now();
    createLogger((l) => lines.push(l)).log('warn', 'task finished', {
      task_id: 't-1',
      duration_ms: 12.5,
      cold_start: false,
      error_code: undefined, // left out, not null
      ...traceFields({ traceId: 18446744073709551615n, spanId: 9007199254740993n }),
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const rec = JSON.parse(lines[0]);
    expect(Object.keys(rec)).toEqual(['level', 'msg', 'time', 'task_id', 'duration_ms', 'cold_start', 'dd.trace_id', 'dd.span_id']);
    expect(rec).toMatchObject({ level: 'warn', msg: 'task finished', task_id: 't-1', duration_ms: 12.5, cold_start: false });
    // Exact above 2^53: Datadog joins logs to traces on these strings.
    expect(rec['dd.trace_id']).toBe('18446744073709551615');
    expect(rec['dd.span_id']).toBe('9007199254740993');
    expect(rec.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(rec.time)).toBeGreaterThanOrEqual(before - 1);
    // No trace (id 0, or none): no correlation fields at all.
    expect(traceFields({ traceId: 0n, spanId: 5n })).toEqual({});
    expect(traceFields(undefined)).toEqual({});
  });

  it('leaves out lines below its level, but never the invocation line the metrics are read from', () => {
    const lines: string[] = [];
    const logger = createLogger((l) => lines.push(l), 'warn');
    logger.log('info', 'task started', { task_id: 't-1' });
    logger.log('debug', 'detail');
    logger.log('warn', 'span flush failed', { failure: 'timeout' });
    logger.log('error', 'task runner failed');
    logger.log('info', INVOCATION_DONE, { records: 1, retried: 0 });
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['span flush failed', 'task runner failed', INVOCATION_DONE]);
    const errorsOnly: string[] = [];
    createLogger((l) => errorsOnly.push(l), 'error').log('warn', 'span budget spent');
    expect(errorsOnly).toEqual([]);
  });

  it('without a results queue, writes each result as one "task result" line, and reports nothing undelivered', async () => {
    const lines: string[] = [];
    const update = succeeded({ taskId: 't-1', fqn: 'com.datadoghq.remoteaction.rshell.runCommand', jobId: 'j-1' }, 'm-1', { exitCode: 0, stdout: 'a\nb\n', stderr: '', sandboxWarnings: [] });
    const trace = { traceId: 18446744073709551615n, spanId: 3n, samplingPriority: 2 };
    const undelivered = await logPublisher((l) => lines.push(l)).publish([{ messageId: 'm-1', update, trace }, { messageId: 'm-2', update }], Date.now() + 1000);
    expect(undelivered.size).toBe(0);
    const result = JSON.parse(JSON.stringify(update));
    // With the task's trace ids when it has a trace: the line joins the trace in Datadog.
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { level: 'info', msg: 'task result', 'dd.trace_id': '18446744073709551615', 'dd.span_id': '3', result },
      { level: 'info', msg: 'task result', result },
    ]);
  });

  it('cuts a result that fits a message alone but not the log line around it', async () => {
    const lines: string[] = [];
    const id = { taskId: 't-1', fqn: 'b.a', jobId: 'j-1' };
    const base = Buffer.byteLength(JSON.stringify(succeeded(id, 'm-1', { stdout: '' })));
    // The body is one byte under a message; the line's head and closing brace take ~40 more.
    const update = succeeded(id, 'm-1', { stdout: 'x'.repeat(MAX_RESULT_BYTES - 1 - base) });
    await logPublisher((l) => lines.push(l)).publish([{ messageId: 'm-1', update }], Date.now() + 1000);
    expect(Buffer.byteLength(lines[0]!)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    expect(JSON.parse(lines[0]!).result.data.attributes.payload.outputs.truncated).toBe(true);
  });
});
