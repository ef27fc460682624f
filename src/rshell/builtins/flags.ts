/**
 * A spf13/pflag emulation for builtins: GNU-style flags (`--long=v`, `--long v`, `-n3`, `-n 3`,
 * bundled short booleans, `--` terminator, interspersed positionals, lone `-` positional,
 * optional values via NoOptDefVal), with pflag's exact error texts and FlagUsages() layout,
 * because scenarios compare these bytes with the Go implementation.
 *
 * All names, values and messages are bstr (one char per byte).
 *
 * Usage:
 *   const fs = new FlagSet('head');
 *   const lines = fs.string('lines', 'n', '10', 'print the first NUM lines');
 *   const quiet = fs.bool('quiet', 'q', 'never print headers');
 *   fs.alias('silent', '', quiet, 'same as --quiet');
 *   const r = fs.parse(args);
 *   if (!r.ok) return failFlags(ctx, r.error);
 *   lines.value; lines.changed; r.args; r.order;
 */
import { byName } from '../bytes.js';
import type { CallContext } from './types.js';

/** A flag's value holder (pflag's Value). `set` returns an error text or undefined. */
export interface FlagValue {
  /** pflag type name: "bool", "string", "int", "stringArray", … (drives usage text). */
  readonly type: string;
  /** True once any flag bound to this value was set on the command line. */
  changed: boolean;
  set(s: string): string | undefined;
  /** The current value rendered like Go's Value.String() (used for DefValue). */
  toString(): string;
}

export class BoolValue implements FlagValue {
  readonly type = 'bool';
  changed = false;
  constructor(public value: boolean) {}
  set(s: string): string | undefined {
    const b = parseGoBool(s);
    if (b === undefined) return `strconv.ParseBool: parsing ${goQuote(s)}: invalid syntax`;
    this.value = b;
    return undefined;
  }
  toString(): string {
    return String(this.value);
  }
}

export class StringValue implements FlagValue {
  readonly type = 'string';
  changed = false;
  constructor(public value: string) {}
  set(s: string): string | undefined {
    this.value = s;
    return undefined;
  }
  toString(): string {
    return this.value;
  }
}

/** pflag int: strconv.ParseInt(s, 0, 64). `big` keeps the exact value beyond 2^53. */
export class IntValue implements FlagValue {
  readonly type: string = 'int';
  changed = false;
  big: bigint;
  constructor(public value: number) {
    this.big = BigInt(value);
  }
  set(s: string): string | undefined {
    const r = parseGoInt(s, true);
    if (typeof r === 'string') return r;
    this.big = r;
    this.value = Number(r);
    return undefined;
  }
  toString(): string {
    return this.big.toString();
  }
}

/** pflag uint: strconv.ParseUint(s, 0, 64). */
export class UintValue extends IntValue {
  override readonly type: string = 'uint';
  override set(s: string): string | undefined {
    const r = parseGoInt(s, false);
    if (typeof r === 'string') return r;
    this.big = r;
    this.value = Number(r);
    return undefined;
  }
}

/** pflag count: each bare occurrence adds one; `--v=N` sets N. */
export class CountValue implements FlagValue {
  readonly type = 'count';
  changed = false;
  value = 0;
  set(s: string): string | undefined {
    if (s === '+1') {
      this.value++;
      return undefined;
    }
    const r = parseGoInt(s, true);
    if (typeof r === 'string') return r;
    this.value = Number(r);
    return undefined;
  }
  toString(): string {
    return String(this.value);
  }
}

/** pflag stringArray: repeatable, values taken verbatim (no comma splitting). */
export class StringArrayValue implements FlagValue {
  readonly type = 'stringArray';
  changed = false;
  constructor(public value: string[]) {}
  set(s: string): string | undefined {
    // The first occurrence replaces the default, later ones append (pflag semantics).
    if (!this.changed) this.value = [s];
    else this.value.push(s);
    return undefined;
  }
  toString(): string {
    return '[' + this.value.map(csvField).join(',') + ']';
  }
}

