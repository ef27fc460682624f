/**
 * sort: reads every input (capped like rshell: 1,000,000 lines and 5 MiB in total), sorts
 * with GNU's C-locale ordering (see sort-keys.ts), and writes the result; -c/-C check order
 * instead. Sorting is stable, so -u keeps the first of each run of equal lines.
 */
import type { FlagValue } from '../flags.js';
import { FlagSet, failFlags, goQuote } from '../flags.js';
import type { Builtin, CallContext } from '../types.js';
import { LineReader, LineTooLongError } from '../lib/lines.js';
import { eachLine } from './each-line.js';
import { helpText } from './help.js';
import { bufferedRefusal, STRING_LINE_COST, bufferOf } from '../lib/buffered.js';
import { pauseOf } from '../lib/pause.js';
import { OutBuffer, complain, fileErrorText, openInput } from './io.js';
import {
  INDEX_WIDTH,
  KeyError,
  compareInPlace,
  compareLines,
  isDefaultOrdering,
  noOptions,
  optionLetters,
  parseKey,
  prepare,
  sortString,
  type KeyOptions,
  type Prepared,
  type SortKey,
  type SortOrder,
} from './sort-keys.js';

export const SORT_MAX_LINES = 1_000_000;
export const SORT_MAX_BYTES = 5 * 1024 * 1024;

/** Tracks --check modes so mixing diagnose and silent can be refused like GNU. */
class CheckFlag implements FlagValue {
  readonly type = 'string';
  changed = false;
  value = '';
  diagnose = false;
  silent = false;
  invalid: string | null = null;
  set(s: string): string | undefined {
    this.value = s;
    if (s === 'silent' || s === 'quiet') this.silent = true;
    else if (s === 'diagnose' || s === 'diagnose-first') this.diagnose = true;
    else this.invalid ??= s;
    return undefined;
  }
  toString(): string {
    return this.value;
  }
}

/** A cap was hit; the byte cap names the input, the line cap does not (rshell's texts). */
class SortLimitError extends Error {
  constructor(
    message: string,
    readonly perInput = true,
  ) {
    super(message);
  }
}

