import type { CallContext } from '../types.js';

/**
 * The run's pause (CallContext.pause: a turn of the event loop when one is due), or just the
 * clock check for a context without one (unit tests' contexts).
 */
export function pauseOf(ctx: CallContext): () => Promise<void> | undefined {
  return ctx.pause ? () => ctx.pause!() : () => (ctx.checkCanceled(), undefined);
}
