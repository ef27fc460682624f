/**
 * Control-flow errors of the interpreter. They are thrown, never shown to builtins as
 * ordinary failures: builtins let them propagate (see builtins/types.ts).
 */
import type { RunOutcome } from '../hooks.js';

/** The whole run is over (deadline, external cancellation, stdout cap). */
export class RunAbortError extends Error {
  constructor(readonly outcome: Extract<RunOutcome, 'timeout' | 'canceled' | 'output_limit'>) {
    super(outcome === 'timeout' ? 'execution timed out' : outcome === 'canceled' ? 'execution canceled' : 'stdout limit exceeded');
    this.name = 'RunAbortError';
  }
}

/**
 * Aborts the current shell (the script, or the subshell it happens in) with a status, after
 * the message was printed: variable-storage exhaustion, unsupported expansions.
 */
export class ShellAbortError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ShellAbortError';
  }
}

/** A failed expansion: message printed, the command fails with status 1, the script goes on. */
export class ExpansionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpansionError';
  }
}
