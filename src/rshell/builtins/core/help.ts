/**
 * help [COMMAND]: without arguments, the allowed builtins with their summaries in an aligned
 * table; with one, that command's static help, else its own `--help` output (stdout and
 * stderr both shown), else its summary. Commands that are not allowed have no help.
 */
import type { Builtin, CallContext } from '../types.js';
import type { ByteWriter } from '../../io.js';
import { CollectWriter } from '../../io.js';
import { FlagSet, failFlags } from '../flags.js';
import { STATIC_HELP, SUMMARIES } from '../summaries.js';

const USAGE = 'Usage: help [COMMAND]\nList the allowed commands, or show help for COMMAND.\n';

/** A view of `ctx` whose output streams go to `w` (methods and getters stay intact). */
function capturing(ctx: CallContext, name: string, w: ByteWriter): CallContext {
  return Object.create(ctx, { stdout: { value: w }, stderr: { value: w }, name: { value: name } }) as CallContext;
}

type Lookup = (name: string) => Promise<Builtin | undefined>;

/** The registry, loaded lazily because it imports this module. */
const registryLookup: Lookup = async (name) => (await import('../registry.js')).BUILTINS.get(name);

async function topic(ctx: CallContext, name: string, lookup: Lookup): Promise<number> {
  if (!ctx.isAllowed(name) || !ctx.allowedBuiltins().includes(name)) {
    await ctx.stderr.write(`help: no help topics match '${name}'\n`);
    return 1;
  }
  const fixed = STATIC_HELP[name];
  if (fixed !== undefined) {
    await ctx.stdout.write(fixed + '\n');
    return 0;
  }
  const builtin = await lookup(name);
  if (builtin) {
    const out = new CollectWriter(1 << 20);
    await builtin(capturing(ctx, name, out), ['--help']);
    if (out.size > 0) {
      await ctx.stdout.write(out.bytes());
      return 0;
    }
  }
  await ctx.stdout.write(`${name} - ${SUMMARIES[name] ?? ''}\n`);
  return 0;
}

/** `lookup` finds the builtin whose `--help` output `help X` shows (injectable for tests). */
export const makeHelp = (lookup: Lookup = registryLookup): Builtin => async (ctx, args) => {
  const fs = new FlagSet('help');
  const wantHelp = fs.bool('help', '', 'print usage and exit');
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (wantHelp.value || r.args.length > 1) {
    await ctx.stdout.write(USAGE);
    return 1;
  }
  if (r.args.length === 1) return topic(ctx, r.args[0], lookup);
  const names = [...ctx.allowedBuiltins()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const width = Math.max(0, ...names.map((n) => n.length));
  let out = '';
  for (const n of names) out += `${n.padEnd(width)}  ${SUMMARIES[n] ?? ''}\n`;
  out += "\nRun 'help <command>' for more information on a specific command.\n";
  await ctx.stdout.write(out);
  return 0;
};

export const help = makeHelp();
