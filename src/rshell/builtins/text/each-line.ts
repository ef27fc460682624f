/**
 * Line iteration for hot loops: lines inside a chunk are handed out synchronously, so a
 * tool pays an await only per chunk (and when its callback must wait for output), not per
 * line as with LineReader. Lines exclude their delimiter unless `withDelimiter`;
 * `terminated` tells whether it was there (only the very last line of input can lack it).
 */
import type { ByteReader } from '../../io.js';
import { LineTooLongError, LongLinesRefusedError, MAX_LINE_BYTES, carryPiece } from '../lib/lines.js';
import { LongLineReserve } from '../lib/buffered.js';

export type LineCallback = (line: Uint8Array, terminated: boolean) => Promise<void> | undefined;

export interface EachLineOptions {
  delim?: number;
  maxLine?: number;
  withDelimiter?: boolean;
  checkCanceled?: () => void;
  /** The run's buffered total (CallContext.buffer): a long line takes LONG_LINE_RESERVE of it. */
  buffer?: (n: number) => boolean;
}

export async function eachLine(reader: ByteReader, onLine: LineCallback, opts: EachLineOptions = {}): Promise<void> {
  const longLine = new LongLineReserve(opts.buffer);
  try {
    await lines(reader, onLine, opts, longLine);
  } finally {
    // Files are read one after another: each holds the reserve only while it is read.
    longLine.release();
  }
}

async function lines(reader: ByteReader, onLine: LineCallback, opts: EachLineOptions, longLine: LongLineReserve): Promise<void> {
  const delim = opts.delim ?? 0x0a;
  const keep = opts.withDelimiter ? 1 : 0;
  const maxLine = opts.maxLine ?? MAX_LINE_BYTES;
  let carry: Uint8Array[] = [];
  let carryLen = 0;
  for (let chunk = await reader.read(); chunk; chunk = await reader.read()) {
    opts.checkCanceled?.();
    let start = 0;
    if (carryLen > 0) {
      const at = chunk.indexOf(delim);
      const piece = chunk.subarray(0, at === -1 ? chunk.length : at + keep);
      if (carryLen + piece.length - (at === -1 ? 0 : keep) > maxLine) throw new LineTooLongError(maxLine);
      carryPiece(carry, piece);
      carryLen += piece.length;
      if (!longLine.check(carryLen)) throw new LongLinesRefusedError();
      if (at === -1) continue;
      const line = Buffer.concat(carry, carryLen);
      carry = [];
      carryLen = 0;
      const p = onLine(line, true);
      if (p) await p;
      start = at + 1;
    }
    for (;;) {
      const at = chunk.indexOf(delim, start);
      if (at === -1) break;
      if (at - start > maxLine) throw new LineTooLongError(maxLine);
      if (!longLine.check(at - start)) throw new LongLinesRefusedError();
      const p = onLine(chunk.subarray(start, at + keep), true);
      if (p) await p;
      start = at + 1;
    }
    if (start < chunk.length) {
      if (chunk.length - start > maxLine) throw new LineTooLongError(maxLine);
      if (!longLine.check(chunk.length - start)) throw new LongLinesRefusedError();
      carry.push(chunk.subarray(start));
      carryLen = chunk.length - start;
    }
  }
  if (carryLen > 0) {
    const p = onLine(carry.length === 1 ? carry[0] : Buffer.concat(carry, carryLen), false);
    if (p) await p;
  }
}
