/**
 * Where a task's action.run span hangs: the task's own trace_id/span_id (the PAR's backend
 * context) when present, else the SQS message's `_datadog` attribute (Datadog text-map or
 * W3C traceparent, as a String or Binary attribute), else a new trace. Each record is read
 * on its own, never the first record for the whole batch.
 */
import type { SQSRecord } from 'aws-lambda';
import { parseUint64, type RemoteParent } from '../tracing/index.js';
import type { Task } from './envelope.js';

export interface ParentContext {
  parent?: RemoteParent;
  /** x-datadog-sampling-priority from the message, if any. */
  samplingPriority?: number;
  source: 'task' | 'message' | 'none';
}

export function parentContextFor(task: Pick<Task, 'traceId' | 'spanId'>, record: SQSRecord): ParentContext {
  if (task.traceId !== 0n) return { parent: { traceId: task.traceId, spanId: task.spanId }, source: 'task' };
  return fromMessageAttribute(record) ?? { source: 'none' };
}

export function fromMessageAttribute(record: SQSRecord): ParentContext | undefined {
  const attr = record.messageAttributes?._datadog;
  if (!attr) return undefined;
  let text: string | undefined = attr.stringValue;
  if (text === undefined && attr.binaryValue !== undefined) {
    text = Buffer.from(attr.binaryValue, 'base64').toString('utf8');
  }
  if (!text) return undefined;
  let carrier: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(text);
    if (!v || typeof v !== 'object') return undefined;
    carrier = v as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const priority = parseInteger(carrier['x-datadog-sampling-priority']);
  const traceId = parseUint64(carrier['x-datadog-trace-id']);
  const spanId = parseUint64(carrier['x-datadog-parent-id']);
  if (traceId && traceId !== 0n) {
    return { parent: { traceId, spanId: spanId ?? 0n }, samplingPriority: priority, source: 'message' };
  }
  const w3c = parseTraceparent(carrier.traceparent);
  if (w3c) return { parent: w3c.parent, samplingPriority: priority ?? (w3c.sampled ? 1 : 0), source: 'message' };
  return undefined;
}

/** W3C traceparent: the low 64 bits of the trace id, as Datadog does. */
export function parseTraceparent(v: unknown): { parent: RemoteParent; sampled: boolean } | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(v.trim());
  if (!m || m[1] === 'ff') return undefined;
  const traceId = BigInt('0x' + m[2].slice(16));
  const spanId = BigInt('0x' + m[3]);
  if (traceId === 0n || spanId === 0n) return undefined;
  return { parent: { traceId, spanId }, sampled: (parseInt(m[4], 16) & 1) === 1 };
}

function parseInteger(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}
