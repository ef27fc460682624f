/**
 * Malformed task messages through the handler: every one gets exactly one failed result with
 * a specific error code and message, is not retried (no batch item failure), and the handler
 * never throws. Covers bodies that are not JSON, wrong types, missing fields, ids that are not
 * unsigned 64-bit, unknown actions, bad action inputs, bodies near the 256 KiB SQS limit, and
 * every way a signed envelope can be wrong.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { RUN_COMMAND, signedEnvelope, taskBody, type Signer } from '../src/producer/task.js';
import { MAX_RESULT_BYTES, encodeResult } from '../src/tasks/results.js';
import { context, ROOT, trustedKeysJson } from './helpers/stack.js';
import { failureOf, outputsOf, record, wiredHandler } from './faults-helpers.js';

const FQN = 'com.datadoghq.remoteaction.rshell.runCommand';

/** A valid body with some attributes replaced (undefined removes one); ids go in raw. */
function body(attrs: Record<string, unknown> = {}, data: Record<string, unknown> = {}, rawIds: Record<string, string> = {}): string {
  const a: Record<string, unknown> = {
    name: 'runCommand',
    bundle_id: 'com.datadoghq.remoteaction.rshell',
    job_id: 'job-1',
    inputs: { command: 'echo hi' },
    allowed_commands: ['rshell:echo'],
    ...attrs,
  };
  for (const k of Object.keys(a)) if (a[k] === undefined) delete a[k];
  let s = JSON.stringify({ data: { id: 'task-1', type: 'task', attributes: a, ...data } });
  for (const [k, v] of Object.entries(rawIds)) s = s.replace('"job_id":"job-1"', `"job_id":"job-1","${k}":${v}`);
  return s;
}

async function answer(b: string, env: NodeJS.ProcessEnv = {}) {
  const w = wiredHandler(env);
  const rec = record(b);
  const res = await w.handler({ Records: [rec] }, context());
  expect(res).toEqual({ batchItemFailures: [] });
  expect(w.publisher.items).toHaveLength(1);
  const u = w.publisher.items[0].update;
  expect(u.data.attributes.message_id).toBe(rec.messageId);
  return { u, mid: rec.messageId };
}

const NOT_JSON: [string, string, string][] = [
  ['empty body', '', 'body is not valid JSON: unexpected end of JSON input at position 0'],
  ['plain text', 'not json', 'body is not valid JSON: invalid literal at position 0'],
  ['open brace', '{', 'body is not valid JSON: expected a property name at position 1'],
  ['byte-order mark', '\ufeff' + body(), 'body is not valid JSON: unexpected character "\ufeff" at position 0'],
  ['trailing data', body() + 'x', `body is not valid JSON: unexpected data after JSON value at position ${body().length}`],
  ['arrays nested 100,000 deep', '['.repeat(100_000) + ']'.repeat(100_000), 'body is not valid JSON: nesting deeper than 512 at position 512'],
  ['objects nested 100,000 deep', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), 'body is not valid JSON: nesting deeper than 512 at position 2560'],
];

