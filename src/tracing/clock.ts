/**
 * Wall-clock time with sub-millisecond resolution. `performance.now()` gives resolution but
 * can drift from the wall clock (Lambda freezes the sandbox between invocations), so the
 * anchor is re-taken whenever the estimate strays more than a millisecond from Date.now().
 */
import { performance } from 'node:perf_hooks';

let anchor = Date.now() - performance.now();

/** Epoch milliseconds, fractional. */
export function nowMs(): number {
  const mono = performance.now();
  const wall = Date.now();
  let t = anchor + mono;
  if (t - wall > 1 || wall - t > 1) {
    anchor = wall - mono;
    t = wall;
  }
  return t;
}

/** Epoch ms (fractional) → decimal text of epoch ns, exact to the ns without going through a 64-bit float. */
export function msToNsText(ms: number): string {
  let whole = Math.floor(ms);
  let frac = Math.round((ms - whole) * 1e6);
  if (frac >= 1e6) {
    whole += 1;
    frac -= 1e6;
  }
  if (whole <= 0) return whole < 0 ? '0' : String(frac);
  const f = String(frac);
  return String(whole) + '000000'.slice(f.length) + f;
}

/** Epoch ms (fractional) → epoch ns as bigint (for binary encodings). */
export function msToNs(ms: number): bigint {
  let whole = Math.floor(ms);
  let frac = Math.round((ms - whole) * 1e6);
  if (frac >= 1e6) {
    whole += 1;
    frac -= 1e6;
  }
  if (whole < 0) return 0n;
  return BigInt(whole) * 1000000n + BigInt(frac);
}
