/** The run-wide total of what builtins keep in memory (CallContext.buffer). */
import type { CallContext } from '../types.js';

/**
 * Bytes the run's builtins may buffer at once (sort's lines, tail's ring), a line's share of
 * the heap included. Each is capped on its own (sort 5 MiB and 1,000,000 lines), but pipeline
 * stages run at once: sixty `sort` stages of a million short lines took the process past a
 * 300 MB heap. Room for three sorts at their caps, so `sort | uniq -c | sort -rn` still runs.
 */
export const MAX_BUFFERED_BYTES = 128 * 1024 * 1024;
export const BUFFERED_BYTES_MESSAGE = `input buffered at once by the run's commands exceeds the maximum of ${MAX_BUFFERED_BYTES} bytes`;

/**
 * Why the last refusal of a buffered total was made: the run's own total
 * (BUFFERED_BYTES_MESSAGE) or the process's, shared by every run (interp/process-memory.ts).
 * Set by the total that refuses; read, and reset, by the builtin that reports the refusal,
 * in the same synchronous step.
 */
let lastRefusal = BUFFERED_BYTES_MESSAGE;
/** Every message noteRefusal was given. */
const refusals = new Set([BUFFERED_BYTES_MESSAGE]);

/** Notes why the total just refused (RunState.buffer). */
export function noteRefusal(message: string): void {
  lastRefusal = message;
  refusals.add(message);
}

/** The message for the refusal just made (BUFFERED_BYTES_MESSAGE unless the process's budget made it). */
export function bufferedRefusal(): string {
  const m = lastRefusal;
  lastRefusal = BUFFERED_BYTES_MESSAGE;
  return m;
}

/** Whether `message` reports a buffered total's refusal, the run's or the process's. */
export function isBufferedRefusal(message: string): boolean {
  return refusals.has(message);
}

/** What a line kept as a string costs the heap beyond its bytes (header and array slot). */
export const STRING_LINE_COST = 32;
/** The same for a line kept as a Uint8Array view (~110 bytes measured). */
export const VIEW_LINE_COST = 128;

/** A line this long is being carried across reads: the stage holds it, its copy, and maybe one more. */
export const LONG_LINE_BYTES = 64 * 1024;
/**
 * What a stage working on long lines is counted for, once, until its builtin returns: the
 * line being assembled, its concatenated copy and one line the tool keeps (uniq's last),
 * up to 1 MiB each. Up to 1,024 stages run at once, and 500 `uniq` stages over 1 MiB lines
 * held 1.7 GB outside the heap; counted, about 42 such stages fit the total.
 */
export const LONG_LINE_RESERVE = 3 * 1024 * 1024;

/** LONG_LINE_RESERVE, counted against the run's total once a stage holds a long line. */
export class LongLineReserve {
  private counted = false;
  constructor(private readonly buffer: ((n: number) => boolean) | undefined) {}

  /**
   * To call with the length of each line (or carried part of one) the stage holds: the first
   * past LONG_LINE_BYTES takes the reserve. False when the total has no room (the caller
   * reports BUFFERED_BYTES_MESSAGE).
   */
  check(length: number): boolean {
    if (this.counted || this.buffer === undefined || length <= LONG_LINE_BYTES) return true;
    return (this.counted = this.buffer(LONG_LINE_RESERVE));
  }

  /** Gives the reserve back: a tool reading its files one after another holds one at a time. */
  release(): void {
    if (!this.counted) return;
    this.buffer!(-LONG_LINE_RESERVE);
    this.counted = false;
  }
}

/** The run's buffered total as a function (CallContext.buffer), or undefined without one. */
export function bufferOf(ctx: CallContext): ((n: number) => boolean) | undefined {
  // Bound, not an arrow made per call (see pauseOf).
  return ctx.buffer?.bind(ctx);
}
