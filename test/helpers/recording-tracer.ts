/** A tracer that keeps its spans in memory, for tests that assert exact span fields. */
import type { FlushReport, Span, StartSpanOptions, TagValue, Tracer } from '../../src/tracing/index.js';

/** A span that keeps what was set on it. */
export class RecordedSpan implements Span {
  readonly tags: Record<string, TagValue>;
  error?: unknown;
  finished = false;
  priority?: number;
  readonly parentId = 0n;
  readonly service = 'private-action-runner';
  /** The options as given at start (a copy: a caller may reuse its object for every start). */
  readonly opts: StartSpanOptions;
  constructor(
    readonly name: string,
    opts: StartSpanOptions,
    readonly traceId: bigint,
    readonly spanId: bigint,
  ) {
    this.opts = { ...opts, tagList: opts.tagList && [...opts.tagList] };
    this.tags = { ...opts.tags };
    const pairs = opts.tagList ?? [];
    for (let i = 0; i + 1 < pairs.length; i += 2) this.tags[pairs[i] as string] = pairs[i + 1]!;
  }
  setTag(key: string, value: TagValue): this {
    this.tags[key] = value;
    return this;
  }
  setResource(): this {
    return this;
  }
  setError(err: unknown): this {
    this.error = err;
    return this;
  }
  finish(): void {
    this.finished = true;
  }
}

export class RecordingTracer implements Tracer {
  readonly enabled = true;
  spans: RecordedSpan[] = [];
  startSpan(name: string, opts: StartSpanOptions = {}): Span {
    const span = new RecordedSpan(name, opts, 1000n + BigInt(this.spans.length), 2000n + BigInt(this.spans.length));
    this.spans.push(span);
    return span;
  }
  withSpan<T>(): Promise<T> {
    throw new Error('not used by the runner');
  }
  withService<T>(_s: string, fn: () => T): T {
    return fn();
  }
  activeSpan(): Span | undefined {
    return undefined;
  }
  setSamplingPriority(span: Span, priority: number): void {
    (span as RecordedSpan).priority = priority;
  }
  samplingPriority(span: Span): number | undefined {
    return (span as RecordedSpan).priority ?? 2;
  }
  sendsUnder(): boolean {
    return false;
  }
  /** What the next flush reports. */
  flushReport: FlushReport = { sent: 0, dropped: 0, bytes: 0, ms: 0, requests: 0 };
  flushes = 0;
  async flush(): Promise<FlushReport> {
    this.flushes++;
    return { ...this.flushReport };
  }
  /** What pendingCount reports. */
  pending = 0;
  pendingCount(): number {
    return this.pending;
  }
}
