/** What a transport needs from an exporter: how to encode and how to address requests. */
import type { OutgoingHttpHeaders } from 'node:http';
import type { RecordingSpan } from './span.js';

export interface PreparedBatch {
  spans: number;
  /** Builds the body at send time (the telemetry envelope's seq_id and tracer_time are per send). */
  build(): { body: Buffer; headers: OutgoingHttpHeaders };
}

export interface Exporter {
  readonly method: 'POST' | 'PUT';
  readonly url: URL;
  /** Encodes spans (grouped by trace) into request batches within the exporter's byte cap. */
  prepare(traces: RecordingSpan[][]): PreparedBatch[];
}
