/**
 * grep/sed operands: the shared opener (lib/input.ts) with larger reads, few enough that
 * thread-pool latency does not dominate on big files, small enough for flat memory.
 */
import { openInput as openOperand, type Input } from '../lib/input.js';
import type { CallContext } from '../types.js';

const CHUNK_BYTES = 256 * 1024;

export type { Input };

/** `reuseChunks`: see lib/input.ts (grep's counting and listing modes never hold a chunk). */
export function openInput(ctx: CallContext, name: string, reuseChunks = false): Promise<Input> {
  return openOperand(ctx, name, CHUNK_BYTES, reuseChunks);
}
