/**
 * Property-based bad payloads through the handler: arbitrary strings, arbitrary JSON, valid
 * envelopes with attributes replaced by arbitrary JSON, and character-level mutations of a
 * valid body, each also inside an SNS notification or an EventBridge event, with arbitrary
 * trace carriers (`_datadog` on the notification, in the event's detail and on the message,
 * an X-Ray header). In batches of ten, every record gets exactly one result naming its
 * message, none is retried, and the handler never throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { context } from './helpers/stack.js';
import { record, rshellTask, wiredHandler } from './faults-helpers.js';

const RUNS = Number(process.env.FUZZ_PAYLOAD_RUNS ?? 200);
const VALID = rshellTask('echo fuzz', { id: 'fuzz-task', allowedPaths: ['/tmp'] });
const ATTRIBUTES = ['name', 'bundle_id', 'inputs', 'job_id', 'trace_id', 'span_id', 'allowed_commands', 'allowed_paths', 'org_id', 'client', 'signed_envelope'];

const replacedAttribute = fc.tuple(fc.constantFrom(...ATTRIBUTES), fc.jsonValue({ maxDepth: 3 })).map(([k, v]) => {
  const b = JSON.parse(VALID) as { data: { attributes: Record<string, unknown> } };
  b.data.attributes[k] = v;
  return JSON.stringify(b);
});

const mutatedBody = fc.array(fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'flip'), fc.constantFrom('"', '{', '}', '[', ']', ',', ':', '-', '0', 'e', '\\', '\u0000', '\u00ff', 'null')), { minLength: 1, maxLength: 4 }).map((muts) => {
  let s = VALID;
  for (const [at, kind, ch] of muts) {
    const i = at % s.length;
    if (kind === 'delete') s = s.slice(0, i) + s.slice(i + 1);
    else if (kind === 'insert') s = s.slice(0, i) + ch + s.slice(i);
    else s = s.slice(0, i) + ch + s.slice(i + 1);
  }
  return s;
});

const plainBody = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'undefined'),
  replacedAttribute,
  mutatedBody,
);

/** Carrier text: arbitrary, Datadog/W3C keys with arbitrary values, or a well-formed Datadog context. */
const carrier = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc
    .tuple(fc.bigInt(0n, (1n << 64n) - 1n), fc.bigInt(0n, (1n << 64n) - 1n))
    .map(([t, p]) => JSON.stringify({ 'x-datadog-trace-id': String(t), 'x-datadog-parent-id': String(p) })),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? ''),
  fc
    .record({ 'x-datadog-trace-id': fc.jsonValue({ maxDepth: 1 }), 'x-datadog-parent-id': fc.jsonValue({ maxDepth: 1 }), 'x-datadog-sampling-priority': fc.jsonValue({ maxDepth: 1 }), traceparent: fc.string({ maxLength: 60 }) }, { requiredKeys: [] })
    .map((o) => JSON.stringify(o)),
);

/** Any of those inside an SNS notification, whose own _datadog is arbitrary too. */
const snsBody = fc
  .tuple(plainBody, fc.option(fc.record({ Type: fc.constantFrom('String', 'Binary', 'Number', ''), Value: carrier })))
  .map(([message, dd]) => JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:1:t', Message: message, ...(dd ? { MessageAttributes: { _datadog: dd } } : {}) }));

/**
 * Any of those as an EventBridge event's detail: spliced in as JSON when it is JSON (as a rule
 * delivers it), else as a string; an object detail may carry an arbitrary _datadog.
 */
const eventBridgeBody = fc.tuple(plainBody, fc.option(carrier)).map(([detail, dd]) => {
  let json: unknown;
  try {
    json = JSON.parse(detail);
  } catch {
    detail = JSON.stringify(detail);
  }
  if (dd !== null && json && typeof json === 'object' && !Array.isArray(json)) {
    let value: string;
    try {
      value = JSON.stringify(JSON.parse(dd));
    } catch {
      value = JSON.stringify(dd);
    }
    detail = `{"_datadog":${value},${detail.trimStart().slice(1)}`;
  }
  return `{"version":"0","id":"e","detail-type":"t","source":"s","detail":${detail}}`;
});

const body = fc.oneof(plainBody, snsBody, eventBridgeBody);

const hex = (maxLength: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength });

/** What a record may carry besides its body: a _datadog attribute and an X-Ray header, arbitrary. */
const recordExtras = fc.record(
  {
    datadog: fc.oneof(carrier.map((stringValue) => ({ stringValue, dataType: 'String' })), carrier.map((c) => ({ binaryValue: Buffer.from(c).toString('base64'), dataType: 'Binary' }))),
    awsTraceHeader: fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.tuple(hex(26), hex(18), fc.string({ maxLength: 3 })).map(([r, p, smp]) => `Root=1-00000000-${r};Parent=${p};Sampled=${smp}`),
    ),
  },
  { requiredKeys: [] },
);

describe('arbitrary bodies through the handler', () => {
  it(`${RUNS} batches of ten: one result per record, no retry, no throw`, async () => {
    const w = wiredHandler({ TASK_CONCURRENCY: '4' });
    let answered = 0;
    let succeeded = 0;
    /** Results that hand on a context: with tracing off, only what a carrier gave. */
    let handedOn = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(body, recordExtras), { minLength: 10, maxLength: 10 }), async (items) => {
        w.publisher.items = [];
        const records = items.map(([b, x]) => {
          const r = record(b, x.datadog ? { messageAttributes: { _datadog: x.datadog } } : {});
          if (x.awsTraceHeader !== undefined) r.attributes.AWSTraceHeader = x.awsTraceHeader;
          return r;
        });
        const res = await w.handler({ Records: records }, context(30_000));
        expect(res).toEqual({ batchItemFailures: [] });
        expect(w.publisher.items.map((i) => i.messageId).sort()).toEqual(records.map((r) => r.messageId).sort());
        for (const i of w.publisher.items) {
          expect(i.update.data.attributes.message_id).toBe(i.messageId);
          // Whatever the carriers said, a handed-on context holds unsigned 64-bit ids.
          if (i.trace) {
            handedOn++;
            for (const id of [i.trace.traceId, i.trace.spanId]) expect(id >= 0n && id < 1n << 64n).toBe(true);
          }
          if (i.update.data.id === 'succeed_task') succeeded++;
          else expect(i.update.data.attributes.payload).toMatchObject({ error_code: expect.stringMatching(/^[A-Z_]+$/), error_details: expect.any(String) });
        }
        answered += records.length;
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 13) },
    );
    expect(answered).toBe(RUNS * 10);
    // Some mutations keep the body valid (and some replaced attributes are acceptable).
    expect(succeeded).toBeGreaterThan(0);
    // Some tasks that ran came with a readable context (an X-Ray header or a _datadog carrier).
    expect(handedOn).toBeGreaterThan(0);
  });
});