export const sort: Builtin = async (ctx, args) => {
  const fs = new FlagSet('sort');
  const ignoreBlanks = fs.bool('ignore-leading-blanks', 'b', 'ignore leading blanks');
  const check = fs.custom('check', 'c', new CheckFlag(), 'check for sorted input; do not sort', { noOptDefVal: 'diagnose' });
  const checkSilent = fs.bool('check-silent', 'C', 'like -c, but do not report first bad line', { hidden: true });
  const dictionary = fs.bool('dictionary-order', 'd', 'consider only blanks and alphanumeric characters');
  const foldCase = fs.bool('ignore-case', 'f', 'fold lower case to upper case characters');
  const help = fs.bool('help', 'h', 'display this help and exit');
  const keys = fs.stringArray('key', 'k', [], 'sort via a key; KEYDEF gives location and type');
  const numeric = fs.bool('numeric-sort', 'n', 'compare according to string numerical value');
  const reverse = fs.bool('reverse', 'r', 'reverse the result of comparisons');
  const stable = fs.bool('stable', 's', 'stabilize sort by disabling last-resort comparison');
  const separator = fs.string('field-separator', 't', '', 'use SEP instead of non-blank to blank transition');
  const unique = fs.bool('unique', 'u', 'output only the first of an equal run');
  const output = fs.string('output', 'o', '', 'write result to FILE', { hidden: true });
  const tempDir = fs.string('temporary-directory', 'T', '', 'use DIR for temporaries', { hidden: true });
  const compress = fs.string('compress-program', '', '', 'compress temporaries with PROG', { hidden: true });
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (help.value) {
    await ctx.stdout.write(
      helpText(fs, 'sort [OPTION]... [FILE]...', [
        'Write sorted concatenation of all FILE(s) to standard output.',
        'With no FILE, or when FILE is -, read standard input.',
      ]),
    );
    return 0;
  }
  const fail = async (msg: string, code: number): Promise<number> => {
    await complain(ctx, msg);
    return code;
  };
  if (output.changed) return fail('--output/-o is not supported (writes to filesystem)', 1);
  if (tempDir.changed) return fail('--temporary-directory is not supported (writes temp files)', 1);
  if (compress.changed) return fail('--compress-program is not supported (executes a binary)', 1);
  if (check.changed && check.invalid !== null) return fail(`invalid argument ${goQuote(check.invalid)} for '--check'`, 2);
  if ((check.diagnose && check.silent) || (checkSilent.value && check.diagnose)) return fail("options '-cC' are incompatible", 2);
  const checking = check.changed || checkSilent.value;
  const quietCheck = checkSilent.value || check.silent;

  let tab = -1;
  if (separator.changed) {
    if (separator.value.length === 0) return fail('empty tab', 2);
    if (separator.value.length !== 1) return fail(`multi-character tab ${goQuote(separator.value)}`, 2);
    tab = separator.value.charCodeAt(0);
  }
  const global: KeyOptions = {
    ...noOptions(),
    skipStartBlanks: ignoreBlanks.value,
    skipEndBlanks: ignoreBlanks.value,
    dictionary: dictionary.value,
    foldCase: foldCase.value,
    numeric: numeric.value,
    reverse: reverse.value,
  };
  const keyList: SortKey[] = [];
  try {
    for (const spec of keys.value) keyList.push(parseKey(spec));
  } catch (e) {
    if (!(e instanceof KeyError)) throw e;
    return fail(e.message, 2);
  }
  for (const k of keyList) {
    // A key without ordering options of its own takes all the global ones.
    if (isDefaultOrdering(k) && !k.reverse) Object.assign(k, global);
  }
  if (keyList.length === 0 && !isDefaultOrdering(global)) {
    keyList.push({ ...global, startField: -1, startChar: 0, endField: -1, endChar: 0 });
  }
  for (const k of keyList) {
    if (k.numeric && k.dictionary) {
      return fail(`options '-${optionLetters(k)}' are incompatible`, 2);
    }
  }
  const order: SortOrder = { keys: keyList, tab, noLastResort: stable.value || unique.value, reverse: reverse.value };
  const files = r.args.length ? r.args : ['-'];

  if (checking) {
    if (files.length > 1) return fail(`extra operand ${goQuote(files[1])} not allowed with -c`, 2);
    return checkOrder(ctx, files[0], order, quietCheck, unique.value);
  }

  const lines: string[] = [];
  const budget = { bytes: 0 };
  for (const name of files) {
    ctx.checkCanceled();
    const err = await readLines(ctx, name, lines, budget);
    if (err !== null) return fail(err, 1);
  }
  const out = new OutBuffer(ctx.stdout);
  // Output loops pause every few thousand lines: a million lines to the run's stdout (a
  // writer that never pauses) were one long stretch.
  const pause = pauseOf(ctx);
  let seen = 0;
  const emit = async (line: string): Promise<void> => {
    let w = out.write(line);
    if (w) await w;
    w = out.writeByte(0x0a);
    if (w) await w;
  };
  if (keyList.length === 0) {
    // Whole-line byte order: V8's native string sort compares latin1 code units, i.e. bytes.
    ctx.checkTimeFor(nativeSortMs(lines.length));
    lines.sort();
    if (order.reverse) lines.reverse();
    let prev: string | null = null;
    for (const line of lines) {
      if ((++seen & 4095) === 0) await pause();
      if (unique.value && line === prev) continue;
      prev = line;
      await emit(line);
    }
  } else {
    const keyed = await sortStrings(lines, order, pause, bufferOf(ctx));
    if (keyed === null) {
      // Keys too large to copy: compare them in place, the deadline checked as it goes, and
      // the event loop given turns (50 keys over 400,000 lines took one 14 s stretch).
      const check = () => ctx.checkCanceled();
      const idx = await mergeSort(
        lines.map((_, i) => i),
        (a, b) => compareInPlace(lines[a], lines[b], order, check),
        pause,
      );
      let prev: string | null = null;
      for (const i of idx) {
        if ((++seen & 1023) === 0) await pause();
        if (unique.value && prev !== null && compareInPlace(prev, lines[i], order, check) === 0) continue;
        prev = lines[i];
        await emit(lines[i]);
      }
    } else {
      ctx.checkTimeFor(nativeSortMs(keyed.length));
      keyed.sort();
      ctx.checkCanceled();
      // With -u (no last resort), equal keys give equal strings up to the index.
      let prev: string | null = null;
      for (const k of keyed) {
        if ((++seen & 4095) === 0) await pause();
        const body = k.slice(0, k.length - INDEX_WIDTH);
        if (unique.value && body === prev) continue;
        prev = body;
        await emit(lines[Number(k.slice(k.length - INDEX_WIDTH))]);
      }
    }
  }
  await out.flush();
  return 0;
};

/**
 * Bytes of sort strings (sortString) one sort may build. Each key copies its text, so 600
 * `-k1` over a 1 MiB line asked for a 600 MiB string ("Invalid string length"), and 100
 * `-k1r` over 4 MiB took 580 MiB; past this budget keys are compared in place instead.
 */
export const SORT_MAX_KEYED_BYTES = 64 * 1024 * 1024;

/**
 * The sort string of every line, pausing every 4,096 lines (1M lines with keys took 1.3 s);
 * null when they could pass SORT_MAX_KEYED_BYTES.
 */
