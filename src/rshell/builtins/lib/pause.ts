import type { CallContext } from '../types.js';

/**
 * The run's pause (CallContext.pause: a turn of the event loop when one is due), or just the
 * clock check for a context without one (unit tests' contexts).
 */
export function pauseOf(ctx: CallContext): () => Promise<void> | undefined {
  // Bound methods, not arrows made per call: V8 keeps the optimised code of a method, and
  // drops that of closures no longer alive at each major GC (then compiles them again).
  return ctx.pause ? ctx.pause.bind(ctx) : checkOnly.bind(ctx);
}

/** The run's turn (CallContext.turn: one now, due or not), or the clock check without one. */
export function turnOf(ctx: CallContext): () => Promise<void> | undefined {
  return ctx.turn ? ctx.turn.bind(ctx) : checkOnly.bind(ctx);
}

function checkOnly(this: CallContext): undefined {
  this.checkCanceled();
  return undefined;
}
