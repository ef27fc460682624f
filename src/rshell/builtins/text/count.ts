/**
 * head/tail count arguments: decimal digits with GNU multiplier suffixes (b, k/K/KiB, kB,
 * m/M/MiB, MB, G…, Z and Y overflowing), a leading "-" taken as magnitude (tail) and "+"
 * meaning "from the start". Results clamp to 2^31−1 like rshell; values whose digits alone do
 * not fit in 64 unsigned bits, or that overflow through a suffix, are invalid.
 */
import type { FlagValue } from '../flags.js';

/** rshell clamps every count here. */
export const MAX_COUNT = 2 ** 31 - 1;

const MULTIPLIERS = new Map<string, bigint>([
  ['b', 512n],
  ['kB', 1000n],
  ['KB', 1000n],
  ['k', 1024n],
  ['K', 1024n],
  ['KiB', 1024n],
  ['MB', 1000n ** 2n],
  ['m', 1024n ** 2n],
  ['M', 1024n ** 2n],
  ['MiB', 1024n ** 2n],
  ['GB', 1000n ** 3n],
  ['G', 1024n ** 3n],
  ['GiB', 1024n ** 3n],
  ['TB', 1000n ** 4n],
  ['T', 1024n ** 4n],
  ['TiB', 1024n ** 4n],
  ['PB', 1000n ** 5n],
  ['P', 1024n ** 5n],
  ['PiB', 1024n ** 5n],
  ['EB', 1000n ** 6n],
  ['E', 1024n ** 6n],
  ['EiB', 1024n ** 6n],
  ['ZB', 1000n ** 7n],
  ['Z', 1024n ** 7n],
  ['ZiB', 1024n ** 7n],
  ['YB', 1000n ** 8n],
  ['Y', 1024n ** 8n],
  ['YiB', 1024n ** 8n],
]);

const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

export interface Count {
  n: number;
  /** "+N": count from the start of input. */
  fromStart: boolean;
  /** The text began with "-". */
  negative: boolean;
}

/** Parses a count; undefined when invalid. */
export function parseCount(s: string): Count | undefined {
  let body = s;
  const fromStart = body.startsWith('+');
  if (fromStart) body = body.slice(1);
  const negative = !fromStart && body.startsWith('-');
  if (negative) body = body.slice(1);
  let end = 0;
  while (end < body.length && body.charCodeAt(end) >= 48 && body.charCodeAt(end) <= 57) end++;
  const digits = body.slice(0, end);
  const suffix = body.slice(end);
  let n: bigint;
  if (digits === '') {
    // GNU accepts a bare suffix ("K" = 1K), never after "+", never an empty string.
    if (suffix === '' || fromStart) return undefined;
    n = 1n;
  } else {
    n = BigInt(digits);
  }
  if (suffix !== '') {
    const mult = MULTIPLIERS.get(suffix);
    if (mult === undefined) return undefined;
    // Digits beyond int64 cannot take a suffix; a product beyond int64 is only fine for 0.
    if (n > INT64_MAX) return undefined;
    if (mult > INT64_MAX) {
      if (n !== 0n) return undefined;
    }
    n *= mult;
  } else if (n > UINT64_MAX) {
    return undefined;
  }
  return { n: n > BigInt(MAX_COUNT) ? MAX_COUNT : Number(n), fromStart, negative };
}

/**
 * The -n/-c flag value: validates with parseCount (pflag reports "invalid count"), and
 * records the order of occurrence so the later of -n/-c wins and a "+" stays sticky.
 */
export class ModeFlag implements FlagValue {
  readonly type = 'string';
  changed = false;
  pos = 0;
  fromStartSeen = false;
  constructor(
    private readonly seq: { n: number },
    public value: string,
    /** tail validates while parsing (a pflag error); head validates afterwards. */
    private readonly validate = true,
  ) {}
  set(s: string): string | undefined {
    if (this.validate && parseCount(s) === undefined) return 'invalid count';
    this.value = s;
    if (s.startsWith('+')) this.fromStartSeen = true;
    this.pos = ++this.seq.n;
    return undefined;
  }
  toString(): string {
    return this.value;
  }
}

/** A value-less switch (pflag NoOptDefVal sentinel): `--quiet=x` is an error. */
export const SWITCH_SENTINEL = '\x01';

export class SwitchFlag implements FlagValue {
  readonly type = 'bool';
  changed = false;
  pos = 0;
  constructor(
    private readonly seq: { n: number },
    private readonly refusal = 'does not take a value',
  ) {}
  set(s: string): string | undefined {
    if (s !== SWITCH_SENTINEL) return this.refusal;
    this.pos = ++this.seq.n;
    return undefined;
  }
  toString(): string {
    return 'false';
  }
}

/**
 * Rewrites legacy `-N…` words into `-n N…`, as rshell's head/tail do: any option word whose
 * second character is a digit, except the value of -n/-c/--lines/--bytes, up to `--`.
 */
export function legacyCountArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      // A loop, not push(...rest): V8 refuses a spread of ~120k arguments (RangeError).
      while (i < args.length) out.push(args[i++]);
      break;
    }
    if (a.length >= 2 && a[0] === '-' && a[1] >= '0' && a[1] <= '9') {
      out.push('-n', a.slice(1));
      continue;
    }
    out.push(a);
    if ((a === '-n' || a === '-c' || a === '--lines' || a === '--bytes') && i + 1 < args.length) out.push(args[++i]);
  }
  return out;
}
