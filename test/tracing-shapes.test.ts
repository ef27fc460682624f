/**
 * Each encoder (telemetry JSON, agent msgpack) has two paths: spans of a cached shape are
 * written from a template, the rest by the general writer. Whatever the span sequence, both
 * must produce the same bytes and the same priority offsets, and the result must decode with
 * exact ids.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJsonSpanEncoder, writeSpanJson, type EncodeDefaults } from '../src/tracing/encode-json.js';
import { createMsgpackSpanEncoder, MsgpackSpanStore, writeSpanMsgpack } from '../src/tracing/encode-msgpack.js';
import { parseJsonExact } from '../src/tracing/json-lossless.js';
import { decodeMsgpack } from '../src/tracing/msgpack-decode.js';
import { RecordingSpan, TraceState } from '../src/tracing/span.js';
import { SpanStore, type EncodedSpans } from '../src/tracing/span-store.js';

const sink = { onFinish: () => {} };

interface SpanSpec {
  trace: number;
  parent: number;
  kind: number;
  id: [number, number];
  startMs: number;
  durMs: number;
  tags: Array<[string, string | number | boolean]>;
  error: boolean;
  priorityAfter: number | null;
}

const KINDS: Array<[string, string, string]> = [
  ['rshell', 'command', 'echo'],
  ['rshell', 'command', 'grep'],
  ['rshell', 'control_flow', 'pipeline'],
  ['private-action-runner', 'action.run', 'com.datadoghq.remoteaction.rshell.runCommand'],
  ['s\u00e9rvice "q"', 'n\\ame', 'r\u4e2d\n'],
];

const tagKey = fc.constantFrom('rshell.command.name', 'rshell.command.argc', 'rshell.command.is_allowed', 'env', 'version', 'k"\u0001', '_sampling_priority_v1', '_top_level');
const tagValue = fc.oneof(
  fc.constantFrom('echo', 'true', '', 'x\u00e9\u4e2d"\\', 'prod'),
  fc.boolean(),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(0, -0, 1.5, -2.25e-7, 1e21, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53 + 2),
);
const u32 = fc.integer({ min: 0, max: 0xffffffff });

const spec: fc.Arbitrary<SpanSpec> = fc.record({
  trace: fc.integer({ min: 0, max: 2 }),
  parent: fc.integer({ min: 0, max: 2 }),
  kind: fc.integer({ min: 0, max: KINDS.length - 1 }),
  id: fc.tuple(u32, u32),
  // Mostly now-ish (same whole ms across spans), sometimes tiny or zero.
  startMs: fc.oneof(
    fc.double({ min: 1_795_000_000_000, max: 1_795_000_000_003, noNaN: true }),
    fc.constantFrom(0, 0.0005, 1.25, 1_795_000_000_000.9999999),
  ),
  durMs: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constant(0)),
  tags: fc.array(fc.tuple(tagKey, tagValue), { maxLength: 6 }),
  error: fc.boolean(),
  priorityAfter: fc.option(fc.integer({ min: -2147483648, max: 2147483647 }), { nil: null }),
});

const TRACE_IDS: Array<[number, number]> = [
  [0xffffffff, 0xfffffffe],
  [0x80000000, 1],
  [0, 12345],
];
const PARENTS: Array<[number, number]> = [
  [0, 0],
  [0xdeadbeef, 0x01234567],
  [0x001fffff, 0xffffffff],
];

function record(d: EncodedSpans, i: number): Buffer {
  const r = i * 4;
  return d.chunks[d.rec[r]].subarray(d.rec[r + 1], d.rec[r + 2]);
}

type Format = 'json' | 'msgpack';

/** The 64-bit id written from two uint32 halves (the expectation, computed independently). */
const id64 = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);

