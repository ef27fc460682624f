/**
 * Flag names of a command line for the command hook (rshell's `rshell.command.flags`):
 * `-x` and `--long` only, never values: `--long=value` keeps `--long`, a short flag keeps
 * only its first letter (the rest may be a glued value, `-n3`), a lone `-` is an operand,
 * and `--` ends the flags.
 */
export function flagNames(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (a === '--') break;
    if (a.length < 2 || a[0] !== '-') continue;
    if (a[1] === '-') {
      const eq = a.indexOf('=');
      out.push(eq < 0 ? a : a.slice(0, eq));
    } else out.push(a.slice(0, 2));
  }
  return out;
}
