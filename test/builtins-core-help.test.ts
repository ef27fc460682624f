import { describe, expect, it } from 'vitest';
import { builtins as core } from '../src/rshell/builtins/core/index.js';
import { makeHelp } from '../src/rshell/builtins/core/help.js';
import { BUILTINS } from '../src/rshell/builtins/registry.js';
import { SUMMARIES } from '../src/rshell/builtins/summaries.js';
import type { Builtin } from '../src/rshell/builtins/types.js';
import { run } from './builtins-core-harness.js';

const help = (args: string[], allowed?: string[], extra: Record<string, Builtin> = {}) => {
  const all = { ...core, ...extra };
  return run(makeHelp(async (n) => all[n]), 'help', args, { builtins: all, allowed });
};

describe('help', () => {
  it('lists allowed builtins sorted and aligned, then the hint', async () => {
    expect(await help([], ['echo', 'help'])).toEqual({
      code: 0,
      stdout: "echo  write arguments to stdout\nhelp  display help for commands\n\nRun 'help <command>' for more information on a specific command.\n",
      stderr: '',
    });
    const r = await help([], ['true', '[', 'printf']);
    expect(r.stdout).toBe(
      '[       evaluate conditional expression\nprintf  format and print data\ntrue    do nothing, successfully\n\n' +
        "Run 'help <command>' for more information on a specific command.\n",
    );
  });

  it('shows static help, a command --help, or refuses', async () => {
    expect((await help(['printf'], ['printf', 'help'])).stdout).toBe('printf: usage: printf [-v var] format [arguments]\n');
    const t = await help(['test'], ['test', 'help']);
    expect(t.code).toBe(0);
    expect(t.stdout.startsWith('Usage: test EXPRESSION\n')).toBe(true);
    expect(await help(['foo'])).toEqual({ code: 1, stdout: '', stderr: "help: no help topics match 'foo'\n" });
    expect(await help(['echo'], ['help'])).toEqual({ code: 1, stdout: '', stderr: "help: no help topics match 'echo'\n" });
  });

  it('captures both streams of X --help and falls back to the summary when silent', async () => {
    const noisy: Builtin = async (ctx) => {
      await ctx.stdout.write('out\n');
      await ctx.stderr.write('err\n');
      return 0;
    };
    const silent: Builtin = async () => 0;
    expect(await help(['cat'], ['cat', 'help'], { cat: noisy })).toEqual({ code: 0, stdout: 'out\nerr\n', stderr: '' });
    expect(await help(['cat'], ['cat', 'help'], { cat: silent })).toEqual({
      code: 0,
      stdout: 'cat - concatenate files and print on the standard output\n',
      stderr: '',
    });
  });

  it('--help and extra arguments print usage and exit 1; bad flags are pflag errors', async () => {
    const usage = 'Usage: help [COMMAND]\nList the allowed commands, or show help for COMMAND.\n';
    expect(await help(['--help'])).toEqual({ code: 1, stdout: usage, stderr: '' });
    expect(await help(['a', 'b'])).toEqual({ code: 1, stdout: usage, stderr: '' });
    expect(await help(['--nope'])).toEqual({ code: 1, stdout: '', stderr: 'help: unknown flag: --nope\n' });
  });

  it('uses the registry by default', async () => {
    const r = await run(core.help, 'help', ['test'], { builtins: core, allowed: ['test'] });
    expect(r.stdout.startsWith('Usage: test EXPRESSION\n')).toBe(true);
  });

  it('has a summary for every registered builtin', () => {
    for (const name of BUILTINS.keys()) expect(SUMMARIES[name], name).toBeTruthy();
  });
});
