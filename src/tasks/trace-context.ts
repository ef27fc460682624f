/**
 * Where a task's action.run span hangs: the task's own trace_id/span_id (the PAR's backend
 * context) when present, else the `_datadog` carrier (Datadog text-map or W3C traceparent) of
 * the SNS notification or EventBridge event the task came in, else of the SQS message (a
 * String or Binary attribute), else its `AWSTraceHeader` system attribute when a Datadog
 * tracer wrote it, else a new trace. Each record is read on its own, never the first record
 * for the whole batch.
 */
import type { SQSRecord } from 'aws-lambda';
import { parseUint64, type RemoteParent, type Span, type Tracer } from '../tracing/index.js';
import type { Task } from './envelope.js';

export interface ParentContext {
  parent?: RemoteParent;
  /** The sampling priority the message carried, if any. */
  samplingPriority?: number;
}

/** `wrapperCarrier`: the `_datadog` of the notification or event the task came in (JSON text or an object). */
export function parentContextFor(task: Pick<Task, 'traceId' | 'spanId'>, record: SQSRecord, wrapperCarrier?: unknown): ParentContext {
  if (task.traceId !== 0n) return { parent: { traceId: task.traceId, spanId: task.spanId } };
  return (
    fromCarrier(wrapperCarrier) ??
    fromCarrier(datadogAttribute(record)) ??
    fromAwsTraceHeader(record.attributes?.AWSTraceHeader) ??
    {}
  );
}

/** The text of the SQS message's `_datadog` attribute (String, or Binary as SNS raw delivery sends it). */
function datadogAttribute(record: SQSRecord): string | undefined {
  const attr = record.messageAttributes?._datadog;
  if (!attr) return undefined;
  if (attr.stringValue !== undefined) return attr.stringValue;
  return attr.binaryValue === undefined ? undefined : Buffer.from(attr.binaryValue, 'base64').toString('utf8');
}

/** A `_datadog` carrier, as JSON text or an object: Datadog headers, else a W3C traceparent. */
function fromCarrier(value: unknown): ParentContext | undefined {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const carrier = v as Record<string, unknown>;
  const priority = parseInteger(carrier['x-datadog-sampling-priority']);
  const traceId = parseUint64(carrier['x-datadog-trace-id']);
  const spanId = parseUint64(carrier['x-datadog-parent-id']);
  if (traceId && traceId !== 0n) {
    const parent: RemoteParent = { traceId, spanId: spanId ?? 0n };
    const high = tidOfDatadogTags(carrier['x-datadog-tags']);
    if (high !== undefined) parent.traceIdHigh = high;
    return { parent, samplingPriority: priority };
  }
  const w3c = parseTraceparent(carrier.traceparent);
  if (w3c) return { parent: w3c.parent, samplingPriority: priority ?? w3cPriority(w3c.sampled, carrier.tracestate) };
  return undefined;
}

/**
 * The upper 64 bits of a 128-bit trace id from Datadog's `x-datadog-tags` header
 * (`_dd.p.tid=<16 lowercase hex>` among comma-separated `key=value` pairs); a malformed or
 * zero value is ignored, as Datadog's tracers do.
 */
function tidOfDatadogTags(v: unknown): bigint | undefined {
  if (typeof v !== 'string') return undefined;
  for (const pair of v.split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== '_dd.p.tid') continue;
    const hex = pair.slice(eq + 1).trim();
    const high = /^[0-9a-f]{16}$/.test(hex) ? BigInt('0x' + hex) : 0n;
    return high === 0n ? undefined : high;
  }
  return undefined;
}

/**
 * A W3C parent's priority: the `s:` of tracestate's `dd` member (the priority a Datadog tracer
 * upstream decided, e.g. 2 or -1) when it agrees with the sampled flag, else 1 or 0 from the
 * flag alone, which wins a disagreement (a sampled flag of 0 is a drop whatever `s:` says).
 */
function w3cPriority(sampled: boolean, tracestate: unknown): number {
  const s = typeof tracestate === 'string' ? /(?:^|,)\s*dd=(?:[^,]*;)?s:(-?\d{1,10})(?:;|\s*(?:,|$))/.exec(tracestate) : null;
  const p = s ? Number(s[1]) : undefined;
  if (sampled) return p !== undefined && p > 0 ? p : 1;
  return p !== undefined && p <= 0 ? p : 0;
}

