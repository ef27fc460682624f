/** The CallContext handed to registry builtins (src/rshell/builtins/types.ts). */
import type { CallContext } from '../builtins/types.js';
import type { ByteReader, ByteWriter } from '../io.js';
import type { SandboxFS, TrustedProc } from '../sandbox/types.js';
import type { RunState } from './run-state.js';

/** Runs `argv` as a policy-checked builtin (find -exec); provided by the interpreter. */
export type NestedRunner = (argv: string[], ctx: BuiltinContext, opts: { dir?: string; stdin?: ByteReader }) => Promise<number>;

export class BuiltinContext implements CallContext {
  constructor(
    private readonly runState: RunState,
    readonly name: string,
    readonly stdin: ByteReader,
    readonly stdout: ByteWriter,
    readonly stderr: ByteWriter,
    readonly dir: string,
    /** Hook token of this command, the parent of nested commands. */
    readonly token: unknown,
    private readonly nested: NestedRunner,
    private readonly names: () => string[],
  ) {}

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
    this.runState.settings.warnings.push(message);
  }
}
