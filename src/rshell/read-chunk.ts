/**
 * Chunked reads of sandbox files, shared by the interpreter's `< file` input and the
 * builtins' operands (both through FileReader). A read that fills the whole buffer hands the
 * buffer over, so big files stream without copies. A shorter read — a small file, the tail of
 * a big one, the end-of-file probe — copies out what it got (small copies come from Node's
 * shared pool) and keeps the buffer for the next read. Before, every small file cost two
 * fresh 64 KiB buffers; a script reading many /proc and /etc files made V8 run a full
 * collection every couple of tasks.
 */
import type { ByteReader } from './io.js';
import type { OpenFile } from './sandbox/types.js';

/** Read size for files: large enough that per-chunk overhead vanishes on big inputs. */
export const READ_CHUNK = 64 * 1024;

/** Spare buffers per read size (64 KiB for most readers, 256 KiB for grep/sed). */
const spares = new Map<number, Buffer[]>();
const MAX_SPARES_PER_SIZE = 4;

function take(size: number): Buffer {
  return spares.get(size)?.pop() ?? Buffer.allocUnsafe(size);
}

function giveBack(buf: Buffer): void {
  let list = spares.get(buf.length);
  if (list === undefined) spares.set(buf.length, (list = []));
  if (list.length < MAX_SPARES_PER_SIZE) list.push(buf);
}

/** The next chunk of `file` (never empty), or null at end of file. Callers may keep chunks. */
export async function readChunk(file: OpenFile, size: number): Promise<Uint8Array | null> {
  const buf = take(size);
  let n: number;
  try {
    n = await file.read(buf);
  } catch (err) {
    giveBack(buf);
    throw err;
  }
  if (n === buf.length) return buf;
  const out = n > 0 ? Buffer.from(buf.subarray(0, n)) : null;
  giveBack(buf);
  return out;
}

/**
 * A ByteReader over an open sandbox file. The file is closed at end of input or on cancel, so
 * a builtin going through many operands holds one descriptor at a time; close() is idempotent
 * and a failing close is not an error of the read.
 *
 * By default callers may keep its chunks. With `reuse`, every chunk is a view of one buffer
 * (borrowed from the spares at the first read, returned at close) and is valid only until the
 * next read or close: for consumers that never hold a chunk (grep counting, wc), so streaming
 * a big file leaves no trail of dead buffers for the collector (Node 24 lets ~70 MiB of them
 * wait: RELIABILITY.md F17).
 */
export class FileReader implements ByteReader {
  /** The one close, which every later close() returns: a cancel() starts it without waiting. */
  private closing: Promise<void> | undefined;
  private buf: Buffer | undefined;
  constructor(
    private readonly file: OpenFile,
    readonly chunkBytes = READ_CHUNK,
    private readonly reuse = false,
  ) {}
  async read(): Promise<Uint8Array | null> {
    if (this.closing !== undefined) return null;
    let chunk: Uint8Array | null;
    if (this.reuse) {
      const buf = (this.buf ??= take(this.chunkBytes));
      const n = await this.file.read(buf);
      chunk = n > 0 ? buf.subarray(0, n) : null;
    } else chunk = await readChunk(this.file, this.chunkBytes);
    if (chunk === null) await this.close();
    return chunk;
  }
  cancel(): void {
    void this.close();
  }
  close(): Promise<void> {
    // Returning early to a second caller let a builtin that cancelled, then closed, return
    // (and the run end) before the descriptor was closed.
    if (this.closing === undefined) {
      if (this.buf !== undefined) giveBack(this.buf);
      this.buf = undefined;
      this.closing = this.file.close().catch(() => undefined);
    }
    return this.closing;
  }
}
