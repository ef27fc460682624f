/**
 * Golden tests of the exact wire requests: telemetry JSON (headers, envelope, span text) and
 * agent msgpack, captured by the local intake, with ids above 2^63 round-tripped exactly.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { createTracer } from '../src/tracing/create-tracer.js';
import { type Span } from '../src/tracing/index.js';
import { RUNTIME_ID, TRACER_VERSION } from '../src/tracing/runtime-info.js';
import { useLocalIntake } from './helpers/stack.js';

const T0 = 1_795_000_000_123.25; // epoch ms with a fraction
/** The priority field is fixed-width (space-padded JSON whitespace) so it can be patched in place. */
const P2 = '"_sampling_priority_v1":2' + ' '.repeat(10);
const TRACE = 18446744073709551615n; // 2^64 - 1
const PARENT = 9223372036854775809n; // 2^63 + 1

const intake = useLocalIntake();

function spanJson(
  s: Span,
  name: string,
  resource: string,
  startNs: string,
  durationNs: number,
  error: 0 | 1,
  meta: string,
  metrics: string,
): string {
  // The five numbers sit in 20-byte slots, padded with JSON whitespace.
  const slot = (v: bigint | number | string): string => String(v).padEnd(20, ' ');
  return (
    `{"service":"${s.service}","name":"${name}","resource":"${resource}","trace_id":${slot(s.traceId)},` +
    `"span_id":${slot(s.spanId)},"parent_id":${slot(s.parentId)},"start":${slot(startNs)},"duration":${slot(durationNs)},` +
    `"error":${error}${meta ? `,"meta":{${meta}}` : ''},"metrics":{${metrics}},"type":""}`
  );
}

