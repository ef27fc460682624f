/**
 * uniq: collapses runs of adjacent equal lines (GNU semantics for -c/-d/-D/-u, --group,
 * -f/-s/-w field and character windows, -i, -z). Streams: only the previous line is kept.
 */
import { FlagSet, failFlags, goQuote } from '../flags.js';
import { bufferOf } from '../lib/buffered.js';
import type { Builtin } from '../types.js';
import { LineTooLongError } from '../lib/lines.js';
import { eachLine } from './each-line.js';
import { helpText } from './help.js';
import { OutBuffer, complain, fileErrorText, openInput } from './io.js';

const ALL_REPEATED_METHODS = ['none', 'prepend', 'separate'];
// Listed in GNU's order; abbreviations resolve to the first match in MATCH order.
const GROUP_METHODS = ['prepend', 'append', 'separate', 'both'];
const GROUP_MATCH_ORDER = ['separate', 'prepend', 'append', 'both'];

/** GNU argmatch: a method or any non-empty prefix of one. */
function matchMethod(value: string, order: string[]): string | undefined {
  if (value === '') return undefined;
  return order.find((m) => m.startsWith(value));
}

/** Non-negative decimal (an optional "+"), saturating on overflow, as rshell parses it. */
function sizeOpt(s: string): number | undefined {
  const m = /^\+?([0-9]+)$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isFinite(n) ? Math.min(n, Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER;
}

/** GNU uniq's field separators: blanks, and newline (which only occurs inside -z records). */
function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a;
}

