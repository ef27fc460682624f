/**
 * The task envelope's validation (src/tasks/envelope.ts, valibot) against the zod/mini schema
 * it replaced, kept here as the reference with the code that turned its issues into messages:
 * on generated bodies, parsed as the handler parses them, both must report the same problems
 * (every one, in order, not only the first 5 the error shows), give the same error, identity
 * and task, and keep the same value when there is no problem.
 *   ENVELOPE_PARITY_RUNS=N FUZZ_SEED=S npx vitest run test/envelope-parity.test.ts
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { MAX_UINT64, envelopeProblems, envelopeSchema, identityOf, isEnvelopeIdPath, toTask, validateEnvelope, type ParsedTask } from '../src/tasks/envelope.js';
import { parseJsonExact } from '../src/tracing/json-lossless.js';

// The zod/mini schema as it was in src/tasks/envelope.ts.
const uint64 = z.custom<number | bigint>(
  (v) => (typeof v === 'number' ? Number.isSafeInteger(v) && v >= 0 : typeof v === 'bigint' && v >= 0n && v <= MAX_UINT64),
  'must be an unsigned 64-bit integer',
);
const nonEmpty = z.string().check(z.minLength(1, 'must not be empty'));
const stringList = z.array(z.string());
const reference = z.object({
  data: z.object({
    id: nonEmpty,
    type: z.optional(z.string()),
    attributes: z.object({
      name: nonEmpty,
      bundle_id: nonEmpty,
      inputs: z.optional(z.record(z.string(), z.unknown())),
      job_id: nonEmpty,
      trace_id: z.optional(uint64),
      span_id: z.optional(uint64),
      allowed_commands: z.optional(stringList),
      allowed_paths: z.optional(z.union([stringList, z.record(z.string(), stringList)])),
      org_id: z.optional(uint64),
      client: z.optional(z.union([z.number(), z.string()])),
      signed_envelope: z.optional(z.record(z.string(), z.unknown())),
    }),
  }),
});

// Its messages, as src/tasks/envelope.ts made them (formatIssues without the cut at 5).
interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  errors?: Issue[][];
}

function referenceProblems(issues: readonly Issue[], raw: unknown): string[] {
  return issues.flatMap(unionBranch).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${describeIssue(i, valueAt(raw, i.path))}`);
}

function unionBranch(i: Issue): Issue[] {
  if (i.code !== 'invalid_union' || !i.errors?.length) return [i];
  const inside = i.errors.find((b) => b.length > 0 && b.every((e) => e.path.length > 0));
  if (inside) return inside.flatMap((e) => unionBranch({ ...e, path: [...i.path, ...e.path] }));
  const expected = [...new Set(i.errors.flatMap((b) => b.map((e) => e.expected).filter((e): e is string => e !== undefined)))];
  return [{ code: 'invalid_type', path: i.path, message: i.message, expected: expected.join(' or ') || undefined }];
}

function describeIssue(i: Issue, actual: unknown): string {
  if (i.code === 'invalid_type') {
    return actual === undefined ? `required ${i.expected ?? 'value'} is missing` : `expected ${i.expected}, got ${typeName(actual)}`;
  }
  if (i.code === 'invalid_union') return `unexpected ${typeName(actual)}`;
  return i.message === 'Invalid input' ? 'invalid value' : i.message;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'bigint') return 'number';
  return typeof v;
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let v = raw;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function referenceValidate(raw: unknown): ParsedTask {
  const r = z.safeParse(reference, raw);
  if (!r.success) {
    return { ok: false, error: `invalid task: ${referenceProblems(r.error.issues as unknown as Issue[], raw).slice(0, 5).join('; ')}`, identity: identityOf(raw) };
  }
  return { ok: true, task: toTask(r.data) };
}

let compared = 0;
let failed = 0;

function compare(raw: unknown): void {
  compared++;
  const r = z.safeParse(reference, raw);
  const s = v.safeParse(envelopeSchema, raw);
  const want = r.success ? [] : referenceProblems(r.error.issues as unknown as Issue[], raw);
  expect(s.success ? [] : envelopeProblems(s.issues)).toStrictEqual(want);
  if (!r.success) failed++;
  // isDeepStrictEqual, not toStrictEqual: a kept object may have its own `constructor` key.
  if (r.success) expect(isDeepStrictEqual(s.output, r.data), 'same value kept').toBe(true);
  const got = validateEnvelope(raw);
  const ref = referenceValidate(raw);
  expect(isDeepStrictEqual(got, ref), `same ParsedTask: ${String(got.ok)} vs ${String(ref.ok)}`).toBe(true);
}

// JSON texts for a field: valid values, near misses and anything at all.
const scalar = fc.constantFrom(
  'null', 'true', '0', '-1', '1.5', '1e3', '1e999', '-0', '""', '"x"', '"rshell:echo"', '[]', '{}',
  '9007199254740993', '18446744073709551615', '18446744073709551616', '4503599627370497.5', '1.0e1', '{"length":0}', '{"length":"2"}', '{"length":null}', '[""]',
);
const list = fc.array(fc.oneof(scalar, fc.constantFrom('"/tmp"', '"/"')), { maxLength: 3 }).map((a) => `[${a.join(',')}]`);
const map = fc
  .array(fc.tuple(fc.constantFrom('default', 'DEFAULT', 'bare_metal', 'containerized', '__proto__', 'constructor', 'toString', '0', 'a'), fc.oneof(scalar, list)), { maxLength: 3 })
  .map((e) => `{${e.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
const anyJson = fc.json({ maxDepth: 3 });
const fieldValue = fc.oneof({ weight: 3, arbitrary: scalar }, { weight: 2, arbitrary: list }, { weight: 2, arbitrary: map }, { weight: 1, arbitrary: anyJson });

const ATTRIBUTES = ['name', 'bundle_id', 'inputs', 'job_id', 'trace_id', 'span_id', 'allowed_commands', 'allowed_paths', 'org_id', 'client', 'signed_envelope', '__proto__', 'extra'];
const VALID: Record<string, string> = { name: '"runCommand"', bundle_id: '"com.datadoghq.remoteaction.rshell"', job_id: '"j"', inputs: '{"command":"echo hi"}' };

const objectText = (keys: string[]) =>
  fc
    .array(fc.tuple(fc.constantFrom(...keys), fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fieldValue })), { maxLength: 6 })
    .map((entries) => entries);

const attributes = fc.tuple(fc.boolean(), objectText(ATTRIBUTES)).map(([startValid, entries]) => {
  const fields: Array<[string, string]> = startValid ? Object.entries(VALID) : [];
  for (const [k, v] of entries) if (v !== undefined) fields.push([k, v]);
  return `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
});

const data = fc
  .record({
    id: fc.oneof(fc.constant('"t-1"'), scalar, fc.constant(undefined)),
    type: fc.oneof(fc.constant('"task"'), scalar, fc.constant(undefined)),
    attributes: fc.oneof({ weight: 4, arbitrary: attributes }, { weight: 1, arbitrary: fieldValue }, { weight: 1, arbitrary: fc.constant(undefined) }),
  })
  .map((d) => `{${Object.entries(d).filter(([, v]) => v !== undefined).map(([k, v]) => `"${k}":${v}`).join(',')}}`);

// Bodies every field of which is valid, but for at most one, to compare the values kept.
const strings = fc.array(fc.constantFrom('"/tmp"', '"/"', '""', '"rshell:*"'), { maxLength: 3 }).map((a) => `[${a.join(',')}]`);
const uint = fc.constantFrom('0', '7', '9007199254740993', '18446744073709551615', '1e3', '2.0');
const object = fc
  .array(fc.tuple(fc.constantFrom('command', '__proto__', 'constructor', '0', 'default'), fc.oneof(scalar, strings, anyJson)), { maxLength: 3 })
  .map((e) => `{${e.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
const pathsMap = fc
  .array(fc.tuple(fc.constantFrom('default', 'DEFAULT', 'bare_metal', 'BARE_METAL', 'containerized', '__proto__', 'constructor'), strings), { maxLength: 3 })
  .map((e) => `{${e.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
const GOOD: Record<string, fc.Arbitrary<string>> = {
  inputs: object,
  trace_id: uint,
  span_id: uint,
  allowed_commands: strings,
  allowed_paths: fc.oneof(strings, pathsMap),
  org_id: uint,
  client: fc.constantFrom('3', '"c"', '1.5', '-2', '""'),
  signed_envelope: object,
  extra: anyJson,
};
const validish = fc
  .tuple(fc.subarray(Object.keys(GOOD)).chain((keys) => fc.tuple(...keys.map((k) => GOOD[k].map((v) => [k, v] as const)))), fc.option(fc.tuple(fc.constantFrom(...ATTRIBUTES), fieldValue)))
  .map(([good, bad]) => {
    const fields: Array<readonly [string, string]> = [...Object.entries(VALID), ...good, ...(bad ? [bad] : [])];
    return `{"data":{"id":"t","type":"task","attributes":{${fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}}}`;
  });

const body = fc.oneof(
  { weight: 6, arbitrary: data.map((d) => `{"data":${d}}`) },
  { weight: 1, arbitrary: fieldValue.map((d) => `{"data":${d}}`) },
  { weight: 6, arbitrary: validish },
  { weight: 1, arbitrary: fieldValue },
  { weight: 1, arbitrary: anyJson },
);

describe('task envelope validation (valibot) matches the zod/mini schema it replaced', () => {
  it('on generated bodies', () => {
    fc.assert(
      fc.property(body, (text) => {
        compare(parseJsonExact(text, undefined, isEnvelopeIdPath));
      }),
      { numRuns: Number(process.env.ENVELOPE_PARITY_RUNS ?? 3000), seed: Number(process.env.FUZZ_SEED ?? 7) },
    );
    if (process.env.ENVELOPE_PARITY_RUNS) console.log(`envelope parity: ${compared} bodies compared, ${failed} invalid (seed ${process.env.FUZZ_SEED ?? 7})`);
  });

  it('on values only signed tasks and callers can make', () => {
    const attrs = { name: 'n', bundle_id: 'b', job_id: 'j' };
    for (const extra of [
      { trace_id: 2n ** 64n },
      { span_id: -1n },
      { org_id: 5n },
      { client: 3n },
      { client: Number.NaN },
      { client: Number.POSITIVE_INFINITY },
      { client: -0 },
      { job_id: undefined },
      { type: undefined },
      { inputs: undefined },
      { name: { length: 0 } },
      { name: ['x'] },
      { bundle_id: 5n },
      { inputs: { constructor: 1, prototype: 2, __proto__: 3 } },
      { allowed_paths: { constructor: [1], prototype: 'x' } },
      { allowed_paths: Object.defineProperty({}, '__proto__', { value: [1], enumerable: true }) },
      { inputs: Object.defineProperty({ a: 1 }, '__proto__', { value: { b: 2 }, enumerable: true }) },
    ]) {
      compare({ data: { id: 'i', attributes: { ...attrs, ...extra } } });
      compare({ data: { id: 'i', type: undefined, attributes: { ...attrs, ...extra } } });
    }
  });
});
