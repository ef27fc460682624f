/**
 * The PAR task envelope as it arrives in an SQS message body:
 * { "data": { "id", "type", "attributes": { "name", "bundle_id", "inputs", "job_id",
 *   "trace_id", "span_id", "allowed_commands", "allowed_paths", "org_id", "client",
 *   "signed_envelope" } } }
 * Parsed losslessly (ids are unsigned 64-bit JSON numbers) and validated with valibot;
 * every problem is reported with its JSON path.
 */
import * as v from 'valibot';
import { parseJsonExact } from '../tracing/json-lossless.js';
import { asEventBridgeEvent } from './eventbridge.js';
import { asSnsNotification } from './sns.js';

export const MAX_UINT64 = (1n << 64n) - 1n;

const ID_KEYS = new Set(['trace_id', 'span_id', 'org_id']);

/**
 * Where a body holds the envelope's 64-bit ids (data.attributes.<id>, or the same under an
 * EventBridge event's detail): only integer literals are read as numbers there.
 */
export function isEnvelopeIdPath(path: readonly string[]): boolean {
  const n = path.length;
  if (n !== 3 && !(n === 4 && path[0] === 'detail')) return false;
  return path[n - 3] === 'data' && path[n - 2] === 'attributes' && ID_KEYS.has(path[n - 1]);
}

export interface Task {
  id: string;
  type: string;
  name: string;
  bundleId: string;
  /** bundle_id + "." + name */
  fqn: string;
  inputs: Record<string, unknown>;
  jobId: string;
  /** 0n when absent. */
  traceId: bigint;
  /** 0n when absent. */
  spanId: bigint;
  /** undefined when the task carries no list (which blocks every command). */
  allowedCommands?: string[];
  allowedPaths?: string[];
  orgId?: number | bigint;
  client?: number | string;
  signedEnvelope?: Record<string, unknown>;
}

/** What could be read of a task that failed validation, for its failed result. */
export interface TaskIdentity {
  taskId?: string;
  jobId?: string;
  fqn?: string;
  client?: number | string;
}

export type ParsedTask =
  | {
      ok: true;
      task: Task;
      /**
       * The `_datadog` carrier of the SNS notification or EventBridge event the task came in:
       * JSON text (SNS) or an object (EventBridge).
       */
      carrier?: unknown;
    }
  | { ok: false; error: string; identity: TaskIdentity };

// One message whatever the wrong value is (string, float, negative, too large).
const uint64 = v.custom<number | bigint>(
  (x) => (typeof x === 'number' ? Number.isSafeInteger(x) && x >= 0 : typeof x === 'bigint' && x >= 0n && x <= MAX_UINT64),
  'must be an unsigned 64-bit integer',
);

/** The message of a value of the wrong type: "expected string, got number", "required string is missing". */
const wrongType =
  (expected: string) =>
  (i: v.BaseIssue<unknown>): string =>
    i.input === undefined ? `required ${expected} is missing` : `expected ${expected}, got ${typeName(i.input)}`;

/** An object that is not an array (valibot's `object` and `record` take arrays too). */
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * An object with these entries, unknown keys dropped. A missing key is said as its schema
 * says undefined ("required string is missing"); the guard leaves `v.object` no other issue.
 */
const object = <E extends v.ObjectEntries>(entries: E) =>
  v.pipe(
    v.custom<Record<string, unknown>>(isObject, wrongType('object')),
    v.object(entries, (i) => v.safeParse(entries[i.path![0].key as keyof E], undefined).issues![0].message),
  );

/**
 * A string of at least one character. As before, a value of another type that has a length
 * under 1 (`[]`) is also said to be empty: "expected string, got array; must not be empty".
 */
const nonEmpty = v.pipe(
  v.unknown(),
  v.check((x) => typeof x === 'string', wrongType('string')),
  v.check((x) => x == null || (x as { length?: unknown }).length === undefined || ((x as { length: number }).length >= 1), 'must not be empty'),
) as v.GenericSchema<unknown, string>;

const string = v.string(wrongType('string'));
const stringList = v.array(string, wrongType('array'));

// A record: a non-array object, its own keys kept but `__proto__`. valibot's `record` would
// also drop `constructor` and `prototype` (and take arrays), so the entries are read, checked
// as a map (issues at `allowed_paths.<key>.<i>`), then rebuilt.
const ownEntries = (o: Record<string, unknown>) => Object.entries(o).filter(([k]) => k !== '__proto__');
const record = v.pipe(
  v.custom<Record<string, unknown>>(isObject, wrongType('record')),
  v.transform((o) => Object.fromEntries(ownEntries(o))),
);
const recordOf = <T>(value: v.GenericSchema<unknown, T>) =>
  v.pipe(
    v.custom<Record<string, unknown>>(isObject, wrongType('record')),
    v.transform((o) => new Map(ownEntries(o))),
    v.map(v.string(), value),
    v.transform((m) => Object.fromEntries(m) as Record<string, T>),
  );

