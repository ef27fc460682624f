/** Builtins of the "system" group, by command name. */
import type { Builtin } from '../types.js';
import { ip } from './ip/index.js';
import { ping } from './ping.js';
import { ps } from './ps.js';
import { ss } from './ss.js';
import { uname } from './uname.js';

export const builtins: Record<string, Builtin> = { ip, ping, ps, ss, uname };
