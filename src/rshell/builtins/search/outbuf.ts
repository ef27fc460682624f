/**
 * Batches many small output pieces into few writes: per-line awaits on a pipe would
 * dominate grep/sed run time. Pieces are copied into one buffer, flushed at a size
 * threshold (by `maybeFlush`) and at the end.
 */
import type { ByteWriter } from '../../io.js';

const FLUSH_BYTES = 64 * 1024;

export class OutBuf {
  private buf = Buffer.allocUnsafe(FLUSH_BYTES * 2);
  private size = 0;
  constructor(private readonly out: ByteWriter) {}

  /** Queues bytes or a bstr. Call `maybeFlush()` after a batch of pushes. */
  push(piece: Uint8Array | string): void {
    const n = piece.length;
    if (n === 0) return;
    if (this.size + n > this.buf.length) this.grow(this.size + n);
    if (typeof piece === 'string') this.buf.write(piece, this.size, n, 'latin1');
    else this.buf.set(piece, this.size);
    this.size += n;
  }

  /** Queues one byte (a separator or newline). */
  byte(b: number): void {
    if (this.size + 1 > this.buf.length) this.grow(this.size + 1);
    this.buf[this.size++] = b;
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.size);
    this.buf = next;
  }

  /** Enough is queued to be worth a write. */
  full(): boolean {
    return this.size >= FLUSH_BYTES;
  }

  async maybeFlush(): Promise<void> {
    if (this.size >= FLUSH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    // Copy out: the writer may keep the chunk while we refill our buffer.
    const chunk = Buffer.from(this.buf.subarray(0, this.size));
    this.size = 0;
    if (this.buf.length > FLUSH_BYTES * 4) this.buf = Buffer.allocUnsafe(FLUSH_BYTES * 2);
    await this.out.write(chunk);
  }
}
