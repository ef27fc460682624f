/**
 * grep: print lines that match patterns (rshell's flag set, Go RE2 regex semantics).
 * Exit status 0 when a line was selected, 1 when none, 2 on any error (even with matches),
 * except that -q exits 0 at the first selected line.
 */
import { FlagSet, failFlags } from '../flags.js';
import { RegexError } from '../lib/regex.js';
import type { Builtin, CallContext } from '../types.js';
import { SandboxError } from '../../sandbox/types.js';
import { buildMatcher, type GrepSyntax } from './grep-match.js';
import { scanInput, ScanError, type ScanOptions, type ScanShared } from './grep-scan.js';
import { openInput } from './input.js';
import { OutBuffer } from '../lib/outbuf.js';
import { pauseOf } from '../lib/pause.js';
import { bufferOf, isBufferedRefusal, LongLineReserve } from '../lib/buffered.js';

const MAX_CONTEXT_LINES = 1000;

function declare() {
  const fs = new FlagSet('grep');
  const f = {
    ere: fs.bool('extended-regexp', 'E', 'use extended regular expressions'),
    fixed: fs.bool('fixed-strings', 'F', 'interpret pattern as fixed strings'),
    bre: fs.bool('basic-regexp', 'G', 'use basic regular expressions (default)'),
    ignoreCase: fs.bool('ignore-case', 'i', 'ignore case distinctions'),
    invert: fs.bool('invert-match', 'v', 'select non-matching lines'),
    word: fs.bool('word-regexp', 'w', 'match only whole words'),
    line: fs.bool('line-regexp', 'x', 'match only whole lines'),
    count: fs.bool('count', 'c', 'print only a count of matching lines per file'),
    filesWith: fs.bool('files-with-matches', 'l', 'print only names of files with matches'),
    filesWithout: fs.bool('files-without-match', 'L', 'print only names of files without matches'),
    lineNumber: fs.bool('line-number', 'n', 'prefix output with line numbers'),
    withFilename: fs.bool('with-filename', 'H', 'always print filename prefix'),
    noFilename: fs.bool('no-filename', 'h', 'suppress filename prefix'),
    only: fs.bool('only-matching', 'o', 'print only the matched parts'),
    quiet: fs.bool('quiet', 'q', 'suppress all output'),
    silent: fs.bool('silent', '', 'alias for --quiet'),
    noMessages: fs.bool('no-messages', 's', 'suppress error messages'),
    maxCount: fs.int('max-count', 'm', -1, 'stop after NUM matches per file'),
    after: fs.int('after-context', 'A', 0, 'print NUM lines after each match'),
    before: fs.int('before-context', 'B', 0, 'print NUM lines before each match'),
    context: fs.int('context', 'C', -1, 'print NUM lines of context around each match'),
    regexp: fs.stringArray('regexp', 'e', [], 'use PATTERN as the pattern'),
    text: fs.bool('text', 'a', 'process a binary file as if it were text'),
    help: fs.bool('help', '', 'print usage and exit'),
  };
  return { fs, f };
}

const clampContext = (n: number) => Math.min(Math.max(n, 0), MAX_CONTEXT_LINES);

/** The later of two flags on the command line wins (-h/-H, -l/-L). */
function lastOf(order: { name: string }[], a: string, b: string): string | null {
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i].name;
    if (n === a || n === b) return n;
  }
  return null;
}

