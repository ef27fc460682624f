/**
 * wc: newline, word, character, byte and longest-line counts per input, plus a total for
 * several inputs, in GNU's layout (column width from the regular files' sizes, at least 7
 * when any input is not a regular file, 1 for a single count of a single input).
 */
import { FlagSet, failFlags } from '../flags.js';
import type { Builtin } from '../types.js';
import { helpText } from './help.js';
import { PathEscapeError, SandboxError, type FileInfo } from '../../sandbox/types.js';
import { pauseOf } from '../lib/pause.js';
import { complain, fileErrorText, openInput, READ_CHUNK, type Input } from './io.js';
import { WcCounter, zeroCounts, type WcCounts, type WcWants } from './wc-core.js';

export const wc: Builtin = async (ctx, args) => {
  const fs = new FlagSet('wc');
  const bytes = fs.bool('bytes', 'c', 'print the byte counts');
  const chars = fs.bool('chars', 'm', 'print the character counts');
  const lines = fs.bool('lines', 'l', 'print the newline counts');
  const maxLine = fs.bool('max-line-length', 'L', 'print the maximum display width');
  const words = fs.bool('words', 'w', 'print the word counts');
  const help = fs.bool('help', '', 'display this help and exit');
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (help.value) {
    await ctx.stdout.write(
      helpText(fs, 'wc [OPTION]... [FILE]...', [
        'Print newline, word, and byte counts for each FILE, and a total line if',
        'more than one FILE is specified.  A word is a non-zero-length sequence of',
        'characters delimited by white space.',
        'With no FILE, or when FILE is -, read standard input.',
      ]),
    );
    return 0;
  }
  const any = bytes.value || chars.value || lines.value || maxLine.value || words.value;
  const wants: WcWants = {
    lines: any ? lines.value : true,
    words: any ? words.value : true,
    chars: chars.value,
    bytes: any ? bytes.value : true,
    maxLine: maxLine.value,
  };
  const columns = [wants.lines, wants.words, wants.chars, wants.bytes, wants.maxLine].filter(Boolean).length;
  const names = r.args.length ? r.args : ['-'];
  const named = r.args.length > 0;

  // The column width depends on every input's kind and size, which GNU wc learns by stat
  // before reading any: opening them all first held a descriptor per operand (`wc -l *` over
  // 2,000 files passed the Lambda's 1,024), and 500,000 refused operands were one 5 s stretch.
  const pause = pauseOf(ctx);
  // An operand stat found missing or denied is reported so rather than looked up again.
  const missing: (string | undefined)[] = [];
  let width = 1;
  if (!(names.length === 1 && columns === 1)) {
    let minimum = 1;
    let total = 0;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const wait = pause();
      if (wait) await wait;
      if (name === '') continue;
      if (name === '-') {
        minimum = 7;
        continue;
      }
      let info: FileInfo;
      try {
        info = await ctx.fs.stat(name, ctx.dir);
      } catch (e) {
        const text = fileErrorText(e);
        // Not a symlink leading out: its message names the operation ("statat …"), and the
        // open that reports it says "openat …".
        if (e instanceof SandboxError && (e.code === 'ENOENT' || e.code === 'EACCES') && !(e instanceof PathEscapeError)) missing[i] = text;
        continue;
      }
      if (info.kind === 'file') total += info.size;
      else minimum = 7;
    }
    width = Math.max(String(total).length, minimum);
  }
  let status = 0;
  const totals = zeroCounts();
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const wait = pause();
    if (wait) await wait;
    if (name === '' || missing[i] !== undefined) {
      await complain(ctx, name === '' ? 'invalid zero-length file name' : `${name}: ${missing[i]}`);
      status = 1;
      continue;
    }
    let input: Input;
    try {
      // The counters keep no chunk, so each file's reads reuse one buffer.
      input = await openInput(ctx, name, READ_CHUNK, true);
    } catch (e) {
      await complain(ctx, `${name}: ${fileErrorText(e)}`);
      status = 1;
      continue;
    }
    const counter = new WcCounter(wants);
    try {
      for (let chunk = await input.reader.read(); chunk; chunk = await input.reader.read()) {
        ctx.checkCanceled();
        counter.push(chunk);
      }
    } catch (e) {
      await complain(ctx, `${name}: ${fileErrorText(e)}`);
      status = 1;
    } finally {
      await input.close();
    }
    const c = counter.finish();
    totals.lines += c.lines;
    totals.words += c.words;
    totals.chars += c.chars;
    totals.bytes += c.bytes;
    totals.maxLine = Math.max(totals.maxLine, c.maxLine);
    await ctx.stdout.write(formatCounts(c, wants, width, named ? name : null));
  }
  if (names.length > 1) await ctx.stdout.write(formatCounts(totals, wants, width, 'total'));
  return status;
};

/**
 * One output line: the wanted counts right-aligned to `width`, then the label. A module
 * function, not a closure made per call (V8 drops the optimised code of closures no longer
 * alive at each major GC and compiles them again).
 */
function formatCounts(c: WcCounts, wants: WcWants, width: number, label: string | null): string {
  let text = '';
  if (wants.lines) text = withColumn(text, c.lines, width);
  if (wants.words) text = withColumn(text, c.words, width);
  if (wants.chars) text = withColumn(text, c.chars, width);
  if (wants.bytes) text = withColumn(text, c.bytes, width);
  if (wants.maxLine) text = withColumn(text, c.maxLine, width);
  return (label === null ? text : `${text} ${label}`) + '\n';
}

function withColumn(text: string, n: number, width: number): string {
  return text + (text === '' ? '' : ' ') + String(n).padStart(width, ' ');
}
