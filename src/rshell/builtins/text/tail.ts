/**
 * tail: the last N lines/bytes of each input, or everything from line/byte N ("+N", sticky
 * as in GNU). Input is streamed (the sandbox cannot seek); the window kept in memory is capped
 * like rshell's: at most 100,000 lines and 5 MiB, and at most 256 MiB read from a
 * non-regular input, each failing with rshell's message instead of growing without bound.
 */
import type { ByteReader } from '../../io.js';
import { FlagSet, failFlags } from '../flags.js';
import type { Builtin, CallContext } from '../types.js';
import { LineTooLongError } from '../lib/lines.js';
import { eachLine } from './each-line.js';
import { ModeFlag, SWITCH_SENTINEL, SwitchFlag, legacyCountArgs, parseCount } from './count.js';
import { helpText } from './help.js';
import { bufferedRefusal, VIEW_LINE_COST, bufferOf } from '../lib/buffered.js';
import { OutBuffer, fileErrorText, forEachInput } from './io.js';

export const TAIL_MAX_RING_LINES = 100_000;
export const TAIL_MAX_RING_BYTES = 5 * 1024 * 1024;
export const TAIL_MAX_READ_BYTES = 256 * 1024 * 1024;

/** A limit hit while tailing; reported as `tail: <name>: <message>`. */
class TailLimitError extends Error {}

export const tail: Builtin = async (ctx, rawArgs) => {
  const fs = new FlagSet('tail');
  const help = fs.bool('help', 'h', 'print usage and exit');
  const zero = fs.bool('zero-terminated', 'z', 'line delimiter is NUL, not newline');
  const headerSeq = { n: 0 };
  const sw = { noOptDefVal: SWITCH_SENTINEL };
  const quiet = fs.custom('quiet', 'q', new SwitchFlag(headerSeq), 'never output headers giving file names', sw);
  const silent = fs.custom('silent', '', new SwitchFlag(headerSeq), 'same as --quiet', sw);
  const verbose = fs.custom('verbose', 'v', new SwitchFlag(headerSeq), 'always output headers giving file names', sw);
  const modeSeq = { n: 0 };
  const lines = fs.custom('lines', 'n', new ModeFlag(modeSeq, '10'), 'output the last NUM lines; +NUM starts at line NUM');
  const bytes = fs.custom('bytes', 'c', new ModeFlag(modeSeq, ''), 'output the last NUM bytes; +NUM starts at byte NUM');
  const r = fs.parse(legacyCountArgs(rawArgs));
  if (!r.ok) return failFlags(ctx, r.error);
  if (help.value) {
    await ctx.stdout.write(
      helpText(fs, 'tail [OPTION]... [FILE]...', [
        'Print the last 10 lines of each FILE to standard output.',
        'With more than one FILE, precede each with a header giving the file name.',
        'With no FILE, or when FILE is -, read standard input.',
      ]),
    );
    return 0;
  }
  const byBytes = bytes.pos > lines.pos;
  const count = parseCount(byBytes ? bytes.value : lines.value)!;
  const fromStart = lines.fromStartSeen || bytes.fromStartSeen;
  const n = count.n;
  const files = r.args.length ? r.args : ['-'];
  const quietPos = Math.max(quiet.pos, silent.pos);
  const headers = verbose.pos > quietPos ? true : quietPos > verbose.pos ? false : files.length > 1;
  const delim = zero.value ? 0 : 0x0a;
  // "tail -n 0" has nothing to print: GNU does not even open named files (nor print headers).
  if (!fromStart && n === 0) return 0;
  let printed = false;
  return forEachInput(
    ctx,
    files,
    async (input) => {
      const readCap = input.regularSize === null ? TAIL_MAX_READ_BYTES : Infinity;
      if (headers) {
        await ctx.stdout.write(`${printed ? '\n' : ''}==> ${input.label} <==\n`);
        printed = true;
      }
      if (byBytes) {
        if (fromStart) await fromByte(ctx, input.reader, n);
        else await lastBytes(ctx, input.reader, n, readCap);
      } else if (fromStart) {
        await fromLine(ctx, input.reader, n, delim);
      } else {
        await lastLines(ctx, input.reader, n, delim, readCap);
      }
    },
    {
      message: (label, e) =>
        `${label}: ${e instanceof TailLimitError || e instanceof LineTooLongError ? e.message : fileErrorText(e)}`,
    },
  );
};

