/**
 * DD_TRACE_RATE_LIMIT: at most this many traces per second, per container, are kept by a
 * sampling rule or DD_TRACE_SAMPLE_RATE (100 when unset, as Datadog's tracers); one kept past
 * the limit is rejected instead. A token bucket holding one second of traces, refilled
 * continuously, so a burst of a whole batch at once is cut at the limit.
 */

export const DEFAULT_TRACES_PER_SECOND = 100;

export class TraceRateLimiter {
  private tokens: number;
  private last: number;
  /** Requests and grants in the current and the previous one-second window. */
  private windowStart: number;
  private asked = 0;
  private granted = 0;
  private previousRate = 1;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perSecond;
    this.last = now();
    this.windowStart = this.last;
  }

  /** Takes a token if one is left. */
  allow(): boolean {
    const t = this.now();
    this.rollWindow(t);
    this.tokens = Math.min(this.perSecond, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    this.asked += 1;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    this.granted += 1;
    return true;
  }

  /**
   * The share of traces let through, averaged over this window and the last (the
   * `_dd.limit_psr` metric, which Datadog uses to extrapolate).
   */
  effectiveRate(): number {
    const current = this.asked === 0 ? 1 : this.granted / this.asked;
    return (current + this.previousRate) / 2;
  }

  private rollWindow(t: number): void {
    if (t - this.windowStart < 1000) return;
    // A gap of more than one window means the last one saw nothing: all let through.
    this.previousRate = t - this.windowStart < 2000 && this.asked > 0 ? this.granted / this.asked : 1;
    this.windowStart = t;
    this.asked = 0;
    this.granted = 0;
  }
}