const INVALID: [string, string, string][] = [
  ['array', '[]', '(root): expected object, got array'],
  ['null', 'null', '(root): expected object, got null'],
  ['number', '42', '(root): expected object, got number'],
  ['string', '"task"', '(root): expected object, got string'],
  ['no data', '{}', 'data: required object is missing'],
  ['data null', '{"data":null}', 'data: expected object, got null'],
  ['data array', '{"data":[]}', 'data: expected object, got array'],
  ['duplicate keys, last wins', '{"data":{},"data":1}', 'data: expected object, got number'],
  ['no id', JSON.stringify({ data: { attributes: { name: 'runCommand', bundle_id: 'b', job_id: 'j' } } }), 'data.id: required string is missing'],
  ['numeric id', body({}, { id: 5 }), 'data.id: expected string, got number'],
  ['empty id', body({}, { id: '' }), 'data.id: must not be empty'],
  ['no attributes', JSON.stringify({ data: { id: 't' } }), 'data.attributes: required object is missing'],
  ['attributes string', body({}, { attributes: 'x' }), 'data.attributes: expected object, got string'],
  ['numeric name', body({ name: 1 }), 'data.attributes.name: expected string, got number'],
  ['empty name', body({ name: '' }), 'data.attributes.name: must not be empty'],
  ['null bundle', body({ bundle_id: null }), 'data.attributes.bundle_id: expected string, got null'],
  ['no job id', body({ job_id: undefined }), 'data.attributes.job_id: required string is missing'],
  ['numeric job id', body({ job_id: 7 }), 'data.attributes.job_id: expected string, got number'],
  ['inputs array', body({ inputs: [] }), 'data.attributes.inputs: expected record, got array'],
  ['inputs string', body({ inputs: 'echo hi' }), 'data.attributes.inputs: expected record, got string'],
  ['commands string', body({ allowed_commands: 'rshell:echo' }), 'data.attributes.allowed_commands: expected array, got string'],
  ['commands numbers', body({ allowed_commands: [1] }), 'data.attributes.allowed_commands.0: expected string, got number'],
  ['paths number', body({ allowed_paths: 5 }), 'data.attributes.allowed_paths: expected array or record, got number'],
  ['client object', body({ client: {} }), 'data.attributes.client: expected number or string, got object'],
  ['signed envelope string', body({ signed_envelope: 'x' }), 'data.attributes.signed_envelope: expected record, got string'],
  ['several problems at once', body({ name: 1, bundle_id: undefined, job_id: 2 }), 'data.attributes.name: expected string, got number; data.attributes.bundle_id: required string is missing; data.attributes.job_id: expected string, got number'],
];

const BAD_IDS: [string, Record<string, string>, string][] = [
  ['negative trace id', { trace_id: '-1' }, 'data.attributes.trace_id: must be an unsigned 64-bit integer'],
  ['fractional trace id', { trace_id: '1.5' }, 'data.attributes.trace_id: must be an unsigned 64-bit integer'],
  ['trace id 2^64', { trace_id: '18446744073709551616' }, 'data.attributes.trace_id: must be an unsigned 64-bit integer'],
  ['trace id 2^70', { trace_id: '1180591620717411303424' }, 'data.attributes.trace_id: must be an unsigned 64-bit integer'],
  ['span id 1e30', { span_id: '1e30' }, 'data.attributes.span_id: must be an unsigned 64-bit integer'],
  ['span id -0.5', { span_id: '-0.5' }, 'data.attributes.span_id: must be an unsigned 64-bit integer'],
  ['string trace id', { trace_id: '"123"' }, 'data.attributes.trace_id: must be an unsigned 64-bit integer'],
  ['null span id', { span_id: 'null' }, 'data.attributes.span_id: must be an unsigned 64-bit integer'],
  ['negative org id', { org_id: '-5' }, 'data.attributes.org_id: must be an unsigned 64-bit integer'],
  ['both ids bad', { trace_id: '-1', span_id: '18446744073709551616' }, 'data.attributes.trace_id: must be an unsigned 64-bit integer; data.attributes.span_id: must be an unsigned 64-bit integer'],
];

describe('bodies that are not JSON', () => {
  it.each(NOT_JSON)('%s', async (_n, b, details) => {
    const { u, mid } = await answer(b);
    expect(u.data.id).toBe('fail_task');
    expect(failureOf(u)).toEqual({ error_code: 'INTERNAL_ERROR', error_details: `message ${mid}: ${details}` });
  });
});

describe('envelopes with wrong types or missing fields', () => {
  it.each(INVALID)('%s', async (_n, b, details) => {
    const { u, mid } = await answer(b);
    expect(failureOf(u)).toEqual({ error_code: 'INTERNAL_ERROR', error_details: `message ${mid}: invalid task: ${details}` });
  });

  it('keeps whatever identity it could read', async () => {
    const { u } = await answer(body({ job_id: 7 }, { id: 'readable-task' }));
    expect(u.data.attributes).toMatchObject({ task_id: 'readable-task', job_id: '', action_fqn: FQN });
  });
});

