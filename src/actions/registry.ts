/** Actions by fully-qualified name (bundle_id + "." + name). */
import type { Action } from './types.js';
import { runCommand } from './rshell/run-command.js';

export type ActionRegistry = ReadonlyMap<string, Action>;

export function defaultRegistry(): ActionRegistry {
  return new Map([[runCommand.fqn, runCommand]]);
}

/** The bundle of an FQN: everything before its last dot, as the PAR splits it ("" with no dot). */
export function bundleOf(fqn: string): string {
  const dot = fqn.lastIndexOf('.');
  return dot < 0 ? '' : fqn.slice(0, dot);
}

/** Whether any registered action belongs to `bundle`. */
export function hasBundle(registry: ActionRegistry, bundle: string): boolean {
  if (bundle === '') return false;
  for (const fqn of registry.keys()) if (bundleOf(fqn) === bundle) return true;
  return false;
}