/** pflag duration: time.ParseDuration; `value` in nanoseconds (number), `big` exact. */
export class DurationValue implements FlagValue {
  readonly type = 'duration';
  changed = false;
  big: bigint;
  constructor(public value: number) {
    this.big = BigInt(Math.trunc(value));
  }
  set(s: string): string | undefined {
    const r = parseGoDuration(s);
    if (typeof r === 'string') return r;
    this.big = r;
    this.value = Number(r);
    return undefined;
  }
  toString(): string {
    return formatGoDuration(this.big);
  }
}

export interface Flag {
  readonly name: string;
  readonly shorthand: string;
  usage: string;
  readonly value: FlagValue;
  /** Default rendered as text (for usage). */
  defValue: string;
  /** Value used when the flag appears without `=value` (makes the argument optional). */
  noOptDefVal: string;
  hidden: boolean;
  /** This particular name (not an alias) was set. */
  changed: boolean;
}

export interface FlagOptions {
  hidden?: boolean;
  noOptDefVal?: string;
}

export interface FlagOccurrence {
  /** Long name of the flag as declared (aliases report their own name). */
  name: string;
  value: string;
}

export type ParseResult =
  | {
      ok: true;
      /** Positional arguments, in order. */
      args: string[];
      /** Every flag occurrence in command-line order (repeats included). */
      order: FlagOccurrence[];
      /** Number of positionals seen before `--`, or -1 when there was no `--`. */
      dashAt: number;
    }
  | {
      ok: false;
      /** pflag's message, without the command prefix. */
      error: string;
      /** `-h`/`--help` was given but not declared (pflag.ErrHelp). */
      help?: boolean;
    };

export const ERR_HELP = 'pflag: help requested';

class FlagError extends Error {
  constructor(message: string, readonly help = false) {
    super(message);
  }
}

export class FlagSet {
  private readonly formal = new Map<string, Flag>();
  private readonly shorthands = new Map<string, Flag>();
  private interspersed = true;

  constructor(readonly name: string) {}

  bool(name: string, shorthand: string, usage: string, opts?: FlagOptions & { def?: boolean }): BoolValue {
    const v = new BoolValue(opts?.def ?? false);
    this.add(name, shorthand, v, usage, { noOptDefVal: 'true', ...opts });
    return v;
  }

  string(name: string, shorthand: string, def: string, usage: string, opts?: FlagOptions): StringValue {
    return this.add(name, shorthand, new StringValue(def), usage, opts);
  }

  int(name: string, shorthand: string, def: number, usage: string, opts?: FlagOptions): IntValue {
    return this.add(name, shorthand, new IntValue(def), usage, opts);
  }

  uint(name: string, shorthand: string, def: number, usage: string, opts?: FlagOptions): UintValue {
    return this.add(name, shorthand, new UintValue(def), usage, opts);
  }

  count(name: string, shorthand: string, usage: string, opts?: FlagOptions): CountValue {
    return this.add(name, shorthand, new CountValue(), usage, { noOptDefVal: '+1', ...opts });
  }

  stringArray(name: string, shorthand: string, def: string[], usage: string, opts?: FlagOptions): StringArrayValue {
    return this.add(name, shorthand, new StringArrayValue([...def]), usage, opts);
  }

  /** `defNs`: default in nanoseconds. */
  duration(name: string, shorthand: string, defNs: number, usage: string, opts?: FlagOptions): DurationValue {
    return this.add(name, shorthand, new DurationValue(defNs), usage, opts);
  }

  /** A flag with a caller-defined value (pflag's Var/VarP), e.g. a radix or an enum. */
  custom<V extends FlagValue>(name: string, shorthand: string, value: V, usage: string, opts?: FlagOptions): V {
    return this.add(name, shorthand, value, usage, opts);
  }

  /**
   * Another name bound to an existing value (pflag: two XxxVar calls on one pointer).
   * It is listed separately in usage; `value.changed` reflects either name.
   */
  alias<V extends FlagValue>(name: string, shorthand: string, target: V, usage: string, opts?: FlagOptions): V {
    const inherited = [...this.formal.values()].find((f) => f.value === target)?.noOptDefVal ?? '';
    this.register(name, shorthand, target, usage, { noOptDefVal: inherited, ...opts });
    return target;
  }

