/**
 * Exporter 2: a Datadog Agent or the Datadog Lambda Extension, `PUT /v0.4/traces` in
 * msgpack (an array of traces, each an array of span maps).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { packBatches } from './batching.js';
import type { EncodeDefaults } from './encode-json.js';
import { MsgpackWriter, writeSpanMsgpack } from './encode-msgpack.js';
import type { Exporter, PreparedBatch } from './exporter.js';
import { TRACER_VERSION } from './runtime-info.js';
import type { RecordingSpan } from './span.js';

/**
 * Body cap per request: 10 MiB. The Agent accepts 25 MB per request and the Lambda
 * extension 50 MiB; 10 MiB keeps a single request's transfer short on a cold network.
 */
export const AGENT_MAX_BODY_BYTES = 10 * 1024 * 1024;

export function agentTracesUrl(agentUrl: string): URL {
  const base = agentUrl.endsWith('/') ? agentUrl : agentUrl + '/';
  return new URL('v0.4/traces', base);
}

export function createAgentExporter(url: URL, defaults: EncodeDefaults): Exporter {
  return {
    method: 'PUT',
    url,
    prepare(traces: RecordingSpan[][]): PreparedBatch[] {
      const w = new MsgpackWriter();
      // Each span is encoded once into one shared buffer; batches refer to byte ranges.
      const ranges = traces.map((t) =>
        t.map((s) => {
          const start = w.pos;
          writeSpanMsgpack(w, s, defaults);
          return [start, w.pos] as const;
        }),
      );
      const all = w.buf;
      // Framing: up to 5 bytes of array header per trace chunk, plus 5 for the outer array.
      const batches = packBatches(ranges, (r) => r[1] - r[0], AGENT_MAX_BODY_BYTES - 5, 5, 0);
      return batches.map((b) => ({
        spans: b.spans,
        build() {
          const head = new MsgpackWriter(16 + b.traces.length * 5);
          const parts: Buffer[] = [];
          head.arrayHeader(b.traces.length);
          parts.push(head.buf.subarray(0, head.pos));
          for (const chunk of b.traces) {
            const h = new MsgpackWriter(8);
            h.arrayHeader(chunk.length);
            parts.push(h.buf.subarray(0, h.pos));
            // Consecutive ranges of one chunk are contiguous in the shared buffer.
            parts.push(all.subarray(chunk[0][0], chunk[chunk.length - 1][1]));
          }
          const body = Buffer.concat(parts);
          const headers: OutgoingHttpHeaders = {
            'content-type': 'application/msgpack',
            'x-datadog-trace-count': String(b.traces.length),
            'datadog-meta-lang': 'nodejs',
            'datadog-meta-lang-version': process.versions.node,
            'datadog-meta-lang-interpreter': 'v8',
            'datadog-meta-tracer-version': TRACER_VERSION,
          };
          return { body, headers };
        },
      }));
    },
  };
}