describe('telemetry intake request', () => {
  it('matches the golden headers, envelope and span JSON', async () => {
    const tracer = createTracer({
      apiKey: 'test-api-key',
      intakeUrl: intake.url,
      env: 'staging',
      version: '1.2.3',
      hostname: 'lambda-host',
    });
    const root = tracer.startSpan('action.run', {
      resource: 'com.datadoghq.remoteaction.rshell.runCommand',
      childOf: { traceId: TRACE, spanId: PARENT },
      tags: { task_id: 't-1' },
      startTimeMs: T0,
    });
    const child = tracer.startSpan('run', {
      service: 'rshell',
      resource: 'run',
      childOf: root,
      startTimeMs: T0 + 1,
      tags: { 'rshell.version': '0.0.13', 'rshell.run.exit_code': 3, ok: false },
    });
    child.setError(new RangeError('must not leak'));
    child.finish(T0 + 2.5);
    root.finish(T0 + 10);

    const report = await tracer.flush({ deadline: Date.now() + 5000 });
    const reqs = intake.requests();
    expect(reqs).toHaveLength(1);
    const req = reqs[0];
    expect(req.status).toBe(202);
    expect(report).toMatchObject({ sent: 2, dropped: 0, requests: 1, bytes: req.body.length });
    expect(report.failure).toBeUndefined();

    expect(req.method).toBe('POST');
    expect(req.path).toBe('/api/v2/apmtelemetry');
    const h = req.headers;
    expect({
      'dd-api-key': h['dd-api-key'],
      'content-type': h['content-type'],
      'dd-telemetry-api-version': h['dd-telemetry-api-version'],
      'dd-telemetry-request-type': h['dd-telemetry-request-type'],
      'dd-telemetry-origin': h['dd-telemetry-origin'],
      'dd-client-library-language': h['dd-client-library-language'],
      'dd-client-library-version': h['dd-client-library-version'],
      'dd-telemetry-debug-enabled': h['dd-telemetry-debug-enabled'],
      'dd-agent-hostname': h['dd-agent-hostname'],
      'content-length': h['content-length'],
    }).toEqual({
      'dd-api-key': 'test-api-key',
      'content-type': 'application/json',
      'dd-telemetry-api-version': 'v2',
      'dd-telemetry-request-type': 'traces',
      'dd-telemetry-origin': 'agent',
      'dd-client-library-language': 'nodejs',
      'dd-client-library-version': TRACER_VERSION,
      'dd-telemetry-debug-enabled': 'false',
      'dd-agent-hostname': 'lambda-host',
      'content-length': String(req.body.length),
    });

    const text = req.body.toString('utf8');
    const m = /^\{"api_version":"v2","request_type":"traces","tracer_time":(\d+),"runtime_id":"([0-9a-f-]{36})","seq_id":(\d+),/.exec(text);
    expect(m).not.toBeNull();
    const [, tracerTime, runtimeId, seqId] = m!;
    expect(Math.abs(Number(tracerTime) - Date.now() / 1000)).toBeLessThan(5);
    expect(runtimeId).toBe(RUNTIME_ID);

    const host = JSON.stringify({
      hostname: 'lambda-host',
      os: os.platform(),
      architecture: os.arch(),
      kernel_name: os.type(),
      kernel_release: os.release(),
      kernel_version: os.version(),
    });
    const app = JSON.stringify({
      service_name: 'private-action-runner',
      service_version: '1.2.3',
      language_name: 'nodejs',
      language_version: process.versions.node,
      tracer_version: TRACER_VERSION,
    });
    const childJson = spanJson(
      child,
      'run',
      'run',
      '1795000000124250000',
      1_500_000,
      1,
      '"rshell.version":"0.0.13","ok":"false","error.type":"RangeError","env":"staging","version":"1.2.3"',
      `"rshell.run.exit_code":3,"_top_level":1,${P2}`,
    );
    const rootJson = spanJson(
      root,
      'action.run',
      'com.datadoghq.remoteaction.rshell.runCommand',
      '1795000000123250000',
      10_000_000,
      0,
      '"task_id":"t-1","env":"staging","version":"1.2.3"',
      `"_top_level":1,${P2}`,
    );
    expect(text).toBe(
      `{"api_version":"v2","request_type":"traces","tracer_time":${tracerTime},"runtime_id":"${RUNTIME_ID}",` +
        `"seq_id":${seqId},"debug":false,"origin":"agent","host":${host},"application":${app},` +
        `"payload":{"traces":[[${childJson},${rootJson}]]}}`,
    );
    expect(text).not.toContain('must not leak');

    // Ids above 2^63 round-trip exactly through the lossless intake parser.
    const [gotChild, gotRoot] = intake.spans();
    expect(gotRoot.trace_id).toBe(TRACE);
    expect(gotRoot.parent_id).toBe(PARENT);
    expect(gotRoot.span_id).toBe(root.spanId);
    expect(gotChild.trace_id).toBe(TRACE);
    expect(gotChild.parent_id).toBe(root.spanId);
    expect(gotChild.span_id).toBe(child.spanId);
    expect(gotChild.start).toBe(1795000000124250000n);
  });

  it('reuses span memory after an accepted flush without corrupting later requests', async () => {
    const tracer = createTracer({ intakeUrl: intake.url });
    // 3 rounds of ~1.5 MB each: several 1 MiB chunks, handed back and refilled every round.
    for (let round = 0; round < 3; round++) {
      intake.clear();
      const ids = new Set<bigint>();
      for (let t = 0; t < 40; t++) {
        const root = tracer.startSpan('action.run', { tags: { task_id: `task-${round}-${t}` } });
        ids.add(root.spanId);
        for (let i = 0; i < 99; i++) {
          const s = tracer.startSpan('command', { childOf: root, resource: i % 2 ? 'echo' : 'cat', tags: { 'rshell.command.argc': i, round } });
          ids.add(s.spanId);
          s.finish();
        }
        root.finish();
      }
      const report = await tracer.flush({ deadline: Date.now() + 10_000 });
      expect(report).toMatchObject({ sent: 4000, dropped: 0 });
      const got = intake.spans();
      expect(got).toHaveLength(4000);
      expect(new Set(got.map((s) => s.span_id))).toEqual(ids);
      expect(got.filter((s) => s.name === 'command').every((s) => s.metrics.round === round)).toBe(true);
    }
  });

  it('numbers seq_id 1, 2, 3 across flushes and tracers in the container, and sends nothing when empty', async () => {
    const a = createTracer({ intakeUrl: intake.url });
    const b = createTracer({ intakeUrl: intake.url });
    const seqs: number[] = [];
    for (const t of [a, b, a]) {
      t.startSpan('s').finish();
      await t.flush({ deadline: Date.now() + 5000 });
      const r = intake.requests();
      seqs.push(Number(/"seq_id":(\d+)/.exec(r[r.length - 1].body.toString())![1]));
    }
    expect(seqs[1]).toBe(seqs[0] + 1);
    expect(seqs[2]).toBe(seqs[0] + 2);
    const before = intake.requests().length;
    expect(await a.flush({ deadline: Date.now() + 5000 })).toEqual({ sent: 0, dropped: 0, bytes: 0, ms: expect.any(Number), requests: 0 });
    expect(intake.requests()).toHaveLength(before);
  });

  it('sends an empty dd-api-key header without a key, and debug=true for datad0g.com', async () => {
    const t = createTracer({ intakeUrl: intake.url, site: 'datad0g.com' });
    t.startSpan('s').finish();
    await t.flush({ deadline: Date.now() + 5000 });
    const req = intake.requests()[0];
    expect(req.headers['dd-api-key']).toBe('');
    expect(req.headers['dd-telemetry-debug-enabled']).toBe('true');
    expect(req.body.toString()).toContain('"debug":true,');
  });

  it('escapes strings and keeps non-ASCII tags as UTF-8', async () => {
    const t = createTracer({ intakeUrl: intake.url });
    t.startSpan('quote"name', { resource: 'line\nbreak \u00e9\u4e2d', tags: { 'k"': 'v\\\u0001', n: -0, f: 0.5, big: 1e21 } }).finish();
    await t.flush({ deadline: Date.now() + 5000 });
    const body = intake.requests()[0].body.toString('utf8');
    expect(body).toContain('"name":"quote\\"name","resource":"line\\nbreak \u00e9\u4e2d"');
    expect(body).toContain('"meta":{"k\\"":"v\\\\\\u0001"},"metrics":{"n":0,"f":0.5,"big":1e+21,');
    const [s] = intake.spans();
    expect(s.resource).toBe('line\nbreak \u00e9\u4e2d');
    expect(s.meta['k"']).toBe('v\\\u0001');
  });
});

describe('agent request (msgpack)', () => {
  it('PUTs /v0.4/traces with agent headers and exact uint64 ids', async () => {
    const tracer = createTracer({ agentUrl: intake.baseUrl, env: 'prod', apiKey: 'not-sent' });
    const root = tracer.startSpan('action.run', { childOf: { traceId: TRACE, spanId: PARENT }, startTimeMs: T0 });
    const child = tracer.startSpan('command', {
      childOf: root,
      service: 'rshell',
      resource: 'echo',
      startTimeMs: T0 + 0.5,
      tags: { 'rshell.command.argc': 2, 'rshell.command.is_allowed': true, long: 'x'.repeat(300) },
    });
    child.finish(T0 + 0.75);
    root.finish(T0 + 2);
    const other = tracer.startSpan('other', { startTimeMs: T0 });
    other.finish(T0 + 1);
    // Encoded already; the flush patches the float64 in place.
    tracer.setSamplingPriority(other, -1);
    const report = await tracer.flush({ deadline: Date.now() + 5000 });
    expect(intake.requests()[0].reason).toBeUndefined();
    expect(report).toMatchObject({ sent: 3, dropped: 0, requests: 1 });

    const [req] = intake.requests();
    expect(req.status).toBe(200);
    expect(req.method).toBe('PUT');
    expect(req.path).toBe('/v0.4/traces');
    expect(req.headers['content-type']).toBe('application/msgpack');
    expect(req.headers['x-datadog-trace-count']).toBe('2');
    expect(req.headers['datadog-meta-lang']).toBe('nodejs');
    expect(req.headers['datadog-meta-lang-version']).toBe(process.versions.node);
    expect(req.headers['datadog-meta-tracer-version']).toBe(TRACER_VERSION);
    expect(req.headers['dd-api-key']).toBeUndefined();

    const traces = intake.traces();
    expect(traces.map((t) => t.length)).toEqual([2, 1]);
    const [gotChild, gotRoot] = traces[0];
    expect(gotRoot).toEqual({
      service: 'private-action-runner',
      name: 'action.run',
      resource: 'action.run',
      type: '',
      trace_id: TRACE,
      span_id: root.spanId,
      parent_id: PARENT,
      start: 1795000000123250000n,
      duration: 2_000_000n,
      error: 0,
      meta: { env: 'prod' },
      metrics: { _top_level: 1, _sampling_priority_v1: 2 },
    });
    expect(gotChild).toEqual({
      service: 'rshell',
      name: 'command',
      resource: 'echo',
      type: '',
      trace_id: TRACE,
      span_id: child.spanId,
      parent_id: root.spanId,
      start: 1795000000123750000n,
      duration: 250_000n,
      error: 0,
      meta: { 'rshell.command.is_allowed': 'true', long: 'x'.repeat(300), env: 'prod' },
      metrics: { 'rshell.command.argc': 2, _top_level: 1, _sampling_priority_v1: 2 },
    });
    expect(traces[1][0].span_id).toBe(other.spanId);
    expect(traces[1][0].metrics._sampling_priority_v1).toBe(-1);
  });
  it('writes array headers of 16 or more elements as array 16 (0xdc): 20 traces, one of 40 spans', async () => {
    const tracer = createTracer({ agentUrl: intake.baseUrl });
    const root = tracer.startSpan('action.run', { startTimeMs: T0 });
    const children = Array.from({ length: 39 }, (_, i) => tracer.startSpan('command', { childOf: root, resource: `c${i}`, startTimeMs: T0 + i }));
    for (const c of children) c.finish(T0 + 50);
    root.finish(T0 + 60);
    const singles = Array.from({ length: 19 }, () => tracer.startSpan('single', { startTimeMs: T0 }));
    for (const s of singles) s.finish(T0 + 1);
    expect(await tracer.flush({ deadline: Date.now() + 5000 })).toMatchObject({ sent: 59, dropped: 0, requests: 1 });

    const [req] = intake.requests();
    expect(req.status).toBe(200);
    expect(req.headers['x-datadog-trace-count']).toBe('20');
    // msgpack: 0xdc then the element count as big-endian uint16 (20 traces; 40 spans, the
    // first trace's header, right after it). Read from the bytes, not through our decoder.
    expect([...req.body.subarray(0, 4)]).toEqual([0xdc, 0x00, 20, 0xdc]);
    expect(req.body.readUInt16BE(4)).toBe(40);
    const traces = intake.traces();
    expect(traces.map((t) => t.length)).toEqual([40, ...Array<number>(19).fill(1)]);
    expect(traces[0].filter((s) => s.parent_id === root.spanId).map((s) => s.resource)).toEqual(children.map((_, i) => `c${i}`));
  });
});
