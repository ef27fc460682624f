/**
 * The recording span and the noop span. A span records only what the intake needs; encoders
 * read its fields after finish.
 */
import { nowMs } from './clock.js';
import { errorType } from './error-type.js';
import type { Span, TagValue } from './types.js';

/** State shared by every local span of one trace. */
export class TraceState {
  /** `_sampling_priority_v1`; 2 = USER_KEEP. */
  priority = 2;
  /** Spans started in this trace, for the per-trace cap. */
  started = 0;
}

/** Receives finished spans (the tracer's buffer). */
export interface SpanSink {
  onFinish(span: RecordingSpan): void;
}

export class RecordingSpan implements Span {
  resource: string;
  /** Epoch ms, fractional. */
  readonly startMs: number;
  durationNs = 0;
  error: 0 | 1 = 0;
  meta: Map<string, string> | undefined;
  metrics: Map<string, number> | undefined;
  finished = false;

  constructor(
    private readonly sink: SpanSink,
    readonly trace: TraceState,
    readonly name: string,
    readonly service: string,
    readonly traceId: bigint,
    readonly spanId: bigint,
    readonly parentId: bigint,
    startMs: number | undefined,
    /** Beyond the per-trace cap: behaves normally but is dropped at finish. */
    readonly overCap: boolean,
  ) {
    this.resource = name;
    this.startMs = startMs ?? nowMs();
  }

  setTag(key: string, value: TagValue): this {
    if (this.finished) return this;
    if (typeof value === 'number') {
      // JSON and the intake have no NaN/Infinity: such a value is not sent at all.
      if (!Number.isFinite(value)) return this;
      this.meta?.delete(key);
      (this.metrics ??= new Map()).set(key, value);
    } else {
      const text = typeof value === 'string' ? value : value ? 'true' : 'false';
      this.metrics?.delete(key);
      (this.meta ??= new Map()).set(key, text);
    }
    return this;
  }

  setResource(resource: string): this {
    if (!this.finished) this.resource = resource;
    return this;
  }

  setError(err: unknown): this {
    if (this.finished) return this;
    this.error = 1;
    return this.setTag('error.type', errorType(err));
  }

  finish(endTimeMs?: number): void {
    if (this.finished) return;
    const end = endTimeMs !== undefined && Number.isFinite(endTimeMs) ? endTimeMs : nowMs();
    this.durationNs = Math.max(0, Math.round((end - this.startMs) * 1e6));
    this.finished = true;
    this.sink.onFinish(this);
  }
}

/** What a disabled tracer hands out: every method is safe and does nothing. */
class NoopSpan implements Span {
  readonly traceId = 0n;
  readonly spanId = 0n;
  readonly parentId = 0n;
  readonly service = '';
  setTag(): this {
    return this;
  }
  setResource(): this {
    return this;
  }
  setError(): this {
    return this;
  }
  finish(): void {}
}

export const NOOP_SPAN: Span = Object.freeze(new NoopSpan());
