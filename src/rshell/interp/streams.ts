/** The run-level writers: capped stdout, discarding /dev/null. */
import { CollectWriter, type ByteWriter } from '../io.js';

export const MAX_STDOUT_BYTES = 10 * 1024 * 1024;

/**
 * The run's stdout: synchronous appends up to the cap; the write that crosses it keeps what
 * fits and calls `onOverflow` (which aborts the run with the output_limit outcome). `keep`:
 * bytes stored (CollectWriter); the cap counts every byte whatever is stored.
 */
export class CappedOutput extends CollectWriter {
  constructor(
    cap: number,
    keep: number,
    private readonly onOverflow: () => never,
  ) {
    super(cap, keep);
  }

  override write(chunk: Uint8Array | string): void {
    const before = this.size;
    super.write(chunk);
    if (this.size - before < chunk.length) this.onOverflow();
  }
}

/** `/dev/null` as an output. */
export const NULL_WRITER: ByteWriter = { write() {} };