const attributesSchema = object({
  name: nonEmpty,
  bundle_id: nonEmpty,
  inputs: v.optional(record),
  job_id: nonEmpty,
  trace_id: v.optional(uint64),
  span_id: v.optional(uint64),
  allowed_commands: v.optional(stringList),
  // PAR: keyed by environment ("default" / "containerized"); a plain list is accepted too.
  allowed_paths: v.optional(v.union([stringList, recordOf(stringList)], wrongType('array or record'))),
  org_id: v.optional(uint64),
  // Number.isFinite: NaN and ±Infinity (1e999) are not numbers here.
  client: v.optional(v.union([v.custom<number>(Number.isFinite), v.string()], wrongType('number or string'))),
  signed_envelope: v.optional(record),
});

export const envelopeSchema = object({
  data: object({
    id: nonEmpty,
    type: v.optional(string),
    attributes: attributesSchema,
  }),
});

export type Envelope = v.InferOutput<typeof envelopeSchema>;

/**
 * A message body: the task envelope, an SNS notification whose `Message` is one (sns.ts), or
 * an EventBridge event whose `detail` is one (eventbridge.ts). One level only: a
 * notification or event inside another is not a task.
 */
export function parseTaskBody(body: string): ParsedTask {
  let raw: unknown;
  try {
    raw = parseJsonExact(body, undefined, isEnvelopeIdPath);
  } catch (err) {
    return { ok: false, error: `body is not valid JSON: ${(err as Error).message}`, identity: {} };
  }
  const sns = asSnsNotification(raw);
  if (sns !== undefined) {
    try {
      raw = parseJsonExact(sns.message, undefined, isEnvelopeIdPath);
    } catch (err) {
      return { ok: false, error: `the SNS notification's Message is not valid JSON: ${(err as Error).message}`, identity: {} };
    }
    return wrapped(validateEnvelope(raw), "the SNS notification's Message", sns.datadogCarrier);
  }
  const event = asEventBridgeEvent(raw);
  if (event !== undefined) return wrapped(validateEnvelope(event.detail), "the EventBridge event's detail", event.datadogCarrier);
  return validateEnvelope(raw);
}

/** A task that came inside a notification or event: its carrier kept, its errors saying where. */
function wrapped(parsed: ParsedTask, where: string, carrier: unknown): ParsedTask {
  if (!parsed.ok) return { ...parsed, error: `${where}: ${parsed.error}` };
  return carrier === undefined ? parsed : { ...parsed, carrier };
}

export function validateEnvelope(raw: unknown): ParsedTask {
  const r = v.safeParse(envelopeSchema, raw);
  if (!r.success) return { ok: false, error: `invalid task: ${envelopeProblems(r.issues).slice(0, 5).join('; ')}`, identity: identityOf(raw) };
  return { ok: true, task: toTask(r.output) };
}

export function toTask(env: Envelope): Task {
  const d = env.data;
  const a = d.attributes;
  return {
    id: d.id,
    type: d.type ?? 'task',
    name: a.name,
    bundleId: a.bundle_id,
    fqn: `${a.bundle_id}.${a.name}`,
    inputs: a.inputs ?? {},
    jobId: a.job_id,
    traceId: BigInt(a.trace_id ?? 0),
    spanId: BigInt(a.span_id ?? 0),
    allowedCommands: a.allowed_commands,
    allowedPaths: pathsFor(a.allowed_paths),
    orgId: a.org_id,
    client: a.client,
    signedEnvelope: a.signed_envelope,
  };
}

/** A Lambda is a bare-metal-like environment: the "default" list applies. */
function pathsFor(p: string[] | Record<string, string[]> | undefined): string[] | undefined {
  if (p === undefined || Array.isArray(p)) return p;
  return p.default ?? p.DEFAULT ?? p.bare_metal ?? p.BARE_METAL ?? [];
}

/** Every problem, "path: message", in the order found (the error shows the first 5). */
export function envelopeProblems(issues: readonly v.BaseIssue<unknown>[]): string[] {
  return issues.flatMap((i) => unionBranch(i)).map(({ path, message }) => `${path.map(String).join('.') || '(root)'}: ${message}`);
}

/**
 * A union's failure is said by the alternative the value's type matched (its issues lie
 * inside the value: `allowed_paths.1: expected string, got number`), else by the union's own
 * message, the types it could have been (`expected array or record, got number`). valibot
 * gives the alternatives' issues in one list: those with a path are the matching one's (a
 * list or a map, never both).
 */
function unionBranch(i: v.BaseIssue<unknown>, prefix: PropertyKey[] = []): { path: PropertyKey[]; message: string }[] {
  const path = [...prefix, ...(i.path ?? []).map((p) => p.key as PropertyKey)];
  const inside = i.type === 'union' ? (i.issues ?? []).filter((e) => e.path?.length) : [];
  if (inside.length) return inside.flatMap((e) => unionBranch(e, path));
  return [{ path, message: i.message }];
}

function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  if (typeof x === 'bigint') return 'number';
  return typeof x;
}

/** What a body that failed validation still says of its task (for its failed result). */
export function identityOf(raw: unknown): TaskIdentity {
  const d = (raw as { data?: Record<string, unknown> } | null)?.data;
  if (!d || typeof d !== 'object') return {};
  const a = (d.attributes ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const name = str(a.name);
  const bundle = str(a.bundle_id);
  return {
    taskId: str(d.id),
    jobId: str(a.job_id),
    fqn: name && bundle ? `${bundle}.${name}` : undefined,
    client: typeof a.client === 'number' || typeof a.client === 'string' ? a.client : undefined,
  };
}
