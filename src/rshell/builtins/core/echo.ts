/**
 * echo [-neE]... [ARG]...: bash's builtin echo. Options are only leading words made solely of
 * n/e/E letters (so `-nxyz`, `--`, `--help` are printed literally); `-e` enables escapes.
 */
import type { Builtin } from '../types.js';
import { decodeEscapes } from '../../escapes.js';

const OPTION_WORD = /^-[neE]+$/;

export const echo: Builtin = async (ctx, args) => {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length && OPTION_WORD.test(args[i]); i++) {
    for (const c of args[i].slice(1)) {
      if (c === 'n') newline = false;
      else escapes = c === 'e';
    }
  }
  let out = '';
  for (let k = i; k < args.length; k++) {
    if (k > i) out += ' ';
    if (!escapes) {
      out += args[k];
      continue;
    }
    const d = decodeEscapes(args[k], 'echo');
    out += d.out;
    if (d.stop) {
      // \c ends all output, including the trailing newline.
      await ctx.stdout.write(out);
      return 0;
    }
  }
  if (newline) out += '\n';
  await ctx.stdout.write(out);
  return 0;
};
