/**
 * A builtin's input as its loops see it, one chunk at a time (F113). Up to 1,024 stages run at
 * once, each working through its own chunk between reads: a thousand `grep a` stages over a
 * 2 MB file of short lines held 447 MiB, and one turn of the event loop ran a chunk of every
 * stage (pipe reads are woken by promises; file reads complete in batches), 5–10 s at a time.
 */
import type { ByteReader } from '../../io.js';
import { FileReader } from '../../read-chunk.js';
import { SandboxError } from '../../sandbox/types.js';
import { bufferedRefusal } from './buffered.js';

/**
 * Counted with each chunk for what a stage holds while it works on one: up to 64 KiB of output
 * in its buffer, and the copy its pipe keeps until the next stage reads it. Without it the
 * thousand grep stages above counted 128 MiB of chunks and held 390 MiB.
 */
export const CHUNK_OUTPUT_SHARE = 128 * 1024;

/** A chunk refused by the run's buffered total; reported like a read error by every tool. */
export class ChunkRefusedError extends SandboxError {
  constructor() {
    super('EIO', '', 'read', bufferedRefusal());
    this.name = 'ChunkRefusedError';
  }
}

/**
 * Counts what a stage holds for its input against the run's total: the buffer a pending file
 * read fills (a thousand stages each waiting on a 256 KiB read held 250 MiB), then the chunk
 * handed out, until the next read or the end of input. A count with no room is refused at
 * once, never waited for, so no stage can block on another's reservation. After each read the
 * run gets a turn of the event loop when one is due, before the chunk is worked on.
 */
export class HeldChunkReader implements ByteReader {
  private held = 0;
  /** Bytes the source allocates for a read while it is pending (a file's read buffer). */
  private readonly readBytes: number;
  constructor(
    readonly inner: ByteReader,
    private readonly pause: () => Promise<void> | undefined,
    private readonly buffer: ((n: number) => boolean) | undefined,
  ) {
    this.readBytes = inner instanceof FileReader ? inner.chunkBytes : 0;
  }

  async read(): Promise<Uint8Array | null> {
    // A file's chunk is counted in full before its buffer is taken: a refusal allocates nothing.
    this.hold(this.readBytes && this.readBytes + CHUNK_OUTPUT_SHARE);
    const chunk = await this.inner.read();
    const p = this.pause();
    if (p) await p;
    this.hold(chunk === null ? 0 : chunk.length + CHUNK_OUTPUT_SHARE);
    return chunk;
  }

  cancel(): void {
    this.release();
    this.inner.cancel();
  }

  /** Gives the count back (at close: files are read one after another). */
  release(): void {
    this.hold(0);
  }

  private hold(n: number): void {
    if (this.buffer === undefined || n === this.held) return;
    if (!this.buffer(n - this.held)) throw new ChunkRefusedError();
    this.held = n;
  }
}
