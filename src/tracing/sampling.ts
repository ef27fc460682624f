/**
 * Head sampling of new traces at DD_TRACE_SAMPLE_RATE, as the PAR's mini-tracer samples
 * (par-telemetry §4.3): only a trace this process starts is sampled; one that arrives with a
 * parent keeps the decision it came with. The test is the multiplicative hash Datadog's
 * tracers share, so every service given the same rate decides the same way for a trace id.
 */

/** USER_KEEP / USER_REJECT: a decision made by a configured rate. */
export const KEEP_PRIORITY = 2;
export const REJECT_PRIORITY = -1;
/** Metric on the sampled root span: the rate, which Datadog uses to extrapolate trace metrics. */
export const RULE_RATE_METRIC = '_dd.rule_psr';
/** Metric on a root the rate limiter was asked about: the share it let through. */
export const LIMIT_RATE_METRIC = '_dd.limit_psr';

const KNUTH_FACTOR = 1111111111111111111n;
const MASK_64 = (1n << 64n) - 1n;
const TWO_64 = 18446744073709551616;

/** Whether a trace id (as uint32 halves) is kept at `rate` (0..1). */
export function keepsTrace(hi: number, lo: number, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  const id = (BigInt(hi) << 32n) | BigInt(lo);
  return ((id * KNUTH_FACTOR) & MASK_64) < BigInt(Math.floor(rate * TWO_64));
}
