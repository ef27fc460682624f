/** Public tracing API: the tracer, id parsing, the error-type helper, and the rshell span adapter. */
export type {
  FlushFailure,
  FlushReport,
  RemoteParent,
  Span,
  StartSpanOptions,
  TagValue,
  Tracer,
  TracerConfig,
} from './types.js';
export { parseUint64, randomId, MAX_UINT64 } from './ids.js';
export { errorType } from './error-type.js';
export { msSince } from './clock.js';
export { openTracer, tracerConfigFromEnv, unreadSettings, DEFAULT_SERVICE, DEFAULT_SITE } from './config.js';
export { MAX_SPANS_PER_TRACE, MAX_BUFFERED_SPANS, MAX_BUFFERED_BYTES } from './tracer.js';
export { TELEMETRY_MAX_BODY_BYTES } from './telemetry-exporter.js';
export { NOOP_SPAN } from './span.js';
export { rshellHooks, RSHELL_SERVICE, MAX_RSHELL_SPANS_PER_RUN, type RshellHooksOptions, type SpanBudget } from './rshell-spans.js';
