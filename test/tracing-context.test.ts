/**
 * Span semantics without the network: context propagation, service swap, remote parent,
 * top-level marking, sampling priority, error privacy, finished-span immutability, noop safety.
 * Spans are read back through the local intake so the assertions are on what is sent.
 */
import { describe, expect, it } from 'vitest';
import { createTracer } from '../src/tracing/create-tracer.js';
import { NOOP_SPAN, type Span, type Tracer } from '../src/tracing/index.js';
import type { IntakeSpan } from '../src/tracing/local-intake.js';
import { useLocalIntake } from './helpers/stack.js';

const intake = useLocalIntake();

function newTracer(): Tracer {
  return createTracer({ intakeUrl: intake.url });
}

async function sent(t: Tracer): Promise<Map<string, IntakeSpan>> {
  const r = await t.flush({ deadline: Date.now() + 5000 });
  expect(r.failure).toBeUndefined();
  return new Map(intake.spans().map((s) => [s.name, s]));
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

describe('context propagation', () => {
  it('children inherit trace and parent across await, timers and concurrent branches', async () => {
    const t = newTracer();
    let rootSpan: Span | undefined;
    await t.withSpan('root', {}, async (root) => {
      rootSpan = root;
      expect(t.activeSpan()).toBe(root);
      await tick();
      await Promise.all([
        t.withSpan('a', {}, async (a) => {
          await tick();
          expect(t.activeSpan()).toBe(a);
          t.startSpan('a.child').finish();
        }),
        t.withSpan('b', {}, async () => {
          await tick();
          t.startSpan('b.child').finish();
        }),
      ]);
      expect(t.activeSpan()).toBe(root);
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          t.startSpan('from.timer').finish();
          resolve();
        }, 1),
      );
    });
    expect(t.activeSpan()).toBeUndefined();
    const s = await sent(t);
    const root = s.get('root')!;
    expect(root.span_id).toBe(rootSpan!.spanId);
    expect(root.parent_id).toBe(0n);
    for (const n of ['a', 'b', 'from.timer']) {
      expect(s.get(n)!.trace_id, n).toBe(root.trace_id);
      expect(s.get(n)!.parent_id, n).toBe(root.span_id);
    }
    expect(s.get('a.child')!.parent_id).toBe(s.get('a')!.span_id);
    expect(s.get('b.child')!.parent_id).toBe(s.get('b')!.span_id);
    expect(s.size).toBe(6);
  });

  it('withSpan finishes the span, records the error type only, and rethrows', async () => {
    const t = newTracer();
    class SecretLeakError extends Error {}
    const err = new SecretLeakError('password=hunter2');
    err.stack = 'stack with /customer/path';
    await expect(
      t.withSpan('boom', {}, async () => {
        await tick();
        throw err;
      }),
    ).rejects.toBe(err);
    // A synchronous throw becomes a rejection, not a synchronous exception.
    let p: Promise<unknown> | undefined;
    expect(() => {
      p = t.withSpan('sync', {}, () => {
        throw new Error('x');
      });
    }).not.toThrow();
    await expect(p).rejects.toThrow('x');
    await t.withSpan('sync2', {}, () => 5).then((v) => expect(v).toBe(5));
    await t.withSpan('sync3', {}, () => {
      throw Object.assign(new Error('customer data'), { code: 'ACTION_ERROR' });
    }).catch(() => undefined);
    const s = await sent(t);
    expect(s.get('boom')!.error).toBe(1);
    expect(s.get('boom')!.meta).toEqual({ 'error.type': 'SecretLeakError' });
    expect(s.get('sync3')!.meta).toEqual({ 'error.type': 'ACTION_ERROR' });
    expect(s.get('sync2')!.error).toBe(0);
    const body = intake.requests().map((r) => r.body.toString()).join('');
    expect(body).not.toContain('hunter2');
    expect(body).not.toContain('customer');
    expect(body).not.toContain('error.message');
    expect(body).not.toContain('error.stack');
  });
});

