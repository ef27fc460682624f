/**
 * Input and output plumbing shared by the text builtins: operands ("-" is stdin) opened
 * through the sandbox as ByteReaders, the loop over them, POSIX-worded error text, and the
 * buffered writer (lib/outbuf.ts) so a tool emitting millions of short lines does not pay
 * one awaited write per line.
 */
import { SandboxError } from '../../sandbox/types.js';
import type { CallContext } from '../types.js';
import { openInput, type Input } from '../lib/input.js';
import type { OutBuffer } from '../lib/outbuf.js';

export { openInput, type Input } from '../lib/input.js';
export { READ_CHUNK } from '../../read-chunk.js';
export { OutBuffer } from '../lib/outbuf.js';

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