  lookup(name: string): Flag | undefined {
    return this.formal.get(name);
  }

  /** Whether the flag with this exact name was set (not via an alias). */
  changed(name: string): boolean {
    return this.formal.get(name)?.changed ?? false;
  }

  /** false: the first positional ends flag parsing (pflag SetInterspersed). */
  setInterspersed(on: boolean): void {
    this.interspersed = on;
  }

  private add<V extends FlagValue>(name: string, shorthand: string, value: V, usage: string, opts?: FlagOptions): V {
    this.register(name, shorthand, value, usage, opts);
    return value;
  }

  private register(name: string, shorthand: string, value: FlagValue, usage: string, opts?: FlagOptions): void {
    if (this.formal.has(name)) throw new Error(`${this.name} flag redefined: ${name}`);
    if (shorthand.length > 1) throw new Error(`${this.name}: shorthand ${shorthand} is more than one ASCII character`);
    if (shorthand && this.shorthands.has(shorthand)) throw new Error(`${this.name}: shorthand ${shorthand} redefined`);
    const flag: Flag = {
      name,
      shorthand,
      usage,
      value,
      defValue: value.toString(),
      noOptDefVal: opts?.noOptDefVal ?? '',
      hidden: opts?.hidden ?? false,
      changed: false,
    };
    this.formal.set(name, flag);
    if (shorthand) this.shorthands.set(shorthand, flag);
  }

  parse(argv: readonly string[]): ParseResult {
    const positional: string[] = [];
    const order: FlagOccurrence[] = [];
    let dashAt = -1;
    const set = (flag: Flag, value: string): void => {
      const err = flag.value.set(value);
      if (err !== undefined) {
        const flagName = flag.shorthand ? `-${flag.shorthand}, --${flag.name}` : `--${flag.name}`;
        throw new FlagError(`invalid argument ${goQuote(value)} for ${goQuote(flagName)} flag: ${err}`);
      }
      flag.value.changed = true;
      flag.changed = true;
      order.push({ name: flag.name, value });
    };
    try {
      let i = 0;
      while (i < argv.length) {
        const s = argv[i++];
        if (s.length < 2 || s[0] !== '-') {
          positional.push(s);
          if (!this.interspersed) {
            // A loop, not push(...rest): V8 refuses a spread of ~120k arguments (RangeError).
            while (i < argv.length) positional.push(argv[i++]);
            break;
          }
          continue;
        }
        if (s[1] === '-') {
          if (s.length === 2) {
            dashAt = positional.length;
            while (i < argv.length) positional.push(argv[i++]);
            break;
          }
          i = this.parseLong(s, argv, i, set);
        } else {
          i = this.parseShort(s, argv, i, set);
        }
      }
    } catch (e) {
      if (e instanceof FlagError) return { ok: false, error: e.message, ...(e.help ? { help: true } : {}) };
      throw e;
    }
    return { ok: true, args: positional, order, dashAt };
  }

  /** Handles `--name`, `--name=v`, `--name v`; returns the next argv index. */
  private parseLong(s: string, argv: readonly string[], i: number, set: (f: Flag, v: string) => void): number {
    const body = s.slice(2);
    if (body.length === 0 || body[0] === '-' || body[0] === '=') throw new FlagError(`bad flag syntax: ${s}`);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const flag = this.formal.get(name);
    if (!flag) {
      if (name === 'help') throw new FlagError(ERR_HELP, true);
      throw new FlagError(`unknown flag: --${name}`);
    }
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else if (flag.noOptDefVal !== '') value = flag.noOptDefVal;
    else if (i < argv.length) value = argv[i++];
    else throw new FlagError(`flag needs an argument: ${s}`);
    set(flag, value);
    return i;
  }

