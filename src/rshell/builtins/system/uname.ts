/**
 * uname [-asnrvm] — kernel facts from the trusted proc reader (sys/kernel/*). The machine
 * name comes from node:os (uname(2)) because sys/kernel/arch is not on the proc allow-list.
 */
import { machine } from 'node:os';
import type { Builtin, CallContext } from '../types.js';
import { FlagSet, failFlags } from '../flags.js';
import { SandboxError } from '../../sandbox/types.js';

type Field = { short: string; long: string; usage: string; read: (ctx: CallContext) => Promise<string> };

const kernelFile = (file: string) => async (ctx: CallContext) => (await ctx.proc.readFile(`sys/kernel/${file}`)).toString('latin1').replace(/\n+$/, '');

/** In `uname -a` order. */
const FIELDS: Field[] = [
  { short: 's', long: 'kernel-name', usage: 'print the kernel name', read: kernelFile('ostype') },
  { short: 'n', long: 'nodename', usage: 'print the network node hostname', read: kernelFile('hostname') },
  { short: 'r', long: 'kernel-release', usage: 'print the kernel release', read: kernelFile('osrelease') },
  { short: 'v', long: 'kernel-version', usage: 'print the kernel version', read: kernelFile('version') },
  { short: 'm', long: 'machine', usage: 'print the machine hardware name', read: async () => machine() },
];

export const uname: Builtin = async (ctx, args) => {
  const fs = new FlagSet('uname');
  const all = fs.bool('all', 'a', 'print all information, in the order below');
  const selected = FIELDS.map((f) => fs.bool(f.long, f.short, f.usage));
  const help = fs.bool('help', 'h', 'display this help and exit');
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (help.value) {
    await ctx.stdout.write('Usage: uname [OPTION]...\nPrint system information. With no OPTION, same as -s.\n\n' + fs.usage());
    return 0;
  }
  if (r.args.length > 0) {
    await ctx.stderr.write(`uname: extra operand '${r.args[0]}'\nTry 'uname --help' for more information.\n`);
    return 1;
  }
  const none = !all.value && selected.every((s) => !s.value);
  const parts: string[] = [];
  for (let i = 0; i < FIELDS.length; i++) {
    if (!(all.value || selected[i].value || (none && i === 0))) continue;
    try {
      parts.push(await FIELDS[i].read(ctx));
    } catch (e) {
      if (!(e instanceof SandboxError)) throw e;
      await ctx.stderr.write(`uname: cannot read ${FIELDS[i].long}: ${e.posixMessage}\n`);
      return 1;
    }
  }
  await ctx.stdout.write(parts.join(' ') + '\n');
  return 0;
};
