/**
 * The builtin contract. A builtin is a plain async function of its call context and
 * arguments (argv without argv[0]) returning an exit status. It must:
 * - read files only through `ctx.fs` (never `node:fs`: a test enforces this);
 * - treat all text as bytes (argv and paths are bstr, streams are Uint8Array);
 * - `await` every write, and call `ctx.checkCanceled()` in long loops;
 * - let BrokenPipeError and the run's cancellation error propagate (the interpreter maps
 *   them), and never throw for anything a script does otherwise.
 */
import type { ByteReader, ByteWriter } from '../io.js';
import type { SandboxFS, TrustedProc } from '../sandbox/types.js';

export interface CallContext {
  /** argv[0] as invoked (bstr). */
  readonly name: string;
  readonly stdin: ByteReader;
  readonly stdout: ByteWriter;
  readonly stderr: ByteWriter;
  readonly fs: SandboxFS;
  /** Working directory (absolute bstr). */
  readonly dir: string;
  /** One clock for the whole run (find -mmin, ls -l). */
  readonly now: Date;
  /** Aborted at the run's deadline or on cancellation. */
  readonly signal: AbortSignal;
  /** Throws the run's cancellation error when the run is over. Cheap: call it often. */
  checkCanceled(): void;
  /**
   * checkCanceled, and also throws the run's timeout when `ms` more would pass its deadline:
   * for a synchronous stretch that cannot look at the clock while it runs (a regex search,
   * whose worst case is known before it starts).
   */
  checkTimeFor(ms: number): void;
  /**
   * checkCanceled, and a promise (await it) when the run has kept the event loop long
   * enough that other work must get a turn: for loops that do no I/O for a long while.
   * Optional so that test contexts need not provide it.
   */
  pause?(): Promise<void> | undefined;
  /** checkCanceled, and a turn of the event loop whether or not one is due. Optional, as pause. */
  turn?(): Promise<void>;
  /**
   * Counts `n` more bytes the builtin keeps in memory (negative: given back) against the
   * run's total; false, nothing counted, when that would pass it. What is counted is given
   * back when the builtin returns. Optional so that test contexts need not provide it.
   */
  buffer?(n: number): boolean;
  /** Trusted, non-sandboxed proc root for ps/uname (default "/proc"). */
  readonly procPath: string;
  /** Allow-listed reads under the proc root (ps, uname, ss, ip). */
  readonly proc: TrustedProc;
  /** Whether `name` is allowed by the run's command policy (for find -exec, help). */
  isAllowed(name: string): boolean;
  /** Names of registered builtins that are allowed (for help). */
  allowedBuiltins(): string[];
  /**
   * Runs another builtin (find -exec/-execdir) with the same policy, outputs and
   * cancellation; `dir` overrides the working directory. Returns its exit status.
   */
  runBuiltin(argv: string[], opts?: { dir?: string; stdin?: ByteReader }): Promise<number>;
  /** A non-fatal sandbox/limit warning for the run's `warnings` list. */
  warn(message: string): void;
}

export type Builtin = (ctx: CallContext, args: string[]) => Promise<number>;