describe('service', () => {
  it('withService swaps the default service for a subtree, marking service entries top-level', async () => {
    const t = newTracer();
    await t.withSpan('action.run', {}, async () => {
      await t.withService('rshell', async () => {
        await tick();
        await t.withSpan('run', {}, async () => {
          await tick();
          t.startSpan('command').finish();
        });
      });
      t.startSpan('after').finish();
    });
    const s = await sent(t);
    expect(s.get('action.run')!.service).toBe('private-action-runner');
    expect(s.get('action.run')!.metrics._top_level).toBe(1);
    expect(s.get('run')!.service).toBe('rshell');
    expect(s.get('run')!.metrics._top_level).toBe(1);
    expect(s.get('command')!.service).toBe('rshell');
    expect(s.get('command')!.metrics._top_level).toBeUndefined();
    expect(s.get('after')!.service).toBe('private-action-runner');
    expect(s.get('after')!.metrics._top_level).toBeUndefined();
  });

  it('explicit service option, DD_SERVICE-style default, and empty service falling back', async () => {
    const t = createTracer({ intakeUrl: intake.url, service: 'my-svc' });
    const a = t.startSpan('a', { service: 'other' });
    const b = t.startSpan('b', { childOf: a });
    const c = t.startSpan('c', { service: '' });
    for (const x of [a, b, c]) x.finish();
    const s = await sent(t);
    expect(s.get('a')!.service).toBe('other');
    expect(s.get('b')!.service).toBe('other'); // inherits the explicit parent's service
    expect(s.get('b')!.metrics._top_level).toBeUndefined();
    expect(s.get('c')!.service).toBe('my-svc');
  });
});

describe('remote parent', () => {
  it('joins the remote trace as a top-level child; trace 0 starts a new trace; span 0 gives parent 0', async () => {
    const t = newTracer();
    t.startSpan('remote', { childOf: { traceId: 123n, spanId: 456n } }).finish();
    t.startSpan('noTrace', { childOf: { traceId: 0n, spanId: 456n } }).finish();
    t.startSpan('noSpan', { childOf: { traceId: 1234567890123456789n, spanId: 0n } }).finish();
    const s = await sent(t);
    expect(s.get('remote')).toMatchObject({ trace_id: 123n, parent_id: 456n, metrics: { _top_level: 1 } });
    expect(s.get('noTrace')!.parent_id).toBe(0n);
    expect(s.get('noTrace')!.trace_id).not.toBe(0n);
    expect(s.get('noSpan')).toMatchObject({ trace_id: 1234567890123456789n, parent_id: 0n, metrics: { _top_level: 1 } });
  });
});

describe('sampling priority', () => {
  /** The same trace mix for both exporters: priorities set before and after spans finished. */
  async function prioritised(t: Tracer) {
    const keep = t.startSpan('keep');
    keep.finish();
    const root = t.startSpan('root');
    const child = t.startSpan('child', { childOf: root });
    t.setSamplingPriority(child, 1);
    const late = t.startSpan('late', { childOf: root });
    child.finish();
    late.finish();
    root.finish();
    const drop = t.startSpan('drop');
    t.setSamplingPriority(drop, -1);
    drop.finish();
    const zero = t.startSpan('zero');
    t.setSamplingPriority(zero, 0);
    zero.finish();
    t.setSamplingPriority(NOOP_SPAN, 1); // harmless
    // Spans already finished (and encoded) when the priority changes are updated too.
    const laterRoot = t.startSpan('laterRoot');
    t.startSpan('early', { childOf: laterRoot }).finish();
    t.setSamplingPriority(laterRoot, -3);
    laterRoot.finish();
    const clamp = t.startSpan('clamp');
    t.setSamplingPriority(clamp, 1e12);
    clamp.finish();
    const report = await t.flush({ deadline: Date.now() + 5000 });
    expect(report.failure).toBeUndefined();
    const spans = new Map(intake.spans().map((s) => [s.name, s.metrics._sampling_priority_v1]));
    return { report, spans };
  }

  it('defaults to 2 and applies to the whole trace; the agent gets values <= 0 as they are', async () => {
    const { report, spans } = await prioritised(createTracer({ agentUrl: intake.baseUrl }));
    expect(Object.fromEntries(spans)).toEqual({
      keep: 2,
      root: 1,
      child: 1,
      late: 1,
      drop: -1,
      zero: 0,
      early: -3,
      laterRoot: -3,
      clamp: 2147483647,
    });
    expect(report).toMatchObject({ sent: 9 });
    expect(report.sampledOut).toBeUndefined();
  });

  it('drops traces of priority <= 0 at flush on the telemetry intake, as the PAR does', async () => {
    const { report, spans } = await prioritised(newTracer());
    expect(Object.fromEntries(spans)).toEqual({ keep: 2, root: 1, child: 1, late: 1, clamp: 2147483647 });
    expect(report).toMatchObject({ sent: 5, dropped: 0, sampledOut: 4 });
  });
});