/** The span's ids as decoded from one record. */
function decodeIds(format: Format, rec: Buffer): { trace: bigint; span: bigint; parent: bigint } {
  if (format === 'json') {
    // Each JSON record is one object followed by ','.
    expect(rec[rec.length - 1]).toBe(0x2c);
    const o = parseJsonExact(rec.toString('utf8', 0, rec.length - 1)) as Record<string, number | bigint>;
    return { trace: BigInt(o.trace_id), span: BigInt(o.span_id), parent: BigInt(o.parent_id) };
  }
  const m = decodeMsgpack(rec) as Map<string, bigint>;
  return { trace: m.get('trace_id')!, span: m.get('span_id')!, parent: BigInt(m.get('parent_id')!) };
}

type Encode = (w: SpanStore, span: RecordingSpan) => number;

function storeFor(format: Format): SpanStore {
  return format === 'json' ? new SpanStore() : new MsgpackSpanStore();
}

function encodeBoth(specs: SpanSpec[], defaults: EncodeDefaults, format: Format = 'json'): void {
  // Each format writes into its own kind of store (msgpack's adds the msgpack writer).
  const shaped = (format === 'json' ? createJsonSpanEncoder(defaults) : createMsgpackSpanEncoder(defaults)) as Encode;
  const general = (format === 'json' ? writeSpanJson : writeSpanMsgpack) as (w: SpanStore, span: RecordingSpan, d: EncodeDefaults) => number;
  const a = storeFor(format);
  const b = storeFor(format);
  const traces = TRACE_IDS.map(([hi, lo]) => new TraceState(hi, lo));
  for (const s of specs) {
    const [service, name, resource] = KINDS[s.kind];
    const trace = traces[s.trace];
    const [ph, pl] = PARENTS[s.parent];
    const span = new RecordingSpan(sink, trace, name, service, s.id[0], s.id[1], ph, pl, s.startMs, false);
    span.setResource(resource);
    for (const [k, v] of s.tags) span.setTag(k, v);
    if (s.error) span.setError(new RangeError('not encoded'));
    span.finish(s.startMs + s.durMs);
    for (const [store, write] of [
      [a, (st: SpanStore) => shaped(st, span)],
      [b, (st: SpanStore) => general(st, span, defaults)],
    ] as const) {
      store.beginSpan();
      store.endSpan(trace, write(store), trace.priority, false);
    }
    if (s.priorityAfter !== null) trace.priority = s.priorityAfter;
  }
  const da = a.take();
  const db = b.take();
  expect(da.count).toBe(specs.length);
  for (let i = 0; i < da.count; i++) {
    expect(record(da, i).toString('hex')).toBe(record(db, i).toString('hex'));
    expect(da.rec[i * 4 + 3]).toBe(db.rec[i * 4 + 3]);
    const ids = decodeIds(format, record(da, i));
    const [hi, lo] = TRACE_IDS[specs[i].trace];
    expect(ids.trace).toBe(id64(hi, lo));
    expect(ids.span).toBe(id64(specs[i].id[0], specs[i].id[1]));
    const [phi, plo] = PARENTS[specs[i].parent];
    expect(ids.parent).toBe(id64(phi, plo));
  }
}

