/**
 * Exporter 1 (default): the instrumentation telemetry intake, exactly as the PAR's Go
 * mini-tracer posts (par-telemetry §4.5), with Node's language fields.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { batchRecords, chunkSlices } from './batching.js';
import { createJsonSpanEncoder, writeJsonPriority, type EncodeDefaults } from './encode-json.js';
import { bodyLength, type Exporter, type PreparedBatch } from './exporter.js';
import { hostInfo, nextSeqId, RUNTIME_ID, TRACER_VERSION } from './runtime-info.js';
import type { RecordingSpan } from './span.js';
import { patchPriorities, SpanStore, type EncodedSpans } from './span-store.js';

/**
 * Body cap per request: 4 MiB. The intake publishes no limit; 4 MiB stays under the 5 MB
 * that Datadog HTTP intakes commonly accept, and holds a full 10,000-span rshell trace
 * (~3.5 MB) in one request.
 */
export const TELEMETRY_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Room kept for the envelope around payload.traces. */
const ENVELOPE_RESERVE = 4096;

export interface TelemetryExporterOptions {
  url: URL;
  apiKey: string;
  hostname: string;
  /** Default service (application.service_name). */
  service: string;
  version?: string;
  /** true only for the staging site datad0g.com, as in Go. */
  debug: boolean;
  defaults: EncodeDefaults;
}

export function telemetryUrl(site: string): URL {
  return new URL(`https://instrumentation-telemetry-intake.${site}/api/v2/apmtelemetry`);
}

const OPEN = Buffer.from('[');
const COMMA_OPEN = Buffer.from(',[');
const END = Buffer.from(']}}');
const CLOSE = 0x5d;

/**
 * As the PAR's mini-tracer does (par-telemetry §4.3), a trace whose sampling priority is 0 or
 * below at flush is dropped here and never sent. The agent exporter sends such traces with
 * their priority instead: the agent counts them in its stats, then drops them itself.
 * undefined when every trace is kept (the usual case: no per-record test).
 */
function sampledIn(d: EncodedSpans): ((i: number) => boolean) | undefined {
  for (let i = 0; i < d.count; i++) {
    if (d.trace[i].priority <= 0) return (j) => d.trace[j].priority > 0;
  }
  return undefined;
}

export function createTelemetryExporter(o: TelemetryExporterOptions): Exporter {
  const envelopeMiddle =
    ',"runtime_id":' + JSON.stringify(RUNTIME_ID) +
    ',"seq_id":';
  const envelopeTail =
    ',"debug":' + o.debug +
    ',"origin":"agent"' +
    ',"host":' + JSON.stringify(hostInfo(o.hostname)) +
    ',"application":' +
    JSON.stringify({
      service_name: o.service,
      service_version: o.version ?? '',
      language_name: 'nodejs',
      language_version: process.versions.node,
      tracer_version: TRACER_VERSION,
    }) +
    ',"payload":{"traces":[';
  const headers: OutgoingHttpHeaders = {
    'dd-api-key': o.apiKey,
    'content-type': 'application/json',
    'dd-telemetry-api-version': 'v2',
    'dd-telemetry-request-type': 'traces',
    'dd-telemetry-origin': 'agent',
    'dd-client-library-language': 'nodejs',
    'dd-client-library-version': TRACER_VERSION,
    'dd-telemetry-debug-enabled': String(o.debug),
    'dd-agent-hostname': o.hostname,
  };

  const encodeSpan = createJsonSpanEncoder(o.defaults);
  return {
    method: 'POST',
    sendsRejected: false,
    url: o.url,
    createStore: () => new SpanStore(),
    encodeSpan(store: SpanStore, span: RecordingSpan): number {
      return encodeSpan(store, span);
    },
    prepare(d: EncodedSpans): PreparedBatch[] {
      patchPriorities(d, writeJsonPriority);
      // Each record ends with ','. Per trace chunk: '[' plus a ',' before it (the last
      // record's ',' becomes the closing ']').
      const batches = batchRecords(d, TELEMETRY_MAX_BODY_BYTES - ENVELOPE_RESERVE, 2, sampledIn(d));
      return batches.map((b) => ({
        spans: b.spans,
        build() {
          const head = Buffer.from(
            '{"api_version":"v2","request_type":"traces","tracer_time":' + Math.floor(Date.now() / 1000) +
              envelopeMiddle + nextSeqId() + envelopeTail,
            'utf8',
          );
          const parts: Buffer[] = [head];
          for (let t = 0; t < b.traces.length; t++) {
            parts.push(t === 0 ? OPEN : COMMA_OPEN);
            chunkSlices(d, b.traces[t], parts);
            // Each record ends with ','; the trace's last one becomes the closing ']'. The
            // chunk is this flush's own memory, so patching it in place is safe.
            const last = parts[parts.length - 1];
            last[last.length - 1] = CLOSE;
          }
          parts.push(END);
          return { parts, length: bodyLength(parts), headers };
        },
      }));
    },
  };
}