describe('span tags and lifecycle', () => {
  it('types tags, ignores changes after finish, drops non-finite numbers, finishes once', async () => {
    const t = createTracer({ intakeUrl: intake.url, env: 'dev', version: '9' });
    const s = t.startSpan('x', { resource: 'r1' });
    s.setTag('str', 'v').setTag('yes', true).setTag('no', false).setTag('n', 42).setTag('nan', NaN).setTag('inf', Infinity);
    s.setTag('flip', 1).setTag('flip', 'now-meta');
    s.setTag('env', 'override');
    // Untyped callers: values that are not string/number/boolean are ignored.
    const loose = s as unknown as { setTag(k: unknown, v: unknown): unknown };
    loose.setTag('undef', undefined);
    loose.setTag('obj', { a: 1 });
    loose.setTag(42, 'x');
    s.setResource('r2');
    s.finish(Date.now() + 1);
    s.setTag('late', 'x').setResource('r3').setError(new Error('late'));
    s.finish();
    expect(t.pendingCount()).toBe(1);
    const got = (await sent(t)).get('x')!;
    expect(got.resource).toBe('r2');
    expect(got.error).toBe(0);
    expect(got.meta).toEqual({ str: 'v', yes: 'true', no: 'false', flip: 'now-meta', env: 'override', version: '9' });
    expect(got.metrics).toEqual({ n: 42, _top_level: 1, _sampling_priority_v1: 2 });
    expect(t.pendingCount()).toBe(0);
  });

  it('cuts over-long names, services, resources, tag keys and values to the intake limits', async () => {
    const t = newTracer();
    const s = t.startSpan('n'.repeat(150), { service: 's'.repeat(150), resource: 'r'.repeat(6000) });
    s.setTag('k'.repeat(300), 'v'.repeat(30_000)).setTag('num', 1);
    s.finish();
    const [got] = await (async () => {
      await t.flush({ deadline: Date.now() + 5000 });
      return intake.spans();
    })();
    expect(got.name).toBe('n'.repeat(100));
    expect(got.service).toBe('s'.repeat(100));
    expect(got.resource).toBe('r'.repeat(5000));
    expect(got.meta).toEqual({ ['k'.repeat(200)]: 'v'.repeat(25_000) });
  });

  it('never cuts a character in two: a surrogate pair at the limit goes whole', async () => {
    const t = newTracer();
    const e = '\u{1F600}'; // two UTF-16 units; a lone half reached the intake as U+FFFD
    const s = t.startSpan('n'.repeat(99) + e, { service: 's'.repeat(99) + e, resource: 'r'.repeat(4999) + e });
    s.setTag('k'.repeat(199) + e, 'v'.repeat(24_999) + e + 'v');
    s.finish();
    await t.flush({ deadline: Date.now() + 5000 });
    const [got] = intake.spans();
    expect(got.name).toBe('n'.repeat(99));
    expect(got.service).toBe('s'.repeat(99));
    expect(got.resource).toBe('r'.repeat(4999));
    expect(got.meta).toEqual({ ['k'.repeat(199)]: 'v'.repeat(24_999) });
  });

  it('measures start and duration in ns from the wall clock', async () => {
    const t = newTracer();
    const before = Date.now();
    const s = t.startSpan('timed');
    await new Promise((r) => setTimeout(r, 20));
    s.finish();
    const after = Date.now();
    const got = (await sent(t)).get('timed')!;
    expect(got.start >= BigInt(before - 2) * 1_000_000n && got.start <= BigInt(after + 2) * 1_000_000n).toBe(true);
    expect(got.duration >= 15_000_000n && got.duration <= BigInt(after - before + 2) * 1_000_000n).toBe(true);
  });

  it('replaces a start or end time no request can carry (NaN, ±Infinity, µs or ns given as ms), never corrupting the request or hanging finish()', async () => {
    for (const t of [newTracer(), createTracer({ agentUrl: intake.baseUrl })]) {
      intake.clear();
      const before = Date.now();
      t.startSpan('ok').finish();
      for (const [name, startTimeMs] of [['nan', NaN], ['inf', Infinity], ['-inf', -Infinity], ['us', before * 1000]] as const) {
        t.startSpan(name, { startTimeMs }).finish();
      }
      t.startSpan('ns-end').finish(before * 1e6);
      const report = await t.flush({ deadline: Date.now() + 5000 });
      const after = Date.now();
      expect(report).toMatchObject({ sent: 6, dropped: 0, requests: 1 });
      expect(intake.requests().map((r) => r.status)).toEqual([expect.any(Number)]);
      expect(intake.requests()[0].status).toBeLessThan(300);
      const got = new Map(intake.spans().map((s) => [s.name, s]));
      expect([...got.keys()].sort()).toEqual(['-inf', 'inf', 'nan', 'ns-end', 'ok', 'us']);
      for (const s of got.values()) {
        // Started now; an end far past it is the longest duration both encoders write exactly.
        expect(s.start >= BigInt(before - 2) * 1_000_000n && s.start <= BigInt(after + 2) * 1_000_000n).toBe(true);
        if (s.name === 'ns-end') expect(s.duration).toBe(BigInt(Number.MAX_SAFE_INTEGER));
        else expect(s.duration < BigInt(after - before + 2) * 1_000_000n).toBe(true);
      }
    }
  });
});

