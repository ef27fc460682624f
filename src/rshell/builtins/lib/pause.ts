import type { CallContext } from '../types.js';

/**
 * The run's pause (CallContext.pause: a turn of the event loop when one is due), or just the
 * clock check for a context without one (unit tests' contexts).
 */
export function pauseOf(ctx: CallContext): () => Promise<void> | undefined {
  return ctx.pause ? () => ctx.pause!() : () => (ctx.checkCanceled(), undefined);
}

/** The run's turn (CallContext.turn: one now, due or not), or the clock check without one. */
export function turnOf(ctx: CallContext): () => Promise<void> | undefined {
  return ctx.turn ? () => ctx.turn!() : () => (ctx.checkCanceled(), undefined);
}
