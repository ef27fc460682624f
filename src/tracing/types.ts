/** Public tracing contracts used by the executor and the rshell adapter. */
import type { SamplingRule } from './sampling-rules.js';

export type TagValue = string | number | boolean;

/** A parent span living in another process (ids from the task envelope). */
export interface RemoteParent {
  traceId: bigint;
  /** 0n allowed: the span joins the trace with no parent. */
  spanId: bigint;
  /**
   * The upper 64 bits of a 128-bit trace id (`_dd.p.tid`, or a W3C id's first half); absent or
   * 0n for a 64-bit trace. Datadog ids stay the low 64 bits; this rides along as a tag.
   */
  traceIdHigh?: bigint;
}

/** Read by `startSpan` during the call, never kept (a caller may reuse one for every start). */
export interface StartSpanOptions {
  resource?: string;
  service?: string;
  tags?: Record<string, TagValue>;
  /**
   * Tags as flat [key, value, key, value, ...] pairs with distinct keys, set after `tags`:
   * for spans made many times over (one per rshell command), where building and walking an
   * object per span is a visible part of its cost.
   */
  tagList?: ReadonlyArray<string | TagValue>;
  /** Default: the active span (AsyncLocalStorage), else a new trace. */
  childOf?: Span | RemoteParent;
  /** Epoch ms (fractional ok); default now, as for a value that is no time (NaN, ±Infinity, past 2262). */
  startTimeMs?: number;
}

export interface Span {
  readonly traceId: bigint;
  readonly spanId: bigint;
  readonly parentId: bigint;
  readonly service: string;
  /** Strings and booleans go to meta, numbers to metrics. No-op after finish. */
  setTag(key: string, value: TagValue): this;
  setResource(resource: string): this;
  /** error=1 and `error.type` only; never message, stack or details. */
  setError(err: unknown): this;
  finish(endTimeMs?: number): void;
}

export type FlushFailure = 'timeout' | `http_${number}` | 'connection_reset' | 'refused' | 'dns' | 'other';

export interface FlushReport {
  /** Spans the intake acknowledged (2xx). */
  sent: number;
  /** Spans lost since the previous flush: failed requests, per-trace and global caps. */
  dropped: number;
  /** Request body bytes put on the wire (attempted requests). */
  bytes: number;
  ms: number;
  /** Requests attempted. */
  requests: number;
  /**
   * Spans not sent because their trace's sampling priority was 0 or below (the telemetry
   * intake, as the PAR); absent when there were none. Neither sent nor lost.
   */
  sampledOut?: number;
  /** First failure, when any request failed or could not be attempted in time. */
  failure?: FlushFailure;
}

export interface Tracer {
  readonly enabled: boolean;
  startSpan(name: string, opts?: StartSpanOptions): Span;
  /** Runs fn with the span active; finishes it; on throw: setError + rethrow. */
  withSpan<T>(name: string, opts: StartSpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T>;
  /** Every span started inside fn (and its async continuations) defaults to `service`. */
  withService<T>(service: string, fn: () => T): T;
  activeSpan(): Span | undefined;
  /** Sets _sampling_priority_v1 for the whole trace of `span`. */
  setSamplingPriority(span: Span, priority: number): void;
  /** The priority `span`'s trace is sent with (2 unless set); undefined for a span that records nothing. */
  samplingPriority(span: Span): number | undefined;
  /**
   * Whether spans started under `span` from now on can reach the intake: false with tracing
   * off, or when its trace is rejected (priority 0 or below) and the exporter drops rejected
   * traces. Ask after the trace's last priority change; a caller can then skip making them.
   */
  sendsUnder(span: Span): boolean;
  /** Sends every finished span before `deadline` (epoch ms). Never throws. */
  flush(opts: { deadline: number }): Promise<FlushReport>;
  /** Pending finished spans count (for tests and logs). */
  pendingCount(): number;
}

export interface TracerConfig {
  /** false: the noop tracer, whatever else is set (DD_TRACE_ENABLED). */
  enabled?: boolean;
  apiKey?: string;
  site?: string;
  intakeUrl?: string;
  agentUrl?: string;
  service?: string;
  env?: string;
  version?: string;
  hostname?: string;
  /** Meta tags every span starts with (DD_TAGS); a tag the span sets itself wins. */
  tags?: Readonly<Record<string, string>>;
  /**
   * DD_TRACE_SAMPLE_RATE (0..1): traces this process starts are kept at this rate (priority 2,
   * else -1 and never sent); traces that arrive with a parent are not sampled here.
   */
  sampleRate?: number;
  /**
   * DD_TRACE_SAMPLING_RULES: the first rule the root of a new local trace matches gives its
   * rate, before sampleRate (sampling-rules.ts).
   */
  samplingRules?: readonly SamplingRule[];
  /**
   * DD_TRACE_RATE_LIMIT: traces per second a rule or sampleRate may keep (default 100 when
   * either is set); past it they are rejected (rate-limiter.ts).
   */
  rateLimit?: number;
  /** Where the one-line JSON warnings go (default: stderr). Never receives the API key. */
  log?: (line: string) => void;
}
