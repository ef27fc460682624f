/**
 * 64-bit span and trace ids. Ids are unsigned 64-bit integers held as `bigint` so that values
 * above 2^53 (and above 2^63) survive every step exactly; they are never routed through a JS
 * `number`.
 */
import { randomFillSync } from 'node:crypto';

export const MAX_UINT64 = (1n << 64n) - 1n;

/** Refill granularity: one `randomFillSync` call serves this many ids. */
const POOL_IDS = 512;
const pool = Buffer.allocUnsafe(POOL_IDS * 8);
let poolOffset = pool.length;

/**
 * A random id that is never 0 (meaning "no id") nor 1 (the Go installer tracer's drop
 * sentinel, which a backend could also treat specially).
 */
export function randomId(): bigint {
  for (;;) {
    if (poolOffset === pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const id = pool.readBigUInt64LE(poolOffset);
    poolOffset += 8;
    if (id > 1n) return id;
  }
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
