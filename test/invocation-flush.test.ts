/** Progressive flushing within one invocation: when requests start, at most one in flight, the sum. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EARLY_FLUSH_AFTER_MS, EARLY_FLUSH_SPANS, InvocationFlush } from '../src/tasks/invocation-flush.js';
import type { FlushReport, Tracer } from '../src/tracing/index.js';
import { NoopTracer } from '../src/tracing/tracer.js';

/** A tracer whose pending count is set by the test and whose flushes the test resolves. */
class FakeTracer implements Tracer {
  readonly enabled = true;
  pending = 0;
  readonly calls: Array<{ deadline: number; resolve: (r: FlushReport) => void; taken: number }> = [];
  private readonly noop = new NoopTracer();
  startSpan = this.noop.startSpan.bind(this.noop);
  withSpan = this.noop.withSpan.bind(this.noop);
  withService = this.noop.withService.bind(this.noop);
  activeSpan = this.noop.activeSpan.bind(this.noop);
  setSamplingPriority = this.noop.setSamplingPriority.bind(this.noop);
  samplingPriority = this.noop.samplingPriority.bind(this.noop);
  sendsUnder = this.noop.sendsUnder.bind(this.noop);
  pendingCount(): number {
    return this.pending;
  }
  flush(opts: { deadline: number }): Promise<FlushReport> {
    const taken = this.pending;
    this.pending = 0;
    return new Promise((resolve) => this.calls.push({ deadline: opts.deadline, resolve, taken }));
  }
}

const report = (sent: number, extra: Partial<FlushReport> = {}): FlushReport => ({ sent, dropped: 0, bytes: sent * 10, ms: 1, requests: 1, ...extra });

afterEach(() => vi.useRealTimers());

describe('InvocationFlush', () => {
  it(`starts a background request once ${EARLY_FLUSH_SPANS} spans wait, never two at once, and sums every request`, async () => {
    const t = new FakeTracer();
    const f = new InvocationFlush(t, 123_456);
    t.pending = EARLY_FLUSH_SPANS - 1;
    f.taskDone();
    expect(t.calls).toHaveLength(0);
    t.pending = EARLY_FLUSH_SPANS;
    f.taskDone();
    expect(t.calls).toHaveLength(1);
    expect(t.calls[0]).toMatchObject({ deadline: 123_456, taken: EARLY_FLUSH_SPANS });
    t.pending = 5000;
    f.taskDone(); // one in flight: wait
    expect(t.calls).toHaveLength(1);

    const done = f.finish();
    await Promise.resolve();
    expect(t.calls).toHaveLength(1); // the final request waits for the background one
    t.calls[0].resolve(report(EARLY_FLUSH_SPANS, { failure: 'http_500', dropped: 3 }));
    await vi.waitFor(() => expect(t.calls).toHaveLength(2));
    expect(t.calls[1].taken).toBe(5000);
    t.calls[1].resolve(report(5000, { failure: 'timeout' }));
    const total = await done;
    expect(total).toMatchObject({ sent: EARLY_FLUSH_SPANS + 5000, dropped: 3, bytes: (EARLY_FLUSH_SPANS + 5000) * 10, requests: 2, failure: 'http_500' });
    expect(total.ms).toBeGreaterThanOrEqual(0);
  });

  it(`also starts one for a few spans after ${EARLY_FLUSH_AFTER_MS} ms, and none when nothing waits`, async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const t = new FakeTracer();
    const f = new InvocationFlush(t, 2_000_000);
    f.taskDone();
    t.pending = 2;
    f.taskDone();
    expect(t.calls).toHaveLength(0);
    vi.setSystemTime(1_000_000 + EARLY_FLUSH_AFTER_MS);
    f.taskDone();
    expect(t.calls).toHaveLength(1);
    t.calls[0].resolve(report(2));
    const done = f.finish();
    await vi.waitFor(() => expect(t.calls).toHaveLength(2));
    t.calls[1].resolve(report(0, { requests: 0, bytes: 0 }));
    expect(await done).toMatchObject({ sent: 2, requests: 1, dropped: 0 });
    expect((await done).failure).toBeUndefined();
  });

  it('does nothing early for a disabled tracer', async () => {
    const t = new NoopTracer();
    const f = new InvocationFlush(t, Date.now() + 1000);
    f.taskDone();
    expect(await f.finish()).toMatchObject({ sent: 0, requests: 0 });
  });
});