/** Everything from 1-based line `n` on ("+0" and "+1" both mean all). */
async function fromLine(ctx: CallContext, reader: ByteReader, n: number, delim: number): Promise<void> {
  let skip = Math.max(n - 1, 0);
  const out = new OutBuffer(ctx.stdout);
  await eachLine(
    reader,
    (line) => {
      if (skip > 0) {
        skip--;
        return undefined;
      }
      return out.write(line);
    },
    { delim, withDelimiter: true, checkCanceled: () => ctx.checkCanceled(), buffer: bufferOf(ctx) },
  );
  await out.flush();
}

async function fromByte(ctx: CallContext, reader: ByteReader, n: number): Promise<void> {
  let skip = Math.max(n - 1, 0);
  for (let chunk = await reader.read(); chunk; chunk = await reader.read()) {
    ctx.checkCanceled();
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    await ctx.stdout.write(skip > 0 ? chunk.subarray(skip) : chunk);
    skip = 0;
  }
}

async function lastLines(ctx: CallContext, reader: ByteReader, n: number, delim: number, readCap: number): Promise<void> {
  const size = Math.min(n, TAIL_MAX_RING_LINES);
  const ring: Uint8Array[] = new Array(size);
  let head = 0;
  let held = 0;
  let heldBytes = 0;
  let read = 0;
  try {
    await eachLine(
      reader,
      (line) => {
        read += line.length;
        if (read > readCap) throw new TailLimitError('input too large: read limit exceeded');
        if (held === size && size < n) throw new TailLimitError('input too large: line buffer limit exceeded');
        if (ctx.buffer?.(line.length + VIEW_LINE_COST) === false) throw new TailLimitError(bufferedRefusal());
        if (held === size) {
          heldBytes -= ring[head].length;
          ctx.buffer?.(-ring[head].length - VIEW_LINE_COST);
        } else {
          held++;
        }
        ring[head] = line;
        heldBytes += line.length;
        if (heldBytes > TAIL_MAX_RING_BYTES) throw new TailLimitError('input too large: ring buffer memory limit exceeded');
        head = (head + 1) % size;
        return undefined;
      },
      { delim, withDelimiter: true, checkCanceled: () => ctx.checkCanceled(), buffer: bufferOf(ctx) },
    );
    const start = (head - held + size) % size;
    for (let i = 0; i < held; i++) await ctx.stdout.write(ring[(start + i) % size]);
  } finally {
    // The next file's ring starts empty: 2,000 files of one 1 MiB line passed the total.
    ctx.buffer?.(-(heldBytes + held * VIEW_LINE_COST));
  }
}

async function lastBytes(ctx: CallContext, reader: ByteReader, n: number, readCap: number): Promise<void> {
  // Chunks covering at least the last n bytes; older ones are dropped as new ones arrive.
  const chunks: Uint8Array[] = [];
  let held = 0;
  let read = 0;
  try {
    for (let chunk = await reader.read(); chunk; chunk = await reader.read()) {
      ctx.checkCanceled();
      read += chunk.length;
      if (read > readCap) throw new TailLimitError('input too large: read limit exceeded');
      if (ctx.buffer?.(chunk.length) === false) throw new TailLimitError(bufferedRefusal());
      chunks.push(chunk);
      held += chunk.length;
      while (chunks.length > 1 && held - chunks[0].length >= n) {
        const dropped = chunks.shift()!.length;
        held -= dropped;
        ctx.buffer?.(-dropped);
      }
      if (Math.min(n, held) > TAIL_MAX_RING_BYTES) throw new TailLimitError('input too large: byte buffer limit exceeded');
    }
    let skip = Math.max(held - n, 0);
    for (const c of chunks) {
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      await ctx.stdout.write(skip > 0 ? c.subarray(skip) : c);
      skip = 0;
    }
  } finally {
    // Given back for the next file, as lastLines does.
    ctx.buffer?.(-held);
  }
}