describe('ids that are not unsigned 64-bit integers', () => {
  it.each(BAD_IDS)('%s', async (_n, ids, details) => {
    const { u, mid } = await answer(body({}, {}, ids));
    expect(failureOf(u)).toEqual({ error_code: 'INTERNAL_ERROR', error_details: `message ${mid}: invalid task: ${details}` });
  });

  it.each([
    ['0', '0'],
    ['2^64 - 1', '18446744073709551615'],
    ['an exponent that is an integer', '1e3'],
  ])('accepts %s', async (_n, v) => {
    const { u } = await answer(body({}, {}, { trace_id: v, span_id: v }));
    expect(outputsOf(u)).toEqual({ exitCode: 0, stdout: 'hi\n', stderr: '', sandboxWarnings: [] });
  });
});

describe('unknown actions and bad inputs', () => {
  it.each([
    ['an unknown name', { name: 'deleteEverything' }, 'could not find action for com.datadoghq.remoteaction.rshell.deleteEverything'],
    // An unknown bundle is named as such, as the PAR looks up the bundle first (§2.2).
    ['__proto__', { bundle_id: 'x', name: '__proto__' }, 'could not find bundle for x.__proto__'],
    ['constructor of the real action', { bundle_id: FQN, name: 'constructor' }, `could not find bundle for ${FQN}.constructor`],
    ['a bundle that is a prefix of the real one', { bundle_id: 'com.datadoghq.remoteaction', name: 'rshell' }, 'could not find bundle for com.datadoghq.remoteaction.rshell'],
    ['toString', { bundle_id: 'com.datadoghq.remoteaction.rshell', name: 'toString' }, 'could not find action for com.datadoghq.remoteaction.rshell.toString'],
  ])('%s is answered, not run', async (_n, attrs, details) => {
    const { u } = await answer(body(attrs));
    expect(failureOf(u)).toEqual({ error_code: 'INTERNAL_ERROR', error_details: details });
  });

  it.each([
    ['numeric command', { command: 5 }, 'command must be a string, got number'],
    ['missing command', {}, 'command is required'],
    ['empty command', { command: '' }, 'command is required'],
    ['command array', { command: ['echo', 'hi'] }, 'command must be a string, got array'],
    ['string sampling priority', { command: 'echo hi', apmSamplingPriority: '1' }, 'apmSamplingPriority must be an integer'],
    ['fractional sampling priority', { command: 'echo hi', apmSamplingPriority: 0.5 }, 'apmSamplingPriority must be an integer'],
  ])('%s', async (_n, inputs, details) => {
    const { u } = await answer(body({ inputs }));
    expect(failureOf(u)).toEqual({ error_code: 'ACTION_ERROR', error_details: details });
  });

  it('ignores a timeout that is not a whole number of seconds (the default applies)', async () => {
    for (const timeout of ['5', -1, 0, 1.5, 2 ** 31]) {
      const { u } = await answer(body({ inputs: { command: 'echo hi', timeout } }));
      expect(outputsOf(u)).toEqual({ exitCode: 0, stdout: 'hi\n', stderr: '', sandboxWarnings: [] });
    }
  });
});

describe('bodies near the 256 KiB SQS limit', () => {
  const LIMIT = 256 * 1024;
  const sized = (target: number) => {
    const base = body({ inputs: { command: 'echo hi #' } });
    return body({ inputs: { command: 'echo hi #' + 'x'.repeat(target - base.length) } });
  };

  it('runs a task whose body is exactly 256 KiB', async () => {
    const b = sized(LIMIT);
    expect(Buffer.byteLength(b)).toBe(LIMIT);
    const { u } = await answer(b);
    expect(outputsOf(u)).toEqual({ exitCode: 0, stdout: 'hi\n', stderr: '', sandboxWarnings: [] });
  });

  it('runs a larger body too (a test harness, not SQS, sent it): the runner does not rely on the limit', async () => {
    const { u } = await answer(sized(LIMIT * 4));
    expect(outputsOf(u)).toEqual({ exitCode: 0, stdout: 'hi\n', stderr: '', sandboxWarnings: [] });
  });

  it('cuts a result that would not fit in one SQS message and says so', async () => {
    const { u } = await answer(body({ inputs: { command: `w=${'x'.repeat(1023)}; for i in {1..400}; do echo $w; done` } }));
    const encoded = encodeResult(u);
    expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    const out = JSON.parse(encoded).data.attributes.payload.outputs;
    expect(out.truncated).toBe(true);
    expect(out.exitCode).toBe(0);
    expect(out.stdout.startsWith('x'.repeat(1023) + '\n')).toBe(true);
  });

  it('a 256 KiB error detail is cut to fit', async () => {
    const { u } = await answer(body({ name: 'n'.repeat(LIMIT) }));
    const encoded = encodeResult(u);
    expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    expect(JSON.parse(encoded).data.attributes.payload.error_code).toBe('INTERNAL_ERROR');
  });
});

