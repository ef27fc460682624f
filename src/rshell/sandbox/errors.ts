/** Node errno → SandboxError, with rshell's op/path conventions. */
import { SandboxError, type SandboxErrorCode } from './types.js';

const KNOWN: Record<string, SandboxErrorCode> = {
  ENOENT: 'ENOENT',
  EACCES: 'EACCES',
  EPERM: 'EACCES',
  EISDIR: 'EISDIR',
  ENOTDIR: 'ENOTDIR',
  EEXIST: 'EEXIST',
  ELOOP: 'ELOOP',
  EINVAL: 'EINVAL',
  EMFILE: 'EMFILE',
  ENFILE: 'EMFILE',
};

/** Go's syscall texts for errnos outside SandboxErrorCode, kept as the message. */
const OTHER_TEXT: Record<string, string> = {
  ENAMETOOLONG: 'file name too long',
  ENXIO: 'no such device or address',
  EOPNOTSUPP: 'operation not supported',
  ENODEV: 'no such device',
};

export function errnoOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The sandbox code for a Node error (unknown errnos become EIO). */
export function codeOf(e: unknown): SandboxErrorCode {
  return KNOWN[errnoOf(e) ?? ''] ?? 'EIO';
}

/** A SandboxError for a failed syscall on `path` (script spelling) with Go op/path wording. */
export function fromErrno(e: unknown, path: string, op: string, goPath: string = path): SandboxError {
  const errno = errnoOf(e) ?? '';
  const code = KNOWN[errno];
  if (code) return new SandboxError(code, path, op, undefined, goPath);
  return new SandboxError('EIO', path, op, OTHER_TEXT[errno], goPath);
}

/** The uniform denial: "<op> <path>: permission denied". */
export function denied(path: string, op: string): SandboxError {
  return new SandboxError('EACCES', path, op);
}
