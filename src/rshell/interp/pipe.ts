/**
 * A bounded in-memory byte pipe joining two pipeline stages. The writer awaits when more
 * than `highWaterMark` bytes are buffered (backpressure); once the reader cancels (its stage
 * ended, e.g. `head` got its lines), writes throw BrokenPipeError so the producer stops, like
 * SIGPIPE. `abort` wakes both sides with the run's cancellation error, so a blocked pipeline
 * ends at the deadline.
 */
import { BrokenPipeError, type ByteReader, type ByteWriter } from '../io.js';

export const PIPE_HIGH_WATER_MARK = 64 * 1024;
/**
 * Each queued write holds its own ArrayBuffer and view (~150 bytes) beyond its bytes, so
 * each counts as 1/512 of the high-water mark (128 bytes) as well: 64 Ki one-byte writes
 * held 12 MB of objects per pipe, and 100 stages of `printf a` loops 225 MiB in 15 s.
 */
const MAX_SMALL_WRITES = 512;

type Waiter = { resolve: () => void; reject: (e: unknown) => void };

export class Pipe implements ByteReader, ByteWriter {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private buffered = 0;
  private closed = false;
  private canceled = false;
  private failure: unknown = null;
  private readWaiter: Waiter | null = null;
  private writeWaiter: Waiter | null = null;

  private readonly writeCost: number;

  constructor(private readonly highWaterMark = PIPE_HIGH_WATER_MARK) {
    this.writeCost = Math.floor(highWaterMark / MAX_SMALL_WRITES);
  }

  write(chunk: Uint8Array | string): void | Promise<void> {
    if (this.failure) throw this.failure;
    if (this.canceled) throw new BrokenPipeError();
    if (this.closed) throw new Error('write after close');
    if (chunk.length === 0) return;
    // Copy: writers may reuse their buffers once write returns.
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : Uint8Array.prototype.slice.call(chunk);
    this.chunks.push(bytes);
    this.buffered += bytes.length + this.writeCost;
    this.wake('read');
    if (this.buffered < this.highWaterMark) return;
    return new Promise<void>((resolve, reject) => {
      this.writeWaiter = { resolve, reject };
    });
  }

  read(): Promise<Uint8Array | null> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.head < this.chunks.length) return Promise.resolve(this.take());
    if (this.closed || this.canceled) return Promise.resolve(null);
    return new Promise<Uint8Array | null>((resolve, reject) => {
      this.readWaiter = {
        resolve: () => resolve(this.head < this.chunks.length ? this.take() : null),
        reject,
      };
    });
  }

  /** Writer side is done: the reader sees end of input after the buffered bytes. */
  close(): void {
    this.closed = true;
    this.wake('read');
  }

  /** Reader side is done: pending and future writes fail with BrokenPipeError. */
  cancel(): void {
    if (this.canceled) return;
    this.canceled = true;
    this.chunks = [];
    this.head = 0;
    this.buffered = 0;
    const w = this.writeWaiter;
    this.writeWaiter = null;
    w?.reject(new BrokenPipeError());
    this.wake('read');
  }

  /** The run is over: both sides fail with `err`. */
  abort(err: unknown): void {
    if (this.failure) return;
    this.failure = err;
    const r = this.readWaiter;
    const w = this.writeWaiter;
    this.readWaiter = this.writeWaiter = null;
    r?.reject(err);
    w?.reject(err);
  }

  private take(): Uint8Array {
    const c = this.chunks[this.head]!;
    this.chunks[this.head++] = EMPTY;
    if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    this.buffered -= c.length + this.writeCost;
    if (this.buffered < this.highWaterMark) this.wake('write');
    return c;
  }

  private wake(side: 'read' | 'write'): void {
    if (side === 'read') {
      const r = this.readWaiter;
      if (r) {
        this.readWaiter = null;
        r.resolve();
      }
    } else {
      const w = this.writeWaiter;
      if (w) {
        this.writeWaiter = null;
        w.resolve();
      }
    }
  }
}

const EMPTY = new Uint8Array(0);
