/**
 * Opening a grep/sed operand as a byte stream: `-` is stdin, anything else is read through
 * the sandbox (never node:fs). Read errors surface as SandboxError from `read()`.
 */
import type { ByteReader } from '../../io.js';
import type { OpenFile } from '../../sandbox/types.js';
import type { CallContext } from '../types.js';

/** Few enough reads that thread-pool latency does not dominate; small enough for flat memory. */
const CHUNK_BYTES = 256 * 1024;

class FileReader implements ByteReader {
  private closed = false;
  constructor(private readonly file: OpenFile) {}
  async read(): Promise<Uint8Array | null> {
    if (this.closed) return null;
    // A fresh buffer per chunk: callers keep views into earlier chunks.
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    const n = await this.file.read(buf);
    if (n === 0) {
      await this.close();
      return null;
    }
    return buf.subarray(0, n);
  }
  cancel(): void {
    void this.close();
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.file.close().catch(() => undefined);
  }
}

export interface Input {
  reader: ByteReader;
  /** Releases the file (a no-op for stdin). */
  close(): Promise<void>;
}

/** Opens `name` (`-` = stdin). Throws SandboxError for missing/denied paths. */
export async function openInput(ctx: CallContext, name: string): Promise<Input> {
  if (name === '-') return { reader: ctx.stdin, close: async () => undefined };
  const file = await ctx.fs.open(name, ctx.dir);
  const reader = new FileReader(file);
  return { reader, close: () => reader.close() };
}
