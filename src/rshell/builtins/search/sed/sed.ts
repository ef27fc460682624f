/**
 * sed: stream editor (rshell's flag set; RE2 regex; no file writes, reads or command
 * execution). Status 0, the q/Q code, or 1 for script errors, unreadable inputs and
 * runtime limits. `-i`, `-f`, `-s`, `-z` are not declared, so they fail as unknown flags.
 */
import { FlagSet, failFlags } from '../../flags.js';
import type { Builtin, CallContext } from '../../types.js';
import { OutBuffer } from '../../lib/outbuf.js';
import { pauseOf } from '../../lib/pause.js';
import { bufferOf } from '../../lib/buffered.js';
import { SedEngine, SedRuntimeError } from './exec.js';
import { SedInput } from './input.js';
import { parseScript } from './parse.js';
import { SedParseError } from './program.js';

function declare() {
  const fs = new FlagSet('sed');
  const f = {
    help: fs.bool('help', 'h', 'print usage and exit'),
    quiet: fs.bool('quiet', 'n', 'suppress automatic printing of pattern space'),
    silent: fs.bool('silent', '', 'alias for --quiet'),
    expression: fs.stringArray('expression', 'e', [], 'add script commands'),
    ere: fs.bool('regexp-extended', 'E', 'use extended regular expressions'),
    ereR: fs.bool('regexp-extended-r', 'r', 'use extended regular expressions (GNU alias for -E)', { hidden: true }),
  };
  return { fs, f };
}

export const sed: Builtin = async (ctx: CallContext, args: string[]): Promise<number> => {
  const { fs, f } = declare();
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (f.help.value) {
    await ctx.stdout.write(
      'Usage: sed [OPTION]... [script] [FILE]...\nStream editor for filtering and transforming text.\n' +
        'With no FILE, or when FILE is -, read standard input.\n\n' +
        fs.usage(),
    );
    return 0;
  }
  let files = r.args;
  let script: string;
  if (f.expression.changed) script = f.expression.value.join('\n');
  else if (files.length > 0) {
    script = files[0];
    files = files.slice(1);
  } else {
    await ctx.stderr.write('sed: no script command has been specified\n');
    return 1;
  }
  let prog;
  try {
    // The script's compiled regexes count against the run's buffered total until sed returns
    // (the call context gives back all it counted then).
    prog = await parseScript(script, f.ere.value || f.ereR.value, (ms) => ctx.checkTimeFor(ms), { keep: bufferOf(ctx), pause: pauseOf(ctx) });
  } catch (e) {
    if (!(e instanceof SedParseError)) throw e;
    await ctx.stderr.write(`sed: ${e.message}\n`);
    return 1;
  }
  if (files.length === 0) files = ['-'];

  const out = new OutBuffer(ctx.stdout);
  let failed = false;
  const report = async (name: string, message: string) => {
    failed = true;
    await out.flush();
    await ctx.stderr.write(`sed: ${name === '-' ? 'standard input' : name}: ${message}\n`);
  };
  const input = new SedInput(ctx, files, report);
  const quiet = f.quiet.value || f.silent.value || prog.quietFromScript;
  const engine = new SedEngine(prog, input, out, quiet, () => ctx.checkCanceled(), pauseOf(ctx), bufferOf(ctx));
  let code: number | null;
  try {
    await input.start();
    code = await engine.run();
  } catch (e) {
    if (!(e instanceof SedRuntimeError)) throw e;
    await report(input.currentName, e.message);
    code = 1;
  } finally {
    await input.close();
  }
  await out.flush();
  // q/Q decide the status themselves (rshell returns their code even after input errors).
  if (code !== null) return code;
  return failed ? 1 : 0;
};
