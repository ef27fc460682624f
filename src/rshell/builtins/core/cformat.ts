/**
 * C printf conversions (as bash's printf produces them) for integers and doubles. Floats are
 * formatted from their exact binary value with BigInt arithmetic (round-half-even like glibc),
 * so any precision up to printf's cap is exact rather than limited to toFixed's 100 digits.
 */

export interface ConvSpec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  alt: boolean;
  width: number;
  /** undefined: no precision given. */
  prec: number | undefined;
}

/** Pads `body` (after `prefix`: sign or 0x) to the width; zero padding goes between them. */
function pad(prefix: string, body: string, spec: ConvSpec, zeroOk: boolean): string {
  const len = prefix.length + body.length;
  if (len >= spec.width) return prefix + body;
  const fill = spec.width - len;
  if (spec.minus) return prefix + body + ' '.repeat(fill);
  if (spec.zero && zeroOk) return prefix + '0'.repeat(fill) + body;
  return ' '.repeat(fill) + prefix + body;
}

/** %s-style padding/truncation over bytes. */
export function formatString(s: string, spec: ConvSpec, usePrec = true): string {
  if (usePrec && spec.prec !== undefined && s.length > spec.prec) s = s.slice(0, spec.prec);
  return pad('', s, { ...spec, zero: false }, false);
}

/**
 * %d %i (signed) or %o %u %x %X (value already reduced to an unsigned 64-bit bigint).
 */
export function formatInt(v: bigint, conv: string, spec: ConvSpec): string {
  const signed = conv === 'd' || conv === 'i';
  const neg = v < 0n;
  const mag = neg ? -v : v;
  const base = conv === 'o' ? 8 : conv === 'x' || conv === 'X' ? 16 : 10;
  let digits = mag.toString(base);
  if (conv === 'X') digits = digits.toUpperCase();
  if (spec.prec !== undefined) {
    digits = spec.prec === 0 && mag === 0n ? '' : digits.padStart(spec.prec, '0');
  }
  let prefix = '';
  if (signed) prefix = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  if (spec.alt) {
    if (conv === 'o' && !digits.startsWith('0')) digits = '0' + digits;
    else if ((conv === 'x' || conv === 'X') && mag !== 0n) prefix = conv === 'x' ? '0x' : '0X';
  }
  return pad(prefix, digits, spec, spec.prec === undefined);
}

const view = new DataView(new ArrayBuffer(8));

/** |x| = mant * 2^exp exactly (x finite). */
function decompose(x: number): [bigint, number] {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const e = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  return e === 0 ? [frac, -1074] : [frac | (1n << 52n), e - 1075];
}

const POW10 = new Map<number, bigint>();
function pow10(n: number): bigint {
  let v = POW10.get(n);
  if (v === undefined) {
    v = 10n ** BigInt(n);
    if (POW10.size < 64) POW10.set(n, v);
  }
  return v;
}

/** q + 1 when the remainder is above half, or exactly half and q is odd (half to even). */
function roundHalfEven(q: bigint, twiceRem: bigint, den: bigint): bigint {
  return twiceRem > den || (twiceRem === den && (q & 1n) === 1n) ? q + 1n : q;
}

/** round(|x| * 10^p), half to even, for any integer p. */
function scaled(x: number, p: number): bigint {
  const [mant, exp] = decompose(x);
  let num = p >= 0 ? mant * pow10(p) : mant;
  if (exp >= 0) num <<= BigInt(exp);
  if (p >= 0 && exp >= 0) return num;
  if (p >= 0) {
    // Dividing by a power of two is a shift: much cheaper than BigInt division at high precision.
    const k = BigInt(-exp);
    const q = num >> k;
    return roundHalfEven(q, (num - (q << k)) << 1n, 1n << k);
  }
  const den = exp >= 0 ? pow10(-p) : pow10(-p) << BigInt(-exp);
  const q = num / den;
  return roundHalfEven(q, (num % den) * 2n, den);
}

/**
 * |x| exactly as decimal digits `d` with the point `k` places from the right. A double has
 * at most 1074 fraction digits, so precisions beyond that only append zeros: this keeps
 * `%.10000f` cheap instead of multiplying by 10^10000.
 */
function exactDecimal(x: number): [string, number] {
  const [mant, exp] = decompose(x);
  if (exp >= 0) return [(mant << BigInt(exp)).toString(), 0];
  const k = -exp;
  return [(mant * 5n ** BigInt(k)).toString(), k];
}

/** Digits of |x| with `p` fraction digits. */
function fixedDigits(x: number, p: number, alt: boolean): string {
  const [d, k] = exactDecimal(x);
  let n: string;
  if (p >= k) n = d + '0'.repeat(p - k); // exact: no rounding needed
  else n = scaled(x, p).toString();
  n = n.padStart(p + 1, '0');
  const int = n.slice(0, n.length - p);
  const frac = n.slice(n.length - p);
  return p > 0 ? `${int}.${frac}` : alt ? `${int}.` : int;
}

/** [digits (p+1 of them), decimal exponent] of |x| rounded to p fraction digits in e-form. */
function expParts(x: number, p: number): [string, number] {
  if (x === 0) return ['0'.repeat(p + 1), 0];
  const [d, k] = exactDecimal(x);
  const sig = d.replace(/^0+/, '');
  const e10 = sig.length - 1 - k;
  if (sig.length <= p + 1) return [sig + '0'.repeat(p + 1 - sig.length), e10]; // exact
  const n = scaled(x, p - e10);
  // Rounding up can carry into a new digit (9.99 → 10.0): shift the exponent.
  if (n >= pow10(p + 1)) return [n.toString().slice(0, p + 1), e10 + 1];
  return [n.toString(), e10];
}

function expDigits(x: number, p: number, alt: boolean, upper: boolean): string {
  const [d, e10] = expParts(x, p);
  const mant = p > 0 ? `${d[0]}.${d.slice(1)}` : alt ? `${d[0]}.` : d[0];
  const es = Math.abs(e10).toString().padStart(2, '0');
  return `${mant}${upper ? 'E' : 'e'}${e10 < 0 ? '-' : '+'}${es}`;
}

function stripZeros(s: string): string {
  const ePos = s.search(/[eE]/);
  const m = ePos < 0 ? s : s.slice(0, ePos);
  const tail = ePos < 0 ? '' : s.slice(ePos);
  if (!m.includes('.')) return s;
  return m.replace(/0+$/, '').replace(/\.$/, '') + tail;
}

/** %f %F %e %E %g %G. */
export function formatFloat(x: number, conv: string, spec: ConvSpec): string {
  const upper = conv === 'F' || conv === 'E' || conv === 'G';
  const neg = x < 0 || Object.is(x, -0);
  const prefix = neg && !Number.isNaN(x) ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  if (!Number.isFinite(x)) {
    const word = Number.isNaN(x) ? 'nan' : 'inf';
    return pad(prefix, upper ? word.toUpperCase() : word, spec, false);
  }
  const lower = conv.toLowerCase();
  let body: string;
  if (lower === 'f') {
    body = fixedDigits(x, spec.prec ?? 6, spec.alt);
  } else if (lower === 'e') {
    body = expDigits(x, spec.prec ?? 6, spec.alt, upper);
  } else {
    const P = spec.prec === undefined ? 6 : spec.prec === 0 ? 1 : spec.prec;
    const X = expParts(x, P - 1)[1];
    body = P > X && X >= -4 ? fixedDigits(x, P - 1 - X, spec.alt) : expDigits(x, P - 1, spec.alt, upper);
    if (!spec.alt) body = stripZeros(body);
  }
  return pad(prefix, body, spec, true);
}
