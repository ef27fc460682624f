/**
 * Wall-clock time with sub-millisecond resolution from `performance.now()` plus an anchor to
 * Date.now(). The anchor is re-checked (and re-taken if the two disagree by more than 1 ms)
 * whenever a caller asks for it — the tracer does at every new trace, i.e. at least once per
 * invocation, which covers a Lambda sandbox thawing after a freeze — and otherwise at most
 * once per second, because reading both clocks for every span doubles its cost.
 */
import { performance } from 'node:perf_hooks';

let anchor = Date.now() - performance.now();
let nextCheck = 0;

/** Epoch milliseconds, fractional. `resync` forces the wall-clock comparison. */
export function nowMs(resync = false): number {
  const mono = performance.now();
  if (resync || mono >= nextCheck) {
    const wall = Date.now();
    const t = anchor + mono;
    if (t - wall > 1 || wall - t > 1) anchor = wall - mono;
    nextCheck = mono + 1000;
  }
  return anchor + mono;
}

/**
 * Milliseconds since `t0` (a `performance.now()` reading), to the microsecond: how flush
 * reports and log lines give durations.
 */
export function msSince(t0: number): number {
  return Math.round((performance.now() - t0) * 1000) / 1000;
}

/** Whole epoch ms from which int64 ns overflow (2262-04-11). */
export const MAX_INT64_WHOLE_MS = 9_223_372_036_854;

/** Result of the last `splitMs`: whole milliseconds and the ns within the millisecond. */
export const msParts = { whole: 0, frac: 0 };

/** Splits epoch ms (fractional) into whole ms and ns (0..999999), rounding to the nearest ns. */
export function splitMs(ms: number): void {
  let whole = Math.floor(ms);
  let frac = Math.round((ms - whole) * 1e6);
  if (frac >= 1e6) {
    whole += 1;
    frac -= 1e6;
  }
  msParts.whole = whole;
  msParts.frac = frac;
}
