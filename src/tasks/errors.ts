/**
 * PAR error codes (error_code.proto) and the task error that carries one. Results name the
 * code (protojson's enum form); spans carry only the error's type, never its message.
 */

export const ERROR_CODES = {
  UNSPECIFIED: 0,
  INTERNAL_ERROR: 1,
  ACTION_ERROR: 2,
  CONNECTION_ERROR: 3,
  SIGNATURE_KEY_NOT_FOUND: 4,
  SIGNATURE_ERROR: 5,
  EXPIRED_TASK: 6,
  MISMATCHED_ORG_ID: 7,
  MISMATCHED_RUNNER_ID: 8,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A task failure that is answered with a failed result (never retried). */
export class TaskError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Short, data-free classification for spans and logs (e.g. "TimeoutError"). */
    readonly type: string = code,
  ) {
    super(message);
    this.name = 'TaskError';
  }
}

/** The message of an unknown thrown value, for results (never for spans or logs). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : `non-error value thrown: ${String(err)}`;
}

/**
 * The task ran out of time. The runner decides whether that is the task's own timeout
 * (answered, INTERNAL_ERROR as in the PAR) or the invocation's (retried).
 */
export class TaskTimeoutError extends TaskError {
  constructor(message = 'task execution exceeded its deadline') {
    super('INTERNAL_ERROR', message, 'TimeoutError');
    // The web platform's name for a deadline: as an abort reason, rshell reads it as `timeout`.
    this.name = 'TimeoutError';
  }
}
