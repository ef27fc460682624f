/** Builtins of the "search" group, by command name. */
import type { Builtin } from '../types.js';
import { grep } from './grep.js';
import { sed } from './sed/sed.js';

export const builtins: Record<string, Builtin> = { grep, sed };
