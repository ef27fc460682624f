/**
 * Sandbox failures become messages; anything else (cancellation, broken pipe, bugs) keeps
 * propagating, as the builtin contract requires.
 */
import { SandboxError } from '../../sandbox/types.js';

/** The POSIX wording of a sandbox failure; rethrows every other error. */
export function fsMessage(e: unknown): string {
  if (e instanceof SandboxError) return e.posixMessage;
  throw e;
}

/** True for a sandbox "no such file or directory"; rethrows non-sandbox errors. */
export function isNotFound(e: unknown): boolean {
  if (e instanceof SandboxError) return e.code === 'ENOENT';
  throw e;
}

/** Swallows a sandbox failure the caller can do without; rethrows every other error. */
export function ignoreFsError(e: unknown): void {
  if (!(e instanceof SandboxError)) throw e;
}
