/**
 * Splits encoded spans, grouped by trace, into as few request payloads as a byte cap allows.
 * A trace that does not fit is continued in the next request (the intake joins chunks of a
 * trace by trace id); a single span larger than the cap still goes out, alone.
 *
 * When the spans need more than one request, every trace's top-level spans (`action.run`,
 * rshell's `run`: the spans that say which task ran, how long and how it ended) go first,
 * before any command span: a deadline or a failing intake stops the requests that follow,
 * and it should cost detail, not whole tasks. Spans that fit in one request keep store order.
 *
 * Records are handled as runs of consecutive store indices: records with consecutive
 * indices were written back to back, so a run is one contiguous byte range per store chunk
 * and a trace's spans (usually finished together) cost a couple of numbers, not one array
 * entry each.
 */
import type { EncodedSpans } from './span-store.js';

/** One trace's records within one request. */
export interface TraceChunk {
  /** Flat [start, end) pairs of record indices: store order, except that a trace's top-level records can come first. */
  runs: number[];
  spans: number;
}

export interface RecordBatch {
  traces: TraceChunk[];
  spans: number;
  /** Payload bytes including per-trace framing overhead. */
  bytes: number;
}

/** A trace's records as index runs. */
interface TraceRuns {
  trace: unknown;
  runs: number[];
}

/** Record index runs per trace, traces in first-seen order; only records `keep` accepts. */
function runsByTrace(d: EncodedSpans, keep?: (i: number) => boolean): TraceRuns[] {
  const byTrace = new Map<unknown, TraceRuns>();
  let last: TraceRuns | undefined;
  for (let i = 0; i < d.count; i++) {
    if (keep !== undefined && !keep(i)) continue;
    const t = d.trace[i];
    const runs = last?.trace === t ? last.runs : undefined;
    if (runs !== undefined && runs[runs.length - 1] === i) {
      // The previous record is this trace's: its run ends at i, extend it.
      runs[runs.length - 1] = i + 1;
      continue;
    }
    let tr = byTrace.get(t);
    if (tr === undefined) byTrace.set(t, (tr = { trace: t, runs: [] }));
    tr.runs.push(i, i + 1);
    last = tr;
  }
  return [...byTrace.values()];
}

/**
 * Packs the records of `d` (every one, or those `keep` accepts) into request batches of at
 * most `capBytes` (see above).
 */
export function batchRecords(d: EncodedSpans, capBytes: number, traceOverhead: number, keep?: (i: number) => boolean): RecordBatch[] {
  const batches = pack(d, runsByTrace(d, keep), capBytes, traceOverhead);
  // One request, or nothing to put first (no top-level span, or nothing but): store order.
  if (batches.length <= 1 || d.top.length === 0 || d.top.length === d.count) return batches;
  const top = new Uint8Array(d.count);
  for (const i of d.top) top[i] = 1;
  const kept = (i: number): boolean => keep === undefined || keep(i);
  const first = runsByTrace(d, (i) => top[i] === 1 && kept(i));
  return pack(d, [...first, ...runsByTrace(d, (i) => top[i] === 0 && kept(i))], capBytes, traceOverhead);
}

/**
 * Fills batches with the traces' runs in the order given. A trace listed twice (top-level
 * spans, then the rest) continues its chunk when both parts land in the same request: a
 * request never carries a trace twice.
 */
function pack(d: EncodedSpans, traces: TraceRuns[], capBytes: number, traceOverhead: number): RecordBatch[] {
  const rec = d.rec;
  const batches: RecordBatch[] = [];
  let cur: RecordBatch = { traces: [], spans: 0, bytes: 0 };
  let chunks = new Map<unknown, TraceChunk>();
  for (const { trace, runs } of traces) {
    let chunk = chunks.get(trace);
    for (let r = 0; r < runs.length; r += 2) {
      const end = runs[r + 1];
      let runStart = runs[r];
      for (let i = runStart; i < end; i++) {
        const size = rec[i * 4 + 2] - rec[i * 4 + 1];
        const extra = chunk === undefined ? size + traceOverhead : size;
        if (cur.spans > 0 && cur.bytes + extra > capBytes) {
          if (chunk !== undefined && i > runStart) chunk.runs.push(runStart, i);
          batches.push(cur);
          cur = { traces: [], spans: 0, bytes: 0 };
          chunks = new Map();
          chunk = undefined;
          runStart = i;
        }
        if (chunk === undefined) {
          chunk = { runs: [], spans: 0 };
          chunks.set(trace, chunk);
          cur.traces.push(chunk);
          cur.bytes += traceOverhead;
        }
        chunk.spans += 1;
        cur.spans += 1;
        cur.bytes += size;
      }
      if (chunk !== undefined && end > runStart) chunk.runs.push(runStart, end);
    }
  }
  if (cur.spans > 0) batches.push(cur);
  return batches;
}

/**
 * A trace chunk's bytes as slices of the store's chunks, one per contiguous range: a request
 * body is written with these slices (writev), so the encoded spans are never copied again.
 */
export function chunkSlices(d: EncodedSpans, chunk: TraceChunk, out: Buffer[]): void {
  const rec = d.rec;
  const runs = chunk.runs;
  for (let r = 0; r < runs.length; r += 2) {
    let i = runs[r];
    const end = runs[r + 1];
    while (i < end) {
      const c = rec[i * 4];
      const from = rec[i * 4 + 1];
      let j = i + 1;
      // Back-to-back records in the same store chunk are adjacent bytes (checked, not assumed).
      while (j < end && rec[j * 4] === c && rec[j * 4 + 1] === rec[(j - 1) * 4 + 2]) j++;
      out.push(d.chunks[c].subarray(from, rec[(j - 1) * 4 + 2]));
      i = j;
    }
  }
}
