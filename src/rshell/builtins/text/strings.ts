/**
 * strings: runs of at least MIN printable bytes (ASCII graphic, space and tab), GNU binutils
 * layout for -f/-t/-o/-s. Streams: a run is buffered only until it reaches MIN bytes, then
 * written as it continues, so one huge run costs no memory.
 */
import type { FlagValue } from '../flags.js';
import { FlagSet, failFlags } from '../flags.js';
import type { Builtin } from '../types.js';
import { helpText } from './help.js';
import { OutBuffer, complain, fileErrorText, forEachInput } from './io.js';
import { SWITCH_SENTINEL, SwitchFlag } from './count.js';
import { SandboxError } from '../../sandbox/types.js';
import { LongLineReserve, bufferOf } from '../lib/buffered.js';
import { ChunkRefusedError } from '../lib/held-input.js';
import { carryPiece } from '../lib/lines.js';

/** -t/--radix and -o share one ordered setting: the later occurrence wins. */
class RadixFlag implements FlagValue {
  readonly type = 'string';
  changed = false;
  value = '';
  set(s: string): string | undefined {
    if (s !== 'o' && s !== 'd' && s !== 'x') return 'invalid radix';
    this.value = s;
    return undefined;
  }
  toString(): string {
    return this.value;
  }
}

/** rshell emits at most this much of one printable run (the rest of the run is dropped). */
export const STRINGS_MAX_RUN = 1 << 20;

/** Printable for strings: ASCII graphic characters, space and tab. */
const PRINTABLE = Uint8Array.from({ length: 256 }, (_, c) => ((c >= 0x20 && c < 0x7f) || c === 0x09 ? 1 : 0));

export const strings: Builtin = async (ctx, args) => {
  const fs = new FlagSet('strings');
  const seq = { n: 0 };
  const sw = { noOptDefVal: SWITCH_SENTINEL };
  const refusal = 'flag does not allow an argument';
  fs.custom('all', 'a', new SwitchFlag(seq, refusal), 'scan the entire file (always the case here)', sw);
  const printName = fs.custom('print-file-name', 'f', new SwitchFlag(seq, refusal), 'print the name of the file before each string', sw);
  const help = fs.custom('help', 'h', new SwitchFlag(seq, refusal), 'display this help and exit', sw);
  const minLen = fs.int('bytes', 'n', 4, 'locate and print any sequence of at least MIN-LEN characters');
  fs.custom('offset-octal', 'o', new SwitchFlag(seq, refusal), 'an alias for --radix=o', sw);
  fs.custom('radix', 't', new RadixFlag(), 'print the location of the string in base 8, 10 or 16');
  const separator = fs.string('output-separator', 's', '\n', 'string used to separate strings in output');
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (minLen.value < 1 || minLen.value > 2 ** 31 - 1) {
    await complain(ctx, `invalid minimum string length ${minLen.big}`);
    return 1;
  }
  if (help.pos > 0) {
    await ctx.stdout.write(
      helpText(fs, 'strings [OPTION]... [FILE]...', [
        'Display printable strings in [file(s)] (stdin by default).',
      ]),
    );
    return 0;
  }
  // Whichever of -o and -t came last decides the radix.
  let base = '';
  for (const occ of r.order) {
    if (occ.name === 'radix') base = occ.value;
    else if (occ.name === 'offset-octal') base = 'o';
  }
  const min = minLen.value;
  const sep = separator.value;
  const out = new OutBuffer(ctx.stdout);
  const longRun = new LongLineReserve(bufferOf(ctx));
  return forEachInput(
    ctx,
    r.args.length ? r.args : ['-'],
    async (input, name) => {
      const prefix = (offset: number): string => {
        let p = printName.pos > 0 ? `${name}: ` : '';
        if (base !== '') p += offset.toString(base === 'o' ? 8 : base === 'd' ? 10 : 16).padStart(7, ' ') + ' ';
        return p;
      };
      let offset = 0;
      // The current run while shorter than MIN, kept only while it goes on into the next
      // chunk, and then as a copy: a view keeps its whole chunk (a pipe hands on each write
      // as one), and `strings -n 2000000000` over a stream of printable bytes kept every
      // chunk, 1.4 GB in 10 s. A MIN beyond STRINGS_MAX_RUN never prints: nothing is kept.
      const pending: Uint8Array[] = [];
      let pendingLen = 0;
      let runStart = 0;
      let emitting = false;
      let emitted = 0;
      for (let chunk = await input.reader.read(); chunk; chunk = await input.reader.read()) {
        ctx.checkCanceled();
        let i = 0;
        while (i < chunk.length) {
          if (!PRINTABLE[chunk[i]]) {
            if (emitting) {
              const p = out.write(sep);
              if (p) await p;
            }
            emitting = false;
            pending.length = 0;
            pendingLen = 0;
            while (i < chunk.length && !PRINTABLE[chunk[i]]) i++;
            continue;
          }
          let j = i;
          while (j < chunk.length && PRINTABLE[chunk[j]]) j++;
          const seg = chunk.subarray(i, j);
          if (emitting) {
            const take = Math.min(seg.length, STRINGS_MAX_RUN - emitted);
            if (take > 0) {
              const p = out.write(seg.subarray(0, take));
              if (p) await p;
            }
            emitted += take;
          } else {
            if (pendingLen === 0) runStart = offset + i;
            const piece = seg.subarray(0, Math.min(seg.length, STRINGS_MAX_RUN - pendingLen));
            if (pendingLen + piece.length >= min) {
              emitting = true;
              emitted = pendingLen + piece.length;
              let p = out.write(prefix(runStart));
              if (p) await p;
              for (const v of [...pending, piece]) {
                p = out.write(v);
                if (p) await p;
              }
              pending.length = 0;
              pendingLen = 0;
            } else if (j === chunk.length && min <= STRINGS_MAX_RUN) {
              carryPiece(pending, Buffer.from(piece));
              pendingLen += piece.length;
              if (!longRun.check(pendingLen)) throw new ChunkRefusedError();
            }
          }
          i = j;
        }
        offset += chunk.length;
      }
      if (emitting) await out.write(sep);
    },
    {
      out,
      afterInput: async () => longRun.release(),
      // Like rshell (and GNU strings), a directory is reported before any read.
      refuse: async (name) => {
        try {
          if (name !== '-' && (await ctx.fs.stat(name, ctx.dir)).kind === 'dir') return `Warning: '${name}' is a directory`;
        } catch (e) {
          if (!(e instanceof SandboxError)) throw e;
        }
        return undefined;
      },
      message: fileError,
    },
  );
};

/** binutils wording: "'f': No such file", else "'f': <POSIX text>". */
function fileError(label: string, e: unknown): string {
  if (e instanceof SandboxError && e.code === 'ENOENT') return `'${label}': No such file`;
  return `'${label}': ${fileErrorText(e)}`;
}
