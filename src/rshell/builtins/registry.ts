/**
 * Every builtin by name. Each group owns its own index; this module only merges them, so
 * groups can grow independently. Two groups load on first use, as code a cold start should
 * not parse unless a script needs it: the regex tools (grep, sed), which bring the RE2 engine
 * (~150 KB), and the system tools (ps, ss, ip, ping, uname: ~20 KB of /proc parsing).
 */
import type { Builtin } from './types.js';
import { turnOf } from './lib/pause.js';
import { builtins as core } from './core/index.js';
import { builtins as text } from './text/index.js';
import { builtins as files } from './files/index.js';

/**
 * Builtins of a group loaded with a dynamic import the first time one of them runs. The wait
 * for the load ends at the run's deadline like any other work, and a failed load is tried
 * again by the next call instead of staying broken for the container's life.
 */
function lazyGroup(names: readonly string[], load: () => Promise<{ builtins: Record<string, Builtin> }>): Record<string, Builtin> {
  let ready: Record<string, Builtin> | undefined;
  let loading: Promise<Record<string, Builtin>> | undefined;
  const group = () =>
    (loading ??= load().then(
      (m) => (ready = m.builtins),
      (err: unknown) => {
        loading = undefined;
        throw err;
      },
    ));
  return Object.fromEntries(
    names.map((name) => [
      name,
      async (ctx, args) => {
        // Once loaded, no wait: a script calling grep 1,000 times adds no abort listeners.
        let builtins = ready;
        if (builtins === undefined) {
          builtins = await untilLoadedOrAborted(group(), ctx.signal);
          // Every command waiting for the load resumes in the same turn: twelve cold sed
          // stages then parsed their scripts in one stretch (4.9 s past a 1 s deadline).
          // The run's queue lets them through one a turn, and checks the clock: a turn, not
          // a pause, which lets them all through at once when the last turn was recent.
          await turnOf(ctx)();
        }
        return builtins[name](ctx, args);
      },
    ] as [string, Builtin]),
  );
}

/** The load, or the signal's reason (the run's cancellation error) if it aborts first. */
function untilLoadedOrAborted<T>(load: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return Promise.race([load, whenAborted(signal)]);
}

const abortions = new WeakMap<AbortSignal, Promise<never>>();

/**
 * One listener a run, however many commands wait for the load: a listener each, twelve
 * grep stages of a cold process printed Node's MaxListenersExceededWarning.
 */
function whenAborted(signal: AbortSignal): Promise<never> {
  let p = abortions.get(signal);
  if (!p) {
    p = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    p.catch(() => undefined);
    abortions.set(signal, p);
  }
  return p;
}

const search = lazyGroup(['grep', 'sed'], () => import('./search/index.js'));
const system = lazyGroup(['ip', 'ping', 'ps', 'ss', 'uname'], () => import('./system/index.js'));

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map(
  Object.entries({ ...core, ...search, ...text, ...files, ...system }),
);
