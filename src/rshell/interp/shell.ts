/**
 * One shell (the script, a subshell, a pipeline stage or a command substitution): its
 * variables, `$?`, control-flow state and the I/O of the statement being run. It is also
 * the expansion context of its words.
 */
import type { CmdSubst } from '../syntax/ast.js';
import type { ByteReader, ByteWriter } from '../io.js';
import type { ExpandContext } from '../expand/words.js';
import { DEFAULT_IFS } from '../expand/words.js';
import { globPaths } from '../expand/glob.js';
import type { ControlState } from './control.js';
import type { RunState } from './run-state.js';
import type { Vars } from './vars.js';

export interface IO {
  stdin: ByteReader;
  stdout: ByteWriter;
  stderr: ByteWriter;
  /** stdin is not the run's stdin (pipe, `<`, heredoc). */
  stdinPiped: boolean;
  /** stdout is not the run's stdout (pipe, redirect, substitution). */
  stdoutRedirected: boolean;
}

/** Runs a command substitution in a child of `sh`; implemented by the interpreter. */
export type SubstRunner = (sh: Shell, cs: CmdSubst, status?: number) => Promise<{ output: string; status: number }>;

export class Shell implements ControlState, ExpandContext {
  status = 0;
  exiting = false;
  breakN = 0;
  contN = 0;
  /** Status of the last command substitution of the current command (for `x=$(false)`), 0 if none. */
  substStatus = 0;
  /** I/O and hook parent of the command being expanded (used by command substitution). */
  io: IO;
  token: unknown = undefined;
  /**
   * A pipeline stage (or code inside one, like a `{ }` block): nested pipelines join the
   * enclosing pipeline's span instead of opening their own, as in rshell. A subshell or a
   * command substitution starts afresh.
   */
  inPipeline = false;

  constructor(
    readonly run: RunState,
    readonly vars: Vars,
    io: IO,
    public loopDepth: number,
    private readonly substRunner: SubstRunner,
  ) {
    this.io = io;
  }

  /** A child shell with a copy of the variables (subshell, pipeline stage, substitution); not in a pipeline. */
  fork(io: IO = this.io): Shell {
    const sh = new Shell(this.run, this.vars.fork(), io, this.loopDepth, this.substRunner);
    sh.status = this.status;
    sh.token = this.token;
    return sh;
  }

  get dir(): string {
    return this.run.settings.dir;
  }

  param(name: string): string {
    if (name === '?') return String(this.status);
    return this.vars.get(name) ?? '';
  }

  ifs(): string {
    return this.vars.get('IFS') ?? DEFAULT_IFS;
  }

  cmdSubst(cs: CmdSubst, status?: number): Promise<{ output: string; status: number }> {
    return this.substRunner(this, cs, status);
  }

  substituted(status: number): void {
    this.status = status;
    this.substStatus = status;
  }

  check(): void {
    this.run.check();
  }

  pause(): Promise<void> | undefined {
    return this.run.pause();
  }

  hold(n: number): void {
    this.run.hold(n);
  }

  release(n: number): void {
    this.run.release(n);
  }

  glob(pattern: string): Promise<string[]> {
    return globPaths(pattern, this.run.settings.fs, this.dir, this.run.globBudget, () => this.run.check());
  }
}
