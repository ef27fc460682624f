/**
 * What the project's command-line scripts share: a usage error is one line naming what is
 * wrong and exit 2, before anything has started.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export function usageError(msg: string): never {
  console.error(msg);
  process.exit(2);
}

/** parseArgs with an unknown or malformed option answered as a usage error followed by `usage`. */
export function parseOptions<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    usageError(`${(err as Error).message}\n${usage}`);
  }
}

/**
 * The option `--name`'s value as a whole number from `min` to `max`, or a usage error naming
 * it. Number() alone let `abc` through as NaN and `1.5` or `-1` as values nothing could use.
 */
export function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) usageError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}
