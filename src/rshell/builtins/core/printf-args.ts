/**
 * printf's numeric argument conversion, as bash does it with strtoimax/strtoumax/strtod: a
 * leading `'X` or `"X` gives the byte value of X, the longest numeric prefix is used even
 * when junk follows (reported as "invalid number"), and overflow clamps with a warning.
 */

export type ArgStatus = 'ok' | 'invalid' | 'range';

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;
const SPACE = /^[ \t\n\v\f\r]*/;

function charConstant(s: string): number | undefined {
  if (s[0] === "'" || s[0] === '"') return s.length >= 2 ? s.charCodeAt(1) : 0;
  return undefined;
}

/** Sign and magnitude of the longest C integer prefix (base 0), and whether all was used. */
function scanInt(s: string): { neg: boolean; mag: bigint; digits: boolean; rest: string } {
  let t = s.replace(SPACE, '');
  let neg = false;
  if (t[0] === '+' || t[0] === '-') {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  let m: RegExpMatchArray | null;
  if ((m = /^0[xX]([0-9a-fA-F]+)/.exec(t))) return { neg, mag: BigInt('0x' + m[1]), digits: true, rest: t.slice(m[0].length) };
  if ((m = /^0([0-7]*)/.exec(t))) return { neg, mag: m[1] ? BigInt('0o' + m[1]) : 0n, digits: true, rest: t.slice(m[0].length) };
  if ((m = /^[0-9]+/.exec(t))) return { neg, mag: BigInt(m[0]), digits: true, rest: t.slice(m[0].length) };
  return { neg, mag: 0n, digits: false, rest: t };
}

/** %d %i and `*` width/precision: a signed 64-bit value. */
export function parseSigned(s: string): [bigint, ArgStatus] {
  if (s === '') return [0n, 'ok'];
  const c = charConstant(s);
  if (c !== undefined) return [BigInt(c), 'ok'];
  const r = scanInt(s);
  if (!r.digits) return [0n, 'invalid'];
  const v = r.neg ? -r.mag : r.mag;
  if (v > INT64_MAX) return [INT64_MAX, 'range'];
  if (v < INT64_MIN) return [INT64_MIN, 'range'];
  return [v, r.rest === '' ? 'ok' : 'invalid'];
}

/** %o %u %x %X: an unsigned 64-bit value (negatives wrap like strtoumax). */
export function parseUnsigned(s: string): [bigint, ArgStatus] {
  if (s === '') return [0n, 'ok'];
  const c = charConstant(s);
  if (c !== undefined) return [BigInt(c), 'ok'];
  const r = scanInt(s);
  if (!r.digits) return [0n, 'invalid'];
  if (r.mag > UINT64_MAX) return [UINT64_MAX, 'range'];
  const v = r.neg && r.mag !== 0n ? (1n << 64n) - r.mag : r.mag;
  return [v, r.rest === '' ? 'ok' : 'invalid'];
}

/** %f %e %g: a double. Leading zeros are decimal (0755 is 755); 0x integers are accepted. */
export function parseFloatArg(s: string): [number, ArgStatus] {
  if (s === '') return [0, 'ok'];
  const c = charConstant(s);
  if (c !== undefined) return [c, 'ok'];
  const t = s.replace(SPACE, '');
  let m: RegExpMatchArray | null;
  if ((m = /^([+-]?)(infinity|inf|nan)/i.exec(t))) {
    // A NaN prints without sign (rshell uses Go's unsigned NaN).
    const v = m[2].toLowerCase() === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
    return [v, m[0].length === t.length ? 'ok' : 'invalid'];
  }
  if ((m = /^([+-]?)0[xX]([0-9a-fA-F]+)/.exec(t))) {
    const v = Number(BigInt('0x' + m[2])) * (m[1] === '-' ? -1 : 1);
    return [v, m[0].length === t.length ? 'ok' : 'invalid'];
  }
  if ((m = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(t))) {
    const v = Number(m[0]);
    if (!Number.isFinite(v)) return [v, 'range'];
    return [v, m[0].length === t.length ? 'ok' : 'invalid'];
  }
  return [0, 'invalid'];
}
