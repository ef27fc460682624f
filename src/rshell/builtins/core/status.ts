/** true and false: constant exit statuses; arguments (even --help) are ignored. */
import type { Builtin } from '../types.js';

export const trueBuiltin: Builtin = async () => 0;
export const falseBuiltin: Builtin = async () => 1;
