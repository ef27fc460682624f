/**
 * What the project's command-line scripts share: a usage error is one line naming what is
 * wrong and exit 2, before anything has started.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

// The AWS SDK warns, once per process under Node 20, that its releases from 2027 need Node 22.
// The function runs on Node 24; locally the warning only buries the output, so the scripts
// turn it off with the SDK's own switch (other warnings still print). Set it to false to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Output piped to a reader that stops early (`npm start | head`) ends the script quietly, as
// a shell tool does, instead of with Node's unhandled EPIPE stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

export function usageError(msg: string): never {
  console.error(msg);
  process.exit(2);
}

/**
 * parseArgs with an unknown or malformed option answered as a usage error followed by `usage`.
 * A value that starts with a dash but is no option of this command (`--visibility -1`) is
 * taken as the value, so the option's own check refuses it in one line: parseArgs alone
 * answered it with three lines on how to spell such a value.
 */
export function parseOptions<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  const options = config.options ?? {};
  const isOption = (token: string): boolean =>
    token.startsWith('--')
      ? token === '--' || Object.hasOwn(options, token.slice(2).split('=')[0]!)
      : Object.values(options).some((o) => o.short !== undefined && token.startsWith(`-${o.short}`));
  const args = [...(config.args ?? process.argv.slice(2))];
  for (let i = 0; i < args.length - 1 && args[i] !== '--'; i++) {
    const name = args[i]!.startsWith('--') ? args[i]!.slice(2) : undefined;
    const next = args[i + 1]!;
    if (name !== undefined && options[name]?.type === 'string' && next.startsWith('-') && !isOption(next)) {
      args.splice(i, 2, `--${name}=${next}`);
    }
  }
  try {
    return parseArgs<T>({ ...config, args });
  } catch (err) {
    const e = err as Error & { code?: string };
    // An option followed by another option: say the value is missing, and how to give one
    // that looks like an option (`--command=-hx`), in one line.
    const message = e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? e.message.split('\n')[0]!.replace(/^Option '(--[^']+)' argument is ambiguous\.$/, "Option '$1 <value>' argument missing (a value that starts with an option's letter is written $1=-…)") : e.message;
    usageError(`${message}\n${usage}`);
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
