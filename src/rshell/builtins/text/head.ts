/**
 * head: the first N lines (-n) or bytes (-c) of each input, with `==> name <==` headers for
 * several inputs. Stops reading as soon as it has enough and cancels the input, so an
 * upstream producer stops too.
 */
import type { ByteReader } from '../../io.js';
import type { Input } from '../lib/input.js';
import { FlagSet, failFlags, goQuote } from '../flags.js';
import type { Builtin, CallContext } from '../types.js';
import { ModeFlag, SWITCH_SENTINEL, SwitchFlag, legacyCountArgs, parseCount } from './count.js';
import { helpText } from './help.js';
import { complain, forEachInput } from './io.js';

export const head: Builtin = async (ctx, rawArgs) => {
  const fs = new FlagSet('head');
  const help = fs.bool('help', 'h', 'print usage and exit');
  const modeSeq = { n: 0 };
  const lines = fs.custom('lines', 'n', new ModeFlag(modeSeq, '10', false), 'print the first NUM lines instead of the first 10');
  const bytes = fs.custom('bytes', 'c', new ModeFlag(modeSeq, '', false), 'print the first NUM bytes of each file');
  const headerSeq = { n: 0 };
  const sw = { noOptDefVal: SWITCH_SENTINEL };
  const refusal = "option doesn't allow an argument";
  const quiet = fs.custom('quiet', 'q', new SwitchFlag(headerSeq, refusal), 'never print headers giving file names', sw);
  const silent = fs.custom('silent', '', new SwitchFlag(headerSeq, refusal), 'same as --quiet', sw);
  const verbose = fs.custom('verbose', 'v', new SwitchFlag(headerSeq, refusal), 'always print headers giving file names', sw);
  const r = fs.parse(legacyCountArgs(rawArgs));
  if (!r.ok) return failFlags(ctx, r.error);
  if (help.value) {
    await ctx.stdout.write(
      helpText(fs, 'head [OPTION]... [FILE]...', [
        'Print the first 10 lines of each FILE to standard output.',
        'With more than one FILE, precede each with a header giving the file name.',
        'With no FILE, or when FILE is -, read standard input.',
      ]),
    );
    return 0;
  }
  // Every given count must be valid, even one a later -n/-c overrides (GNU head).
  for (const [flag, what] of [[lines, 'lines'], [bytes, 'bytes']] as const) {
    if (flag.pos > 0 && !validCount(flag.value)) {
      await complain(ctx, `invalid number of ${what}: ${goQuote(flag.value)}`);
      return 1;
    }
  }
  const byBytes = bytes.pos > lines.pos;
  const count = parseCount(byBytes ? bytes.value : lines.value)!;
  const files = r.args.length ? r.args : ['-'];
  const quietPos = Math.max(quiet.pos, silent.pos);
  const headers = verbose.pos > quietPos ? true : quietPos > verbose.pos ? false : files.length > 1;
  const copier = new HeadCopier(ctx, headers, byBytes, count.n);
  return forEachInput(ctx, files, copier.copy.bind(copier));
};

/**
 * What head does with each input. A class with a bound method rather than a closure made per
 * call: V8 drops the optimised code of closures no longer alive at each major GC and
 * compiles them again.
 */
class HeadCopier {
  private printed = false;

  constructor(
    private readonly ctx: CallContext,
    private readonly headers: boolean,
    private readonly byBytes: boolean,
    private readonly n: number,
  ) {}

  async copy(input: Input): Promise<void> {
    const ctx = this.ctx;
    try {
      if (this.headers) {
        await ctx.stdout.write(`${this.printed ? '\n' : ''}==> ${input.label} <==\n`);
        this.printed = true;
      }
      await (this.byBytes ? copyBytes(ctx, input.reader, this.n) : copyLines(ctx, input.reader, this.n));
    } finally {
      // Stdin is never closed, but the rest of it is not wanted: an upstream producer stops.
      if (input.isStdin) input.reader.cancel();
    }
  }
}

/** Whether a count operand is one head accepts (a module function, see pauseOf). */
function validCount(text: string): boolean {
  const c = parseCount(text);
  return c !== undefined && !c.negative;
}

/** Copies the first `n` newline-terminated lines (the last one may lack its newline). */
async function copyLines(ctx: CallContext, reader: ByteReader, n: number): Promise<void> {
  let left = n;
  while (left > 0) {
    ctx.checkCanceled();
    const chunk = await reader.read();
    if (chunk === null) return;
    let at = -1;
    while (left > 0) {
      at = chunk.indexOf(0x0a, at + 1);
      if (at === -1) break;
      left--;
    }
    if (left === 0) {
      await ctx.stdout.write(chunk.subarray(0, at + 1));
      return;
    }
    await ctx.stdout.write(chunk);
  }
}

async function copyBytes(ctx: CallContext, reader: ByteReader, n: number): Promise<void> {
  let left = n;
  while (left > 0) {
    ctx.checkCanceled();
    const chunk = await reader.read();
    if (chunk === null) return;
    const take = chunk.length <= left ? chunk : chunk.subarray(0, left);
    left -= take.length;
    await ctx.stdout.write(take);
  }
}