export const uniq: Builtin = async (ctx, args) => {
  const fs = new FlagSet('uniq');
  const allRepeated = fs.string('all-repeated', 'D', 'none', 'print all duplicate lines; METHOD is none, prepend or separate', { noOptDefVal: 'none' });
  const count = fs.bool('count', 'c', 'prefix lines by the number of occurrences');
  const check = fs.string('check-chars', 'w', '', 'compare no more than N characters in lines');
  const group = fs.string('group', '', 'separate', 'show all items, separating groups with an empty line', { noOptDefVal: 'separate' });
  const help = fs.bool('help', 'h', 'display this help and exit');
  const ignoreCase = fs.bool('ignore-case', 'i', 'ignore differences in case when comparing');
  const repeated = fs.bool('repeated', 'd', 'only print duplicate lines, one for each group');
  const skipChars = fs.string('skip-chars', 's', '', 'avoid comparing the first N characters');
  const skipFields = fs.string('skip-fields', 'f', '', 'avoid comparing the first N fields');
  const unique = fs.bool('unique', 'u', 'only print unique lines');
  const zero = fs.bool('zero-terminated', 'z', 'line delimiter is NUL, not newline');
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (help.value) {
    await ctx.stdout.write(
      helpText(fs, 'uniq [OPTION]... [INPUT]', [
        'Filter adjacent matching lines from INPUT (or standard input),',
        'writing to standard output.',
      ]),
    );
    return 0;
  }
  const usageError = async (msg: string): Promise<number> => {
    await complain(ctx, msg);
    await ctx.stderr.write("Try 'uniq --help' for more information.\n");
    return 1;
  };
  for (const [flag, name, methods, order] of [
    [allRepeated, 'all-repeated', ALL_REPEATED_METHODS, ALL_REPEATED_METHODS],
    [group, 'group', GROUP_METHODS, GROUP_MATCH_ORDER],
  ] as const) {
    if (!flag.changed) continue;
    const method = matchMethod(flag.value, order);
    if (method === undefined) {
      // rshell's text: GNU's list of valid arguments, then an empty line.
      await complain(ctx, `invalid argument '${flag.value}' for '--${name}'\nValid arguments are:\n${methods.map((m) => `  - '${m}'\n`).join('')}`);
      return 1;
    }
    flag.value = method;
  }
  const sizes: Record<string, number> = { f: 0, s: 0, w: Number.MAX_SAFE_INTEGER };
  for (const [flag, key, what] of [
    [skipFields, 'f', 'invalid number of fields to skip'],
    [skipChars, 's', 'invalid number of bytes to skip'],
    [check, 'w', 'invalid number of bytes to compare'],
  ] as const) {
    if (!flag.changed) continue;
    const n = sizeOpt(flag.value);
    if (n === undefined) {
      await complain(ctx, `${flag.value}: ${what}`);
      return 1;
    }
    sizes[key] = n;
  }
  if (group.changed && (count.value || repeated.value || allRepeated.changed || unique.value)) {
    return usageError('--group is mutually exclusive with -c/-d/-D/-u');
  }
  if (allRepeated.changed && count.value) {
    return usageError('printing all duplicated lines and repeat counts is meaningless');
  }
  if (r.args.length > 1) {
    await complain(ctx, `extra operand ${goQuote(r.args[1])}`);
    return 1;
  }

  const delim = zero.value ? 0 : 0x0a;
  const name = r.args[0] ?? '-';
  let input;
  try {
    input = await openInput(ctx, name);
  } catch (e) {
    await complain(ctx, `${name}: ${fileErrorText(e)}`);
    return 1;
  }
  const outputUnique = !repeated.value && !allRepeated.changed;
  const outputFirstRepeated = !unique.value;
  const cfg = {
    skipFields: sizes.f,
    skipChars: sizes.s,
    checkChars: sizes.w,
    ignoreCase: ignoreCase.value,
  };
  const out = new OutBuffer(ctx.stdout);
  const sink: UniqSink =
    outputUnique && outputFirstRepeated && !count.value
      ? new SimpleUniq(out, cfg, delim, group.changed ? group.value : null)
      : new CountingUniq(out, cfg, delim, {
          outputUnique,
          outputFirstRepeated,
          outputLaterRepeated: allRepeated.changed,
          count: count.value,
          delimitGroups: allRepeated.changed ? allRepeated.value : 'none',
        });
  try {
    await eachLine(input.reader, (line) => sink.line(line), { delim, checkCanceled: () => ctx.checkCanceled(), buffer: bufferOf(ctx) });
    await sink.end();
  } catch (e) {
    await out.flush();
    await complain(ctx, `${input.label}: ${e instanceof LineTooLongError ? e.message : fileErrorText(e)}`);
    return 1;
  } finally {
    await input.close();
  }
  await out.flush();
  return 0;
};

interface CompareConfig {
  skipFields: number;
  skipChars: number;
  checkChars: number;
  ignoreCase: boolean;
}

/** The compared window of a line (delimiter already excluded). */
function keyOf(line: Uint8Array, cfg: CompareConfig): Uint8Array {
  const size = line.length;
  let i = 0;
  for (let f = 0; f < cfg.skipFields && i < size; f++) {
    while (i < size && isBlank(line[i])) i++;
    while (i < size && !isBlank(line[i])) i++;
  }
  i += Math.min(cfg.skipChars, size - i);
  return line.subarray(i, Math.min(size, i + cfg.checkChars));
}

function same(a: Uint8Array, b: Uint8Array, ignoreCase: boolean): boolean {
  if (a.length !== b.length) return false;
  if (!ignoreCase) return Buffer.compare(a, b) === 0;
  for (let i = 0; i < a.length; i++) {
    let x = a[i];
    let y = b[i];
    if (x >= 97 && x <= 122) x -= 32;
    if (y >= 97 && y <= 122) y -= 32;
    if (x !== y) return false;
  }
  return true;
}

/** A uniq mode fed one line at a time; returns a promise only when output must drain. */
interface UniqSink {
  line(line: Uint8Array): Promise<void> | undefined;
  end(): Promise<void> | undefined;
}

