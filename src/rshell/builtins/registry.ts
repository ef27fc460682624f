/**
 * Every builtin by name. Each group owns its own index; this module only merges them, so
 * groups can grow independently. The regex tools (grep, sed) load on first use: they bring
 * the RE2 engine (~150 KB), which a cold start should not parse unless a script needs it.
 */
import type { Builtin } from './types.js';
import { builtins as core } from './core/index.js';
import { builtins as text } from './text/index.js';
import { builtins as files } from './files/index.js';
import { builtins as system } from './system/index.js';

/**
 * Builtins of a group loaded with a dynamic import the first time one of them runs. The wait
 * for the load ends at the run's deadline like any other work, and a failed load is tried
 * again by the next call instead of staying broken for the container's life.
 */
function lazyGroup(names: readonly string[], load: () => Promise<{ builtins: Record<string, Builtin> }>): Record<string, Builtin> {
  let loaded: Promise<Record<string, Builtin>> | undefined;
  const group = () =>
    (loaded ??= load().then(
      (m) => m.builtins,
      (err: unknown) => {
        loaded = undefined;
        throw err;
      },
    ));
  return Object.fromEntries(
    names.map((name) => [
      name,
      async (ctx, args) => {
        const builtins = await Promise.race([group(), untilAborted(ctx.signal)]);
        return builtins[name](ctx, args);
      },
    ] as [string, Builtin]),
  );
}

/** Rejects with the signal's reason (the run's cancellation error) once it aborts. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

const search = lazyGroup(['grep', 'sed'], () => import('./search/index.js'));

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map(
  Object.entries({ ...core, ...search, ...text, ...files, ...system }),
);

export function isKnownBuiltin(name: string): boolean {
  return BUILTINS.has(name);
}
