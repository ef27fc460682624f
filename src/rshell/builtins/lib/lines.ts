/**
 * Line splitting over a ByteReader without copying when a line sits inside one chunk.
 * Lines keep their delimiter (the last line of input may lack it), so tools can tell
 * "ends with newline" apart from "does not", as GNU tools must.
 */
import type { ByteReader } from '../../io.js';
import { bufferedRefusal, LongLineReserve } from './buffered.js';

export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`line too long (limit ${limit} bytes)`);
    this.name = 'LineTooLongError';
  }
}

/** A long line refused because the run's buffered total has no room (reported like a too-long line). */
export class LongLinesRefusedError extends LineTooLongError {
  constructor() {
    super(MAX_LINE_BYTES);
    this.message = bufferedRefusal();
    this.name = 'LongLinesRefusedError';
  }
}

/** rshell's per-line buffer cap in line tools. */
export const MAX_LINE_BYTES = 1 << 20;

/**
 * Adds a piece to the parts of a line carried across reads. A pipe hands on each write as
 * it was made, so a 1 MiB line of one-byte writes was a million views (~190 MB for one
 * stage). The last two parts merge while the earlier is no longer (a binary counter): a
 * line keeps at most ~20 parts, each byte copied at most ~20 times.
 */
export function carryPiece(parts: Uint8Array[], piece: Uint8Array): void {
  let n = parts.push(piece);
  while (n > 1 && parts[n - 2].length <= parts[n - 1].length) {
    const last = parts.pop()!;
    parts[n - 2] = Buffer.concat([parts[n - 2], last]);
    n--;
  }
}

export class LineReader {
  private chunk: Uint8Array | null = null;
  private offset = 0;
  private done = false;
  private readonly longLine: LongLineReserve;

  constructor(
    private readonly reader: ByteReader,
    private readonly maxLine = MAX_LINE_BYTES,
    private readonly delimiter = 0x0a,
    /** The run's buffered total (CallContext.buffer), for long lines. */
    buffer?: (n: number) => boolean,
  ) {
    this.longLine = new LongLineReserve(buffer);
  }

  /** The next line including its delimiter, or null at end of input. */
  async next(): Promise<Uint8Array | null> {
    let pending: Uint8Array[] | null = null;
    let pendingLen = 0;
    for (;;) {
      if (this.chunk === null || this.offset >= this.chunk.length) {
        if (this.done) break;
        const c = await this.reader.read();
        if (c === null) {
          this.done = true;
          this.chunk = null;
          this.longLine.release();
          break;
        }
        this.chunk = c;
        this.offset = 0;
      }
      const c = this.chunk;
      const at = c.indexOf(this.delimiter, this.offset);
      const stop = at === -1 ? c.length : at + 1;
      const piece = c.subarray(this.offset, stop);
      this.offset = stop;
      if (pendingLen + piece.length > this.maxLine + 1) throw new LineTooLongError(this.maxLine);
      if (!this.longLine.check(pendingLen + piece.length)) throw new LongLinesRefusedError();
      if (at !== -1 && pending === null) return piece;
      carryPiece((pending ??= []), piece);
      pendingLen += piece.length;
      if (at !== -1) break;
    }
    if (pending === null) return null;
    return pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingLen);
  }

  /** Bytes not yet returned as lines are dropped and the source is told to stop. */
  cancel(): void {
    this.chunk = null;
    this.done = true;
    this.longLine.release();
    this.reader.cancel();
  }
}