async function sortStrings(
  lines: string[],
  order: SortOrder,
  pause: () => Promise<void> | undefined,
  buffer: (n: number) => boolean = () => true,
): Promise<string[] | null> {
  const keyed: string[] = new Array(lines.length);
  let total = 0;
  for (let i = 0; i < lines.length; i++) {
    if ((i & 4095) === 0) await pause();
    const line = lines[i];
    // Upper bound of one sort string: every key and the line escaped (2 bytes a byte) plus terminator, and the index.
    if (total + (order.keys.length + 1) * (2 * line.length + 1) + INDEX_WIDTH > SORT_MAX_KEYED_BYTES) return null;
    keyed[i] = sortString(line, order, i);
    total += keyed[i].length;
    // Counted with the run's other buffers, else twenty sorts built 64 MiB each at once;
    // past that total, keys are compared in place too (kept counted until sort returns).
    if (!buffer(keyed[i].length + STRING_LINE_COST)) return null;
  }
  return keyed;
}

/**
 * A stable merge sort that lets `pause` give the event loop a turn every 1,024 comparisons:
 * the native sort cannot be interrupted, and a slow comparator (many keys compared in place)
 * held the loop for the whole sort. Returns the sorted array (`a` or its scratch copy).
 */
export async function mergeSort<T>(a: T[], cmp: (x: T, y: T) => number, pause: () => Promise<void> | undefined): Promise<T[]> {
  let src = a;
  let dst: T[] = new Array<T>(a.length);
  let n = 0;
  for (let width = 1; width < a.length; width *= 2) {
    for (let lo = 0; lo < a.length; lo += 2 * width) {
      const mid = Math.min(lo + width, a.length);
      const hi = Math.min(lo + 2 * width, a.length);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // Ties take the left run first: stable.
        dst[k++] = cmp(src[i], src[j]) <= 0 ? src[i++] : src[j++];
        if ((++n & 1023) === 0) await pause();
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/** Worst case of V8's native sort of `n` strings (n log n steps at 25 ns), for ctx.checkTimeFor. */
function nativeSortMs(n: number): number {
  return (n * Math.log2(n + 1) * 25) / 1e6;
}

/** Appends an input's lines (newline stripped, bstr); returns an error message or null. */
async function readLines(ctx: CallContext, name: string, lines: string[], budget: { bytes: number }): Promise<string | null> {
  let input;
  try {
    input = await openInput(ctx, name);
  } catch (e) {
    return `${name}: ${fileErrorText(e)}`;
  }
  try {
    await eachLine(input.reader, (line) => {
      budget.bytes += line.length;
      if (budget.bytes > SORT_MAX_BYTES) throw new SortLimitError('input exceeds maximum total size');
      if (lines.length >= SORT_MAX_LINES) throw new SortLimitError(`input exceeds maximum of ${SORT_MAX_LINES} lines`, false);
      if (ctx.buffer?.(line.length + STRING_LINE_COST) === false) throw new SortLimitError(bufferedRefusal(), false);
      lines.push(Buffer.from(line.buffer, line.byteOffset, line.length).toString('latin1'));
      if ((lines.length & 4095) === 0) ctx.checkCanceled();
      return undefined;
    }, { buffer: bufferOf(ctx) });
  } catch (e) {
    input.reader.cancel();
    if (e instanceof SortLimitError) return e.perInput ? `${input.label}: ${e.message}` : e.message;
    if (e instanceof LineTooLongError) return `${input.label}: ${e.message}`;
    return `${input.label}: ${fileErrorText(e)}`;
  } finally {
    await input.close();
  }
  return null;
}

async function checkOrder(ctx: CallContext, name: string, order: SortOrder, quiet: boolean, strict: boolean): Promise<number> {
  let input;
  try {
    input = await openInput(ctx, name);
  } catch (e) {
    await complain(ctx, `${name}: ${fileErrorText(e)}`);
    return 2;
  }
  const lr = new LineReader(input.reader, undefined, undefined, bufferOf(ctx));
  let prev: Prepared | null = null;
  let n = 0;
  try {
    for (let line = await lr.next(); line; line = await lr.next()) {
      n++;
      if ((n & 4095) === 0) ctx.checkCanceled();
      const end = line[line.length - 1] === 0x0a ? line.length - 1 : line.length;
      const cur = prepare(Buffer.from(line.buffer, line.byteOffset, end).toString('latin1'), order);
      if (prev !== null) {
        const d = compareLines(prev, cur, order);
        if (d > 0 || (strict && d === 0)) {
          lr.cancel();
          if (!quiet) await complain(ctx, `${name}:${n}: disorder: ${cur.line}`);
          return 1;
        }
      }
      prev = cur;
    }
  } catch (e) {
    await complain(ctx, `${input.label}: ${e instanceof LineTooLongError ? e.message : fileErrorText(e)}`);
    return 2;
  } finally {
    await input.close();
  }
  return 0;
}