  /** Handles a `-abc` word, letter by letter; returns the next argv index. */
  private parseShort(s: string, argv: readonly string[], i: number, set: (f: Flag, v: string) => void): number {
    let shorts = s.slice(1);
    while (shorts.length > 0) {
      const c = shorts[0];
      const flag = this.shorthands.get(c);
      if (!flag) {
        if (c === 'h') throw new FlagError(ERR_HELP, true);
        throw new FlagError(`unknown shorthand flag: ${goQuoteRune(c.charCodeAt(0))} in -${shorts}`);
      }
      let value: string;
      let rest = shorts.slice(1);
      if (shorts.length > 2 && shorts[1] === '=') {
        value = shorts.slice(2);
        rest = '';
      } else if (flag.noOptDefVal !== '') {
        value = flag.noOptDefVal;
      } else if (shorts.length > 1) {
        value = shorts.slice(1);
        rest = '';
      } else if (i < argv.length) {
        value = argv[i++];
      } else {
        throw new FlagError(`flag needs an argument: ${goQuoteRune(c.charCodeAt(0))} in -${shorts}`);
      }
      set(flag, value);
      shorts = rest;
    }
    return i;
  }

  /** pflag FlagUsages(): one line per visible flag, sorted by name, descriptions aligned. */
  usage(): string {
    const lines: string[] = [];
    let maxlen = 0;
    const flags = [...this.formal.values()].sort(byName);
    for (const flag of flags) {
      if (flag.hidden) continue;
      let line = flag.shorthand ? `  -${flag.shorthand}, --${flag.name}` : `      --${flag.name}`;
      const [varname, usage] = unquoteUsage(flag);
      if (varname) line += ' ' + varname;
      if (flag.noOptDefVal !== '') {
        switch (flag.value.type) {
          case 'string':
            line += `[="${flag.noOptDefVal}"]`;
            break;
          case 'bool':
            if (flag.noOptDefVal !== 'true') line += `[=${flag.noOptDefVal}]`;
            break;
          case 'count':
            if (flag.noOptDefVal !== '+1') line += `[=${flag.noOptDefVal}]`;
            break;
          default:
            line += `[=${flag.noOptDefVal}]`;
        }
      }
      line += '\0';
      if (line.length > maxlen) maxlen = line.length;
      line += usage;
      if (!defaultIsZero(flag)) {
        line += flag.value.type === 'string' ? ` (default ${goQuote(flag.defValue)})` : ` (default ${flag.defValue})`;
      }
      lines.push(line);
    }
    let out = '';
    for (const line of lines) {
      const sidx = line.indexOf('\0');
      const spacing = ' '.repeat(maxlen - sidx);
      // Description newlines are indented to the description column (pflag wrap with cols=0).
      const desc = line.slice(sidx + 1).replaceAll('\n', '\n' + ' '.repeat(maxlen + 2));
      out += `${line.slice(0, sidx)} ${spacing} ${desc}\n`;
    }
    return out;
  }
}

/** Writes `<cmd>: <pflag message>` to stderr and returns exit status 1. */
export async function failFlags(ctx: CallContext, error: string): Promise<number> {
  await ctx.stderr.write(`${ctx.name}: ${error}\n`);
  return 1;
}

function unquoteUsage(flag: Flag): [string, string] {
  const u = flag.usage;
  const a = u.indexOf('`');
  if (a >= 0) {
    const b = u.indexOf('`', a + 1);
    if (b >= 0) return [u.slice(a + 1, b), u.slice(0, a) + u.slice(a + 1, b) + u.slice(b + 1)];
  }
  const t = flag.value.type;
  const names: Record<string, string> = {
    bool: '',
    boolfunc: '',
    func: 'value',
    float64: 'float',
    int64: 'int',
    uint64: 'uint',
    stringSlice: 'strings',
    intSlice: 'ints',
    uintSlice: 'uints',
    boolSlice: 'bools',
  };
  return [t in names ? names[t] : t, u];
}

function defaultIsZero(flag: Flag): boolean {
  const d = flag.defValue;
  const v = flag.value;
  if (v instanceof BoolValue) return d === 'false';
  if (v instanceof DurationValue) return d === '0' || d === '0s';
  if (v instanceof IntValue || v instanceof CountValue) return d === '0';
  if (v instanceof StringValue) return d === '';
  if (v instanceof StringArrayValue) return d === '[]';
  return d === 'false' || d === '<nil>' || d === '' || d === '0';
}

