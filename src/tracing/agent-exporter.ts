/**
 * Exporter 2: a Datadog Agent or the Datadog Lambda Extension, `PUT /v0.4/traces` in
 * msgpack (an array of traces, each an array of span maps).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { batchRecords, chunkSlices } from './batching.js';
import type { EncodeDefaults } from './encode-json.js';
import { createMsgpackSpanEncoder, MsgpackSpanStore } from './encode-msgpack.js';
import { bodyLength, type Exporter, type PreparedBatch } from './exporter.js';
import { TRACER_VERSION } from './runtime-info.js';
import type { RecordingSpan } from './span.js';
import { patchPriorities, type EncodedSpans, type SpanStore } from './span-store.js';

/**
 * Body cap per request: 10 MiB. The Agent accepts 25 MB per request and the Lambda
 * extension 50 MiB; 10 MiB keeps a single request's transfer short on a cold network.
 */
export const AGENT_MAX_BODY_BYTES = 10 * 1024 * 1024;

export function agentTracesUrl(agentUrl: string): URL {
  const base = agentUrl.endsWith('/') ? agentUrl : agentUrl + '/';
  return new URL('v0.4/traces', base);
}

/** Writes a msgpack array header at p; returns the new position. */
function arrayHeader(out: Buffer, p: number, n: number): number {
  if (n < 16) {
    out[p] = 0x90 | n;
    return p + 1;
  }
  if (n < 0x10000) {
    out[p] = 0xdc;
    out.writeUInt16BE(n, p + 1);
    return p + 3;
  }
  out[p] = 0xdd;
  out.writeUInt32BE(n, p + 1);
  return p + 5;
}

/** The factory config.ts's buildTracer takes: an agent's base URL to its exporter. */
export const agentExporter = (agentUrl: string, defaults: EncodeDefaults): Exporter => createAgentExporter(agentTracesUrl(agentUrl), defaults);

export function createAgentExporter(url: URL, defaults: EncodeDefaults): Exporter {
  const encodeSpan = createMsgpackSpanEncoder(defaults);
  return {
    method: 'PUT',
    sendsRejected: true,
    url,
    createStore: () => new MsgpackSpanStore(),
    encodeSpan(store: SpanStore, span: RecordingSpan): number {
      // The tracer hands an exporter only the store it made.
      return encodeSpan(store as MsgpackSpanStore, span);
    },
    prepare(d: EncodedSpans): PreparedBatch[] {
      patchPriorities(d, (buf, at, priority) => buf.writeDoubleBE(priority, at));
      // Framing upper bounds: 5 bytes of array header per trace chunk, 5 for the outer array.
      const batches = batchRecords(d, AGENT_MAX_BODY_BYTES - 5, 5);
      return batches.map((b) => ({
        spans: b.spans,
        build() {
          const outer = Buffer.allocUnsafe(5);
          const parts: Buffer[] = [outer.subarray(0, arrayHeader(outer, 0, b.traces.length))];
          for (const chunk of b.traces) {
            const h = Buffer.allocUnsafe(5);
            parts.push(h.subarray(0, arrayHeader(h, 0, chunk.spans)));
            chunkSlices(d, chunk, parts);
          }
          const headers: OutgoingHttpHeaders = {
            'content-type': 'application/msgpack',
            'x-datadog-trace-count': String(b.traces.length),
            'datadog-meta-lang': 'nodejs',
            'datadog-meta-lang-version': process.versions.node,
            'datadog-meta-lang-interpreter': 'v8',
            'datadog-meta-tracer-version': TRACER_VERSION,
          };
          return { parts, length: bodyLength(parts), headers };
        },
      }));
    },
  };
}
