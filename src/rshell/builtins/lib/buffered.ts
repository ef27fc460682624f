/** The run-wide total of what builtins keep in memory (CallContext.buffer). */

/**
 * Bytes the run's builtins may buffer at once (sort's lines, tail's ring), a line's share of
 * the heap included. Each is capped on its own (sort 5 MiB and 1,000,000 lines), but pipeline
 * stages run at once: sixty `sort` stages of a million short lines took the process past a
 * 300 MB heap. Room for three sorts at their caps, so `sort | uniq -c | sort -rn` still runs.
 */
export const MAX_BUFFERED_BYTES = 128 * 1024 * 1024;
export const BUFFERED_BYTES_MESSAGE = `input buffered at once by the run's commands exceeds the maximum of ${MAX_BUFFERED_BYTES} bytes`;

/** What a line kept as a string costs the heap beyond its bytes (header and array slot). */
export const STRING_LINE_COST = 32;
/** The same for a line kept as a Uint8Array view (~110 bytes measured). */
export const VIEW_LINE_COST = 128;
