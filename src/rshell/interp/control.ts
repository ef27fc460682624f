/**
 * The control builtins `exit`, `break` and `continue`. They act on the calling shell's
 * control state, so they live in the interpreter rather than the builtin registry; they are
 * still subject to the command allow-list like any builtin.
 */
import type { ByteWriter } from '../io.js';

/** The part of a shell the control builtins change. */
export interface ControlState {
  /** `$?` before the command. */
  status: number;
  exiting: boolean;
  loopDepth: number;
  breakN: number;
  contN: number;
}

export type ControlBuiltin = (sh: ControlState, args: string[], stdout: ByteWriter, stderr: ByteWriter) => Promise<number>;

const EXIT_HELP =
  'exit: exit [n]\n    Exit the shell.\n    \n    Exits the shell with a status of N.  If N is omitted, the exit status\n    is that of the last command executed.\n';
const BREAK_HELP =
  'break: break [n]\n    Exit for, while, or until loops.\n    \n    Exit a FOR, WHILE or UNTIL loop.  If N is specified, break N enclosing\n    loops.\n    \n    Exit Status:\n    The exit status is 0 unless N is not greater than or equal to 1.\n';
const CONTINUE_HELP =
  'continue: continue [n]\n    Resume for, while, or until loops.\n    \n    Resumes the next iteration of the enclosing FOR, WHILE or UNTIL loop.\n    If N is specified, resumes the Nth enclosing loop.\n    \n    Exit Status:\n    The exit status is 0 unless N is not greater than or equal to 1.\n';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go strconv.Atoi-like parse: optional sign, decimal digits, within int64; else null. */
function parseInt64(s: string): bigint | null {
  if (!/^[+-]?\d+$/.test(s)) return null;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? null : v;
}

// rshell prints these messages without a command prefix (bash would add "exit: ").
const exit: ControlBuiltin = async (sh, args, stdout, stderr) => {
  if (args[0] === '--help') {
    await stdout.write(EXIT_HELP);
    return 2;
  }
  if (args[0] === '--') args = args.slice(1);
  sh.exiting = true;
  if (args.length > 1) {
    await stderr.write('too many arguments\n');
    return 1;
  }
  if (args.length === 0) return sh.status;
  const v = parseInt64(args[0]!);
  if (v === null) {
    await stderr.write(`${args[0]}: numeric argument required\n`);
    return 2;
  }
  return Number(BigInt.asUintN(8, v));
};

/**
 * break/continue as rshell's loop control: outside a loop only a notice (status 0); a
 * non-numeric count exits the shell with 128; a count below 1 or extra arguments fail with
 * status 1 and leave the innermost loop; counts above the nesting depth are clamped.
 */
function loopControl(name: 'break' | 'continue', help: string): ControlBuiltin {
  return async (sh, args, stdout, stderr) => {
    if (args[0] === '--help') {
      await stdout.write(help);
      return 2;
    }
    if (sh.loopDepth === 0) {
      await stderr.write(`${name} is only useful in a loop\n`);
      return 0;
    }
    let n = 1;
    if (args.length > 1) {
      await stderr.write(`${name}: too many arguments\n`);
      sh.breakN = 1;
      return 1;
    }
    if (args.length === 1) {
      const v = parseInt64(args[0]!);
      if (v === null) {
        await stderr.write(`${name}: ${args[0]}: numeric argument required\n`);
        sh.exiting = true;
        return 128;
      }
      if (v < 1n) {
        await stderr.write(`${name}: ${args[0]}: loop count out of range\n`);
        sh.breakN = 1;
        return 1;
      }
      n = v > BigInt(sh.loopDepth) ? sh.loopDepth : Number(v);
    }
    if (name === 'break') sh.breakN = n;
    else sh.contN = n;
    return 0;
  };
}

export const CONTROL_BUILTINS: ReadonlyMap<string, ControlBuiltin> = new Map([
  ['exit', exit],
  ['break', loopControl('break', BREAK_HELP)],
  ['continue', loopControl('continue', CONTINUE_HELP)],
]);
