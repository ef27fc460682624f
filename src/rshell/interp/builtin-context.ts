/** The CallContext handed to registry builtins (src/rshell/builtins/types.ts). */
import type { CallContext } from '../builtins/types.js';
import type { ByteReader, ByteWriter } from '../io.js';
import type { SandboxFS, TrustedProc } from '../sandbox/types.js';
import { HeldChunkReader } from '../builtins/lib/held-input.js';
import type { RunState } from './run-state.js';
import { CappedOutput } from './streams.js';

/** Runs `argv` as a policy-checked builtin (find -exec); provided by the interpreter. */
export type NestedRunner = (argv: string[], ctx: BuiltinContext, opts: { dir?: string; stdin?: ByteReader }) => Promise<number>;

/**
 * A builtin's output that gives the event loop a turn (RunState.pause) as data passes: pipes
 * between stages hand chunks over by promises alone, so without it a pipeline kept the whole
 * process, other tasks of the batch included, until its deadline. Its input pauses too
 * (HeldChunkReader).
 */
class PausingWriter implements ByteWriter {
  constructor(
    readonly inner: ByteWriter,
    private readonly run: RunState,
  ) {}
  write(chunk: Uint8Array | string): void | Promise<void> {
    const w = this.inner.write(chunk);
    let p: Promise<void> | undefined;
    try {
      p = this.run.pause();
    } catch (err) {
      // The run is over (the pipe is aborted with it): the write's own promise rejects too,
      // and nobody is left to await it.
      w?.catch(() => undefined);
      throw err;
    }
    if (!p) return w;
    if (!w) return p;
    // The pause may reject (run aborted during its turn) before the write settles: handled
    // here, its error still reaches the caller through the chain below.
    p.catch(() => undefined);
    return w.then(() => p);
  }
}

// Wrapped: what can take data without end by promises alone (a pipe between stages, /dev/null,
// the run's stderr, which drops what passes its cap, and a substitution's output). Not
// wrapped: the run's stdout, whose cap ends the run. Most commands write to the run's stdout:
// they pay no clock read per write.
const pausingWriter = (w: ByteWriter, run: RunState): ByteWriter => (w instanceof CappedOutput ? w : w instanceof PausingWriter ? w : new PausingWriter(w, run));

export class BuiltinContext implements CallContext {
  readonly stdin: ByteReader;
  readonly stdout: ByteWriter;
  readonly stderr: ByteWriter;

  constructor(
    private readonly runState: RunState,
    readonly name: string,
    stdin: ByteReader,
    stdout: ByteWriter,
    stderr: ByteWriter,
    readonly dir: string,
    /** Hook token of this command, the parent of nested commands. */
    readonly token: unknown,
    private readonly nested: NestedRunner,
    private readonly names: () => string[],
  ) {
    // Every input, files and heredocs too: a batch of thread-pool reads completes in one turn.
    // A nested command (find -exec) reads its caller's stdin unwrapped, counted once.
    // Bound methods, not arrows made per command: V8 drops the optimised code of closures
    // no longer alive at each major GC and compiles them again.
    this.stdin = new HeldChunkReader(stdin instanceof HeldChunkReader ? stdin.inner : stdin, runState.pause.bind(runState), this.buffer.bind(this));
    this.stdout = pausingWriter(stdout, runState);
    this.stderr = pausingWriter(stderr, runState);
  }

  get fs(): SandboxFS {
    return this.runState.settings.fs;
  }
  get now(): Date {
    return this.runState.now;
  }
  get signal(): AbortSignal {
    return this.runState.controller.signal;
  }
  get procPath(): string {
    return this.runState.settings.procPath;
  }
  get proc(): TrustedProc {
    return this.runState.settings.proc;
  }
  checkCanceled(): void {
    this.runState.check();
  }
  checkTimeFor(ms: number): void {
    this.runState.checkTimeFor(ms);
  }
  pause(): Promise<void> | undefined {
    return this.runState.pause();
  }
  turn(): Promise<void> {
    return this.runState.turn();
  }
  /** Bytes counted by `buffer`, given back by `releaseBuffered` when the builtin returns. */
  private buffered = 0;
  buffer(n: number): boolean {
    // What a reader gives back after releaseBuffered was already given back.
    if (n < 0) n = Math.max(n, -this.buffered);
    if (!this.runState.buffer(n)) return false;
    this.buffered += n;
    return true;
  }
  releaseBuffered(): void {
    this.runState.buffer(-this.buffered);
    this.buffered = 0;
  }
  isAllowed(name: string): boolean {
    return this.runState.isAllowed(name);
  }
  allowedBuiltins(): string[] {
    return this.names().filter((n) => this.runState.isAllowed(n));
  }
  runBuiltin(argv: string[], opts: { dir?: string; stdin?: ByteReader } = {}): Promise<number> {
    return this.nested(argv, this, opts);
  }
  warn(message: string): void {
    this.runState.settings.warnings.add(message);
  }
}