function csvField(s: string): string {
  // encoding/csv quotes fields with separators, quotes, newlines or a leading space.
  if (s === '' || !/[",\r\n]/.test(s) && s[0] !== ' ' && s[0] !== '\t') return s;
  return '"' + s.replaceAll('"', '""') + '"';
}

// ---------------------------------------------------------------- Go strconv emulation

/** strconv.ParseBool. */
export function parseGoBool(s: string): boolean | undefined {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'TRUE':
    case 'true':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'FALSE':
    case 'false':
    case 'False':
      return false;
  }
  return undefined;
}

/** Go's underscoreOK: `_` only between digits or after a base prefix. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1])) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/**
 * strconv.ParseInt(s, 0, 64) (signed) or ParseUint(s, 0, 64): the value, or Go's error text.
 */
export function parseGoInt(s0: string, signed: boolean): bigint | string {
  const fn = signed ? 'strconv.ParseInt' : 'strconv.ParseUint';
  const syntax = `${fn}: parsing ${goQuote(s0)}: invalid syntax`;
  const range = `${fn}: parsing ${goQuote(s0)}: value out of range`;
  let s = s0;
  let neg = false;
  if (signed && (s[0] === '+' || s[0] === '-')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '') return syntax;
  let base = 10n;
  if (s[0] === '0') {
    const p = s[1];
    if (s.length >= 3 && (p === 'x' || p === 'X')) {
      base = 16n;
      s = s.slice(2);
    } else if (s.length >= 3 && (p === 'o' || p === 'O')) {
      base = 8n;
      s = s.slice(2);
    } else if (s.length >= 3 && (p === 'b' || p === 'B')) {
      base = 2n;
      s = s.slice(2);
    } else {
      base = 8n;
      s = s.slice(1);
    }
  }
  const max = 1n << 64n;
  let n = 0n;
  let underscores = false;
  for (const c of s) {
    let d: number;
    if (c === '_') {
      underscores = true;
      continue;
    } else if (c >= '0' && c <= '9') d = c.charCodeAt(0) - 48;
    else if (/[a-zA-Z]/.test(c)) d = c.toLowerCase().charCodeAt(0) - 87;
    else return syntax;
    if (BigInt(d) >= base) return syntax;
    n = n * base + BigInt(d);
    if (n >= max) return range;
  }
  if (underscores && !underscoreOK(s0)) return syntax;
  if (!signed) return n;
  if (neg) return n > 1n << 63n ? range : -n;
  return n >= 1n << 63n ? range : n;
}

const DURATION_UNITS = new Map<string, bigint>([
  ['ns', 1n],
  ['us', 1000n],
  ['\xc2\xb5s', 1000n], // U+00B5 micro sign (UTF-8 bytes)
  ['\xce\xbcs', 1000n], // U+03BC Greek mu
  ['ms', 1000000n],
  ['s', 1000000000n],
  ['m', 60000000000n],
  ['h', 3600000000000n],
]);

/** time.ParseDuration: nanoseconds, or Go's error text. */
export function parseGoDuration(orig: string): bigint | string {
  const invalid = `time: invalid duration ${goQuote(orig)}`;
  const limit = 1n << 63n;
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return invalid;
  let d = 0n;
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return invalid;
    let j = 0;
    let v = 0n;
    while (isDigit(s[j])) {
      v = v * 10n + BigInt(s.charCodeAt(j) - 48);
      if (v > limit) return invalid;
      j++;
    }
    const pre = j > 0;
    s = s.slice(j);
    let post = false;
    let frac = 0n;
    let scale = 1;
    if (s[0] === '.') {
      s = s.slice(1);
      let k = 0;
      let overflow = false;
      while (isDigit(s[k])) {
        if (!overflow) {
          const next = frac * 10n + BigInt(s.charCodeAt(k) - 48);
          if (next > limit) overflow = true;
          else {
            frac = next;
            scale *= 10;
          }
        }
        k++;
      }
      post = k > 0;
      s = s.slice(k);
    }
    if (!pre && !post) return invalid;
    let k = 0;
    while (k < s.length && s[k] !== '.' && !isDigit(s[k])) k++;
    if (k === 0) return `time: missing unit in duration ${goQuote(orig)}`;
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = DURATION_UNITS.get(u);
    if (unit === undefined) return `time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`;
    if (v > limit / unit) return invalid;
    v *= unit;
    if (frac > 0n) {
      v += BigInt(Math.trunc(Number(frac) * (Number(unit) / scale)));
      if (v > limit) return invalid;
    }
    d += v;
    if (d > limit) return invalid;
  }
  if (neg) return -d;
  if (d > limit - 1n) return invalid;
  return d;
}

