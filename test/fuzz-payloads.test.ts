/**
 * Property-based bad payloads through the handler: arbitrary strings, arbitrary JSON, valid
 * envelopes with attributes replaced by arbitrary JSON, and character-level mutations of a
 * valid body. In batches of ten, every record gets exactly one result naming its message, none
 * is retried, and the handler never throws.
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

const body = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'undefined'),
  replacedAttribute,
  mutatedBody,
);

describe('arbitrary bodies through the handler', () => {
  it(`${RUNS} batches of ten: one result per record, no retry, no throw`, async () => {
    const w = wiredHandler({ TASK_CONCURRENCY: '4' });
    let answered = 0;
    let succeeded = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(body, { minLength: 10, maxLength: 10 }), async (bodies) => {
        w.publisher.items = [];
        const records = bodies.map((b) => record(b));
        const res = await w.handler({ Records: records }, context(30_000));
        expect(res).toEqual({ batchItemFailures: [] });
        expect(w.publisher.items.map((i) => i.messageId).sort()).toEqual(records.map((r) => r.messageId).sort());
        for (const i of w.publisher.items) {
          expect(i.update.data.attributes.message_id).toBe(i.messageId);
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
  });
});
