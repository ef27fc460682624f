/**
 * The only thing an error contributes to a span: a short type label. Messages, stacks and
 * details are never read, because action errors can carry customer data (a deliberate
 * departure from the Go mini-tracer, which records error.message and error.stack).
 */

/** A code or class name that is safe to send: short identifier-like text only. */
const SAFE_LABEL = /^[A-Za-z0-9_.:\-]{1,100}$/;

/**
 * `err.code` when it is an identifier-like string (Node's `ENOENT`, a PAR error code name),
 * else the class name (`TypeError`), else `typeof err` for thrown primitives.
 */
export function errorType(err: unknown): string {
  if (err === null) return 'null';
  if (typeof err !== 'object' && typeof err !== 'function') return typeof err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && SAFE_LABEL.test(code)) return code;
  const ctorName = (err as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof ctorName === 'string' && SAFE_LABEL.test(ctorName)) return ctorName;
  return err instanceof Error ? 'Error' : 'object';
}
