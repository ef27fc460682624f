/**
 * Span → JSON text, written by hand so that 64-bit ids and ns timestamps are emitted as raw
 * decimal numbers straight from bigint/integer text (JSON.stringify would need a JS number
 * and lose precision above 2^53). Key order follows the Go mini-tracer's struct.
 */
import { msToNsText } from './clock.js';
import type { RecordingSpan } from './span.js';

/** Span-level defaults added at encode time (never overriding a tag set on the span). */
export interface EncodeDefaults {
  env?: string;
  version?: string;
}

const keyCache = new Map<string, string>();

/** Quoted JSON string; tag keys repeat a lot, so their quoted form is memoized. */
function quoteKey(key: string): string {
  let q = keyCache.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (keyCache.size < 4096) keyCache.set(key, q);
  }
  return q;
}

export function spanToJson(span: RecordingSpan, d: EncodeDefaults): string {
  let s =
    '{"service":' + quoteKey(span.service) +
    ',"name":' + quoteKey(span.name) +
    ',"resource":' + JSON.stringify(span.resource) +
    ',"trace_id":' + span.traceId +
    ',"span_id":' + span.spanId +
    ',"parent_id":' + span.parentId +
    ',"start":' + msToNsText(span.startMs) +
    ',"duration":' + span.durationNs +
    ',"error":' + span.error;

  const meta = span.meta;
  let m = '';
  if (meta !== undefined) {
    for (const [k, v] of meta) m += (m === '' ? '' : ',') + quoteKey(k) + ':' + JSON.stringify(v);
  }
  if (d.env !== undefined && !meta?.has('env')) m += (m === '' ? '' : ',') + '"env":' + JSON.stringify(d.env);
  if (d.version !== undefined && !meta?.has('version')) {
    m += (m === '' ? '' : ',') + '"version":' + JSON.stringify(d.version);
  }
  if (m !== '') s += ',"meta":{' + m + '}';

  const metrics = span.metrics;
  s += ',"metrics":{';
  let first = true;
  if (metrics !== undefined) {
    for (const [k, v] of metrics) {
      s += (first ? '' : ',') + quoteKey(k) + ':' + numberText(v);
      first = false;
    }
  }
  if (!metrics?.has('_sampling_priority_v1')) {
    s += (first ? '' : ',') + '"_sampling_priority_v1":' + numberText(span.trace.priority);
  }
  return s + '},"type":""}';
}

/** Finite numbers only reach here (setTag drops NaN/Infinity); -0 becomes 0. */
function numberText(v: number): string {
  return v === 0 ? '0' : String(v);
}
