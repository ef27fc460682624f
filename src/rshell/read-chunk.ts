/**
 * Chunked reads of sandbox files, shared by the interpreter's `< file` input and the
 * builtins' operands. A read that fills the whole buffer hands the buffer over, so big files
 * stream without copies. A shorter read — a small file, the tail of a big one, the end-of-file
 * probe — copies out what it got (small copies come from Node's shared pool) and keeps the
 * buffer for the next read. Before, every small file cost two fresh 64 KiB buffers; a script
 * reading many /proc and /etc files made V8 run a full collection every couple of tasks.
 */
import type { OpenFile } from './sandbox/types.js';

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
