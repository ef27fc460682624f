/**
 * The recording span and the noop span. A span records only what the intake needs; it is
 * encoded the moment it finishes (see span-store.ts), so its fields are shaped for encoding:
 * ids as uint32 halves (BigInt only on demand), tags as one flat array.
 */
import { nowMs } from './clock.js';
import { errorType } from './error-type.js';
import { toBigInt } from './ids.js';
import type { Span, TagValue } from './types.js';

/** Intake limits (Datadog Agent normalisation): longer values are cut, never rejected. */
export const MAX_NAME_CHARS = 100;
export const MAX_SERVICE_CHARS = 100;
export const MAX_RESOURCE_CHARS = 5000;
export const MAX_TAG_VALUE_CHARS = 25_000;
export const MAX_TAG_KEY_CHARS = 200;

/** Node 20's TurboFan inlines this one; `Object.hasOwn` is a call (~40% slower here). */
const hasOwn = Object.prototype.hasOwnProperty;

/** `s` cut to `max` UTF-16 units, never between the halves of a pair (a lone half is sent as U+FFFD). */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const c = s.charCodeAt(max - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}

/**
 * A tag value as stored: numbers (finite only: JSON and the intake have no NaN/Infinity),
 * strings (cut to the intake's limit) and booleans as "true"/"false"; undefined for anything
 * else (untyped JS callers).
 */
function tagValue(value: unknown): string | number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') return cut(value, MAX_TAG_VALUE_CHARS);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return undefined;
}

/** State shared by every local span of one trace. */
export class TraceState {
  /** `_sampling_priority_v1`; 2 = USER_KEEP. */
  priority = 2;
  /** Spans started in this trace, for the per-trace cap. */
  started = 0;
  /** `_dd.p.tid` (16 lowercase hex digits) of a 128-bit trace joined from another process. */
  tid: string | undefined;
  private big: bigint | undefined;

  constructor(
    readonly hi: number,
    readonly lo: number,
  ) {}

  get traceId(): bigint {
    return (this.big ??= toBigInt(this.hi, this.lo));
  }
}

/** Receives finished spans (the tracer's buffer). */
export interface SpanSink {
  onFinish(span: RecordingSpan): void;
}

export class RecordingSpan implements Span {
  readonly name: string;
  readonly service: string;
  resource: string;
  /** Epoch ms, fractional. */
  readonly startMs: number;
  durationNs = 0;
  error: 0 | 1 = 0;
  /** A service entry (root, remote parent or a change of service): carries `_top_level`. */
  topLevel = false;
  /** Tags as flat [key, value, ...] pairs: string values are meta, numbers are metrics. */
  tags: Array<string | number> | undefined;
  finished = false;
  private big: bigint | undefined;

  constructor(
    private readonly sink: SpanSink,
    readonly trace: TraceState,
    name: string,
    service: string,
    readonly idHi: number,
    readonly idLo: number,
    readonly parentHi: number,
    readonly parentLo: number,
    startMs: number,
    /** Beyond the per-trace cap: behaves normally but is dropped at finish. */
    readonly overCap: boolean,
  ) {
    this.name = cut(name, MAX_NAME_CHARS);
    this.service = cut(service, MAX_SERVICE_CHARS);
    this.resource = this.name;
    this.startMs = startMs;
  }

  get traceId(): bigint {
    return this.trace.traceId;
  }

  get spanId(): bigint {
    return (this.big ??= toBigInt(this.idHi, this.idLo));
  }

  get parentId(): bigint {
    return toBigInt(this.parentHi, this.parentLo);
  }

  setTag(key: string, value: TagValue): this {
    if (this.finished) return this;
    const v = tagValue(value);
    if (v === undefined || typeof key !== 'string') return this;
    key = cut(key, MAX_TAG_KEY_CHARS);
    const tags = (this.tags ??= []);
    for (let i = 0; i < tags.length; i += 2) {
      if (tags[i] === key) {
        tags[i + 1] = v;
        return this;
      }
    }
    tags.push(key, v);
    return this;
  }

  /** The tags given at start (an object's keys are distinct). */
  setStartTags(tags: Record<string, TagValue>): void {
    const fresh = this.tags === undefined;
    // for-in rather than Object.keys: no array allocated per span.
    for (const k in tags) if (hasOwn.call(tags, k)) this.startTag(fresh, k, tags[k]);
  }

  /** Flat [key, value, ...] pairs with distinct keys (StartSpanOptions.tagList). */
  setStartTagList(pairs: ReadonlyArray<string | TagValue>): void {
    const fresh = this.tags === undefined;
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const k = pairs[i];
      if (typeof k === 'string') this.startTag(fresh, k, pairs[i + 1]);
    }
  }

  /**
   * One of a set of distinct start tags: on a span that had none before the set, no
   * duplicate check (setTag's scan of the list per tag).
   */
  private startTag(fresh: boolean, key: string, value: TagValue): void {
    if (!fresh) {
      this.setTag(key, value);
      return;
    }
    const v = tagValue(value);
    if (v !== undefined) (this.tags ??= []).push(cut(key, MAX_TAG_KEY_CHARS), v);
  }

  /** A tag's value (a sampling rule reads it). */
  tagValue(key: string): string | number | undefined {
    const tags = this.tags;
    if (tags === undefined) return undefined;
    for (let i = 0; i < tags.length; i += 2) if (tags[i] === key) return tags[i + 1];
    return undefined;
  }

  /** Whether a tag of the given kind (meta: string, metrics: number) is set. */
  hasTag(key: string, kind: 'string' | 'number'): boolean {
    return typeof this.tagValue(key) === kind;
  }

  setResource(resource: string): this {
    if (!this.finished) this.resource = cut(resource, MAX_RESOURCE_CHARS);
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
    // At most a safe integer, what both encoders write exactly (an end given in µs or ns
    // would otherwise overflow the duration's field and corrupt the request).
    this.durationNs = Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.round((end - this.startMs) * 1e6)));
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
