/** Builtins of the "files" group, by command name. */
import type { Builtin } from '../types.js';
import { find } from './find/index.js';
import { ls } from './ls/index.js';

export const builtins: Record<string, Builtin> = { find, ls };
