/**
 * Opening a builtin's operand as a byte stream: "-" is stdin, anything else is read through
 * the sandbox (never node:fs). Shared by the text and search builtins.
 */
import type { ByteReader } from '../../io.js';
import { FileReader, READ_CHUNK } from '../../read-chunk.js';
import { SandboxError } from '../../sandbox/types.js';
import type { CallContext } from '../types.js';
import { bufferOf } from './buffered.js';
import { HeldChunkReader } from './held-input.js';
import { pauseOf } from './pause.js';

export interface Input {
  reader: ByteReader;
  /** Name for headers and messages: the operand, or "standard input" for "-". */
  label: string;
  isStdin: boolean;
  /** Size when the operand is a regular file (wc's column width needs it). */
  regularSize: number | null;
  close(): Promise<void>;
}

/**
 * Opens an operand; "-" is stdin (never closed: a later "-" simply sees end of input).
 * `reuseChunks`: a file's chunks are views of one buffer, valid until the next read (see
 * FileReader); only for consumers that never hold a chunk.
 */
export async function openInput(ctx: CallContext, name: string, chunkBytes = READ_CHUNK, reuseChunks = false): Promise<Input> {
  if (name === '-') {
    return { reader: ctx.stdin, label: 'standard input', isStdin: true, regularSize: null, close: closeNothing };
  }
  // The run's signal ends a read waiting on a silent FIFO (the run's deadline or cancellation).
  const file = await ctx.fs.open(name, ctx.dir, { signal: ctx.signal });
  let regularSize: number | null = null;
  try {
    const info = await file.stat();
    if (info.kind === 'file') regularSize = info.size;
  } catch (e) {
    if (!(e instanceof SandboxError)) throw e;
  }
  const raw = new FileReader(file, chunkBytes, reuseChunks);
  // Counted and paused like stdin (BuiltinContext): a batch of thread-pool reads completes in one turn.
  const reader = new HeldChunkReader(raw, pauseOf(ctx), bufferOf(ctx));
  return new FileInput(reader, raw, name, regularSize);
}

/*
 * Closing as a module function and a method, not closures made per operand: V8 drops the
 * optimised code of closures no longer alive at each major GC and compiles them again.
 */
async function closeNothing(): Promise<void> {}

class FileInput implements Input {
  readonly isStdin = false;

  constructor(
    readonly reader: HeldChunkReader,
    private readonly raw: FileReader,
    readonly label: string,
    readonly regularSize: number | null,
  ) {}

  close(): Promise<void> {
    this.reader.release();
    return this.raw.close();
  }
}

