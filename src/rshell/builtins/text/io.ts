/**
 * Input and output plumbing shared by the text builtins: operands ("-" is stdin) opened
 * through the sandbox as ByteReaders, POSIX-worded error text, and a buffered writer so a
 * tool emitting millions of short lines does not pay one awaited write per line.
 */
import type { ByteWriter } from '../../io.js';
import { SandboxError } from '../../sandbox/types.js';
import type { CallContext } from '../types.js';
import { openInput, type Input } from '../lib/input.js';

export { READ_CHUNK, openInput, type Input } from '../lib/input.js';

/** The POSIX text of a file error, or rethrows anything that is not one (cancellation, broken pipe). */
export function fileErrorText(e: unknown): string {
  if (e instanceof SandboxError) return e.message;
  throw e;
}

/** Writes `<cmd>: <message>\n` to stderr. */
export async function complain(ctx: CallContext, message: string): Promise<void> {
  await ctx.stderr.write(`${ctx.name}: ${message}\n`);
}

export interface InputLoopOptions {
  /** A reason to refuse an operand before opening it, reported as is. */
  refuse?: (name: string) => Promise<string | undefined>;
  /** The message for a failed open or read; by default `<label>: <POSIX text>`. */
  message?: (label: string, e: unknown) => string;
  /** Read failures name the operand as given ("-"), not "standard input" (cat, as rshell). */
  labelByOperand?: boolean;
  /** Flushed before a read failure is reported, so output stays in order, and after each input. */
  out?: OutBuffer;
  /** Runs after each opened input, even one whose reading failed, before `out` is flushed. */
  afterInput?: () => Promise<void>;
}

/**
 * Runs `body` on each operand in turn: one that cannot be opened or read is reported as
 * `<cmd>: <message>` and makes the status 1, and the rest still run. Each input is closed
 * however `body` ends (a closed output pipe included). Returns the status.
 */
export async function forEachInput(
  ctx: CallContext,
  names: readonly string[],
  body: (input: Input, name: string) => Promise<void>,
  opts: InputLoopOptions = {},
): Promise<number> {
  const message = opts.message ?? ((label, e) => `${label}: ${fileErrorText(e)}`);
  let status = 0;
  for (const name of names) {
    ctx.checkCanceled();
    const refusal = await opts.refuse?.(name);
    if (refusal !== undefined) {
      await complain(ctx, refusal);
      status = 1;
      continue;
    }
    let input: Input;
    try {
      input = await openInput(ctx, name);
    } catch (e) {
      await complain(ctx, message(name, e));
      status = 1;
      continue;
    }
    try {
      await body(input, name);
    } catch (e) {
      await opts.out?.flush();
      await complain(ctx, message(opts.labelByOperand ? name : input.label, e));
      status = 1;
    } finally {
      await input.close();
    }
    await opts.afterInput?.();
    await opts.out?.flush();
  }
  return status;
}

/**
 * Coalesces small writes into ~64 KiB chunks. `write` returns a promise only when it had to
 * flush, so hot loops can use `const p = out.write(x); if (p) await p;` and skip a microtask
 * per line.
 */
export class OutBuffer {
  private buf: Buffer;
  private pos = 0;
  constructor(
    private readonly w: ByteWriter,
    private readonly size = 64 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(size);
  }

  write(data: Uint8Array | string): Promise<void> | undefined {
    if (typeof data === 'string') {
      if (data.length === 0) return undefined;
      if (this.pos + data.length > this.buf.length) return this.slowWrite(Buffer.from(data, 'latin1'));
      this.putString(data);
      return undefined;
    }
    if (data.length === 0) return undefined;
    if (this.pos + data.length > this.buf.length) return this.slowWrite(data);
    this.buf.set(data, this.pos);
    this.pos += data.length;
    return undefined;
  }

  /**
   * Makes room for `n` more bytes (flushing first if needed, growing for a huge line), so
   * the following `put`s for one line need no checks and no awaits.
   */
  room(n: number): Promise<void> | undefined {
    if (this.pos + n <= this.buf.length) return undefined;
    return this.flush().then(() => {
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
    });
  }

  /** Unchecked append after `room`. */
  put(data: Uint8Array | string): void {
    if (typeof data === 'string') {
      this.putString(data);
    } else {
      this.buf.set(data, this.pos);
      this.pos += data.length;
    }
  }

  private putString(data: string): void {
    // Native copy for longer strings; a short loop beats the call for a few bytes.
    if (data.length > 16) {
      this.pos += this.buf.write(data, this.pos, 'latin1');
      return;
    }
    for (let i = 0; i < data.length; i++) this.buf[this.pos++] = data.charCodeAt(i);
  }

  putByte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** Single byte fast path. */
  byte(b: number): Promise<void> | undefined {
    if (this.pos >= this.buf.length) return this.slowWrite(Uint8Array.of(b));
    this.buf[this.pos++] = b;
    return undefined;
  }

  private async slowWrite(data: Uint8Array): Promise<void> {
    await this.flush();
    if (data.length >= this.size / 2) {
      await this.w.write(data);
      return;
    }
    this.buf.set(data, 0);
    this.pos = data.length;
  }

  async flush(): Promise<void> {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    // A fresh buffer: the writer may keep the flushed one until its reader consumes it.
    this.buf = Buffer.allocUnsafe(this.size);
    this.pos = 0;
    await this.w.write(chunk);
  }
}