export const grep: Builtin = async (ctx: CallContext, args: string[]): Promise<number> => {
  const { fs, f } = declare();
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (f.help.value) {
    await ctx.stdout.write(
      'Usage: grep [OPTION]... PATTERN [FILE]...\nSearch for PATTERN in each FILE.\n' +
        'When FILE is -, read standard input. With no FILE, read standard input.\n\n' +
        fs.usage(),
    );
    return 0;
  }
  let files = r.args;
  let patterns: string[];
  if (f.regexp.changed) {
    patterns = f.regexp.value.flatMap((p) => p.split('\n'));
  } else {
    if (files.length === 0) {
      await ctx.stderr.write('grep: no pattern specified\n');
      return 2;
    }
    patterns = files[0].split('\n');
    files = files.slice(1);
  }
  if (Number(f.ere.value) + Number(f.fixed.value) + Number(f.bre.value) > 1) {
    await ctx.stderr.write('grep: conflicting matchers specified\n');
    return 2;
  }
  const syntax: GrepSyntax = f.fixed.value ? 'fixed' : f.ere.value ? 'ere' : 'bre';
  let matcher;
  try {
    matcher = buildMatcher({
      patterns,
      syntax,
      ignoreCase: f.ignoreCase.value,
      wordRegexp: f.word.value,
      lineRegexp: f.line.value,
      longest: f.only.value,
      guard: (ms) => ctx.checkTimeFor(ms),
    });
  } catch (e) {
    if (!(e instanceof RegexError)) throw e;
    await ctx.stderr.write(`grep: invalid regular expression: ${e.message}\n`);
    return 2;
  }
  if (files.length === 0) files = ['-'];

  let after = f.after.value;
  let before = f.before.value;
  if (f.context.value >= 0) {
    if (!f.after.changed) after = f.context.value;
    if (!f.before.changed) before = f.context.value;
  }
  let contextRequested = f.after.changed || f.before.changed || f.context.changed;
  after = clampContext(after);
  before = clampContext(before);
  if (f.only.value) {
    after = before = 0;
    contextRequested = false;
  }
  const nameFlag = lastOf(r.order, 'with-filename', 'no-filename');
  const showFilename = nameFlag ? nameFlag === 'with-filename' : files.length > 1;
  const listFlag = lastOf(r.order, 'files-with-matches', 'files-without-match');
  const quiet = f.quiet.value || f.silent.value;
  const mode: ScanOptions['mode'] = quiet
    ? 'quiet'
    : listFlag === 'files-with-matches'
      ? 'files-with'
      : listFlag === 'files-without-match'
        ? 'files-without'
        : f.count.value
          ? 'count'
          : 'lines';

  const opts: ScanOptions = {
    matcher,
    invert: f.invert.value,
    mode,
    onlyMatching: f.only.value,
    lineNumber: f.lineNumber.value,
    showFilename,
    maxCount: f.maxCount.value,
    after,
    before,
    contextRequested,
    text: f.text.value,
  };
  const out = new OutBuffer(ctx.stdout);
  const shared: ScanShared = { out, groupPrinted: false, checkCanceled: () => ctx.checkCanceled(), pause: pauseOf(ctx), longLine: new LongLineReserve(bufferOf(ctx)) };
  let anyMatch = false;
  let anyError = false;

  for (const file of files) {
    ctx.checkCanceled();
    const displayName = file === '-' ? '(standard input)' : file;
    let result;
    let input;
    try {
      // Only printed lines can outlive a read (a long one is written out as a view).
      input = await openInput(ctx, file, mode !== 'lines');
      try {
        result = await scanInput(input.reader, displayName, opts, shared);
      } finally {
        await input.close();
      }
    } catch (e) {
      if (!(e instanceof SandboxError || e instanceof ScanError)) throw e;
      anyError = true;
      // -s hides file errors, not the run's own limit: a refused stage must say why it stopped.
      if (!f.noMessages.value || isBufferedRefusal(e.message)) {
        await out.flush();
        await ctx.stderr.write(`grep: ${displayName}: ${e.message}\n`);
      }
      continue;
    }
    const matched = result.matchCount > 0;
    if (matched) anyMatch = true;
    if (mode === 'quiet' && matched) {
      await out.flush();
      return 0;
    }
    if (mode === 'count') out.push(showFilename ? `${displayName}:${result.matchCount}\n` : `${result.matchCount}\n`);
    else if (mode === 'files-with' && matched) out.push(displayName + '\n');
    else if (mode === 'files-without' && !matched) out.push(displayName + '\n');
    if (result.binaryMatched) {
      await out.flush();
      await ctx.stderr.write(`grep: ${displayName}: binary file matches\n`);
    }
    await out.maybeFlush();
  }
  await out.flush();
  if (anyError) return 2;
  return anyMatch ? 0 : 1;
};
