/** The local intake: strict validation with 400 reasons, lossless ids, waiting, printing. */
import { describe, expect, it } from 'vitest';
import { MsgpackWriter } from '../src/tracing/encode-msgpack.js';
import { createTracer } from '../src/tracing/create-tracer.js';
import { formatTraceTree, LocalIntake, type IntakeSpan } from '../src/tracing/local-intake.js';
import { useLocalIntake } from './helpers/stack.js';

const intake = useLocalIntake();

const HEADERS: Record<string, string> = {
  'dd-api-key': 'k',
  'content-type': 'application/json',
  'dd-telemetry-api-version': 'v2',
  'dd-telemetry-request-type': 'traces',
};

const SPAN = '{"service":"s","name":"n","resource":"r","trace_id":18446744073709551615,"span_id":9223372036854775808,"parent_id":0,"start":1795000000000000001,"duration":5,"error":0,"meta":{"a":"b"},"metrics":{"m":1.5},"type":""}';

function envelope(traces: string): string {
  return (
    '{"api_version":"v2","request_type":"traces","tracer_time":1795000000,"runtime_id":"r","seq_id":1,' +
    '"debug":false,"origin":"agent","host":{"hostname":"h"},"application":{"service_name":"s","language_name":"nodejs"},' +
    `"payload":{"traces":${traces}}}`
  );
}

async function post(
  body: string | Uint8Array,
  opts: { method?: string; path?: string; headers?: Record<string, string | undefined> } = {},
): Promise<{ status: number; reason?: string }> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...HEADERS, ...opts.headers })) if (v !== undefined) headers[k] = v;
  const res = await fetch(intake.baseUrl + (opts.path ?? '/api/v2/apmtelemetry'), {
    method: opts.method ?? 'POST',
    headers,
    body: opts.method === 'GET' ? undefined : body,
  });
  const json = (await res.json()) as { error?: string };
  return { status: res.status, reason: json.error };
}

describe('telemetry validation', () => {
  it('accepts a valid request and keeps ids and times exactly', async () => {
    expect(await post(envelope(`[[${SPAN}]]`))).toEqual({ status: 202, reason: undefined });
    expect(intake.spans()).toEqual<IntakeSpan[]>([
      {
        service: 's',
        name: 'n',
        resource: 'r',
        type: '',
        trace_id: 18446744073709551615n,
        span_id: 9223372036854775808n,
        parent_id: 0n,
        start: 1795000000000000001n,
        duration: 5n,
        error: 0,
        meta: { a: 'b' },
        metrics: { m: 1.5 },
      },
    ]);
  });

  const cases: Array<[string, string | Uint8Array, Parameters<typeof post>[1], string]> = [
    ['wrong method', '', { method: 'GET' }, 'method GET not allowed on /api/v2/apmtelemetry (POST expected)'],
    ['wrong path', envelope('[]'), { path: '/api/v1/apmtelemetry' }, 'unknown path /api/v1/apmtelemetry'],
    ['missing api key', envelope('[]'), { headers: { 'dd-api-key': undefined } }, 'missing header dd-api-key'],
    ['missing api version', envelope('[]'), { headers: { 'dd-telemetry-api-version': undefined } }, 'missing header dd-telemetry-api-version'],
    ['wrong content type', envelope('[]'), { headers: { 'content-type': 'text/plain' } }, 'content-type must be application/json'],
    ['wrong request type', envelope('[]'), { headers: { 'dd-telemetry-request-type': 'logs' } }, 'dd-telemetry-request-type must be traces'],
    ['invalid JSON', '{"api_version":', {}, 'invalid JSON: unexpected end of JSON input at position 15'],
    ['not an object', '[]', {}, 'body must be an object'],
    ['bad request_type', envelope('[]').replace('"request_type":"traces"', '"request_type":"logs"'), {}, 'request_type must be "traces"'],
    ['seq_id 0', envelope('[]').replace('"seq_id":1', '"seq_id":0'), {}, 'seq_id out of range'],
    ['tracer_time fraction', envelope('[]').replace('1795000000,', '1795000000.5,'), {}, 'tracer_time must be an integer'],
    ['missing host', envelope('[]').replace('"host":{"hostname":"h"},', ''), {}, 'host must be an object'],
    ['traces not array', envelope('{}'), {}, 'payload.traces must be an array'],
    ['trace not array', envelope(`[${SPAN}]`), {}, 'payload.traces[0] must be an array'],
    ['fractional id', envelope(`[[${SPAN.replace('"trace_id":18446744073709551615', '"trace_id":1.5')}]]`), {}, 'payload.traces[0][0].trace_id must be an integer'],
    ['exponent id', envelope(`[[${SPAN.replace('"trace_id":18446744073709551615', '"trace_id":1e3')}]]`), {}, 'payload.traces[0][0].trace_id must be an integer'],
    ['string id', envelope(`[[${SPAN.replace('"span_id":9223372036854775808', '"span_id":"5"')}]]`), {}, 'payload.traces[0][0].span_id must be an integer'],
    ['id above 2^64-1', envelope(`[[${SPAN.replace('"trace_id":18446744073709551615', '"trace_id":18446744073709551616')}]]`), {}, 'payload.traces[0][0].trace_id out of range'],
    ['span id 0', envelope(`[[${SPAN.replace('"span_id":9223372036854775808', '"span_id":0')}]]`), {}, 'payload.traces[0][0].span_id out of range'],
    ['negative parent', envelope(`[[${SPAN.replace('"parent_id":0', '"parent_id":-1')}]]`), {}, 'payload.traces[0][0].parent_id out of range'],
    ['error 2', envelope(`[[${SPAN.replace('"error":0', '"error":2')}]]`), {}, 'payload.traces[0][0].error out of range'],
    ['meta number', envelope(`[[${SPAN.replace('"a":"b"', '"a":1')}]]`), {}, 'payload.traces[0][0].meta.a must be a string'],
    ['metrics string', envelope(`[[${SPAN.replace('"m":1.5', '"m":"x"')}]]`), {}, 'payload.traces[0][0].metrics.m must be a number'],
    ['missing type', envelope(`[[${SPAN.replace(',"type":""', '')}]]`), {}, 'payload.traces[0][0].type must be a string'],
    ['empty name', envelope(`[[${SPAN.replace('"name":"n"', '"name":""')}]]`), {}, 'payload.traces[0][0].name must be a non-empty string'],
  ];
  for (const [title, body, opts, reason] of cases) {
    it(`400: ${title}`, async () => {
      expect(await post(body, opts)).toEqual({ status: 400, reason });
      expect(intake.spans()).toHaveLength(0);
      expect(intake.requests()[0]).toMatchObject({ status: 400, reason });
    });
  }
});