describe.each(['json', 'msgpack'] as const)('%s span shapes', (format) => {
  it('template path and general path write identical bytes for any span sequence', () => {
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 60 }), fc.constantFrom<EncodeDefaults>({}, { env: 'prod', version: '1.2.3' }, { env: 'staging' }), (specs, d) =>
        encodeBoth(specs, d, format),
      ),
      { numRuns: 300, seed: 2026 },
    );
  });

  it('a long run of one shape with a changing trace priority stays identical', () => {
    const base: SpanSpec = {
      trace: 0,
      parent: 1,
      kind: 0,
      id: [1, 2],
      startMs: 1_795_000_000_000.5,
      durMs: 0.25,
      tags: [
        ['rshell.command.name', 'echo'],
        ['rshell.command.argc', 2],
        ['rshell.command.is_allowed', true],
      ],
      error: false,
      priorityAfter: null,
    };
    const specs = Array.from({ length: 500 }, (_, i) => ({
      ...base,
      id: [i * 7919, i] as [number, number],
      startMs: base.startMs + i * 0.0137,
      parent: i % 3 === 0 ? 2 : 1,
      priorityAfter: i % 97 === 0 ? -1 : i % 101 === 0 ? 2 : null,
    }));
    encodeBoth(specs, { env: 'prod' }, format);
  });

  it('ids stay exact when many traces interleave (the rendered-id cache is direct-mapped and collides)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(u32, u32, u32, u32), { minLength: 150, maxLength: 300 }), (ids) => {
        const encode = (format === 'json' ? createJsonSpanEncoder({}) : createMsgpackSpanEncoder({})) as Encode;
        const store = storeFor(format);
        // Traces and parents reused round-robin, so ids come back after others took their slot.
        const traces = ids.slice(0, 97).map(([hi, lo]) => new TraceState(hi, lo));
        ids.forEach(([, , phi, plo], i) => {
          const trace = traces[i % traces.length];
          const span = new RecordingSpan(sink, trace, 'command', 'rshell', i, i + 1, phi, plo, 1_795_000_000_000 + i, false);
          span.setTag('rshell.command.name', 'echo').finish(1_795_000_000_001 + i);
          store.beginSpan();
          store.endSpan(trace, encode(store, span), trace.priority, false);
        });
        const d = store.take();
        expect(d.count).toBe(ids.length);
        ids.forEach(([, , phi, plo], i) => {
          const got = decodeIds(format, record(d, i));
          const t = traces[i % traces.length];
          expect(got.trace).toBe(id64(t.hi, t.lo));
          expect(got.parent).toBe(id64(phi, plo));
          expect(got.span).toBe(id64(i, i + 1));
        });
      }),
      { numRuns: 40, seed: 7 },
    );
  });

  it('shapes evicted from the cache while many traces interleave still write the general bytes', () => {
    // Five tag values per resource, each for a stretch of 200 spans (the cache keeps four
    // shapes per resource, so shapes come and go; it stops building for a resource after
    // sixteen), across twelve traces (more than a shape keeps template copies for).
    const shaped = (format === 'json' ? createJsonSpanEncoder({ env: 'prod' }) : createMsgpackSpanEncoder({ env: 'prod' })) as Encode;
    const general = (format === 'json' ? writeSpanJson : writeSpanMsgpack) as (w: SpanStore, span: RecordingSpan, d: EncodeDefaults) => number;
    const a = storeFor(format);
    const b = storeFor(format);
    const traces = Array.from({ length: 12 }, (_, i) => new TraceState(0x9e3779b9 ^ (i * 0x01000193), i * 2654435761 >>> 0));
    for (let i = 0; i < 3000; i++) {
      const trace = traces[Math.floor(i / 3) % traces.length];
      const span = new RecordingSpan(sink, trace, 'command', 'rshell', i, i ^ 0x5bd1e995, i % 5, (i * 31) >>> 0, 1_795_000_000_000 + i * 0.37, false);
      span.setResource(`cmd${i % 3}`);
      span.setTag('rshell.command.flags', `-${'abcde'[Math.floor(i / 200) % 5]}`).setTag('rshell.command.argc', i % 4);
      span.finish(1_795_000_000_001 + i);
      for (const [store, write] of [
        [a, (st: SpanStore) => shaped(st, span)],
        [b, (st: SpanStore) => general(st, span, { env: 'prod' })],
      ] as const) {
        store.beginSpan();
        store.endSpan(trace, write(store), trace.priority, false);
      }
    }
    const da = a.take();
    const db = b.take();
    expect(da.count).toBe(3000);
    for (let i = 0; i < da.count; i++) expect(record(da, i).equals(record(db, i))).toBe(true);
  });
});
