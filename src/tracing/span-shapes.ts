/**
 * Span shapes: most spans repeat the same service, name, resource, error flag, tag keys and
 * string tag values (an rshell `command` span for `echo` differs from the previous one only in
 * ids, times and numbers). An encoder turns a shape into pre-encoded bytes once and then writes
 * each matching span as a few block copies plus its numbers, which is what makes encoding
 * cheap. Spans that match no cached shape take the encoder's general path: the output is
 * identical either way (tests compare the two).
 */
import type { RecordingSpan } from './span.js';

export interface SpanShape {
  readonly service: string;
  readonly name: string;
  readonly resource: string;
  readonly error: 0 | 1;
  /** Per tag: its key, then its string value (meta) or null (a metric: the value varies). */
  readonly pattern: ReadonlyArray<string | null>;
}

/** The shape fields of a span (for an encoder's `build`). */
export function shapeOf(span: RecordingSpan): SpanShape {
  const tags = span.tags ?? [];
  const pattern: Array<string | null> = new Array(tags.length);
  for (let i = 0; i < tags.length; i += 2) {
    pattern[i] = tags[i] as string;
    const v = tags[i + 1];
    pattern[i + 1] = typeof v === 'string' ? v : null;
  }
  return { service: span.service, name: span.name, resource: span.resource, error: span.error, pattern };
}

function matches(s: SpanShape, span: RecordingSpan): boolean {
  if (s.resource !== span.resource || s.name !== span.name || s.service !== span.service || s.error !== span.error) return false;
  const tags = span.tags;
  const p = s.pattern;
  if (tags === undefined) return p.length === 0;
  if (tags.length !== p.length) return false;
  for (let i = 0; i < tags.length; i += 2) {
    if (tags[i] !== p[i]) return false;
    const v = tags[i + 1];
    const pv = p[i + 1];
    if (pv === null ? typeof v !== 'number' : v !== pv) return false;
  }
  return true;
}

/** Shapes kept per resource (an rshell command: allowed or not, piped or not, ...). */
const SHAPES_PER_RESOURCE = 4;
/**
 * Shapes built per resource before giving up on it: a span kind whose string tags differ
 * every time (a task id) is cheaper on the general path than rebuilt shapes.
 */
const BUILDS_PER_RESOURCE = 16;
/** Resources tracked (memory stays bounded whatever the scripts name). */
const MAX_RESOURCES = 512;

interface Entry<S> {
  shapes: S[];
  builds: number;
}

export class ShapeCache<S extends SpanShape> {
  private readonly byResource = new Map<string, Entry<S>>();

  /**
   * `build` returns undefined for a span not worth a shape (e.g. huge tag values); `evicted`
   * hears of each shape that leaves the cache.
   */
  constructor(
    private readonly build: (span: RecordingSpan) => S | undefined,
    private readonly evicted?: (shape: S) => void,
  ) {}

  /** The shape of this span, built on first sight; undefined: use the general path. */
  find(span: RecordingSpan): S | undefined {
    let e = this.byResource.get(span.resource);
    if (e !== undefined) {
      const shapes = e.shapes;
      for (let i = 0; i < shapes.length; i++) {
        const s = shapes[i];
        if (matches(s, span)) {
          // Move a hit one step forward: the common shapes end up checked first.
          if (i > 0) {
            shapes[i] = shapes[i - 1];
            shapes[i - 1] = s;
          }
          return s;
        }
      }
      if (e.builds >= BUILDS_PER_RESOURCE) return undefined;
    } else {
      if (this.byResource.size >= MAX_RESOURCES) return undefined;
      e = { shapes: [], builds: 0 };
      this.byResource.set(span.resource, e);
    }
    e.builds += 1;
    const s = this.build(span);
    if (s === undefined) return undefined;
    e.shapes.unshift(s);
    if (e.shapes.length > SHAPES_PER_RESOURCE) this.evicted?.(e.shapes.pop()!);
    return s;
  }
}

/** Shapes with more fixed bytes than this take the general path (rare, huge tag values). */
export const MAX_SHAPE_BYTES = 4096;

/** A span encoder: writes one span to the store, returns its priority offset or -1. */
export type SpanEncoder<W> = (w: W, span: RecordingSpan) => number;

/**
 * An encoder with a shape cache of its own: spans of a known shape take `shaped` (the
 * template path), the rest `general`; the bytes are the same either way.
 */
export function shapedEncoder<S extends SpanShape, W>(
  build: (span: RecordingSpan) => S | undefined,
  shaped: (w: W, s: S, span: RecordingSpan) => number,
  general: SpanEncoder<W>,
  evicted?: (shape: S) => void,
): SpanEncoder<W> {
  const shapes = new ShapeCache<S>(build, evicted);
  return (w, span) => {
    const s = shapes.find(span);
    return s !== undefined ? shaped(w, s, span) : general(w, span);
  };
}
