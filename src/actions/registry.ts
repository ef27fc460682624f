/** Actions by fully-qualified name (bundle_id + "." + name). */
import type { Action } from './types.js';
import { runCommand } from './rshell/run-command.js';

export type ActionRegistry = ReadonlyMap<string, Action>;

export function defaultRegistry(): ActionRegistry {
  return new Map([[runCommand.fqn, runCommand]]);
}
