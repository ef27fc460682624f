/** The run-level writers: capped stdout, discarding /dev/null. */
import type { ByteWriter } from '../io.js';

export const MAX_STDOUT_BYTES = 10 * 1024 * 1024;

/**
 * The run's stdout: synchronous appends up to the cap; the write that crosses it keeps what
 * fits and calls `onOverflow` (which aborts the run with the output_limit outcome).
 */
export class CappedOutput implements ByteWriter {
  private chunks: Buffer[] = [];
  size = 0;
  overflowed = false;

  constructor(
    private readonly cap: number,
    private readonly onOverflow: () => never,
  ) {}

  write(chunk: Uint8Array | string): void {
    if (chunk.length === 0) return;
    let b = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : Buffer.from(chunk);
    if (this.size + b.length > this.cap) {
      b = b.subarray(0, this.cap - this.size);
      if (b.length) this.chunks.push(b);
      this.size += b.length;
      this.overflowed = true;
      this.onOverflow();
    }
    this.chunks.push(b);
    this.size += b.length;
  }

  bytes(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }
}

/** `/dev/null` as an output. */
export const NULL_WRITER: ByteWriter = { write() {} };
