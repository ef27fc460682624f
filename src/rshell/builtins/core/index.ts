/** Builtins of the "core" group, by command name. */
import type { Builtin } from '../types.js';

export const builtins: Record<string, Builtin> = {};
