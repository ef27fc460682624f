/**
 * One run of a parsed, validated script: builds the top-level shell, runs it, and maps how
 * it ended to rshell's outcome (precedence: fatal > output cap > cancellation > exit code).
 */
import type { File } from '../syntax/ast.js';
import type { RunOutcome } from '../hooks.js';
import { BufferReader } from '../io.js';
import { BrokenPipeError } from '../io.js';
import { READ_CHUNK } from '../read-chunk.js';
import { RunAbortError } from './errors.js';
import { InternalPanic, Interpreter } from './interpreter.js';
import { OpenFiles } from './open-files.js';
import { RunState, type RunSettings } from './run-state.js';
import { Shell, type IO } from './shell.js';
import { Vars } from './vars.js';

export interface ExecuteResult {
  exitCode: number;
  outcome: RunOutcome;
  stdout: Buffer;
  stderr: Buffer;
  stdoutLength: number;
  stderrLength: number;
  error?: string;
}

export const OUTPUT_LIMIT_MESSAGE = 'stdout limit exceeded: script produced more than 10 MiB of output';

export interface ExecuteOptions {
  settings: RunSettings;
  vars: Record<string, string>;
  stdin: Uint8Array;
  version: string;
  /** Validator message; when set, nothing runs: it goes to stderr and the status is 2. */
  rejection: string | null;
}

export async function execute(file: File, opts: ExecuteOptions): Promise<ExecuteResult> {
  // Every descriptor the run opens counts against its MAX_OPEN_FILES.
  const files = new OpenFiles();
  const run = new RunState({ ...opts.settings, fs: files.fs(opts.settings.fs), proc: files.proc(opts.settings.proc) });
  const hooks = opts.settings.hooks;
  let runTok: unknown;
  try {
    runTok = hooks?.runStart?.({ version: opts.version });
  } catch {
    runTok = undefined;
  }
  const io: IO = {
    // In a file's chunks: a builtin counts the chunk it holds against the run's buffered
    // total (F113), and a caller's stdin of 128 MiB in one chunk was refused to `wc -c`.
    stdin: new BufferReader(opts.stdin, READ_CHUNK),
    stdout: run.stdout,
    stderr: run.stderr,
    stdinPiped: false,
    stdoutRedirected: false,
  };
  const interp = new Interpreter(run);
  const sh = new Shell(run, Vars.create(opts.vars), io, 0, interp.substitute);
  let outcome: RunOutcome = 'success';
  let exitCode = 0;
  let error: string | undefined;
  try {
    if (opts.rejection !== null) {
      run.stderr.write(opts.rejection + '\n');
      sh.status = 2;
    } else {
      await interp.shellBody(file.stmts, sh, io, runTok);
    }
    exitCode = sh.status;
  } catch (e) {
    exitCode = sh.status;
    if (e instanceof RunAbortError) {
      outcome = e.outcome;
      if (e.outcome !== 'output_limit') exitCode = 124;
      error = e.outcome === 'output_limit' ? OUTPUT_LIMIT_MESSAGE : e.message;
    } else if (e instanceof BrokenPipeError) {
      exitCode = 1; // cannot happen at top level (no pipe there); kept total for safety
    } else {
      const cause = e instanceof InternalPanic ? e.original : e;
      const text = cause instanceof Error ? cause.message : String(cause);
      run.stderr.write(`rshell: internal panic: ${text}\n`);
      outcome = 'fatal';
      exitCode = 1;
      error = `internal error: ${text}`;
    }
  } finally {
    run.dispose();
  }
  // Output cap wins over a later cancellation (precedence fatal > output cap > exit).
  if (run.stdout.overflowed && outcome !== 'fatal') {
    outcome = 'output_limit';
    error = OUTPUT_LIMIT_MESSAGE;
  }
  try {
    hooks?.runEnd?.(runTok, { exitCode, outcome, commands: { ...run.counters } });
  } catch {
    // hooks never break a run
  }
  return { exitCode, outcome, stdout: run.stdout.bytes(), stderr: run.stderr.bytes(), stdoutLength: run.stdout.size, stderrLength: run.stderr.size, error };
}