/** time.Duration.String(). */
export function formatGoDuration(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  const frac = (v: bigint, digits: number): string => {
    const p = 10n ** BigInt(digits);
    const f = (v % p).toString().padStart(digits, '0').replace(/0+$/, '');
    return (v / p).toString() + (f ? '.' + f : '');
  };
  if (u < 1000000000n) {
    if (u < 1000n) out = `${u}ns`;
    else if (u < 1000000n) out = frac(u, 3) + '\xc2\xb5s';
    else out = frac(u, 6) + 'ms';
  } else {
    const secs = frac(u % 60000000000n, 9) + 's';
    u /= 60000000000n;
    if (u === 0n) out = secs;
    else if (u < 60n) out = `${u}m${secs}`;
    else out = `${u / 60n}h${u % 60n}m${secs}`;
  }
  return neg ? '-' + out : out;
}

// ---------------------------------------------------------------- Go %q emulation

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

function isGoPrint(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  return PRINTABLE.test(String.fromCodePoint(r));
}

/** Decodes one UTF-8 rune at `i` of a bstr: [rune, size], rune -1 for an invalid byte. */
export function decodeRune(s: string, i: number): [number, number] {
  const b0 = s.charCodeAt(i);
  if (b0 < 0x80) return [b0, 1];
  const cont = (k: number): number => {
    const b = s.charCodeAt(i + k);
    return b >= 0x80 && b <= 0xbf ? b & 0x3f : -1;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(1);
    if (c1 >= 0) return [((b0 & 0x1f) << 6) | c1, 2];
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    const c1 = cont(1);
    const c2 = cont(2);
    if (c1 >= 0 && c2 >= 0) {
      const r = ((b0 & 0x0f) << 12) | (c1 << 6) | c2;
      if (r >= 0x800 && (r < 0xd800 || r > 0xdfff)) return [r, 3];
    }
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    const c1 = cont(1);
    const c2 = cont(2);
    const c3 = cont(3);
    if (c1 >= 0 && c2 >= 0 && c3 >= 0) {
      const r = ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
      if (r >= 0x10000 && r <= 0x10ffff) return [r, 4];
    }
  }
  return [-1, 1];
}

function utf8Bstr(r: number): string {
  return Buffer.from(String.fromCodePoint(r), 'utf8').toString('latin1');
}

const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');

function escapeRune(r: number, quote: string): string {
  if (r === quote.charCodeAt(0) || r === 0x5c) return '\\' + String.fromCharCode(r);
  if (isGoPrint(r)) return utf8Bstr(r);
  switch (r) {
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    case 11:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hex(r, 2);
  if (r < 0x10000) return '\\u' + hex(r, 4);
  return '\\U' + hex(r, 8);
}

/** Go's strconv.Quote (fmt %q of a string) over a bstr; the result is a bstr. */
export function goQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; ) {
    const [r, size] = decodeRune(s, i);
    out += r < 0 ? '\\x' + hex(s.charCodeAt(i), 2) : escapeRune(r, '"');
    i += size;
  }
  return out + '"';
}

/** Go's strconv.QuoteRune (fmt %q of a byte/rune); the result is a bstr. */
export function goQuoteRune(r: number): string {
  return "'" + escapeRune(r, "'") + "'";
}
