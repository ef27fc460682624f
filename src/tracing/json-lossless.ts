/**
 * A strict JSON parser that keeps numbers exact, so 64-bit ids can be checked and converted
 * without loss (JSON.parse rounds them through a double, and Node 20 cannot show a reviver
 * the source text). Two views of one parser:
 * - parseJsonLossless: every number as its source text (JsonNumber), for the intake's checks;
 * - parseJsonExact: plain values, with integers beyond 2^53 as bigint, for task bodies.
 * Errors name what is wrong and where ("expected a property name at position 1").
 */

export class JsonNumber {
  constructor(readonly raw: string) {}
  /** Exact value when the text is a non-negative integer, else null. */
  toUint(): bigint | null {
    return /^(0|[1-9][0-9]*)$/.test(this.raw) ? BigInt(this.raw) : null;
  }
  /** Exact value when the text is an integer (any sign), else null. */
  toInt(): bigint | null {
    return /^-?(0|[1-9][0-9]*)$/.test(this.raw) ? BigInt(this.raw) : null;
  }
  toNumber(): number {
    return Number(this.raw);
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | { [k: string]: JsonValue };

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at position ${offset}`);
    this.name = 'JsonSyntaxError';
  }
}

export function parseJsonLossless(text: string, maxDepth = 64): JsonValue {
  return new JsonParser(text, maxDepth, true, undefined).parse() as JsonValue;
}

/**
 * Numbers become JS numbers, except integers outside the safe range, which become bigint.
 * Where `exactAt` says so (by the keys leading to the value; '[]' for an array element), a
 * number written with a fraction or exponent is read by its exact decimal value: an integer
 * one (1e3, 1.0) as above, any other kept as its source text, so that a check for an integer
 * refuses it instead of seeing it rounded (4503599627370497.5 is the double 4503599627370498).
 */
export function parseJsonExact(text: string, maxDepth = 512, exactAt?: (path: readonly string[]) => boolean): unknown {
  return new JsonParser(text, maxDepth, false, exactAt).parse();
}

/** A number of parseJsonExact: see there. */
function exactNumber(raw: string, integer: boolean, path: readonly string[], exactAt: ((path: readonly string[]) => boolean) | undefined): unknown {
  let exact: bigint | null | undefined;
  // `?.()` as before: an untyped caller's `exactAt` of null is none, and one of false still throws.
  if (!integer && exactAt?.(path)) {
    exact = exactInteger(raw);
    if (exact === null) return raw;
  }
  const n = exact === undefined ? Number(raw) : Number(exact);
  if (Number.isSafeInteger(n) || !(integer || exact !== undefined)) return n;
  return exact ?? BigInt(raw);
}

/** The exact integer a JSON number literal denotes, or null when it is no integer (or beyond 10^40). */
function exactInteger(raw: string): bigint | null {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(raw);
  if (!m) return null;
  const digits = (m[2] + (m[3] ?? '')).replace(/^0+(?=\d)/, '');
  const shift = Number(m[4] ?? '0') - (m[3] ?? '').length;
  if (/^0+$/.test(digits)) return 0n;
  if (shift >= 0) {
    if (digits.length + shift > 40) return null;
    return BigInt(m[1] + digits) * 10n ** BigInt(shift);
  }
  const cut = digits.length + shift;
  if (cut <= 0 || !/^0*$/.test(digits.slice(cut))) return null;
  return BigInt(m[1] + digits.slice(0, cut));
}

/** JSON.stringify that writes bigints as raw integer literals. */
export function stringifyJson(value: unknown): string {
  const marks: string[] = [];
  const out = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    marks.push(v.toString());
    return `\u0000big${marks.length - 1}\u0000`;
  });
  return marks.length === 0 ? out : out.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, n: string) => marks[Number(n)]);
}

/**
 * One parse. A class rather than closures made per call: task bodies are parsed on every
 * invocation, and V8 drops the optimised code of closures that are no longer alive at each
 * major GC, so per-call helpers were compiled again and again in a warm container.
 */
class JsonParser {
  private i = 0;
  private depth = 0;
  /** The keys leading to the value being read (only with an `exactAt`). */
  private readonly path: string[] = [];
  private readonly trackPath: boolean;

  /** `lossless`: parseJsonLossless (numbers as JsonNumber); else parseJsonExact with its `exactAt`. */
  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly lossless: boolean,
    private readonly exactAt: ((path: readonly string[]) => boolean) | undefined,
  ) {
    // Any given `exactAt` (not only a function), as before: see exactNumber.
    this.trackPath = exactAt !== undefined;
  }

  parse(): unknown {
    const v = this.value();
    this.ws();
    if (this.i < this.text.length) this.fail('unexpected data after JSON value');
    return v;
  }

  private fail(msg: string): never {
    throw new JsonSyntaxError(msg, this.i);
  }

  private ws(): void {
    const text = this.text;
    let i = this.i;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.i = i;
  }

  private value(): unknown {
    this.ws();
    const text = this.text;
    switch (text.charCodeAt(this.i)) {
      case 0x7b: // {
        return this.object();
      case 0x5b: // [
        return this.array();
      case 0x22: // "
        return this.string();
      case 0x74: // t
        return this.literal('true', true);
      case 0x66: // f
        return this.literal('false', false);
      case 0x6e: // n
        return this.literal('null', null);
      default: {
        const c = text[this.i];
        if (c === '-' || (c >= '0' && c <= '9')) return this.number();
        return this.fail(c === undefined ? 'unexpected end of JSON input' : `unexpected character ${JSON.stringify(c)}`);
      }
    }
  }

  private literal(word: string, v: unknown): unknown {
    if (!this.text.startsWith(word, this.i)) this.fail(`invalid literal`);
    this.i += word.length;
    return v;
  }

  private nest(): void {
    if (++this.depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
  }

  private object(): Record<string, unknown> {
    const text = this.text;
    this.nest();
    this.i++;
    const out: Record<string, unknown> = {};
    this.ws();
    if (text[this.i] === '}') {
      this.i++;
      this.depth--;
      return out;
    }
    for (;;) {
      this.ws();
      if (text[this.i] !== '"') this.fail('expected a property name');
      const key = this.string();
      this.ws();
      if (text[this.i] !== ':') this.fail("expected ':'");
      this.i++;
      if (this.trackPath) this.path.push(key);
      const v = this.value();
      if (this.trackPath) this.path.pop();
      // Own data property even for "__proto__", so parsing never touches prototypes (plain
      // assignment otherwise: defineProperty per key made parsing several times slower).
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      this.ws();
      if (text[this.i] === ',') {
        this.i++;
        continue;
      }
      if (text[this.i] === '}') {
        this.i++;
        this.depth--;
        return out;
      }
      this.fail("expected ',' or '}'");
    }
  }

  private array(): unknown[] {
    const text = this.text;
    this.nest();
    this.i++;
    const out: unknown[] = [];
    this.ws();
    if (text[this.i] === ']') {
      this.i++;
      this.depth--;
      return out;
    }
    if (this.trackPath) this.path.push('[]');
    for (;;) {
      out.push(this.value());
      this.ws();
      if (text[this.i] === ',') {
        this.i++;
        continue;
      }
      if (text[this.i] === ']') {
        this.i++;
        this.depth--;
        if (this.trackPath) this.path.pop();
        return out;
      }
      this.fail("expected ',' or ']'");
    }
  }

  private string(): string {
    const text = this.text;
    const start = this.i;
    let i = start + 1;
    // Fast path: no escapes.
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) {
        this.i = i;
        this.fail('unterminated string');
      }
      if (c === 0x22) break;
      if (c === 0x5c) {
        // Defer escapes to JSON.parse on the exact literal.
        this.i = i;
        return this.escapedString(start);
      }
      if (c < 0x20) {
        this.i = i;
        this.fail('control character in string');
      }
      i++;
    }
    this.i = i + 1;
    return text.slice(start + 1, i);
  }

  private escapedString(start: number): string {
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(this.i);
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c === 0x5c) {
        this.i += 2;
        continue;
      }
      if (c === 0x22) break;
      if (c < 0x20) this.fail('control character in string');
      this.i++;
    }
    this.i++;
    try {
      return JSON.parse(text.slice(start, this.i)) as string;
    } catch {
      return this.fail('invalid escape in string');
    }
  }

  private number(): unknown {
    const text = this.text;
    const start = this.i;
    let i = start;
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (text[i] >= '1' && text[i] <= '9') while (text[i] >= '0' && text[i] <= '9') i++;
    else this.failAt(i, 'invalid number');
    let integer = true;
    if (text[i] === '.') {
      integer = false;
      i++;
      if (!(text[i] >= '0' && text[i] <= '9')) this.failAt(i, 'invalid number');
      while (text[i] >= '0' && text[i] <= '9') i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      integer = false;
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!(text[i] >= '0' && text[i] <= '9')) this.failAt(i, 'invalid number');
      while (text[i] >= '0' && text[i] <= '9') i++;
    }
    this.i = i;
    const raw = text.slice(start, i);
    return this.lossless ? new JsonNumber(raw) : exactNumber(raw, integer, this.path, this.exactAt);
  }

  private failAt(i: number, msg: string): never {
    this.i = i;
    return this.fail(msg);
  }
}
