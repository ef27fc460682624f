/** Builtins of the "core" group, by command name. */
import type { Builtin } from '../types.js';
import { echo } from './echo.js';
import { help } from './help.js';
import { printf } from './printf.js';
import { falseBuiltin, trueBuiltin } from './status.js';
import { bracket, test } from './test.js';

export const builtins: Record<string, Builtin> = {
  true: trueBuiltin,
  false: falseBuiltin,
  echo,
  printf,
  test,
  '[': bracket,
  help,
};
