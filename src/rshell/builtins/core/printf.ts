/**
 * printf FORMAT [ARG]...: bash's printf without `-v`. The format is reused while arguments
 * remain (at most MAX_PASSES times); width and precision are capped at MAX_WIDTH so a script
 * cannot ask for gigabytes of padding. `%n` and `%q`/`%a` are refused.
 */
import type { Builtin, CallContext } from '../types.js';
import { type ConvSpec, formatFloat, formatInt, formatString } from './cformat.js';
import { decodeEscapes } from '../../escapes.js';
import { type ArgStatus, parseFloatArg, parseSigned, parseUnsigned } from './printf-args.js';

const USAGE = 'printf: usage: printf [-v var] format [arguments]\n';
const MAX_PASSES = 10_000;
const MAX_WIDTH = 10_000;
const FLUSH_AT = 64 * 1024;

/** One run's state: output buffer, argument cursor, error flag. */
class PrintfRun {
  private buf = '';
  argi = 0;
  failed = false;
  constructor(
    private readonly ctx: CallContext,
    readonly args: string[],
  ) {}

  async out(s: string): Promise<void> {
    this.buf += s;
    if (this.buf.length >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buf) {
      const b = this.buf;
      this.buf = '';
      await this.ctx.stdout.write(b);
    }
  }

  async err(msg: string): Promise<void> {
    // One %b argument can carry millions of bad `\u` escapes, each a message.
    this.check();
    // Keep stdout and stderr in order for readers that merge them.
    await this.flush();
    await this.ctx.stderr.write(`printf: ${msg}\n`);
  }

  /** The run's deadline, at every conversion: one pass over a 1 MiB format ran 2.3 s. */
  check(): void {
    this.ctx.checkCanceled();
  }

  next(): string {
    return this.argi < this.args.length ? this.args[this.argi++] : '';
  }

  async report(arg: string, status: ArgStatus): Promise<void> {
    if (status === 'invalid') {
      this.failed = true;
      await this.err(`${arg}: invalid number`);
    } else if (status === 'range') {
      await this.err(`warning: ${arg}: Numerical result out of range`);
    }
  }

  /** A `*` width or precision argument. */
  async starArg(): Promise<number> {
    const a = this.next();
    const [v, st] = parseSigned(a);
    await this.report(a, st === 'range' ? 'invalid' : st);
    return Number(v);
  }
}

const clamp = (n: number): number => Math.max(-MAX_WIDTH, Math.min(MAX_WIDTH, n));

/**
 * Formats one pass over `format`. Returns 'stop' when output must end (`\c` in %b, a bad
 * conversion character), else 'done'.
 */
async function pass(run: PrintfRun, format: string): Promise<'stop' | 'done'> {
  let i = 0;
  while (i < format.length) {
    run.check();
    const pct = format.indexOf('%', i);
    const lit = pct < 0 ? format.slice(i) : format.slice(i, pct);
    if (lit) {
      const d = decodeEscapes(lit, 'format');
      await run.out(d.out);
      for (const c of d.badUnicode) await run.err(`missing unicode digit for \\${c}`);
    }
    if (pct < 0) break;
    i = pct + 1;
    if (format[i] === '%') {
      await run.out('%');
      i++;
      continue;
    }
    const spec: ConvSpec = { minus: false, plus: false, space: false, zero: false, alt: false, width: 0, prec: undefined };
    for (; i < format.length && "-+ 0#'".includes(format[i]); i++) {
      const f = format[i];
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === ' ') spec.space = true;
      else if (f === '0') spec.zero = true;
      else if (f === '#') spec.alt = true;
    }
    if (format[i] === '*') {
      i++;
      const w = clamp(await run.starArg());
      if (w < 0) spec.minus = true;
      spec.width = Math.abs(w);
    } else {
      const m = /^\d+/.exec(format.slice(i, i + 32));
      if (m) {
        i += m[0].length;
        while (format[i] >= '0' && format[i] <= '9') i++;
        spec.width = clamp(Number(m[0]));
      }
    }
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        i++;
        const p = await run.starArg();
        spec.prec = p < 0 ? undefined : clamp(p);
      } else {
        const m = /^\d*/.exec(format.slice(i, i + 32))![0];
        i += m.length;
        while (format[i] >= '0' && format[i] <= '9') i++;
        spec.prec = clamp(Number(m || '0'));
      }
    }
    while (i < format.length && 'hlLjzt'.includes(format[i])) i++;
    if (i >= format.length) {
      run.failed = true;
      await run.err(`\`${format.slice(pct, i)}': missing format character`);
      return 'done';
    }
    const conv = format[i++];
    const r = await convert(run, conv, spec);
    if (r === 'stop') return 'stop';
  }
  return 'done';
}

async function convert(run: PrintfRun, conv: string, spec: ConvSpec): Promise<'stop' | 'ok'> {
  switch (conv) {
    case 's':
      await run.out(formatString(run.next(), spec));
      return 'ok';
    case 'b': {
      const d = decodeEscapes(run.next(), 'b');
      for (const c of d.badUnicode) await run.err(`missing unicode digit for \\${c}`);
      await run.out(formatString(d.out, spec));
      return d.stop ? 'stop' : 'ok';
    }
    case 'c': {
      const a = run.next();
      await run.out(formatString(a ? a[0] : '\0', spec, false));
      return 'ok';
    }
    case 'd':
    case 'i': {
      const a = run.next();
      const [v, st] = parseSigned(a);
      await run.report(a, st);
      await run.out(formatInt(v, conv, spec));
      return 'ok';
    }
    case 'o':
    case 'u':
    case 'x':
    case 'X': {
      const a = run.next();
      const [v, st] = parseUnsigned(a);
      await run.report(a, st);
      // Sign flags mean nothing for unsigned conversions.
      await run.out(formatInt(v, conv, { ...spec, plus: false, space: false }));
      return 'ok';
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      const a = run.next();
      const [v, st] = parseFloatArg(a);
      await run.report(a, st);
      await run.out(formatFloat(v, conv, spec));
      return 'ok';
    }
    case 'n':
      run.next();
      run.failed = true;
      await run.err('%n: not supported (security risk)');
      return 'ok';
    case 'q':
    case 'a':
    case 'A':
      run.next();
      run.failed = true;
      await run.err(`%${conv}: not supported`);
      return 'ok';
    default:
      // bash stops the whole printf at an unknown conversion.
      run.failed = true;
      await run.err(`%${conv}: invalid format character`);
      return 'stop';
  }
}

export const printf: Builtin = async (ctx, argv) => {
  let args = argv;
  const first = args[0];
  if (first === '--help') {
    await ctx.stdout.write(USAGE);
    return 2;
  }
  if (first === '-v') {
    await ctx.stderr.write('printf: -v: not supported in restricted shell\n');
    return 1;
  }
  if (first === '--') {
    args = args.slice(1);
  } else if (first !== undefined && first.length > 1 && first[0] === '-') {
    const opt = first[1] === '-' ? '--' : first.slice(0, 2);
    await ctx.stderr.write(`printf: ${opt}: invalid option\n${USAGE}`);
    return 2;
  }
  if (args.length === 0) {
    await ctx.stderr.write(USAGE);
    return 2;
  }
  const run = new PrintfRun(ctx, args.slice(1));
  for (let n = 0; n < MAX_PASSES; n++) {
    ctx.checkCanceled();
    const before = run.argi;
    if ((await pass(run, args[0])) === 'stop') break;
    // Reuse the format only while it consumes arguments and some remain.
    if (run.argi === before || run.argi >= run.args.length) break;
  }
  await run.flush();
  return run.failed ? 1 : 0;
};
