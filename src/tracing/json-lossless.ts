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
  return parse(text, (raw) => new JsonNumber(raw), maxDepth) as JsonValue;
}

/**
 * Numbers become JS numbers, except integers outside the safe range, which become bigint.
 * Where `exactAt` says so (by the keys leading to the value; '[]' for an array element), a
 * number written with a fraction or exponent is read by its exact decimal value: an integer
 * one (1e3, 1.0) as above, any other kept as its source text, so that a check for an integer
 * refuses it instead of seeing it rounded (4503599627370497.5 is the double 4503599627370498).
 */
export function parseJsonExact(text: string, maxDepth = 512, exactAt?: (path: readonly string[]) => boolean): unknown {
  return parse(
    text,
    (raw, integer, path) => {
      let exact: bigint | null | undefined;
      if (!integer && exactAt?.(path)) {
        exact = exactInteger(raw);
        if (exact === null) return raw;
      }
      const n = exact === undefined ? Number(raw) : Number(exact);
      if (Number.isSafeInteger(n) || !(integer || exact !== undefined)) return n;
      return exact ?? BigInt(raw);
    },
    maxDepth,
    exactAt !== undefined,
  );
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

function parse(text: string, makeNumber: (raw: string, integer: boolean, path: readonly string[]) => unknown, maxDepth: number, trackPath = false): unknown {
  let i = 0;
  let depth = 0;
  /** The keys leading to the value being read (only when trackPath). */
  const path: string[] = [];

  const fail = (msg: string): never => {
    throw new JsonSyntaxError(msg, i);
  };
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };

  const value = (): unknown => {
    ws();
    switch (text.charCodeAt(i)) {
      case 0x7b: // {
        return object();
      case 0x5b: // [
        return array();
      case 0x22: // "
        return string();
      case 0x74: // t
        return literal('true', true);
      case 0x66: // f
        return literal('false', false);
      case 0x6e: // n
        return literal('null', null);
      default: {
        const c = text[i];
        if (c === '-' || (c >= '0' && c <= '9')) return number();
        return fail(c === undefined ? 'unexpected end of JSON input' : `unexpected character ${JSON.stringify(c)}`);
      }
    }
  };

  const literal = (word: string, v: unknown) => {
    if (!text.startsWith(word, i)) fail(`invalid literal`);
    i += word.length;
    return v;
  };

  const nest = () => {
    if (++depth > maxDepth) fail(`nesting deeper than ${maxDepth}`);
  };

  const object = () => {
    nest();
    i++;
    const out: Record<string, unknown> = {};
    ws();
    if (text[i] === '}') {
      i++;
      depth--;
      return out;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') fail('expected a property name');
      const key = string();
      ws();
      if (text[i] !== ':') fail("expected ':'");
      i++;
      if (trackPath) path.push(key);
      const v = value();
      if (trackPath) path.pop();
      // Own data property even for "__proto__", so parsing never touches prototypes (plain
      // assignment otherwise: defineProperty per key made parsing several times slower).
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        depth--;
        return out;
      }
      fail("expected ',' or '}'");
    }
  };

  const array = () => {
    nest();
    i++;
    const out: unknown[] = [];
    ws();
    if (text[i] === ']') {
      i++;
      depth--;
      return out;
    }
    if (trackPath) path.push('[]');
    for (;;) {
      out.push(value());
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        depth--;
        if (trackPath) path.pop();
        return out;
      }
      fail("expected ',' or ']'");
    }
  };

  const string = () => {
    const start = i;
    i++;
    // Fast path: no escapes.
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail('unterminated string');
      if (c === 0x22) break;
      if (c === 0x5c) {
        // Defer escapes to JSON.parse on the exact literal.
        return escapedString(start);
      }
      if (c < 0x20) fail('control character in string');
      i++;
    }
    i++;
    return text.slice(start + 1, i - 1);
  };

  const escapedString = (start: number) => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail('unterminated string');
      if (c === 0x5c) {
        i += 2;
        continue;
      }
      if (c === 0x22) break;
      if (c < 0x20) fail('control character in string');
      i++;
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('invalid escape in string');
    }
  };

  const number = () => {
    const start = i;
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (text[i] >= '1' && text[i] <= '9') while (text[i] >= '0' && text[i] <= '9') i++;
    else fail('invalid number');
    let integer = true;
    if (text[i] === '.') {
      integer = false;
      i++;
      if (!(text[i] >= '0' && text[i] <= '9')) fail('invalid number');
      while (text[i] >= '0' && text[i] <= '9') i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      integer = false;
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!(text[i] >= '0' && text[i] <= '9')) fail('invalid number');
      while (text[i] >= '0' && text[i] <= '9') i++;
    }
    return makeNumber(text.slice(start, i), integer, path);
  };

  const v = value();
  ws();
  if (i < text.length) fail('unexpected data after JSON value');
  return v;
}

