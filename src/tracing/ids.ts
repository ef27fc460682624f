/**
 * 64-bit span and trace ids. Ids are unsigned 64-bit integers exposed as `bigint` so that
 * values above 2^53 (and above 2^63) survive every step exactly; they are never routed through
 * a JS `number`. Internally a new id is two uint32 halves: creating a BigInt per span and
 * printing it is the costliest part of a span, so encoders work from the halves.
 */
import { randomFillSync } from 'node:crypto';

export const MAX_UINT64 = (1n << 64n) - 1n;

const POOL_WORDS = 2048;
const pool = new Uint32Array(POOL_WORDS);
let poolIndex = POOL_WORDS;

/** The halves of the id produced by the last `nextRandomId()` call. */
export const idHalves = { hi: 0, lo: 0 };

/**
 * Draws a random id into `idHalves`: never 0 (meaning "no id") nor 1 (the Go installer
 * tracer's drop sentinel, which a backend could also treat specially).
 */
export function nextRandomId(): void {
  for (;;) {
    if (poolIndex === POOL_WORDS) {
      randomFillSync(pool);
      poolIndex = 0;
    }
    const hi = pool[poolIndex];
    const lo = pool[poolIndex + 1];
    poolIndex += 2;
    if (hi !== 0 || lo > 1) {
      idHalves.hi = hi;
      idHalves.lo = lo;
      return;
    }
  }
}

/** A random id as a bigint (never 0 or 1). */
export function randomId(): bigint {
  nextRandomId();
  return toBigInt(idHalves.hi, idHalves.lo);
}

export function toBigInt(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

export function hiOf(v: bigint): number {
  return Number(v >> 32n);
}

export function loOf(v: bigint): number {
  return Number(v & 0xffffffffn);
}

/** Base-10^7 digit groups of the last `splitDecimal` call: value = g2*10^14 + g1*10^7 + g0. */
export const decimalGroups = { g2: 0, g1: 0, g0: 0 };

/**
 * Splits hi*2^32 + lo (hi >= 2^21, i.e. value >= 2^53) into base-10^7 digit groups using
 * only doubles: 2^32 = 429*10^7 + 4967296 and 2^48 = 28147497*10^7 + 6710656, and every
 * intermediate stays below 2^53. The value is >= 2^53 > 10^15, so g2 >= 90.
 */
export function splitDecimal(hi: number, lo: number): void {
  const h1 = hi >>> 16;
  const h0 = hi & 0xffff;
  const lo1 = Math.floor(lo / 1e7);
  let d0 = lo - lo1 * 1e7 + h0 * 4967296 + h1 * 6710656;
  let d1 = lo1 + h0 * 429 + h1 * 28147497;
  const c0 = Math.floor(d0 / 1e7);
  d0 -= c0 * 1e7;
  d1 += c0;
  const d2 = Math.floor(d1 / 1e7);
  decimalGroups.g2 = d2;
  decimalGroups.g1 = d1 - d2 * 1e7;
  decimalGroups.g0 = d0;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Exact parsing of an incoming id. Accepts a bigint, a decimal string (the raw text of a JSON
 * number or a message attribute) or a safe-integer `number`. Rejects negatives, fractions,
 * exponents, signs, whitespace, leading zeros and anything above 2^64-1: `null`, never a
 * rounded value. A `number` beyond 2^53 is rejected because it may already have been rounded.
 */
export function parseUint64(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v >= 0n && v <= MAX_UINT64 ? v : null;
  if (typeof v === 'number') {
    return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : null;
  }
  if (typeof v !== 'string' || v.length === 0 || v.length > 20 || !DECIMAL.test(v)) return null;
  const n = BigInt(v);
  return n <= MAX_UINT64 ? n : null;
}