describe('signed tasks when trusted keys are configured', () => {
  const keys = { TASK_SIGNING_KEYS: trustedKeysJson() };
  const keyDir = join(ROOT, 'test/fixtures/keys');
  const ed: Signer = { keyId: 'fixture-ed25519', key: createPrivateKey(readFileSync(join(keyDir, 'ed25519-test-private.pem'))) };
  const rsa: Signer = { keyId: 'fixture-rsa', key: createPrivateKey(readFileSync(join(keyDir, 'rsa-test-private.pem'))) };
  const spec = { id: 'signed-1', jobId: 'job-s', inputs: { command: 'echo signed' }, allowedCommands: ['rshell:echo'] };

  /** A validly signed body whose envelope is then altered by `mutate`. */
  function signed(mutate: (env: Record<string, unknown>) => void, signer: Signer = ed): string {
    const parsed = JSON.parse(taskBody(spec, signer)) as { data: { attributes: { signed_envelope: Record<string, unknown> } } };
    mutate(parsed.data.attributes.signed_envelope);
    return JSON.stringify(parsed);
  }
  const sigOf = (env: Record<string, unknown>) => (env.signatures as Record<string, unknown>[])[0];
  const signedData = (obj: unknown) => Buffer.from(JSON.stringify(obj)).toString('base64');
  const FUTURE = '2099-01-01T00:00:00.000Z';
  /** The signed JSON of `spec`'s task, with `expiration_time` in its attributes when given. */
  const taskData = (expiration?: string, command = spec.inputs.command) => ({
    data: {
      id: spec.id,
      type: 'task',
      attributes: {
        name: RUN_COMMAND.name,
        bundle_id: RUN_COMMAND.bundleId,
        inputs: { command },
        allowed_commands: spec.allowedCommands,
        ...(expiration === undefined ? {} : { expiration_time: expiration }),
      },
    },
  });
  /** A body whose envelope signs `obj` as it is (a far-future expiry on the envelope). */
  const signedAs = (obj: unknown) =>
    JSON.stringify({ data: { id: spec.id, type: 'task', attributes: { ...taskData().data.attributes, job_id: spec.jobId, signed_envelope: signedEnvelope(Buffer.from(JSON.stringify(obj)), { ...ed, expiresAt: Date.parse(FUTURE) }) } } });

  it('runs a valid Ed25519 and a valid RSA task', async () => {
    for (const s of [ed, rsa]) {
      const { u } = await answer(taskBody(spec, s), keys);
      expect(outputsOf(u)).toEqual({ exitCode: 0, stdout: 'signed\n', stderr: '', sandboxWarnings: [] });
    }
  });

  const stranger = generateKeyPairSync('ed25519').privateKey;
  const CASES: [string, () => string, string, string][] = [
    ['unsigned', () => taskBody(spec), 'SIGNATURE_ERROR', 'task is not signed and signing keys are configured'],
    ['no data', () => signed((e) => delete e.data), 'SIGNATURE_ERROR', 'signed envelope has no data'],
    ['data not base64', () => signed((e) => (e.data = '%%%')), 'SIGNATURE_ERROR', 'signed envelope has no data'],
    ['no signatures', () => signed((e) => (e.signatures = [])), 'SIGNATURE_ERROR', 'signed envelope has no signatures'],
    ['signatures not a list', () => signed((e) => (e.signatures = 'sig')), 'SIGNATURE_ERROR', 'signed envelope has no signatures'],
    ['MD5 hash type', () => signed((e) => (e.hash_type = 'MD5')), 'SIGNATURE_ERROR', 'unsupported hash type "MD5"'],
    ['no hash type', () => signed((e) => delete e.hash_type), 'SIGNATURE_ERROR', 'unsupported hash type null'],
    // Read exactly as a bigint, which JSON.stringify refuses ("Do not know how to serialize a BigInt").
    ['hash type beyond 2^53', () => signed((e) => (e.hash_type = '@big')).replace('"@big"', '99999999999999999999'), 'SIGNATURE_ERROR', 'unsupported hash type 99999999999999999999'],
    ['expired', () => signed(() => {}, { ...ed, expiresAt: Date.parse('2021-06-01T00:00:00Z') }), 'EXPIRED_TASK', 'task expired at 2021-06-01T00:00:00.000Z'],
    ['expiring now', () => signed(() => {}, { ...ed, expiresAt: Date.now() - 1 }), 'EXPIRED_TASK', ''],
    ['no expiration in the signed data', () => signedAs(taskData()), 'EXPIRED_TASK', 'signed data has no valid expiration_time'],
    ['garbage expiration in the signed data', () => signedAs(taskData('tomorrow')), 'EXPIRED_TASK', 'signed data has no valid expiration_time'],
    ['expiration without an offset (local time)', () => signedAs(taskData('2099-01-01T00:00:00')), 'EXPIRED_TASK', 'signed data has no valid expiration_time'],
    // A replay: the envelope's copy of the expiry is not signed, so moving it changes nothing.
    [
      'expired task whose envelope expiry was moved forward',
      () => signed((e) => (e.expiration_time = '2099-01-01T00:00:00.000Z'), { ...ed, expiresAt: Date.parse('2021-06-01T00:00:00Z') }),
      'EXPIRED_TASK',
      'task expired at 2021-06-01T00:00:00.000Z',
    ],
    ['signed data not JSON', () => signed((e) => (e.data = Buffer.from('{"data":').toString('base64'))), 'SIGNATURE_ERROR', 'signed data is not valid JSON: unexpected end of JSON input at position 8'],
    ['unknown key id', () => signed(() => {}, { ...ed, keyId: 'attacker' }), 'SIGNATURE_KEY_NOT_FOUND', 'no trusted key for key id(s): attacker'],
    ['numeric key id', () => signed((e) => (sigOf(e).key_id = 7)), 'SIGNATURE_KEY_NOT_FOUND', 'no trusted key for key id(s): 7'],
    ['key type swapped', () => signed((e) => (sigOf(e).key_type = 'X509_RSA')), 'SIGNATURE_ERROR', 'key type X509_RSA does not match trusted key fixture-ed25519'],
    ['signed by an untrusted key under a trusted id', () => signed(() => {}, { keyId: 'fixture-ed25519', key: stranger }), 'SIGNATURE_ERROR', 'invalid signature for key id fixture-ed25519'],
    ['signature of another task', () => signed((e) => (sigOf(e).signature = (JSON.parse(taskBody({ ...spec, id: 'other' }, ed)).data.attributes.signed_envelope.signatures[0].signature as string))), 'SIGNATURE_ERROR', 'invalid signature for key id fixture-ed25519'],
    ['signature not base64', () => signed((e) => (sigOf(e).signature = '***')), 'SIGNATURE_ERROR', 'invalid signature for key id fixture-ed25519'],
    ['empty signature', () => signed((e) => (sigOf(e).signature = '')), 'SIGNATURE_ERROR', 'invalid signature for key id fixture-ed25519'],
    ['tampered data', () => signed((e) => (e.data = signedData(taskData(FUTURE, 'echo TAMPERED')))), 'SIGNATURE_ERROR', 'invalid signature for key id fixture-ed25519'],
  ];

  it.each(CASES)('%s', async (_n, make, code, details) => {
    const { u } = await answer(make(), keys);
    const f = failureOf(u)!;
    expect(f.error_code).toBe(code);
    if (details) expect(f.error_details).toBe(details);
    else expect(f.error_details).toMatch(/^task expired at \d{4}-\d\d-\d\dT/);
  });

  it('signed data that is not a task is refused after the signature checks out', async () => {
    const data = Buffer.from(`{"data":{"id":"x","attributes":{"expiration_time":"${FUTURE}"}}}`);
    const b = JSON.stringify({ data: { id: 'w', type: 'task', attributes: { name: 'runCommand', bundle_id: 'com.datadoghq.remoteaction.rshell', job_id: 'j', signed_envelope: signedEnvelope(data, ed) } } });
    const { u } = await answer(b, keys);
    expect(failureOf(u)).toEqual({
      error_code: 'SIGNATURE_ERROR',
      error_details: 'signed data: invalid task: data.attributes.name: required string is missing; data.attributes.bundle_id: required string is missing',
    });
  });

  it('the expiry that counts is the signed one: the envelope copy removed or garbled, the task runs', async () => {
    for (const mutate of [(e: Record<string, unknown>) => delete e.expiration_time, (e: Record<string, unknown>) => (e.expiration_time = 'tomorrow')]) {
      const { u } = await answer(signed(mutate), keys);
      expect(outputsOf(u)).toEqual({ exitCode: 0, stdout: 'signed\n', stderr: '', sandboxWarnings: [] });
    }
  });

  it('signs the expiry inside the data (RFC 3339), and repeats it on the envelope', () => {
    const parsed = JSON.parse(signed(() => {}, { ...ed, expiresAt: Date.parse(FUTURE) }));
    const env = parsed.data.attributes.signed_envelope;
    expect(JSON.parse(Buffer.from(env.data, 'base64').toString()).data.attributes.expiration_time).toBe(FUTURE);
    expect(env.expiration_time).toBe(FUTURE);
  });

  it('what runs is the signed command, not the unsigned copy next to it', async () => {
    const parsed = JSON.parse(taskBody(spec, ed)) as { data: { attributes: Record<string, unknown> } };
    parsed.data.attributes.inputs = { command: 'echo UNSIGNED' };
    parsed.data.attributes.allowed_paths = ['/'];
    const { u } = await answer(JSON.stringify(parsed), keys);
    expect(outputsOf(u)).toEqual({ exitCode: 0, stdout: 'signed\n', stderr: '', sandboxWarnings: [] });
  });
});

