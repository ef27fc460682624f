/**
 * The PAR task envelope as it arrives in an SQS message body:
 * { "data": { "id", "type", "attributes": { "name", "bundle_id", "inputs", "job_id",
 *   "trace_id", "span_id", "allowed_commands", "allowed_paths", "org_id", "client",
 *   "signed_envelope" } } }
 * Parsed losslessly (ids are unsigned 64-bit JSON numbers) and validated with zod/mini;
 * every problem is reported with its JSON path.
 */
import * as z from 'zod/mini';
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
const uint64 = z.custom<number | bigint>(
  (v) => (typeof v === 'number' ? Number.isSafeInteger(v) && v >= 0 : typeof v === 'bigint' && v >= 0n && v <= MAX_UINT64),
  'must be an unsigned 64-bit integer',
);

const nonEmpty = z.string().check(z.minLength(1, 'must not be empty'));
const stringList = z.array(z.string());

const attributesSchema = z.object({
  name: nonEmpty,
  bundle_id: nonEmpty,
  inputs: z.optional(z.record(z.string(), z.unknown())),
  job_id: nonEmpty,
  trace_id: z.optional(uint64),
  span_id: z.optional(uint64),
  allowed_commands: z.optional(stringList),
  // PAR: keyed by environment ("default" / "containerized"); a plain list is accepted too.
  allowed_paths: z.optional(z.union([stringList, z.record(z.string(), stringList)])),
  org_id: z.optional(uint64),
  client: z.optional(z.union([z.number(), z.string()])),
  signed_envelope: z.optional(z.record(z.string(), z.unknown())),
});

export const envelopeSchema = z.object({
  data: z.object({
    id: nonEmpty,
    type: z.optional(z.string()),
    attributes: attributesSchema,
  }),
});

export type Envelope = z.infer<typeof envelopeSchema>;

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
  const r = z.safeParse(envelopeSchema, raw);
  if (!r.success) {
    return { ok: false, error: `invalid task: ${formatIssues(r.error.issues, raw)}`, identity: identityOf(raw) };
  }
  return { ok: true, task: toTask(r.data) };
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
function pathsFor(v: string[] | Record<string, string[]> | undefined): string[] | undefined {
  if (v === undefined || Array.isArray(v)) return v;
  return v.default ?? v.DEFAULT ?? v.bare_metal ?? v.BARE_METAL ?? [];
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  /** invalid_union: each alternative's issues, paths relative to the union's value. */
  errors?: Issue[][];
}

function formatIssues(issues: readonly Issue[], raw: unknown): string {
  return issues
    .flatMap(unionBranch)
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${describeIssue(i, valueAt(raw, i.path))}`)
    .join('; ');
}

/**
 * A union's failure, said by the alternative the value's type matched (its issues lie
 * inside the value: `allowed_paths.1: expected string, got number`), else as the types it
 * could have been (`expected array or record, got number`). "unexpected array" for a list
 * with one bad entry named the one type the field takes.
 */
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

function identityOf(raw: unknown): TaskIdentity {
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
