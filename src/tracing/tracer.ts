/**
 * The tracer: span creation with AsyncLocalStorage context, a bounded buffer of finished
 * spans, and a deadline-bounded flush through one exporter.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { Exporter } from './exporter.js';
import { putBytes } from './byte-writer.js';
import { MAX_INT64_WHOLE_MS, msSince, nowMs } from './clock.js';
import { hiOf, idHalves, loOf, nextRandomId, parseUint64 } from './ids.js';
import { MAX_RSHELL_SPANS_PER_RUN } from './rshell-spans.js';
import { NOOP_SPAN, RecordingSpan, TraceState, type SpanSink } from './span.js';
import type { EncodedSpans, SpanStore } from './span-store.js';
import { KEEP_PRIORITY, keepsTrace, LIMIT_RATE_METRIC, REJECT_PRIORITY, RULE_RATE_METRIC } from './sampling.js';
import type { TraceRateLimiter } from './rate-limiter.js';
import { matchingRule, type SamplingRule } from './sampling-rules.js';
import { MAX_REQUEST_MS, send } from './transport.js';
import type { FlushFailure, FlushReport, RemoteParent, Span, StartSpanOptions, Tracer } from './types.js';

/**
 * At most this many spans per trace are kept; later ones still work but are dropped at finish.
 * A task's trace is its `action.run` span around one rshell run of up to rshell's own cap, so
 * the bound leaves room for the spans around a full run (at exactly the run's cap, one span
 * of every capped run was lost, and counted nowhere on the run).
 */
export const MAX_SPANS_PER_TRACE = MAX_RSHELL_SPANS_PER_RUN + 16;
/**
 * At most this many finished spans wait for a flush (they are held encoded, ~350 B each for an
 * rshell command span): an SQS batch of 10 messages each producing a capped trace fits.
 */
export const MAX_BUFFERED_SPANS = 10 * MAX_SPANS_PER_TRACE;
/** And at most this many encoded bytes wait (spans with huge tags cannot exhaust a small Lambda). */
export const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** The meta tag carrying the upper 64 bits of a 128-bit trace id, as Datadog's tracers write it. */
export const TID_TAG = '_dd.p.tid';

/** The tag value for `high` (the upper 64 bits), or undefined for a 64-bit trace or garbage. */
function tidOf(high: bigint | undefined): string | undefined {
  const h = parseUint64(high);
  return h === null || h === 0n ? undefined : h.toString(16).padStart(16, '0');
}

/**
 * Bodies in more slices than this are joined into one buffer before they are sent. Spans of
 * concurrent tasks interleave in the store, so a body can be a thousand small slices: one
 * copy then costs less than a write per slice (measured: 0.8 → 0.5 ms of CPU for 1,000
 * interleaved spans).
 */
const MAX_BODY_SLICES = 32;

/** Requests are abandoned this long before the flush deadline, so flush returns in time. */
export const DEADLINE_MARGIN_MS = 25;

interface Context {
  span?: RecordingSpan;
  service?: string;
}

export interface TracerImplOptions {
  exporter: Exporter;
  service: string;
  log: (line: string) => void;
  maxSpansPerTrace?: number;
  maxBufferedSpans?: number;
  maxBufferedBytes?: number;
  /** Meta tags every span starts with (DD_TAGS). */
  tags?: Readonly<Record<string, string>>;
  /** Head sampling of the traces this tracer starts (DD_TRACE_SAMPLE_RATE, 0..1; sampling.ts). */
  sampleRate?: number;
  /** Rules tried before sampleRate (DD_TRACE_SAMPLING_RULES; sampling-rules.ts). */
  samplingRules?: readonly SamplingRule[];
  /** Caps the traces a rule or sampleRate keeps (DD_TRACE_RATE_LIMIT; rate-limiter.ts). */
  rateLimiter?: TraceRateLimiter;
}

