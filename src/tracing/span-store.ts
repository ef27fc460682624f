/**
 * Finished spans, already encoded, waiting for a flush. Spans are encoded when they finish
 * into large off-heap byte chunks, so a buffer of 100,000 spans costs the garbage collector
 * almost nothing (holding span objects made GC dominate the tracer's cost). Each record is a
 * complete span encoding (JSON records end with a ','), so records of one trace that finished
 * back to back form one contiguous run that a flush copies in one call.
 *
 * The trace's sampling priority can change after a span finished, so each record notes where
 * its priority value sits and which value it holds; a flush patches the few stale ones in
 * place (fixed-width field: see the encoders).
 */
import { MsgpackWriter } from './encode-msgpack.js';
import type { TraceState } from './span.js';

const CHUNK_BYTES = 1024 * 1024;

export interface EncodedSpans {
  count: number;
  chunks: Buffer[];
  chunk: number[];
  start: number[];
  end: number[];
  trace: TraceState[];
  /** Offset of the priority field from the record start, or -1 (span set its own). */
  prioAt: number[];
  /** Priority value written in the record. */
  prio: number[];
}

export class SpanStore extends MsgpackWriter {
  private spanStart = 0;
  private data: EncodedSpans = emptySpans();

  constructor() {
    super(CHUNK_BYTES);
  }

  get count(): number {
    return this.data.count;
  }

  /** Bytes written so far for the current span (stable even if the span moves to a new chunk). */
  spanOffset(): number {
    return this.pos - this.spanStart;
  }

  /** Moves to a fresh chunk when the current one is full, carrying the span being written. */
  override ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const partial = this.pos - this.spanStart;
    const next = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, partial + n));
    this.buf.copy(next, 0, this.spanStart, this.pos);
    // Records point at chunks by index: keep this chunk only if a finished span lives in it.
    if (this.spanStart > 0) this.data.chunks.push(this.buf.subarray(0, this.spanStart));
    this.buf = next;
    this.spanStart = 0;
    this.pos = partial;
  }

  beginSpan(): void {
    this.spanStart = this.pos;
  }

  /** Abandons a span whose encoding failed. */
  abortSpan(): void {
    this.pos = this.spanStart;
  }

  endSpan(trace: TraceState, prioAt: number, prio: number): void {
    const d = this.data;
    d.chunk.push(d.chunks.length);
    d.start.push(this.spanStart);
    d.end.push(this.pos);
    d.trace.push(trace);
    d.prioAt.push(prioAt);
    d.prio.push(prio);
    d.count += 1;
    this.spanStart = this.pos;
  }

  /** Hands over every record (and the bytes they point to) and starts empty. */
  take(): EncodedSpans {
    const d = this.data;
    if (d.count > 0) {
      // Records index the current chunk last; the store continues in a fresh one.
      d.chunks.push(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(CHUNK_BYTES);
    }
    this.pos = 0;
    this.spanStart = 0;
    this.data = emptySpans();
    return d;
  }
}

function emptySpans(): EncodedSpans {
  return { count: 0, chunks: [], chunk: [], start: [], end: [], trace: [], prioAt: [], prio: [] };
}

/** Rewrites the priority of records whose trace priority changed after they were encoded. */
export function patchPriorities(d: EncodedSpans, write: (buf: Buffer, at: number, priority: number) => void): void {
  for (let i = 0; i < d.count; i++) {
    const at = d.prioAt[i];
    if (at >= 0 && d.prio[i] !== d.trace[i].priority) {
      write(d.chunks[d.chunk[i]], d.start[i] + at, d.trace[i].priority);
      d.prio[i] = d.trace[i].priority;
    }
  }
}

/** Record indices grouped by trace, first-seen order. */
export function groupRecords(d: EncodedSpans): number[][] {
  const byTrace = new Map<TraceState, number[]>();
  for (let i = 0; i < d.count; i++) {
    const t = d.trace[i];
    const list = byTrace.get(t);
    if (list === undefined) byTrace.set(t, [i]);
    else list.push(i);
  }
  return [...byTrace.values()];
}

/**
 * The bytes of records (indices in store order) as slices of the store's chunks, one slice per
 * run of back-to-back records in the same chunk: a request body is written with these slices
 * (writev), so the encoded spans are never copied again.
 */
export function recordRuns(d: EncodedSpans, records: number[], out: Buffer[]): void {
  let k = 0;
  while (k < records.length) {
    const first = records[k];
    const chunk = d.chunk[first];
    let last = first;
    k++;
    while (k < records.length) {
      const next = records[k];
      if (d.chunk[next] !== chunk || d.start[next] !== d.end[last]) break;
      last = next;
      k++;
    }
    out.push(d.chunks[chunk].subarray(d.start[first], d.end[last]));
  }
}
