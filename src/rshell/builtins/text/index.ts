/** Builtins of the "text" group, by command name. */
import type { Builtin } from '../types.js';
import { cat } from './cat.js';
import { head } from './head.js';
import { tail } from './tail.js';
import { wc } from './wc.js';

export const builtins: Record<string, Builtin> = { cat, head, tail, wc };