/** Reserves room for `n` bytes, then runs the synchronous puts. */
function withRoom(out: OutBuffer, n: number, puts: () => void): Promise<void> | undefined {
  const p = out.room(n);
  if (p) return p.then(puts);
  puts();
  return undefined;
}

/** Plain uniq and --group: print the first line of each group (every line with --group). */
class SimpleUniq implements UniqSink {
  private prevKey: Uint8Array | null = null;
  private printedAny = false;
  constructor(
    private readonly out: OutBuffer,
    private readonly cfg: CompareConfig,
    private readonly delim: number,
    private readonly grouping: string | null,
  ) {}

  line(line: Uint8Array): Promise<void> | undefined {
    const g = this.grouping;
    const key = keyOf(line, this.cfg);
    const newGroup = this.prevKey === null || !same(key, this.prevKey, this.cfg.ignoreCase);
    if (!newGroup && g === null) return undefined;
    const separator =
      newGroup && g !== null && (g === 'prepend' || g === 'both' || (this.printedAny && (g === 'append' || g === 'separate')));
    this.prevKey = key;
    this.printedAny = true;
    return withRoom(this.out, line.length + 2, () => {
      if (separator) this.out.putByte(this.delim);
      this.out.put(line);
      this.out.putByte(this.delim);
    });
  }

  end(): Promise<void> | undefined {
    if ((this.grouping === 'both' || this.grouping === 'append') && this.printedAny) return this.out.writeByte(this.delim);
    return undefined;
  }
}

interface CountingModes {
  outputUnique: boolean;
  outputFirstRepeated: boolean;
  outputLaterRepeated: boolean;
  count: boolean;
  delimitGroups: string;
}

/** -c, -d, -u, -D: GNU's loop, deciding for each line once its successor is known. */
class CountingUniq implements UniqSink {
  private prev: Uint8Array | null = null;
  private prevKey: Uint8Array = new Uint8Array(0);
  private repeats = 0;
  private firstDelimiter = true;
  constructor(
    private readonly out: OutBuffer,
    private readonly cfg: CompareConfig,
    private readonly delim: number,
    private readonly m: CountingModes,
  ) {}

  private wanted(match: boolean, repeats: number): boolean {
    return repeats === 0 ? this.m.outputUnique : !match ? this.m.outputFirstRepeated : this.m.outputLaterRepeated;
  }

  private put(line: Uint8Array, repeats: number): void {
    if (this.m.count) this.out.put(String(repeats + 1).padStart(7, ' ') + ' ');
    this.out.put(line);
    this.out.putByte(this.delim);
  }

  line(line: Uint8Array): Promise<void> | undefined {
    const key = keyOf(line, this.cfg);
    const prev = this.prev;
    if (prev === null) {
      this.prev = line;
      this.prevKey = key;
      return undefined;
    }
    const m = this.m;
    const match = same(key, this.prevKey, this.cfg.ignoreCase);
    if (match) this.repeats++;
    let separator = false;
    if (m.delimitGroups !== 'none') {
      if (!match) {
        if (this.repeats) this.firstDelimiter = false;
      } else if (this.repeats === 1) {
        separator = m.delimitGroups === 'prepend' || (m.delimitGroups === 'separate' && !this.firstDelimiter);
      }
    }
    const advance = !match || m.outputLaterRepeated;
    const repeats = this.repeats;
    const print = advance && this.wanted(match, repeats);
    if (advance) {
      this.prev = line;
      this.prevKey = key;
      if (!match) this.repeats = 0;
    }
    if (!separator && !print) return undefined;
    return withRoom(this.out, prev.length + 10 + 24, () => {
      if (separator) this.out.putByte(this.delim);
      if (print) this.put(prev, repeats);
    });
  }

  end(): Promise<void> | undefined {
    const prev = this.prev;
    if (prev === null || !this.wanted(false, this.repeats)) return undefined;
    const repeats = this.repeats;
    return withRoom(this.out, prev.length + 10 + 24, () => this.put(prev, repeats));
  }
}
