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

/**
 * A writer that keeps everything, optionally up to a cap (excess is dropped and flagged).
 * Writes are copied into one buffer grown by doubling: kept as a chunk each, 3 million
 * one-byte writes to a run's stdout held 291 MiB of objects for 3 MB.
 *
 * `keep` stores only the first `keep` bytes while `size` still counts every byte up to the
 * cap, so the cap fires at the same byte: a caller that sends only the start of a stream
 * (a result is one SQS message) need not hold the whole 10 MiB of each concurrent run.
 */
export class CollectWriter implements ByteWriter {
  private buf = Buffer.alloc(0);
  size = 0;
  overflowed = false;
  constructor(
    protected readonly cap = Infinity,
    private readonly keep = Infinity,
  ) {}
  write(chunk: Uint8Array | string): void {
    const n = Math.min(chunk.length, this.cap - this.size);
    if (n < chunk.length) this.overflowed = true;
    if (n <= 0) return;
    // Stored bytes are always the first min(size, keep) of the stream.
    const k = Math.min(n, this.keep - this.size);
    if (k > 0) {
      if (this.size + k > this.buf.length) {
        const grown = Buffer.allocUnsafe(Math.min(this.cap, this.keep, Math.max(this.size + k, 2 * this.buf.length, 256)));
        this.buf.copy(grown, 0, 0, this.size);
        this.buf = grown;
      }
      if (typeof chunk === 'string') this.buf.write(chunk, this.size, k, 'latin1');
      else this.buf.set(k < chunk.length ? chunk.subarray(0, k) : chunk, this.size);
    }
    this.size += n;
  }
  /** The stored bytes: all of them, or the first `keep`. */
  bytes(): Buffer {
    const stored = Math.min(this.size, this.keep);
    if (this.buf.length !== stored) this.buf = Buffer.from(this.buf.subarray(0, stored));
    return this.buf;
  }
}