export class RecordingTracer implements Tracer, SpanSink {
  readonly enabled = true;
  private readonly als = new AsyncLocalStorage<Context>();
  /** Finished spans, encoded at finish (see span-store.ts for why). */
  private readonly store: SpanStore;
  private droppedSinceFlush = 0;
  private readonly maxPerTrace: number;
  private readonly maxBuffered: number;
  private readonly maxBufferedBytes: number;

  constructor(private readonly o: TracerImplOptions) {
    this.store = o.exporter.createStore();
    this.maxPerTrace = o.maxSpansPerTrace ?? MAX_SPANS_PER_TRACE;
    this.maxBuffered = o.maxBufferedSpans ?? MAX_BUFFERED_SPANS;
    this.maxBufferedBytes = o.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
  }

  startSpan(name: string, opts?: StartSpanOptions): Span {
    return this.start(name, opts);
  }

  private start(name: string, opts: StartSpanOptions | undefined): RecordingSpan {
    const childOf = opts?.childOf;
    // The async context decides only a missing parent or service: a caller that names both
    // (the rshell hooks, once per command) skips the AsyncLocalStorage lookup.
    const ctx = childOf === undefined || !opts?.service ? this.als.getStore() : undefined;
    let parent: RecordingSpan | undefined;
    let remote: RemoteParent | undefined;
    if (childOf === undefined) parent = ctx?.span;
    else if (childOf instanceof RecordingSpan) parent = childOf;
    else remote = childOf;

    const service = opts?.service || ctx?.service || parent?.service || this.o.service;
    let trace: TraceState;
    let parentHi = 0;
    let parentLo = 0;
    /** A trace this tracer starts: its root decides its sampling. */
    let newTrace = false;
    if (parent !== undefined) {
      trace = parent.trace;
      parentHi = parent.idHi;
      parentLo = parent.idLo;
    } else {
      // A remote trace id of 0 (or garbage) means "no remote trace": start a new one (§5).
      const remoteTrace = remote ? parseUint64(remote.traceId) : null;
      if (remoteTrace !== null && remoteTrace !== 0n) {
        trace = new TraceState(hiOf(remoteTrace), loOf(remoteTrace));
        trace.tid = tidOf(remote!.traceIdHigh);
        const p = parseUint64(remote!.spanId) ?? 0n;
        parentHi = hiOf(p);
        parentLo = loOf(p);
      } else {
        nextRandomId();
        trace = new TraceState(idHalves.hi, idHalves.lo);
        newTrace = true;
      }
    }
    trace.started += 1;
    nextRandomId();
    const span = new RecordingSpan(
      this,
      trace,
      name,
      service,
      idHalves.hi,
      idHalves.lo,
      parentHi,
      parentLo,
      // A new local trace re-checks the clock anchor (first span after a Lambda thaw).
      startTimeOf(opts?.startTimeMs, parent === undefined),
      trace.started > this.maxPerTrace,
    );
    // First, so that the span's own tags replace them.
    if (this.o.tags !== undefined) span.setStartTags(this.o.tags);
    resourceAndTags(span, opts);
    // Every span, not only the first of a request's chunk: a trace's spans may leave in
    // several requests, and each must join the 128-bit trace.
    if (trace.tid !== undefined) span.setTag(TID_TAG, trace.tid);
    if (newTrace) this.headSample(span);
    // Service-entry spans: roots, remote-parented spans, and spans switching service.
    if (parent === undefined || parent.service !== span.service) {
      span.setTag('_top_level', 1);
      span.topLevel = true;
    }
    return span;
  }

