/**
 * strings: runs of at least MIN printable bytes (ASCII graphic, space and tab), GNU binutils
 * layout for -f/-t/-o/-s. Streams: a run is buffered only until it reaches MIN bytes, then
 * written as it continues, so one huge run costs no memory.
 */
import type { FlagValue } from '../flags.js';
import { FlagSet, failFlags } from '../flags.js';
import type { Builtin } from '../types.js';
import { helpText } from './help.js';
import { OutBuffer, complain, fileErrorText, openInput } from './io.js';
import { SWITCH_SENTINEL, SwitchFlag } from './count.js';
import { SandboxError } from '../../sandbox/types.js';

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

function printable(c: number): boolean {
  return (c >= 0x20 && c < 0x7f) || c === 0x09;
}

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
  const radix = fs.custom('radix', 't', new RadixFlag(), 'print the location of the string in base 8, 10 or 16');
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
  let status = 0;
  for (const name of r.args.length ? r.args : ['-']) {
    ctx.checkCanceled();
    const label = name === '-' ? 'standard input' : name;
    let input;
    try {
      // Like rshell (and GNU strings), a directory is reported before any read.
      if (name !== '-' && (await ctx.fs.stat(name, ctx.dir)).kind === 'dir') {
        await complain(ctx, `Warning: '${label}' is a directory`);
        status = 1;
        continue;
      }
    } catch (e) {
      if (!(e instanceof SandboxError)) throw e;
    }
    try {
      input = await openInput(ctx, name);
    } catch (e) {
      await complain(ctx, fileError(label, e));
      status = 1;
      continue;
    }
    const prefix = (offset: number): string => {
      let p = printName.pos > 0 ? `${name}: ` : '';
      if (base !== '') p += offset.toString(base === 'o' ? 8 : base === 'd' ? 10 : 16).padStart(7, ' ') + ' ';
      return p;
    };
    let offset = 0;
    let run: number[] = [];
    let runStart = 0;
    let emitting = false;
    let emitted = 0;
    try {
      for (let chunk = await input.reader.read(); chunk; chunk = await input.reader.read()) {
        ctx.checkCanceled();
        for (let i = 0; i < chunk.length; i++, offset++) {
          const c = chunk[i];
          let p: Promise<void> | undefined;
          if (printable(c)) {
            if (emitting) {
              if (emitted < STRINGS_MAX_RUN) {
                p = out.byte(c);
                emitted++;
              }
            } else if (run.length < STRINGS_MAX_RUN) {
              // A run is kept only up to STRINGS_MAX_RUN bytes, so a MIN beyond that never prints.
              if (run.length === 0) runStart = offset;
              run.push(c);
              if (run.length >= min) {
                emitting = true;
                emitted = run.length;
                p = out.write(prefix(runStart) + Buffer.from(run).toString('latin1'));
                run = [];
              }
            }
          } else {
            if (emitting) p = out.write(sep);
            emitting = false;
            run = [];
          }
          if (p) await p;
        }
      }
      if (emitting) await out.write(sep);
    } catch (e) {
      await out.flush();
      await complain(ctx, fileError(label, e));
      status = 1;
    } finally {
      await input.close();
    }
    await out.flush();
  }
  return status;
};

/** binutils wording: "'f': No such file", else "'f': <POSIX text>". */
function fileError(label: string, e: unknown): string {
  if (e instanceof SandboxError && e.code === 'ENOENT') return `'${label}': No such file`;
  return `'${label}': ${fileErrorText(e)}`;
}
