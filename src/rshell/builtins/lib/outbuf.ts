/**
 * Batches many small output pieces into few writes: an awaited write per line would dominate
 * the run time of the text and search builtins. Shared by both groups; two ways to fill it:
 * - `write`/`writeByte` (or `room`, then unchecked `put`/`putByte`) flush on their own and
 *   return a promise only when they did, so a hot loop can do
 *   `const p = out.write(x); if (p) await p;` and skip a microtask per line;
 * - `push`/`pushByte` never flush but grow the buffer, for code that emits a whole batch
 *   synchronously (grep per input chunk, sed per cycle), then checks `full` or `maybeFlush`es.
 */
import type { ByteWriter } from '../../io.js';

/**
 * A buffer starts this small, from Node's shared allocation pool, and grows to full size only
 * when output needs it: most commands print a line or two, and a fresh 64 KiB buffer per
 * command (plus one per flush) kept V8's old-space collector busy in scripts of many commands.
 */
const INITIAL_BYTES = 1024;

export class OutBuffer {
  private buf: Buffer;
  private pos = 0;
  constructor(
    private readonly w: ByteWriter,
    private readonly size = 64 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(INITIAL_BYTES, size));
  }

  write(data: Uint8Array | string): Promise<void> | undefined {
    if (data.length === 0) return undefined;
    if (this.pos + data.length > this.buf.length && !this.growSmall(this.pos + data.length)) {
      return this.slowWrite(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    }
    this.put(data);
    return undefined;
  }

  writeByte(b: number): Promise<void> | undefined {
    if (this.pos >= this.buf.length && !this.growSmall(this.pos + 1)) return this.slowWrite(Uint8Array.of(b));
    this.buf[this.pos++] = b;
    return undefined;
  }

  /**
   * Makes room for `n` more bytes (flushing first if needed, growing for a huge line), so
   * the following `put`s for one line need no checks and no awaits.
   */
  room(n: number): Promise<void> | undefined {
    if (this.pos + n <= this.buf.length || this.growSmall(this.pos + n)) return undefined;
    return this.flush().then(() => {
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(n, this.size));
    });
  }

  /** Grows a still-small buffer to full size when that makes room for `need` bytes. */
  private growSmall(need: number): boolean {
    if (this.buf.length >= this.size || need > this.size) return false;
    this.grow(this.size);
    return true;
  }

  /** Unchecked append after `room`. */
  put(data: Uint8Array | string): void {
    if (typeof data !== 'string') {
      this.buf.set(data, this.pos);
      this.pos += data.length;
    } else if (data.length > 16) {
      this.pos += this.buf.write(data, this.pos, 'latin1');
    } else {
      // A short loop beats the native call for a few bytes.
      for (let i = 0; i < data.length; i++) this.buf[this.pos++] = data.charCodeAt(i);
    }
  }

  /** Unchecked append after `room`. */
  putByte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** Appends without flushing, growing if needed. */
  push(data: Uint8Array | string): void {
    if (this.pos + data.length > this.buf.length) this.grow(this.pos + data.length);
    this.put(data);
  }

  /** Appends one byte without flushing, growing if needed. */
  pushByte(b: number): void {
    if (this.pos >= this.buf.length) this.grow(this.pos + 1);
    this.buf[this.pos++] = b;
  }

  /** Enough is queued to be worth a write. */
  full(): boolean {
    return this.pos >= this.size;
  }

  async maybeFlush(): Promise<void> {
    if (this.pos >= this.size) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    // A fresh buffer (small again): the writer may keep the flushed one until its reader
    // consumes it.
    this.buf = Buffer.allocUnsafe(Math.min(INITIAL_BYTES, this.size));
    this.pos = 0;
    await this.w.write(chunk);
  }

  private grow(need: number): void {
    // A small first buffer jumps straight to full size.
    const next = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2, this.size));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private async slowWrite(data: Uint8Array): Promise<void> {
    await this.flush();
    if (data.length >= this.size / 2) {
      await this.w.write(data);
      return;
    }
    if (data.length > this.buf.length) this.buf = Buffer.allocUnsafe(this.size);
    this.buf.set(data, 0);
    this.pos = data.length;
  }
}