describe('agent msgpack validation', () => {
  it('rejects a wrong content type, truncated msgpack and a wrong trace count', async () => {
    const w = new MsgpackWriter();
    w.arrayHeader(1);
    w.arrayHeader(1);
    w.mapHeader(1);
    w.str('service');
    w.str('s');
    const ok = w.buf.subarray(0, w.pos);
    const agentHeaders = { 'content-type': 'application/msgpack', 'dd-api-key': undefined };
    expect(await post(ok, { method: 'PUT', path: '/v0.4/traces', headers: { 'content-type': 'application/json' } })).toEqual({
      status: 400,
      reason: 'content-type must be application/msgpack',
    });
    expect(await post(ok.subarray(0, ok.length - 1), { method: 'PUT', path: '/v0.4/traces', headers: agentHeaders })).toEqual({
      status: 400,
      reason: 'invalid msgpack: truncated at offset 12',
    });
    expect(
      await post(ok, { method: 'PUT', path: '/v0.4/traces', headers: { ...agentHeaders, 'x-datadog-trace-count': '2' } }),
    ).toEqual({ status: 400, reason: 'x-datadog-trace-count does not match the body' });
    expect(await post(ok, { method: 'PUT', path: '/v0.4/traces', headers: agentHeaders })).toEqual({
      status: 400,
      reason: 'traces[0][0].name must be a string',
    });
    expect(await post(ok, { method: 'DELETE', path: '/v0.4/traces', headers: agentHeaders })).toEqual({
      status: 400,
      reason: 'method DELETE not allowed on /v0.4/traces (PUT expected)',
    });
  });
});

describe('waiting, clearing and printing', () => {
  it('waitForSpans resolves once enough spans arrived and rejects after its timeout', async () => {
    const t = createTracer({ intakeUrl: intake.url });
    const waiting = intake.waitForSpans(2, 5000);
    t.startSpan('a').finish();
    t.startSpan('b').finish();
    void t.flush({ deadline: Date.now() + 5000 });
    expect((await waiting).map((s) => s.name)).toEqual(['a', 'b']);
    await expect(intake.waitForSpans(3, 30)).rejects.toThrow('local intake: 2 of 3 spans after 30 ms');
    intake.clear();
    expect(intake.spans()).toEqual([]);
    expect(intake.requests()).toEqual([]);
  });

  it('prints every accepted trace as an indented tree with durations', async () => {
    const printed: string[] = [];
    const own = await new LocalIntake({ print: (s) => printed.push(s) }).start();
    try {
      const t = createTracer({ intakeUrl: own.url });
      const t0 = 1_795_000_000_000;
      const root = t.startSpan('action.run', { resource: 'com.x.runCommand', childOf: { traceId: 42n, spanId: 7n }, startTimeMs: t0 });
      const run = t.startSpan('run', { service: 'rshell', childOf: root, startTimeMs: t0 + 1 });
      const c2 = t.startSpan('command', { resource: 'wc', childOf: run, startTimeMs: t0 + 3 });
      const c1 = t.startSpan('command', { resource: 'cat', childOf: run, startTimeMs: t0 + 2 });
      c1.setError(new Error('x'));
      c1.finish(t0 + 2.0005);
      c2.finish(t0 + 4);
      run.finish(t0 + 5.25);
      root.finish(t0 + 12.345678);
      await t.flush({ deadline: Date.now() + 5000 });
      const expected = [
        'trace 42',
        '  action.run com.x.runCommand [private-action-runner] 12.345 ms',
        '    run run [rshell] 4.250 ms',
        '      command cat [rshell] 0.000 ms error',
        '      command wc [rshell] 1.000 ms',
      ].join('\n');
      expect(printed).toEqual([expected]);
      expect(formatTraceTree(own.traces()[0])).toBe(expected);
      expect(formatTraceTree([])).toBe('');
    } finally {
      await own.close();
    }
  });
});
