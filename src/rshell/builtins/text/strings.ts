/**
 * strings: runs of at least MIN printable bytes (ASCII graphic, space and tab), GNU binutils
 * layout for -f/-t/-o/-s. Streams: a run is buffered only until it reaches MIN bytes, then
 * written as it continues, so one huge run costs no memory.
 */
import type { FlagValue } from '../flags.js';
import { FlagSet, failFlags } from '../flags.js';
import type { Builtin } from '../types.js';
import { helpText } from './help.js';
import { OutBuffer, complain, openInput } from './io.js';
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

function printable(c: number): boolean {
  return (c >= 0x20 && c < 0x7f) || c === 0x09;
}

export const strings: Builtin = async (ctx, args) => {
  const fs = new FlagSet('strings');
  fs.bool('all', 'a', 'scan the entire file (always the case here)');
  const printName = fs.bool('print-file-name', 'f', 'print the name of the file before each string');
  const help = fs.bool('help', 'h', 'display this help and exit');
  const minLen = fs.int('bytes', 'n', 4, 'locate and print any sequence of at least MIN-LEN characters');
  fs.bool('o', 'o', 'an alias for --radix=o');
  const radix = fs.custom('radix', 't', new RadixFlag(), 'print the location of the string in base 8, 10 or 16');
  const separator = fs.string('output-separator', 's', '\n', 'string used to separate strings in output');
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (help.value) {
    await ctx.stdout.write(
      helpText(fs, 'strings [OPTION]... [FILE]...', [
        'Display printable strings in [file(s)] (stdin by default).',
      ]),
    );
    return 0;
  }
  if (minLen.value < 1) {
    await complain(ctx, `invalid minimum string length ${minLen.big}`);
    return 1;
  }
  // Whichever of -o and -t came last decides the radix.
  let base = '';
  for (const occ of r.order) {
    if (occ.name === 'radix') base = occ.value;
    else if (occ.name === 'o') base = 'o';
  }
  const min = Math.min(minLen.value, 1 << 20);
  const sep = separator.value;
  const out = new OutBuffer(ctx.stdout);
  let status = 0;
  for (const name of r.args.length ? r.args : ['-']) {
    ctx.checkCanceled();
    let input;
    try {
      input = await openInput(ctx, name);
    } catch (e) {
      if (!(e instanceof SandboxError)) throw e;
      await complain(ctx, e.code === 'ENOENT' ? `'${name}': No such file` : `${name}: ${capitalized(e.message)}`);
      status = 1;
      continue;
    }
    const label = name === '-' ? '{standard input}' : name;
    const prefix = (offset: number): string => {
      let p = printName.value ? `${label}: ` : '';
      if (base !== '') p += offset.toString(base === 'o' ? 8 : base === 'd' ? 10 : 16).padStart(7, ' ') + ' ';
      return p;
    };
    let offset = 0;
    let run: number[] = [];
    let runStart = 0;
    let emitting = false;
    try {
      for (let chunk = await input.reader.read(); chunk; chunk = await input.reader.read()) {
        ctx.checkCanceled();
        for (let i = 0; i < chunk.length; i++, offset++) {
          const c = chunk[i];
          let p: Promise<void> | undefined;
          if (printable(c)) {
            if (emitting) {
              p = out.byte(c);
            } else {
              if (run.length === 0) runStart = offset;
              run.push(c);
              if (run.length >= min) {
                emitting = true;
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
      if (!(e instanceof SandboxError)) throw e;
      await out.flush();
      await complain(ctx, e.code === 'EISDIR' ? `Warning: '${name}' is a directory` : `${name}: ${capitalized(e.message)}`);
      status = 1;
    } finally {
      await input.close();
    }
    await out.flush();
  }
  return status;
};

function capitalized(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
