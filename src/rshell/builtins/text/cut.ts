/**
 * cut: selected bytes (-b; -c is the same, byte-wise, as in GNU and rshell) or fields (-f)
 * of each line. Ranges are sorted and overlapping ones merged, but adjacent ones are kept
 * apart so --output-delimiter still separates "1-2,3-4".
 */
import { FlagSet, failFlags } from '../flags.js';
import { bufferOf } from '../lib/buffered.js';
import type { Builtin, CallContext } from '../types.js';
import type { ByteReader } from '../../io.js';
import { LineTooLongError } from '../lib/lines.js';
import { eachLine } from './each-line.js';
import { SWITCH_SENTINEL, SwitchFlag } from './count.js';
import { helpText } from './help.js';
import { OutBuffer, complain, fileErrorText, forEachInput } from './io.js';

type Range = [number, number];
/** Where a line's output pieces go. */
type Put = (piece: Uint8Array | string) => void;
const OPEN_END = Number.MAX_SAFE_INTEGER;

/** Parses a LIST like "1,3-5,7-" into merged 1-based inclusive ranges, or an error text. */
export function parseCutList(list: string): Range[] | string {
  const ranges: Range[] = [];
  const num = (s: string): number | undefined => (/^[0-9]+$/.test(s) && Number(s) > 0 ? Number(s) : undefined);
  for (const part of list.split(',')) {
    if (part === '') return `invalid byte, character or field list: ${list}`;
    const dash = part.indexOf('-');
    if (dash < 0) {
      const n = num(part);
      if (n === undefined) return `invalid byte, character or field list: ${part}`;
      ranges.push([n, n]);
      continue;
    }
    const left = part.slice(0, dash);
    const right = part.slice(dash + 1);
    if (left === '' && right === '') return `invalid byte, character or field list: ${part}`;
    const start = left === '' ? 1 : num(left);
    const end = right === '' ? OPEN_END : num(right);
    if (start === undefined || end === undefined) return `invalid byte, character or field list: ${part}`;
    if (start > end) return `invalid decreasing range: ${part}`;
    ranges.push([start, end]);
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Range[] = [ranges[0]];
  for (const r of ranges.slice(1)) {
    const last = merged[merged.length - 1];
    if (r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push(r);
  }
  return merged;
}

/** The complement of sorted merged ranges within [1, total]. */
function complementRanges(ranges: Range[], total: number): Range[] {
  const out: Range[] = [];
  let next = 1;
  for (const [a, b] of ranges) {
    if (a > total) break;
    if (next < a) out.push([next, a - 1]);
    next = b + 1;
    if (next > total) break;
  }
  if (next <= total) out.push([next, total]);
  return out;
}

interface CutConfig {
  fields: boolean;
  ranges: Range[];
  delim: number;
  onlyDelimited: boolean;
  complement: boolean;
  outDelim: string;
  outDelimSet: boolean;
}

export const cut: Builtin = async (ctx, args) => {
  const fs = new FlagSet('cut');
  const sw = { noOptDefVal: SWITCH_SENTINEL };
  const seq = { n: 0 };
  const help = fs.custom('help', '', new SwitchFlag(seq), 'print usage and exit', sw);
  const bytes = fs.string('bytes', 'b', '', 'select only these bytes');
  const chars = fs.string('characters', 'c', '', 'select only these characters');
  const fieldsList = fs.string('fields', 'f', '', 'select only these fields');
  const delimiter = fs.string('delimiter', 'd', '\t', 'use DELIM instead of TAB for field delimiter');
  const onlyDelimited = fs.custom('only-delimited', 's', new SwitchFlag(seq), 'do not print lines not containing delimiters', sw);
  fs.custom('n', 'n', new SwitchFlag(seq), '(ignored)', { ...sw, hidden: true });
  const complement = fs.custom('complement', '', new SwitchFlag(seq), 'complement the set of selected bytes, characters, or fields', sw);
  const outputDelimiter = fs.string('output-delimiter', '', '', 'use STRING as the output delimiter');
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (delimiter.changed && delimiter.value.length !== 1) {
    await complain(ctx, 'the delimiter must be a single character');
    await ctx.stderr.write("Try 'cut --help' for more information.\n");
    return 1;
  }
  if (help.pos > 0) {
    await ctx.stdout.write(
      helpText(fs, 'cut OPTION... [FILE]...', [
        'Print selected parts of lines from each FILE to standard output.',
        'With no FILE, or when FILE is -, read standard input.',
        '-c selects bytes, like -b; -n is accepted and ignored.',
      ]),
    );
    return 0;
  }
  const lists = [bytes, chars, fieldsList].filter((v) => v.changed);
  if (lists.length === 0) {
    await complain(ctx, 'you must specify a list of bytes, characters, or fields');
    return 1;
  }
  if (lists.length > 1) {
    await complain(ctx, 'only one type of list may be specified');
    return 1;
  }
  const byFields = fieldsList.changed;
  if (!byFields && delimiter.changed) {
    await complain(ctx, 'an input delimiter may be specified only when operating on fields');
    return 1;
  }
  if (!byFields && onlyDelimited.pos > 0) {
    await complain(ctx, 'suppressing non-delimited lines makes sense\n\tonly when operating on fields');
    return 1;
  }
  const ranges = parseCutList(lists[0].value);
  if (typeof ranges === 'string') {
    await complain(ctx, ranges);
    return 1;
  }
  const cfg: CutConfig = {
    fields: byFields,
    ranges,
    delim: delimiter.value.charCodeAt(0),
    onlyDelimited: onlyDelimited.pos > 0,
    complement: complement.pos > 0,
    outDelim: outputDelimiter.changed ? outputDelimiter.value : delimiter.value,
    outDelimSet: outputDelimiter.changed,
  };
  const out = new OutBuffer(ctx.stdout);
  return forEachInput(ctx, r.args.length ? r.args : ['-'], (input) => cutStream(ctx, input.reader, cfg, out), {
    out,
    message: (label, e) => `${label}: ${e instanceof LineTooLongError ? e.message : fileErrorText(e)}`,
  });
};

/**
 * Past this bound a line is written a piece at a time instead of reserved whole: with a long
 * --output-delimiter, one line's output is its delimiter times its pieces, and reserving that
 * took 1 GB for 1,024 fields and a 512 KiB delimiter (past 4 GiB, an internal panic).
 */
const MAX_RESERVED_LINE = 4 * 1024 * 1024;

async function cutStream(ctx: CallContext, reader: ByteReader, cfg: CutConfig, out: OutBuffer): Promise<void> {
  const delimLen = cfg.outDelim.length;
  const put = (piece: Uint8Array | string): void => out.put(piece);
  const cutLine = (raw: Uint8Array): void => {
    if (cfg.fields) cutFields(raw, cfg, put);
    else cutBytes(raw, cfg, put);
    out.putByte(0x0a);
  };
  await eachLine(
    reader,
    (raw) => {
      if (cfg.fields && cfg.onlyDelimited && raw.indexOf(cfg.delim) === -1) return undefined;
      // Upper bound of this line's output: every byte, a delimiter per piece, the newline.
      const bound = raw.length * (1 + delimLen) + 1;
      if (bound > MAX_RESERVED_LINE) return cutLineByPieces(ctx, raw, cfg, out);
      const p = out.room(bound);
      if (p) return p.then(() => cutLine(raw));
      cutLine(raw);
      return undefined;
    },
    { checkCanceled: () => ctx.checkCanceled(), buffer: bufferOf(ctx) },
  );
}

/** One line whose output may be huge: its pieces (views of the line, or the delimiter) written as they go. */
async function cutLineByPieces(ctx: CallContext, raw: Uint8Array, cfg: CutConfig, out: OutBuffer): Promise<void> {
  const pieces: (Uint8Array | string)[] = [];
  const delim = Buffer.from(cfg.outDelim, 'latin1');
  const put = (piece: Uint8Array | string): void => void pieces.push(piece === cfg.outDelim ? delim : piece);
  if (cfg.fields) cutFields(raw, cfg, put);
  else cutBytes(raw, cfg, put);
  pieces.push('\n');
  for (const piece of pieces) {
    ctx.checkCanceled();
    const p = out.write(piece);
    if (p) await p;
  }
}

function cutBytes(raw: Uint8Array, cfg: CutConfig, out: Put): void {
  const total = raw.length;
  const ranges = cfg.complement ? complementRanges(cfg.ranges, total) : cfg.ranges;
  let first = true;
  for (const [a, b] of ranges) {
    if (a > total) break;
    // Without --output-delimiter, GNU concatenates the pieces of merged ranges.
    if (!first && cfg.outDelimSet) out(cfg.outDelim);
    out(raw.subarray(a - 1, Math.min(b, total)));
    first = false;
  }
}

function cutFields(raw: Uint8Array, cfg: CutConfig, out: Put): void {
  if (raw.indexOf(cfg.delim) === -1) {
    out(raw);
    return;
  }
  let field = 0;
  let start = 0;
  let ri = 0;
  let first = true;
  const ranges = cfg.ranges;
  for (;;) {
    const at = raw.indexOf(cfg.delim, start);
    const stop = at === -1 ? raw.length : at;
    field++;
    while (ri < ranges.length && ranges[ri][1] < field) ri++;
    const inList = ri < ranges.length && ranges[ri][0] <= field;
    if (inList !== cfg.complement) {
      if (!first) out(cfg.outDelim);
      out(raw.subarray(start, stop));
      first = false;
    }
    if (at === -1) break;
    start = at + 1;
    if (!cfg.complement && ri >= ranges.length) break;
  }
}
