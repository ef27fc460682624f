/**
 * grep/sed operands: the shared opener (lib/input.ts) with larger reads, few enough that
 * thread-pool latency does not dominate on big files, small enough for flat memory.
 */
import { openInput as openOperand, type Input } from '../lib/input.js';
import type { CallContext } from '../types.js';

const CHUNK_BYTES = 256 * 1024;

export type { Input };

export function openInput(ctx: CallContext, name: string): Promise<Input> {
  return openOperand(ctx, name, CHUNK_BYTES);
}
