/**
 * uniq: collapses runs of adjacent equal lines (GNU semantics for -c/-d/-D/-u, --group,
 * -f/-s/-w field and character windows, -i, -z). Streams: only the previous line is kept.
 */
import type { FlagValue } from '../flags.js';
import { FlagSet, failFlags, goQuote } from '../flags.js';
import type { Builtin } from '../types.js';
import { LineReader, LineTooLongError, MAX_LINE_BYTES } from '../lib/lines.js';
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

/** An enumerated optional-value flag; validation happens after parsing, GNU style. */
class MethodFlag implements FlagValue {
  readonly type = 'string';
  changed = false;
  constructor(public value: string) {}
  set(s: string): string | undefined {
    this.value = s;
    return undefined;
  }
  toString(): string {
    return this.value;
  }
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
  const allRepeated = fs.custom('all-repeated', 'D', new MethodFlag('none'), 'print all duplicate lines; METHOD is none, prepend or separate', { noOptDefVal: 'none' });
  const count = fs.bool('count', 'c', 'prefix lines by the number of occurrences');
  const check = fs.string('check-chars', 'w', '', 'compare no more than N characters in lines');
  const group = fs.custom('group', '', new MethodFlag('separate'), 'show all items, separating groups with an empty line', { noOptDefVal: 'separate' });
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
  const lr = new LineReader(input.reader, MAX_LINE_BYTES, delim);
  try {
    if (outputUnique && outputFirstRepeated && !count.value) {
      await simpleUniq(ctx, lr, out, cfg, delim, group.changed ? group.value : null);
    } else {
      await countingUniq(ctx, lr, out, cfg, delim, {
        outputUnique,
        outputFirstRepeated,
        outputLaterRepeated: allRepeated.changed,
        count: count.value,
        delimitGroups: allRepeated.changed ? allRepeated.value : 'none',
      });
    }
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

/** The compared window of a line (delimiter excluded). */
function keyOf(line: Uint8Array, delim: number, cfg: CompareConfig): Uint8Array {
  const size = line.length > 0 && line[line.length - 1] === delim ? line.length - 1 : line.length;
  let i = 0;
  for (let f = 0; f < cfg.skipFields && i < size; f++) {
    while (i < size && isBlank(line[i])) i++;
    while (i < size && !isBlank(line[i])) i++;
  }
  i += Math.min(cfg.skipChars, size - i);
  const end = Math.min(size, i + cfg.checkChars);
  return line.subarray(i, end);
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

async function writeLine(out: OutBuffer, line: Uint8Array, delim: number): Promise<void> {
  let p = out.write(line);
  if (p) await p;
  if (line.length === 0 || line[line.length - 1] !== delim) {
    p = out.byte(delim);
    if (p) await p;
  }
}

async function simpleUniq(
  ctx: { checkCanceled(): void },
  lr: LineReader,
  out: OutBuffer,
  cfg: CompareConfig,
  delim: number,
  grouping: string | null,
): Promise<void> {
  let prevKey: Uint8Array | null = null;
  let printedAny = false;
  let n = 0;
  for (let line = await lr.next(); line; line = await lr.next()) {
    if ((++n & 1023) === 0) ctx.checkCanceled();
    const key = keyOf(line, delim, cfg);
    const newGroup = prevKey === null || !same(key, prevKey, cfg.ignoreCase);
    if (newGroup && grouping !== null) {
      if (grouping === 'prepend' || grouping === 'both' || (printedAny && (grouping === 'append' || grouping === 'separate'))) {
        const p = out.byte(delim);
        if (p) await p;
      }
    }
    if (newGroup || grouping !== null) {
      await writeLine(out, line, delim);
      prevKey = key;
      printedAny = true;
    }
  }
  if ((grouping === 'both' || grouping === 'append') && printedAny) {
    const p = out.byte(delim);
    if (p) await p;
  }
}

interface CountingModes {
  outputUnique: boolean;
  outputFirstRepeated: boolean;
  outputLaterRepeated: boolean;
  count: boolean;
  delimitGroups: string;
}

async function countingUniq(
  ctx: { checkCanceled(): void },
  lr: LineReader,
  out: OutBuffer,
  cfg: CompareConfig,
  delim: number,
  m: CountingModes,
): Promise<void> {
  const emit = async (line: Uint8Array, match: boolean, repeats: number): Promise<void> => {
    const wanted = repeats === 0 ? m.outputUnique : !match ? m.outputFirstRepeated : m.outputLaterRepeated;
    if (!wanted) return;
    if (m.count) {
      const p = out.write(String(repeats + 1).padStart(7, ' ') + ' ');
      if (p) await p;
    }
    await writeLine(out, line, delim);
  };
  let prev = await lr.next();
  if (prev === null) return;
  let prevKey = keyOf(prev, delim, cfg);
  let repeats = 0;
  let firstDelimiter = true;
  let n = 0;
  for (let line = await lr.next(); line; line = await lr.next()) {
    if ((++n & 1023) === 0) ctx.checkCanceled();
    const key = keyOf(line, delim, cfg);
    const match = same(key, prevKey, cfg.ignoreCase);
    if (match) repeats++;
    if (m.delimitGroups !== 'none') {
      if (!match) {
        if (repeats) firstDelimiter = false;
      } else if (repeats === 1) {
        if (m.delimitGroups === 'prepend' || (m.delimitGroups === 'separate' && !firstDelimiter)) {
          const p = out.byte(delim);
          if (p) await p;
        }
      }
    }
    if (!match || m.outputLaterRepeated) {
      await emit(prev, match, repeats);
      prev = line;
      prevKey = key;
      if (!match) repeats = 0;
    }
  }
  await emit(prev, false, repeats);
}
