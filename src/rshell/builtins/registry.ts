/**
 * Every builtin by name. Each group owns its own index; this module only merges them, so
 * groups can grow independently.
 */
import type { Builtin } from './types.js';
import { builtins as core } from './core/index.js';
import { builtins as search } from './search/index.js';
import { builtins as text } from './text/index.js';
import { builtins as files } from './files/index.js';
import { builtins as system } from './system/index.js';

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map(
  Object.entries({ ...core, ...search, ...text, ...files, ...system }),
);

export function isKnownBuiltin(name: string): boolean {
  return BUILTINS.has(name);
}
