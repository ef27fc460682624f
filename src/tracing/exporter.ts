/** What the tracer needs from an exporter: per-span encoding at finish, and request batches at flush. */
import type { OutgoingHttpHeaders } from 'node:http';
import type { RecordingSpan } from './span.js';
import type { EncodedSpans, SpanStore } from './span-store.js';

/** A request body as slices written in order (the encoded spans are sent without copying). */
export interface Body {
  parts: Buffer[];
  length: number;
  headers: OutgoingHttpHeaders;
}

export interface PreparedBatch {
  spans: number;
  /** Builds the body at send time (the telemetry envelope's seq_id and tracer_time are per send). */
  build(): Body;
}

export function bodyLength(parts: Buffer[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

export interface Exporter {
  readonly method: 'POST' | 'PUT';
  readonly url: URL;
  /** Whether traces of priority 0 or below are sent (an agent counts them in its stats) or dropped at flush. */
  readonly sendsRejected: boolean;
  /** The store spans are encoded into: the tracer makes one, and hands only it to encodeSpan. */
  createStore(): SpanStore;
  /**
   * Encodes a finished span into the store with the trace's current priority; returns the
   * priority field's offset from the span start, or -1 when the span set its own.
   */
  encodeSpan(store: SpanStore, span: RecordingSpan): number;
  /** Groups encoded spans by trace into request batches within the exporter's byte cap. */
  prepare(spans: EncodedSpans): PreparedBatch[];
}
