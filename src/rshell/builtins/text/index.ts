/** Builtins of the "text" group, by command name. */
import type { Builtin } from '../types.js';
import { cat } from './cat.js';
import { cut } from './cut.js';
import { head } from './head.js';
import { sort } from './sort.js';
import { strings } from './strings.js';
import { tail } from './tail.js';
import { tr } from './tr.js';
import { uniq } from './uniq.js';
import { wc } from './wc.js';

export const builtins: Record<string, Builtin> = { cat, cut, head, sort, strings, tail, tr, uniq, wc };
