/**
 * Splits encoded spans, grouped by trace, into as few request payloads as a byte cap allows.
 * A trace that does not fit is continued in the next request (the intake joins chunks of a
 * trace by trace id); a single span larger than the cap still goes out, alone.
 */

export interface Batch<T> {
  /** Trace chunks, each a non-empty list of encoded spans. */
  traces: T[][];
  spans: number;
  /** Payload bytes including per-trace and per-span framing overhead. */
  bytes: number;
}

export function packBatches<T>(
  traces: T[][],
  sizeOf: (item: T) => number,
  capBytes: number,
  traceOverhead: number,
  itemOverhead: number,
): Batch<T>[] {
  const batches: Batch<T>[] = [];
  let cur: Batch<T> = { traces: [], spans: 0, bytes: 0 };
  for (const trace of traces) {
    let chunk: T[] | undefined;
    for (const item of trace) {
      const size = sizeOf(item) + itemOverhead;
      const extra = chunk === undefined ? size + traceOverhead : size;
      if (cur.spans > 0 && cur.bytes + extra > capBytes) {
        batches.push(cur);
        cur = { traces: [], spans: 0, bytes: 0 };
        chunk = undefined;
      }
      if (chunk === undefined) {
        chunk = [];
        cur.traces.push(chunk);
        cur.bytes += traceOverhead;
      }
      chunk.push(item);
      cur.spans += 1;
      cur.bytes += size;
    }
  }
  if (cur.spans > 0) batches.push(cur);
  return batches;
}
