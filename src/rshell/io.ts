/**
 * Byte stream contracts between the interpreter and builtins, and the two simplest
 * implementations (a fixed input and a collecting output). Pipes with backpressure live in
 * the interpreter (interp/pipe.ts) and implement the same interfaces.
 */

/** Thrown by a writer whose reader has gone away (the SIGPIPE/EPIPE analogue). */
export class BrokenPipeError extends Error {
  constructor() {
    super('broken pipe');
    this.name = 'BrokenPipeError';
  }
}

export interface ByteReader {
  /** Next chunk, or null at end of input. Chunks may be any size; never empty. */
  read(): Promise<Uint8Array | null>;
  /** The consumer is done: writers on the other side get BrokenPipeError from now on. */
  cancel(): void;
}

export interface ByteWriter {
  /**
   * Writes all of `chunk` (bytes, or a bstr). May return a promise for backpressure;
   * always `await` it. Throws BrokenPipeError when the reader is gone and the run's
   * cancellation error when the run is over.
   */
  write(chunk: Uint8Array | string): void | Promise<void>;
}

const EMPTY = new Uint8Array(0);

/** A reader over bytes already in memory, handed out whole or in views of at most `chunkBytes`. */
export class BufferReader implements ByteReader {
  private data: Uint8Array | null;
  constructor(
    data: Uint8Array = EMPTY,
    private readonly chunkBytes = Infinity,
  ) {
    this.data = data.length ? data : null;
  }
  read(): Promise<Uint8Array | null> {
    const d = this.data;
    if (d !== null && d.length > this.chunkBytes) {
      this.data = d.subarray(this.chunkBytes);
      return Promise.resolve(d.subarray(0, this.chunkBytes));
    }
    this.data = null;
    return Promise.resolve(d);
  }
  cancel(): void {
    this.data = null;
  }
}

/** A writer that keeps everything, optionally up to a cap (excess is dropped and flagged). */
export class CollectWriter implements ByteWriter {
  private chunks: Buffer[] = [];
  size = 0;
  overflowed = false;
  constructor(private readonly cap = Infinity) {}
  write(chunk: Uint8Array | string): void {
    let b = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (b.length === 0) return;
    const room = this.cap - this.size;
    if (b.length > room) {
      this.overflowed = true;
      if (room <= 0) return;
      b = b.subarray(0, room);
    }
    // Copy: callers may reuse their buffers after write returns.
    this.chunks.push(Buffer.from(b));
    this.size += b.length;
  }
  bytes(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }
}
