/**
 * Shell variables with rshell's storage caps: one value may hold at most MAX_VAR_BYTES,
 * and script-assigned values together at most MAX_TOTAL_VARS_BYTES (initial variables such
 * as PWD or the embedder's env do not count). Subshells take a copy (`fork`), so nested
 * subshells keep counting against the inherited total.
 */
import { ShellAbortError } from './errors.js';

export const MAX_VAR_BYTES = 1024 * 1024;
export const MAX_TOTAL_VARS_BYTES = 1024 * 1024;

/** Thrown for a single oversized value: the assignment fails with status 1. */
export class VarTooLargeError extends Error {
  constructor(name: string) {
    super(`${name}: value too large (limit ${MAX_VAR_BYTES} bytes)`);
    this.name = 'VarTooLargeError';
  }
}

export class Vars {
  private constructor(
    private readonly values: Map<string, string>,
    /** Names set before the script ran; their bytes are not counted. */
    private readonly initial: ReadonlySet<string>,
    private total: number,
  ) {}

  static create(initial: Record<string, string>): Vars {
    return new Vars(new Map(Object.entries(initial)), new Set(Object.keys(initial)), 0);
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** Raw restore (inline assignments end): no cap checks, only bookkeeping. */
  restore(name: string, value: string | undefined): void {
    const prev = this.values.get(name);
    if (!this.initial.has(name)) this.total += (value?.length ?? 0) - (prev?.length ?? 0);
    if (value === undefined) this.values.delete(name);
    else this.values.set(name, value);
  }

  /** Assigns, enforcing the caps. */
  set(name: string, value: string): void {
    if (value.length > MAX_VAR_BYTES) throw new VarTooLargeError(name);
    if (this.initial.has(name)) {
      this.values.set(name, value);
      return;
    }
    const next = this.total - (this.values.get(name)?.length ?? 0) + value.length;
    if (next > MAX_TOTAL_VARS_BYTES) {
      throw new ShellAbortError(1, `${name}: variable storage limit exceeded (${next} bytes total)`);
    }
    this.total = next;
    this.values.set(name, value);
  }

  fork(): Vars {
    return new Vars(new Map(this.values), this.initial, this.total);
  }
}
