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
import { ByteWriter } from './byte-writer.js';
import type { TraceState } from './span.js';

const CHUNK_BYTES = 1024 * 1024;
/**
 * Chunks kept for reuse after a flush. A fresh chunk costs page faults now and an unmap on
 * a GC thread later (together a visible share of encoding); 8 MiB covers the spans of a
 * typical invocation many times over while bounding what an idle container holds.
 */
export const MAX_FREE_CHUNKS = 8;

export interface EncodedSpans {
  count: number;
  chunks: Buffer[];
  /**
   * Per record i (typed array: no GC cost): rec[4i] chunk index, rec[4i+1] start,
   * rec[4i+2] end, rec[4i+3] offset of the priority field from the start, or -1 when the
   * span set its own priority.
   */
  rec: Int32Array;
  /** Priority value written in record i. */
  prio: Float64Array;
  trace: TraceState[];
  /** Indices of the records of top-level spans (service entries), which a split flush sends first. */
  top: number[];
}

export class SpanStore extends ByteWriter {
  private spanStart = 0;
  private held = 0;
  private data: EncodedSpans = emptySpans();
  private readonly free: Buffer[] = [];
  /** Record arrays of a released take, reused by the next one (up to MAX_REUSED_RECORDS). */
  private spare: Pick<EncodedSpans, 'rec' | 'prio'> | undefined;

  constructor() {
    super(CHUNK_BYTES);
  }

  get count(): number {
    return this.data.count;
  }

  /** Encoded bytes held (finished spans). */
  get heldBytes(): number {
    return this.held;
  }

  /** Bytes written so far for the current span (stable even if the span moves to a new chunk). */
  spanOffset(): number {
    return this.pos - this.spanStart;
  }

  /** Moves to a fresh chunk when the current one is full, carrying the span being written. */
  override ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const partial = this.pos - this.spanStart;
    const next = this.newChunk(partial + n);
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

  endSpan(trace: TraceState, prioAt: number, prio: number, topLevel: boolean): void {
    const d = this.data;
    const i = d.count;
    if (topLevel) d.top.push(i);
    if (i === d.prio.length) grow(d);
    const r = i * 4;
    d.rec[r] = d.chunks.length;
    d.rec[r + 1] = this.spanStart;
    d.rec[r + 2] = this.pos;
    d.rec[r + 3] = prioAt;
    d.prio[i] = prio;
    d.trace.push(trace);
    d.count = i + 1;
    this.held += this.pos - this.spanStart;
    this.spanStart = this.pos;
  }

  /**
   * Room for a request body of n bytes joined from many slices: a free chunk when it fits
   * (a fresh 700 KB buffer per flush cost page faults now and an unmap later). Add it to the
   * flushed spans' chunks, and `release` takes it back with them.
   */
  bodyBuffer(n: number): Buffer {
    return this.newChunk(n);
  }

  private newChunk(min: number): Buffer {
    if (min <= CHUNK_BYTES) {
      const b = this.free.pop();
      if (b !== undefined) return b;
    }
    return Buffer.allocUnsafe(Math.max(CHUNK_BYTES, min));
  }

  /**
   * Takes back the memory of spans that were taken and are no longer referenced (their
   * request finished): standard-size chunks (at most MAX_FREE_CHUNKS) and the record arrays.
   * `d` is empty afterwards.
   */
  release(d: EncodedSpans): void {
    if (d.prio.length <= MAX_REUSED_RECORDS && (this.spare === undefined || this.spare.prio.length < d.prio.length)) {
      this.spare = { rec: d.rec, prio: d.prio };
    }
    for (const c of d.chunks) {
      if (this.free.length >= MAX_FREE_CHUNKS) break;
      const ab = c.buffer;
      if (c.byteOffset === 0 && ab.byteLength === CHUNK_BYTES) this.free.push(Buffer.from(ab, 0, CHUNK_BYTES));
    }
    d.chunks = [];
    d.trace = [];
    d.top = [];
    d.count = 0;
  }

  /** Hands over every record (and the bytes they point to) and starts empty. */
  take(): EncodedSpans {
    const d = this.data;
    if (d.count > 0) {
      // Records index the current chunk last; the store continues in a fresh one.
      d.chunks.push(this.buf.subarray(0, this.pos));
      this.buf = this.newChunk(0);
    }
    this.pos = 0;
    this.spanStart = 0;
    this.held = 0;
    this.data = emptySpans(this.spare);
    this.spare = undefined;
    return d;
  }
}

const INITIAL_RECORDS = 1024;

/** Record arrays kept for reuse hold at most this many records (~2.5 MB). */
const MAX_REUSED_RECORDS = 131_072;

function emptySpans(reuse?: Pick<EncodedSpans, 'rec' | 'prio'>): EncodedSpans {
  return {
    count: 0,
    chunks: [],
    rec: reuse?.rec ?? new Int32Array(INITIAL_RECORDS * 4),
    prio: reuse?.prio ?? new Float64Array(INITIAL_RECORDS),
    trace: [],
    top: [],
  };
}

function grow(d: EncodedSpans): void {
  const rec = new Int32Array(d.rec.length * 2);
  rec.set(d.rec);
  d.rec = rec;
  const prio = new Float64Array(d.prio.length * 2);
  prio.set(d.prio);
  d.prio = prio;
}

/** Rewrites the priority of records whose trace priority changed after they were encoded. */
export function patchPriorities(d: EncodedSpans, write: (buf: Buffer, at: number, priority: number) => void): void {
  for (let i = 0; i < d.count; i++) {
    const at = d.rec[i * 4 + 3];
    const priority = d.trace[i].priority;
    if (at >= 0 && d.prio[i] !== priority) {
      write(d.chunks[d.rec[i * 4]], d.rec[i * 4 + 1] + at, priority);
      d.prio[i] = priority;
    }
  }
}