describe('a batch mixing every kind of bad message', () => {
  it('answers each once, retries none, and never throws', async () => {
    const bodies = [...NOT_JSON.map((c) => c[1]), ...INVALID.map((c) => c[1]), ...BAD_IDS.map((c) => body({}, {}, c[1])), body()];
    const w = wiredHandler({});
    const ev: SQSEvent = { Records: bodies.map((b) => record(b)) };
    const res = await w.handler(ev, context());
    expect(res).toEqual({ batchItemFailures: [] });
    expect(w.publisher.items.map((i) => i.messageId).sort()).toEqual(ev.Records.map((r) => r.messageId).sort());
    expect(w.publisher.items.filter((i) => i.update.data.id === 'fail_task')).toHaveLength(bodies.length - 1);
  });

  it('runs a message delivered twice in one batch once, with one result and one failure entry at most', async () => {
    const twice = record(body());
    const other = record(body());
    const w = wiredHandler({});
    const res = await w.handler({ Records: [twice, other, { ...twice, receiptHandle: 'second-delivery' }] }, context());
    expect(res).toEqual({ batchItemFailures: [] });
    expect(w.publisher.items.map((i) => i.messageId)).toEqual([twice.messageId, other.messageId]);
    // Undelivered, it goes back once (the batch response names messages, not deliveries).
    const refusing = wiredHandler({});
    refusing.publisher.refuse.add(twice.messageId);
    const back = await refusing.handler({ Records: [twice, { ...twice, receiptHandle: 'second-delivery' }] }, context());
    expect(back).toEqual({ batchItemFailures: [{ itemIdentifier: twice.messageId }] });
  });
});
