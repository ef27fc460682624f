/**
 * Head sampling at DD_TRACE_SAMPLE_RATE and by DD_TRACE_SAMPLING_RULES: the shared
 * multiplicative-hash test on trace ids, applied only to traces the tracer starts; rejected
 * traces are never sent, and an explicit priority still decides.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTracer } from '../src/tracing/create-tracer.js';
import { tracerConfigFromEnv } from '../src/tracing/index.js';
import { TraceRateLimiter } from '../src/tracing/rate-limiter.js';
import { globMatch, parseSamplingRules } from '../src/tracing/sampling-rules.js';
import { keepsTrace } from '../src/tracing/sampling.js';
import { useLocalIntake } from './helpers/stack.js';

const intake = useLocalIntake();
const half = fc.integer({ min: 0, max: 0xffffffff });

describe('keepsTrace', () => {
  it('keeps a trace id when id × 1111111111111111111 mod 2^64 is below rate × 2^64', () => {
    // id 1: the product is the factor itself, 0.0602… of 2^64.
    expect(keepsTrace(0, 1, 0.0603)).toBe(true);
    expect(keepsTrace(0, 1, 0.0602)).toBe(false);
    // id 2^32 + 5, where the product wraps: its share of 2^64, worked out in BigInt.
    const product = (((1n << 32n) + 5n) * 1111111111111111111n) & ((1n << 64n) - 1n);
    const share = Number(product) / 2 ** 64;
    expect(keepsTrace(1, 5, share + 1e-9)).toBe(true);
    expect(keepsTrace(1, 5, share - 1e-9)).toBe(false);
  });

  it('keeps none at 0, all at 1, and more as the rate grows', () => {
    fc.assert(
      fc.property(half, half, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (hi, lo, a, b) => {
        expect(keepsTrace(hi, lo, 0)).toBe(false);
        expect(keepsTrace(hi, lo, 1)).toBe(true);
        if (keepsTrace(hi, lo, Math.min(a, b))) expect(keepsTrace(hi, lo, Math.max(a, b))).toBe(true);
      }),
      { seed: 5, numRuns: 2000 },
    );
  });

  it('keeps about the rate of 20,000 ids', () => {
    const ids = fc.sample(fc.tuple(half, half), { seed: 11, numRuns: 20_000 });
    const kept = ids.filter(([hi, lo]) => keepsTrace(hi, lo, 0.3)).length / ids.length;
    // 6 standard deviations either side (0.0032 each).
    expect(kept).toBeGreaterThan(0.28);
    expect(kept).toBeLessThan(0.32);
  });
});

describe('a tracer with a sample rate', () => {
  it('samples only the traces it starts: a rejected one is not sent, nor its children; a remote-parented one is', async () => {
    const t = createTracer({ apiKey: 'k', intakeUrl: intake.url, sampleRate: 0 });
    const root = t.startSpan('action.run');
    const child = t.startSpan('run', { childOf: root });
    expect(t.samplingPriority(root)).toBe(-1);
    child.finish();
    root.finish();
    const remote = t.startSpan('action.run', { childOf: { traceId: 77n, spanId: 5n } });
    expect(t.samplingPriority(remote)).toBe(2);
    remote.finish();
    const report = await t.flush({ deadline: Date.now() + 5_000 });
    expect(report).toMatchObject({ sent: 1, sampledOut: 2 });
    const [sent] = intake.spans();
    expect(sent).toMatchObject({ trace_id: 77n, parent_id: 5n, metrics: { _sampling_priority_v1: 2 } });
    expect(sent.metrics['_dd.rule_psr']).toBeUndefined();
  });

  it('tags the sampled root with the rate, and an explicit priority overrides the decision', async () => {
    const t = createTracer({ apiKey: 'k', intakeUrl: intake.url, sampleRate: 0 });
    const root = t.startSpan('action.run');
    const child = t.startSpan('run', { childOf: root });
    t.setSamplingPriority(root, 2); // a task's apmSamplingPriority
    child.finish();
    root.finish();
    await t.flush({ deadline: Date.now() + 5_000 });
    const byName = new Map(intake.spans().map((s) => [s.name, s]));
    expect(byName.get('action.run')?.metrics).toMatchObject({ '_dd.rule_psr': 0, _sampling_priority_v1: 2 });
    expect(byName.get('run')?.metrics['_dd.rule_psr']).toBeUndefined();
  });

  it('at rate 1 keeps every trace, as priority 2', async () => {
    const t = createTracer({ apiKey: 'k', intakeUrl: intake.url, sampleRate: 1 });
    for (let i = 0; i < 20; i++) t.startSpan('s').finish();
    expect(await t.flush({ deadline: Date.now() + 5_000 })).toMatchObject({ sent: 20 });
    expect(intake.spans().map((s) => [s.metrics._sampling_priority_v1, s.metrics['_dd.rule_psr']])).toEqual(Array(20).fill([2, 1]));
  });

  it('refuses a rate outside 0..1', () => {
    for (const rate of [-0.1, 1.5, Number.NaN]) expect(() => createTracer({ apiKey: 'k', sampleRate: rate })).toThrow(/^sampleRate must be a number from 0 to 1$/);
  });
});

describe('DD_TRACE_SAMPLING_RULES', () => {
  it('reads rules: patterns, tags, the rate (1 when absent); provenance is ignored', () => {
    expect(
      parseSamplingRules('[{"service":"private-*","name":"action.run","resource":"*.runCommand","tags":{"job_id":"nightly-*"},"sample_rate":0.25,"provenance":"customer"},{}]'),
    ).toEqual([{ service: 'private-*', name: 'action.run', resource: '*.runCommand', tags: { job_id: 'nightly-*' }, sampleRate: 0.25 }, { sampleRate: 1 }]);
    expect(parseSamplingRules(undefined)).toBeUndefined();
    expect(parseSamplingRules('[]')).toEqual([]);
  });

  it.each([
    ['{"sample_rate":0.5}', 'DD_TRACE_SAMPLING_RULES must be a JSON array of rules'],
    ['[{"sample_rate":0.5}', 'DD_TRACE_SAMPLING_RULES must be a JSON array of rules'],
    ['[{}, "secret-ish"]', 'DD_TRACE_SAMPLING_RULES rule 2 must be an object'],
    ['[{"sample_rate":1.5}]', 'DD_TRACE_SAMPLING_RULES rule 1: sample_rate must be a number from 0 to 1'],
    ['[{"sample_rate":"0.5"}]', 'DD_TRACE_SAMPLING_RULES rule 1: sample_rate must be a number from 0 to 1'],
    ['[{"service":7}]', 'DD_TRACE_SAMPLING_RULES rule 1: service must be a string pattern'],
    ['[{"tags":{"env":1}}]', 'DD_TRACE_SAMPLING_RULES rule 1: tags must be an object of string patterns'],
    ['[{"servce":"x","sample_rate":0}]', 'DD_TRACE_SAMPLING_RULES rule 1: unknown field "servce" (known: service, name, resource, tags, sample_rate)'],
  ])('refuses %s', (text, message) => {
    expect(() => parseSamplingRules(text)).toThrow(message);
    expect(() => tracerConfigFromEnv({ DD_TRACE_SAMPLING_RULES: text })).toThrow(message);
  });

  it('globs: * any run, ? one character, case ignored', () => {
    const cases: [string, string, boolean][] = [
      ['*', '', true],
      ['', '', true],
      ['', 'a', false],
      ['action.run', 'Action.Run', true],
      ['*.runCommand', 'com.datadoghq.remoteaction.rshell.runCommand', true],
      ['*.runcommand', 'com.datadoghq.remoteaction.rshell.runCommand.v2', false],
      ['a?c', 'abc', true],
      ['a?c', 'ac', false],
      ['a*b*c', 'axxbyyc', true],
      ['a*b*c', 'axxbyy', false],
      ['*a*a*a*a*a*b', 'a'.repeat(5000), false],
    ];
    for (const [p, s, want] of cases) expect([p, s, globMatch(p, s)]).toEqual([p, s, want]);
  });

  it('globs agree with the equivalent anchored, case-blind regular expression', () => {
    const text = (chars: string[]) => fc.array(fc.constantFrom(...chars), { maxLength: 8 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text(['a', 'B', '*', '?']), text(['a', 'b', 'A']), (p, s) => {
        const re = new RegExp('^' + [...p].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c)).join('') + '$', 'is');
        expect(globMatch(p, s)).toBe(re.test(s));
      }),
      { seed: 17, numRuns: 3000 },
    );
  });

  it('the first rule the root matches gives the rate; DD_TRACE_SAMPLE_RATE is the last rule; no match, no decision', async () => {
    const t = createTracer({
      apiKey: 'k',
      intakeUrl: intake.url,
      samplingRules: parseSamplingRules(
        '[{"resource":"*.runCommand","tags":{"job_id":"nightly-*"},"sample_rate":0},{"name":"action.run","tags":{"attempt":"2"},"sample_rate":0},{"resource":"*.runCommand","sample_rate":1},{"tags":{"ratio":"*"},"sample_rate":0}]',
      ),
    });
    const root = (resource: string, tags: Record<string, string | number> = {}) => t.startSpan('action.run', { resource, tags });
    const nightly = root('b.runCommand', { job_id: 'NIGHTLY-7' });
    const retried = root('b.other', { attempt: 2 });
    const runCommand = root('b.runCommand', { job_id: 'adhoc' });
    const fraction = root('b.other', { ratio: 0.5 });
    const unmatched = root('b.other', { attempt: 3 });
    expect([nightly, retried, runCommand, fraction, unmatched].map((s) => t.samplingPriority(s))).toEqual([-1, -1, 2, -1, 2]);
    for (const s of [nightly, retried, runCommand, fraction, unmatched]) s.finish();
    // A trace that arrives with a parent keeps the decision it came with.
    t.startSpan('action.run', { resource: 'b.runCommand', tags: { job_id: 'nightly-1' }, childOf: { traceId: 9n, spanId: 1n } }).finish();
    await t.flush({ deadline: Date.now() + 5_000 });
    const sent = intake.spans().map((s) => [s.resource, s.trace_id === 9n ? 'remote' : s.metrics['_dd.rule_psr'] ?? 'none']);
    expect(sent.sort()).toEqual([
      ['b.other', 'none'],
      ['b.runCommand', 1],
      ['b.runCommand', 'remote'],
    ]);

    const withRate = createTracer({ apiKey: 'k', intakeUrl: intake.url, sampleRate: 0, samplingRules: [{ resource: 'keep', sampleRate: 1 }] });
    expect([withRate.startSpan('x', { resource: 'keep' }), withRate.startSpan('x', { resource: 'other' })].map((s) => withRate.samplingPriority(s))).toEqual([2, -1]);
  });
});

describe('DD_TRACE_RATE_LIMIT', () => {
  it('a bucket of one second of traces, refilled continuously; the effective rate averages this window and the last', () => {
    let t = 0;
    const limiter = new TraceRateLimiter(2, () => t);
    expect([limiter.allow(), limiter.allow(), limiter.allow()]).toEqual([true, true, false]);
    expect(limiter.effectiveRate()).toBeCloseTo((2 / 3 + 1) / 2, 10);
    t = 500; // half a second: one token back
    expect([limiter.allow(), limiter.allow()]).toEqual([true, false]);
    t = 1200; // a new window: the last one let 3 of 5 through
    expect(limiter.allow()).toBe(true);
    expect(limiter.effectiveRate()).toBeCloseTo((1 + 3 / 5) / 2, 10);
    t = 5000; // after an idle window, the bucket is full again and nothing counts against it
    expect([limiter.allow(), limiter.allow(), limiter.allow()]).toEqual([true, true, false]);
    expect(limiter.effectiveRate()).toBeCloseTo((2 / 3 + 1) / 2, 10);
    expect(new TraceRateLimiter(0, () => 0).allow()).toBe(false);
  });

  it('rejects traces a rule or the rate keeps past the limit; leaves undecided and remote-parented traces alone', () => {
    const t = createTracer({ apiKey: 'k', intakeUrl: intake.url, sampleRate: 1, rateLimit: 3 });
    const roots = Array.from({ length: 5 }, () => t.startSpan('action.run'));
    expect(roots.map((s) => t.samplingPriority(s))).toEqual([2, 2, 2, -1, -1]);
    const remote = t.startSpan('action.run', { childOf: { traceId: 9n, spanId: 1n } });
    expect(t.samplingPriority(remote)).toBe(2);

    const rulesOnly = createTracer({ apiKey: 'k', intakeUrl: intake.url, rateLimit: 1, samplingRules: [{ resource: 'sampled', sampleRate: 1 }] });
    const decided = [rulesOnly.startSpan('x', { resource: 'sampled' }), rulesOnly.startSpan('x', { resource: 'sampled' })];
    const undecided = [rulesOnly.startSpan('x', { resource: 'other' }), rulesOnly.startSpan('x', { resource: 'other' })];
    expect([...decided, ...undecided].map((s) => rulesOnly.samplingPriority(s))).toEqual([2, -1, 2, 2]);

    // No rule and no rate: no limit either (Datadog's tracers leave it to the agent).
    const plain = createTracer({ apiKey: 'k', intakeUrl: intake.url, rateLimit: 0 });
    expect(plain.samplingPriority(plain.startSpan('x'))).toBe(2);
  });

  it('tags the limited roots with the effective rate, and reads the variable', async () => {
    const t = createTracer({ apiKey: 'k', intakeUrl: intake.url, sampleRate: 1, rateLimit: 1 });
    for (let i = 0; i < 2; i++) t.startSpan('action.run').finish();
    expect(await t.flush({ deadline: Date.now() + 5_000 })).toMatchObject({ sent: 1, sampledOut: 1 });
    expect(intake.spans().map((s) => [s.metrics['_dd.rule_psr'], s.metrics['_dd.limit_psr']])).toEqual([[1, 1]]);
    expect(tracerConfigFromEnv({ DD_TRACE_RATE_LIMIT: ' 25 ' }).rateLimit).toBe(25);
    for (const bad of ['-1', '2.5', 'many']) {
      expect(() => tracerConfigFromEnv({ DD_TRACE_RATE_LIMIT: bad })).toThrow(/^DD_TRACE_RATE_LIMIT must be a whole number of traces per second, 0 or more$/);
    }
  });
});