/**
 * An X-Ray header carrying a Datadog context: `Root=1-<8 hex>-00000000<16 hex>;Parent=<16
 * hex>;Sampled=<0|1>`, keys in any order, others ignored. Datadog's Java tracer propagates
 * through SQS this way (it leaves the 10 message attributes to the producer), and Datadog's
 * Lambda library reads it after `_datadog`. The 16 hex digits after the zeros are the Datadog
 * trace id; a root whose 24 digits do not start with 8 zeros came from X-Ray itself, whose
 * ids Datadog cannot join, so it starts no parent.
 */
export function fromAwsTraceHeader(header: string | undefined): ParentContext | undefined {
  if (!header) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const root = /^1-[0-9a-f]{8}-00000000([0-9a-f]{16})$/i.exec(fields.get('Root') ?? '');
  const parent = fields.get('Parent') ?? '';
  if (!root || !/^[0-9a-f]{16}$/i.test(parent)) return undefined;
  const traceId = BigInt('0x' + root[1]);
  if (traceId === 0n) return undefined;
  const sampled = fields.get('Sampled');
  return {
    parent: { traceId, spanId: BigInt('0x' + parent) },
    samplingPriority: sampled === '1' ? 1 : sampled === '0' ? 0 : undefined,
  };
}

/**
 * W3C traceparent: the low 64 bits of the trace id as Datadog's id, the upper 64 (when not
 * zero) as `traceIdHigh`. A version above 00 may carry more fields after the four it shares
 * with 00 (W3C: parse what is known); version 00 may not, and ff is invalid.
 */
export function parseTraceparent(v: unknown): { parent: RemoteParent; sampled: boolean } | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/.exec(v.trim());
  if (!m || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return undefined;
  const high = BigInt('0x' + m[2].slice(0, 16));
  const traceId = BigInt('0x' + m[2].slice(16));
  const spanId = BigInt('0x' + m[3]);
  if ((traceId === 0n && high === 0n) || spanId === 0n) return undefined;
  // A 128-bit id whose low half is 0 has no Datadog id to join; it starts no parent.
  if (traceId === 0n) return undefined;
  const parent: RemoteParent = { traceId, spanId };
  if (high !== 0n) parent.traceIdHigh = high;
  return { parent, sampled: (parseInt(m[4], 16) & 1) === 1 };
}

/** A priority as Datadog writes it (decimal integer text, or a JSON integer); anything else is malformed and ignored. */
function parseInteger(v: unknown): number | undefined {
  if (typeof v === 'string') {
    const t = v.trim();
    // Number('') and Number(' ') are 0: a blank header must not read as a drop.
    return /^[+-]?\d+$/.test(t) ? Number(t) : undefined;
  }
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/** The context a task's result hands on to whoever consumes it. */
export interface ResultTrace {
  traceId: bigint;
  spanId: bigint;
  samplingPriority?: number;
  /** The upper 64 bits of a 128-bit trace id, handed on as `_dd.p.tid`. */
  traceIdHigh?: bigint;
}

/**
 * The task's action.run span when the tracer records it (so the consumer's spans hang under
 * it, and a dropped trace stays dropped), else the parent the task came with: with tracing
 * off, or for a task refused before its span, the consumer still joins the producer's trace.
 */
export function resultTraceOf(span: Span | undefined, tracer: Tracer, from: ParentContext): ResultTrace | undefined {
  const p = from.parent;
  let t: ResultTrace | undefined;
  if (span !== undefined && span.traceId !== 0n) t = { traceId: span.traceId, spanId: span.spanId, samplingPriority: tracer.samplingPriority(span) };
  else if (p !== undefined) t = { traceId: p.traceId, spanId: p.spanId, samplingPriority: from.samplingPriority };
  // The span joined the parent's trace (same low 64 bits), so it shares its upper half.
  if (t !== undefined && p?.traceIdHigh !== undefined && p.traceId === t.traceId) t.traceIdHigh = p.traceIdHigh;
  return t;
}

/**
 * The `_datadog` carrier for a result message, in Datadog's text-map keys (decimal strings),
 * with `x-datadog-tags: _dd.p.tid=…` for a 128-bit trace.
 */
export function datadogCarrierOf(t: ResultTrace): string {
  const carrier: Record<string, string> = { 'x-datadog-trace-id': t.traceId.toString(), 'x-datadog-parent-id': t.spanId.toString() };
  if (t.samplingPriority !== undefined) carrier['x-datadog-sampling-priority'] = String(t.samplingPriority);
  if (t.traceIdHigh !== undefined && t.traceIdHigh !== 0n) carrier['x-datadog-tags'] = `_dd.p.tid=${t.traceIdHigh.toString(16).padStart(16, '0')}`;
  return JSON.stringify(carrier);
}