  /**
   * Head sampling of a new trace at its root (after its resource and tags are set, which the
   * rules match): the first matching rule's rate, else DD_TRACE_SAMPLE_RATE, else no decision.
   * A trace so kept past the rate limit is rejected.
   */
  private headSample(root: RecordingSpan): void {
    const rules = this.o.samplingRules;
    const rate = (rules !== undefined ? matchingRule(rules, root)?.sampleRate : undefined) ?? this.o.sampleRate;
    if (rate === undefined) return;
    const trace = root.trace;
    let keep = keepsTrace(trace.hi, trace.lo, rate);
    const limiter = this.o.rateLimiter;
    if (keep && limiter !== undefined) {
      keep = limiter.allow();
      root.setTag(LIMIT_RATE_METRIC, limiter.effectiveRate());
    }
    trace.priority = keep ? KEEP_PRIORITY : REJECT_PRIORITY;
    root.setTag(RULE_RATE_METRIC, rate);
  }

  async withSpan<T>(name: string, opts: StartSpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T> {
    const span = this.start(name, opts);
    // Children default to this span's service (which itself honoured any withService scope).
    const ctx: Context = { span, service: span.service };
    try {
      return await this.als.run(ctx, () => fn(span));
    } catch (err) {
      span.setError(err);
      throw err;
    } finally {
      span.finish();
    }
  }

  withService<T>(service: string, fn: () => T): T {
    return this.als.run({ span: this.als.getStore()?.span, service }, fn);
  }

  activeSpan(): Span | undefined {
    return this.als.getStore()?.span;
  }

  setSamplingPriority(span: Span, priority: number): void {
    // int32 like the Go tracer's priorities; also keeps the encoded field fixed-width.
    if (span instanceof RecordingSpan && Number.isFinite(priority)) {
      span.trace.priority = Math.max(-2147483648, Math.min(2147483647, Math.trunc(priority)));
    }
  }

  samplingPriority(span: Span): number | undefined {
    return span instanceof RecordingSpan ? span.trace.priority : undefined;
  }

  sendsUnder(span: Span): boolean {
    return span instanceof RecordingSpan && (span.trace.priority > 0 || this.o.exporter.sendsRejected);
  }

  pendingCount(): number {
    return this.store.count;
  }

  onFinish(span: RecordingSpan): void {
    if (span.overCap || this.store.count >= this.maxBuffered || this.store.heldBytes >= this.maxBufferedBytes) {
      this.droppedSinceFlush += 1;
      return;
    }
    const store = this.store;
    store.beginSpan();
    try {
      const priority = span.trace.priority;
      store.endSpan(span.trace, this.o.exporter.encodeSpan(store, span), priority, span.topLevel);
    } catch {
      // finish() runs inside task code: an encoding bug costs this span, never the task.
      store.abortSpan();
      this.droppedSinceFlush += 1;
    }
  }

  /** Takes every finished span out of the buffer (flush, and benchmarks of encoding). */
  drain(): EncodedSpans {
    return this.store.take();
  }

  /** Returns drained spans' memory for reuse once nothing refers to their bytes any more. */
  release(spans: EncodedSpans): void {
    this.store.release(spans);
  }

  /** The request bodies for drained spans, without sending (benchmarks, diagnostics). */
  encode(spans: EncodedSpans): Buffer[][] {
    return this.o.exporter.prepare(spans).map((b) => b.build().parts);
  }

  async flush(opts: { deadline: number }): Promise<FlushReport> {
    const t0 = performance.now();
    const spans = this.drain();
    const capDropped = this.droppedSinceFlush;
    const report: FlushReport = { sent: 0, dropped: capDropped, bytes: 0, ms: 0, requests: 0 };
    this.droppedSinceFlush = 0;
    try {
      // A missing or invalid deadline must not turn into an instant timeout (NaN timers fire at once).
      const deadline = Number.isFinite(opts?.deadline) ? opts.deadline : Date.now() + MAX_REQUEST_MS;
      if (spans.count > 0) await this.sendAll(spans, deadline, report);
      // Every request was accepted, so its body was written in full and no socket still holds
      // these bytes: they can be reused. After a failure they are left to the GC.
      if (report.failure === undefined) this.store.release(spans);
    } catch {
      // Encoding or transport bug: the batch is lost, the task is not.
      report.failure ??= 'other';
      report.dropped = capDropped + spans.count - report.sent;
    }
    report.ms = msSince(t0);
    if (report.failure !== undefined) this.logFailure(report);
    return report;
  }

  private async sendAll(spans: EncodedSpans, deadline: number, report: FlushReport): Promise<void> {
    const batches = this.o.exporter.prepare(spans);
    let batched = 0;
    for (const b of batches) batched += b.spans;
    if (batched < spans.count) report.sampledOut = spans.count - batched;
    const endBy = deadline - DEADLINE_MARGIN_MS;
    for (let i = 0; i < batches.length; i++) {
      const b = batches[i];
      if (Date.now() >= endBy) {
        report.failure = 'timeout';
        for (let j = i; j < batches.length; j++) report.dropped += batches[j].spans;
        return;
      }
      const body = b.build();
      const { length, headers } = body;
      let parts = body.parts;
      if (parts.length > MAX_BODY_SLICES) {
        // Into store memory that `release` takes back, not a new buffer per flush.
        const joined = this.store.bodyBuffer(length);
        let at = 0;
        for (const part of parts) at = putBytes(joined, at, part);
        spans.chunks.push(joined);
        parts = [joined.subarray(0, length)];
      }
      report.requests += 1;
      report.bytes += length;
      const res = await send({ method: this.o.exporter.method, url: this.o.exporter.url, headers, parts, length, endBy });
      if (res.ok) {
        report.sent += b.spans;
        continue;
      }
      // Stop at the first failure: a broken intake would fail the rest too, and the time
      // left belongs to the task's caller.
      report.failure = res.failure;
      for (let j = i; j < batches.length; j++) report.dropped += batches[j].spans;
      return;
    }
  }

  private logFailure(r: FlushReport): void {
    const u = this.o.exporter.url;
    const line = JSON.stringify({
      level: 'warn',
      logger: 'tracing',
      msg: 'trace flush failed',
      failure: r.failure as FlushFailure,
      dropped: r.dropped,
      sent: r.sent,
      requests: r.requests,
      bytes: r.bytes,
      ms: r.ms,
      // Host and path only: a URL can carry credentials or query tokens.
      endpoint: `${u.protocol}//${u.host}${u.pathname}`,
    });
    try {
      this.o.log(line);
    } catch {
      // Logging must never break a flush.
    }
  }
}

/**
 * A caller's start time, or now when it is none the encoders can write: NaN corrupted the
 * request's JSON (and with it every span of the request), Infinity hung the digit writer, and
 * µs or ns given as ms overflowed the start's field.
 */
function startTimeOf(t: number | undefined, resync: boolean): number {
  return t !== undefined && Number.isFinite(t) && t < MAX_INT64_WHOLE_MS ? t : nowMs(resync);
}

function resourceAndTags(span: RecordingSpan, opts: StartSpanOptions | undefined): void {
  if (opts === undefined) return;
  if (opts.resource !== undefined) span.setResource(opts.resource);
  if (opts.tags !== undefined) span.setStartTags(opts.tags);
  if (opts.tagList !== undefined) span.setStartTagList(opts.tagList);
}

/** Tracer used when there is nowhere to send: records nothing; spans are the shared noop. */
export class NoopTracer implements Tracer {
  readonly enabled = false;
  startSpan(): Span {
    return NOOP_SPAN;
  }
  async withSpan<T>(_name: string, _opts: StartSpanOptions, fn: (span: Span) => Promise<T> | T): Promise<T> {
    return fn(NOOP_SPAN);
  }
  withService<T>(_service: string, fn: () => T): T {
    return fn();
  }
  activeSpan(): Span | undefined {
    return undefined;
  }
  setSamplingPriority(): void {}
  samplingPriority(): undefined {
    return undefined;
  }
  sendsUnder(): boolean {
    return false;
  }
  async flush(): Promise<FlushReport> {
    return { sent: 0, dropped: 0, bytes: 0, ms: 0, requests: 0 };
  }
  pendingCount(): number {
    return 0;
  }
}
