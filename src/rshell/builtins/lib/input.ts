/**
 * Opening a builtin's operand as a byte stream: "-" is stdin, anything else is read through
 * the sandbox (never node:fs). Shared by the text and search builtins.
 */
import type { ByteReader } from '../../io.js';
import { FileReader, READ_CHUNK } from '../../read-chunk.js';
import { SandboxError } from '../../sandbox/types.js';
import type { CallContext } from '../types.js';

export interface Input {
  reader: ByteReader;
  /** Name for headers and messages: the operand, or "standard input" for "-". */
  label: string;
  isStdin: boolean;
  /** Size when the operand is a regular file (wc's column width needs it). */
  regularSize: number | null;
  close(): Promise<void>;
}

/** Opens an operand; "-" is stdin (never closed: a later "-" simply sees end of input). */
export async function openInput(ctx: CallContext, name: string, chunkBytes = READ_CHUNK): Promise<Input> {
  if (name === '-') {
    return { reader: ctx.stdin, label: 'standard input', isStdin: true, regularSize: null, close: async () => {} };
  }
  const file = await ctx.fs.open(name, ctx.dir);
  let regularSize: number | null = null;
  try {
    const info = await file.stat();
    if (info.kind === 'file') regularSize = info.size;
  } catch (e) {
    if (!(e instanceof SandboxError)) throw e;
  }
  const reader = new FileReader(file, chunkBytes);
  return { reader, label: name, isStdin: false, regularSize, close: () => reader.close() };
}

