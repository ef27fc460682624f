/** cat: concatenates inputs to stdout; plain copies stream chunks straight through. */
import { FlagSet, failFlags } from '../flags.js';
import type { Builtin } from '../types.js';
import { CatFormatter, catIsPlain, type CatOptions } from './cat-core.js';
import { helpText } from './help.js';
import { OutBuffer, forEachInput } from './io.js';

export const cat: Builtin = async (ctx, args) => {
  const fs = new FlagSet('cat');
  const showAll = fs.bool('show-all', 'A', 'equivalent to -vET');
  const numberNonblank = fs.bool('number-nonblank', 'b', 'number nonempty output lines, overrides -n');
  // GNU's short-only options: pflag needs a long name, hidden so help lists them in prose.
  const e = fs.bool('e', 'e', 'equivalent to -vE', { hidden: true });
  const showEnds = fs.bool('show-ends', 'E', "display $ at end of each line");
  const number = fs.bool('number', 'n', 'number all output lines');
  const squeeze = fs.bool('squeeze-blank', 's', 'suppress repeated empty output lines');
  const t = fs.bool('t', 't', 'equivalent to -vT', { hidden: true });
  const showTabs = fs.bool('show-tabs', 'T', 'display TAB characters as ^I');
  fs.bool('u', 'u', '(ignored)', { hidden: true });
  const showNonprinting = fs.bool('show-nonprinting', 'v', 'use ^ and M- notation, except for LFD and TAB');
  const help = fs.bool('help', '', 'display this help and exit');
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (help.value) {
    await ctx.stdout.write(
      helpText(fs, 'cat [OPTION]... [FILE]...', [
        'Concatenate FILE(s) to standard output.',
        'With no FILE, or when FILE is -, read standard input.',
        '-e is -vE, -t is -vT, -u is ignored.',
      ]),
    );
    return 0;
  }
  const opts: CatOptions = {
    number: number.value,
    numberNonblank: numberNonblank.value,
    squeeze: squeeze.value,
    showEnds: showEnds.value || showAll.value || e.value,
    showTabs: showTabs.value || showAll.value || t.value,
    showNonprinting: showNonprinting.value || showAll.value || e.value || t.value,
  };
  const plain = catIsPlain(opts);
  const formatter = new CatFormatter(opts);
  const out = new OutBuffer(ctx.stdout);
  return forEachInput(
    ctx,
    r.args.length ? r.args : ['-'],
    async ({ reader }) => {
      for (let chunk = await reader.read(); chunk; chunk = await reader.read()) {
        ctx.checkCanceled();
        if (plain) await ctx.stdout.write(chunk);
        else await formatter.push(chunk, out);
      }
    },
    { out, labelByOperand: true, afterInput: plain ? undefined : () => formatter.finish(out) },
  );
};