describe('noop tracer', () => {
  it('is chosen without key, intake URL or agent URL, and is safe everywhere', async () => {
    const t = createTracer({ site: 'datadoghq.eu', env: 'x', service: 'svc' });
    expect(t.enabled).toBe(false);
    const s = t.startSpan('a', { tags: { k: 1 }, childOf: { traceId: 5n, spanId: 6n } });
    expect(s).toBe(NOOP_SPAN);
    expect(s.setTag('k', 'v').setTag('n', 1).setResource('r').setError(new Error('e'))).toBe(s);
    s.finish();
    s.finish(123);
    expect(s.traceId).toBe(0n);
    expect(() => (s as { setTag: (k: string, v: unknown) => unknown }).setTag('weird', undefined)).not.toThrow();
    expect(await t.withSpan('w', {}, async (span) => {
      span.setTag('x', true);
      return 7;
    })).toBe(7);
    await expect(t.withSpan('w', {}, () => {
      throw new Error('passes through');
    })).rejects.toThrow('passes through');
    expect(t.withService('rshell', () => 3)).toBe(3);
    expect(t.activeSpan()).toBeUndefined();
    t.setSamplingPriority(s, 0);
    expect(t.pendingCount()).toBe(0);
    expect(await t.flush({ deadline: Date.now() + 100 })).toEqual({ sent: 0, dropped: 0, bytes: 0, ms: 0, requests: 0 });
    expect(intake.requests()).toHaveLength(0);
  });
});
