/**
 * JSON parsing that keeps integers exact: an integer literal outside JS's safe range becomes
 * a bigint instead of a rounded number. Task trace/span ids are unsigned 64-bit JSON
 * numbers (ids above 2^63 occur) and JSON.parse on Node 20 cannot give their source text.
 */

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at position ${offset}`);
    this.name = 'JsonSyntaxError';
  }
}

const MAX_DEPTH = 512;

export function parseJsonLossless(text: string): unknown {
  let i = 0;
  let depth = 0;

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
    const c = text[i];
    if (c === '{') return object();
    if (c === '[') return array();
    if (c === '"') return string();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    return fail(c === undefined ? 'unexpected end of JSON input' : `unexpected character ${JSON.stringify(c)}`);
  };

  const literal = (word: string, v: unknown) => {
    if (!text.startsWith(word, i)) fail(`invalid literal`);
    i += word.length;
    return v;
  };

  const nest = () => {
    if (++depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
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
      const v = value();
      // Own data property even for "__proto__", so parsing never touches prototypes.
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
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
    const raw = text.slice(start, i);
    const n = Number(raw);
    if (integer && !Number.isSafeInteger(n)) return BigInt(raw);
    return n;
  };

  const v = value();
  ws();
  if (i < text.length) fail('unexpected data after JSON value');
  return v;
}

/** JSON.stringify that writes bigints as raw integer literals. */
export function stringifyJson(value: unknown): string {
  const marks: string[] = [];
  const out = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') {
      marks.push(v.toString());
      return `\u0000big${marks.length - 1}\u0000`;
    }
    return v;
  });
  if (marks.length === 0) return out;
  return out.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, n: string) => marks[Number(n)]);
}
