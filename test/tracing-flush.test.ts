/**
 * Flush behaviour against a misbehaving intake: deadline bound, failure kinds, one log line
 * without the API key, dropped counts, buffer caps, request splitting and keep-alive reuse.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { batchRecords, chunkSlices } from '../src/tracing/batching.js';
import type { EncodedSpans } from '../src/tracing/span-store.js';
import { createTelemetryExporter } from '../src/tracing/telemetry-exporter.js';
import { createTracer } from '../src/tracing/create-tracer.js';
import { MAX_SPANS_PER_TRACE, TELEMETRY_MAX_BODY_BYTES, type Tracer } from '../src/tracing/index.js';
import { LocalIntake } from '../src/tracing/local-intake.js';
import { DEADLINE_MARGIN_MS, RecordingTracer } from '../src/tracing/tracer.js';
import { useLocalIntake } from './helpers/stack.js';

const KEY = 'sk-very-secret-api-key';

const intake = useLocalIntake();

function tracerTo(url: string, logs: string[]): Tracer {
  return createTracer({ apiKey: KEY, intakeUrl: url, log: (l) => logs.push(l) });
}

function finishSpans(t: Tracer, n: number): void {
  for (let i = 0; i < n; i++) t.startSpan('s').finish();
}

function expectOneLogLine(logs: string[], failure: string, dropped: number): void {
  expect(logs).toHaveLength(1);
  expect(logs[0]).not.toContain(KEY);
  expect(logs[0]).not.toContain('\n');
  const line = JSON.parse(logs[0]);
  expect(line).toMatchObject({ level: 'warn', logger: 'tracing', msg: 'trace flush failed', failure, dropped, sent: 0 });
}

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('flush failures', () => {
  it('returns before the deadline against a hung intake, dropping the batch', async () => {
    intake.setFault({ kind: 'hang' });
    const logs: string[] = [];
    const t = tracerTo(intake.url, logs);
    finishSpans(t, 3);
    const start = Date.now();
    const deadline = start + 300;
    const r = await t.flush({ deadline });
    const end = Date.now();
    // The request is abandoned DEADLINE_MARGIN_MS before the deadline. Timers never fire
    // early, so the lower bound shows the wait lasted until that point and no longer; the
    // upper bound allows for a late timer on a loaded machine (2 cores shared by many jobs).
    expect(end - start).toBeGreaterThanOrEqual(300 - DEADLINE_MARGIN_MS - 2);
    expect(end).toBeLessThan(deadline + 40);
    expect(r).toMatchObject({ sent: 0, dropped: 3, requests: 1, failure: 'timeout' });
    expect(r.bytes).toBeGreaterThan(0);
    expect(t.pendingCount()).toBe(0);
    expectOneLogLine(logs, 'timeout', 3);
    expect(intake.spans()).toHaveLength(0);
  });

  it('does not send at all when the deadline has already passed', async () => {
    const logs: string[] = [];
    const t = tracerTo(intake.url, logs);
    finishSpans(t, 2);
    const r = await t.flush({ deadline: Date.now() - 1 });
    expect(r).toMatchObject({ sent: 0, dropped: 2, requests: 0, bytes: 0, failure: 'timeout' });
    expect(intake.requests()).toHaveLength(0);
    expectOneLogLine(logs, 'timeout', 2);
  });

  it('treats a missing or invalid deadline as the 10 s request ceiling, not as expired', async () => {
    const t = tracerTo(intake.url, []);
    finishSpans(t, 1);
    expect(await t.flush({ deadline: NaN })).toMatchObject({ sent: 1, dropped: 0 });
    finishSpans(t, 1);
    expect(await t.flush(undefined as unknown as { deadline: number })).toMatchObject({ sent: 1, dropped: 0 });
  });

  it('waits for a slow intake that answers within the deadline', async () => {
    intake.setFault({ kind: 'delay', ms: 100 });
    const logs: string[] = [];
    const t = tracerTo(intake.url, logs);
    finishSpans(t, 2);
    const r = await t.flush({ deadline: Date.now() + 3000 });
    expect(r).toMatchObject({ sent: 2, dropped: 0, requests: 1 });
    expect(r.failure).toBeUndefined();
    expect(r.ms).toBeGreaterThanOrEqual(90);
    expect(logs).toHaveLength(0);
  });

  it('reports http_500 and drops the batch', async () => {
    intake.setFault({ kind: 'status', code: 500 });
    const logs: string[] = [];
    const t = tracerTo(intake.url, logs);
    finishSpans(t, 4);
    const r = await t.flush({ deadline: Date.now() + 3000 });
    expect(r).toMatchObject({ sent: 0, dropped: 4, requests: 1, failure: 'http_500' });
    expectOneLogLine(logs, 'http_500', 4);
  });

  it('reports a rejected request (400) as http_400', async () => {
    const logs: string[] = [];
    // Right server, wrong path: the intake answers 400 with a reason.
    const t = tracerTo(intake.baseUrl + '/api/v2/other', logs);
    finishSpans(t, 1);
    const r = await t.flush({ deadline: Date.now() + 3000 });
    expect(r.failure).toBe('http_400');
    expect(intake.requests()[0].reason).toBe('unknown path /api/v2/other');
  });

  it('reports connection_reset', async () => {
    intake.setFault({ kind: 'reset' });
    const logs: string[] = [];
    const t = tracerTo(intake.url, logs);
    finishSpans(t, 2);
    const r = await t.flush({ deadline: Date.now() + 3000 });
    expect(r).toMatchObject({ sent: 0, dropped: 2, failure: 'connection_reset' });
    expectOneLogLine(logs, 'connection_reset', 2);
  });

  it('reports refused', async () => {
    const port = await freePort();
    const logs: string[] = [];
    const t = tracerTo(`http://127.0.0.1:${port}/api/v2/apmtelemetry`, logs);
    finishSpans(t, 1);
    const r = await t.flush({ deadline: Date.now() + 3000 });
    expect(r).toMatchObject({ sent: 0, dropped: 1, requests: 1, failure: 'refused' });
    expectOneLogLine(logs, 'refused', 1);
  });

  it('reports dns for a host that cannot resolve', async () => {
    const logs: string[] = [];
    // RFC 6761: .invalid never resolves.
    const t = tracerTo('https://intake.invalid/api/v2/apmtelemetry', logs);
    finishSpans(t, 1);
    const r = await t.flush({ deadline: Date.now() + 5000 });
    expect(['dns', 'timeout']).toContain(r.failure); // dns unless the resolver itself hangs
    expect(r.dropped).toBe(1);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('"endpoint":"https://intake.invalid/api/v2/apmtelemetry"');
  });

  it('keeps credentials and query out of the log line', async () => {
    const port = await freePort();
    const logs: string[] = [];
    const t = tracerTo(`http://user:pw@127.0.0.1:${port}/api/v2/apmtelemetry?token=abc`, logs);
    finishSpans(t, 1);
    await t.flush({ deadline: Date.now() + 3000 });
    expect(logs[0]).toContain(`"endpoint":"http://127.0.0.1:${port}/api/v2/apmtelemetry"`);
    expect(logs[0]).not.toMatch(/pw|token|abc/);
  });

  it('recovers on the next flush once the intake is healthy again', async () => {
    intake.setFault({ kind: 'status', code: 503 }, 1);
    const logs: string[] = [];
    const t = tracerTo(intake.url, logs);
    finishSpans(t, 1);
    expect((await t.flush({ deadline: Date.now() + 3000 })).failure).toBe('http_503');
    finishSpans(t, 2);
    expect(await t.flush({ deadline: Date.now() + 3000 })).toMatchObject({ sent: 2, dropped: 0 });
    expect(intake.spans()).toHaveLength(2);
  });
});

describe('keep-alive', () => {
  it('reuses one connection across flushes, and retries once when a reused socket was reset', async () => {
    // A fresh server, so no pooled socket exists yet.
    const own = await new LocalIntake().start();
    try {
      const t = tracerTo(own.url, []);
      for (let i = 0; i < 3; i++) {
        finishSpans(t, 1);
        expect((await t.flush({ deadline: Date.now() + 3000 })).sent).toBe(1);
      }
      expect(own.connections).toBe(1);
      // A frozen-then-thawed Lambda finds its pooled socket dead: one reset, then a fresh socket.
      own.setFault({ kind: 'reset' }, 1);
      finishSpans(t, 1);
      const r = await t.flush({ deadline: Date.now() + 3000 });
      expect(r).toMatchObject({ sent: 1, dropped: 0, requests: 1 });
      expect(own.connections).toBe(2);
      expect(own.requests().map((q) => q.status)).toEqual([202, 202, 202, -1, 202]);
    } finally {
      await own.close();
    }
  });
});

describe('buffer caps', () => {
  it(`keeps at most ${MAX_SPANS_PER_TRACE} spans per trace, counting the excess as dropped, root kept`, async () => {
    const t = tracerTo(intake.url, []);
    await t.withSpan('root', {}, () => {
      for (let i = 0; i < MAX_SPANS_PER_TRACE + 5; i++) t.startSpan('child').finish();
    });
    t.startSpan('other.trace').finish();
    expect(t.pendingCount()).toBe(MAX_SPANS_PER_TRACE + 1);
    const r = await t.flush({ deadline: Date.now() + 10_000 });
    expect(r).toMatchObject({ sent: MAX_SPANS_PER_TRACE + 1, dropped: 6, requests: 1 });
    const names = intake.spans().map((s) => s.name);
    expect(names.filter((n) => n === 'root')).toHaveLength(1);
    expect(names.filter((n) => n === 'other.trace')).toHaveLength(1);
  });

  it('bounds the buffered bytes', async () => {
    const t = new RecordingTracer({
      exporter: createTelemetryExporter({ url: new URL(intake.url), apiKey: '', hostname: 'h', service: 's', debug: false, defaults: {} }),
      service: 's',
      log: () => {},
      maxBufferedBytes: 100_000,
    });
    for (let i = 0; i < 10; i++) t.startSpan('s', { tags: { v: 'y'.repeat(20_000) } }).finish();
    expect(t.pendingCount()).toBe(5); // the 5th span crosses 100,000 bytes; later ones are dropped
    expect(await t.flush({ deadline: Date.now() + 3000 })).toMatchObject({ sent: 5, dropped: 5 });
  });

  it('bounds the global buffer', async () => {
    const t = new RecordingTracer({
      exporter: createTelemetryExporter({ url: new URL(intake.url), apiKey: '', hostname: 'h', service: 's', debug: false, defaults: {} }),
      service: 's',
      log: () => {},
      maxBufferedSpans: 5,
    });
    finishSpans(t, 8);
    expect(t.pendingCount()).toBe(5);
    expect(await t.flush({ deadline: Date.now() + 3000 })).toMatchObject({ sent: 5, dropped: 3 });
    finishSpans(t, 1);
    expect(await t.flush({ deadline: Date.now() + 3000 })).toMatchObject({ sent: 1, dropped: 0 });
  });
});

describe('request splitting', () => {
  /** Encoded spans by hand: records in store order as [trace, text, new store chunk?]; `top`: top-level record indices. */
  function encoded(records: Array<[string, string, boolean?]>, top: number[] = []): EncodedSpans {
    const chunks: Buffer[] = [];
    const rec = new Int32Array(records.length * 4);
    let text = '';
    const flushChunk = () => {
      chunks.push(Buffer.from(text, 'latin1'));
      text = '';
    };
    records.forEach(([, body, newChunk], i) => {
      if (newChunk) flushChunk();
      rec.set([chunks.length, text.length, text.length + body.length, -1], i * 4);
      text += body;
    });
    flushChunk();
    // One state object per trace name, as the tracer has one TraceState per trace.
    const states = new Map<string, object>();
    const trace = records.map(([t]) => states.get(t) ?? states.set(t, { t }).get(t)!);
    return { count: records.length, chunks, rec, prio: new Float64Array(records.length), trace: trace as never, top };
  }

  /** Each batch as its trace chunks' texts, in body order. */
  function texts(d: EncodedSpans, batches: ReturnType<typeof batchRecords>): string[][][] {
    return batches.map((b) =>
      b.traces.map((c) => {
        const out: Buffer[] = [];
        chunkSlices(d, c, out);
        return out.map((x) => x.toString('latin1'));
      }),
    );
  }

  it('sends every trace\'s top-level spans first when the spans need several requests', () => {
    // Two concurrent tasks: command spans interleaved, each task's run and action.run (top level) last.
    const d = encoded(
      [['A', 'a1'], ['B', 'b1'], ['A', 'a2'], ['B', 'b2'], ['A', 'a3'], ['A', 'A-run'], ['A', 'A-act'], ['B', 'b3'], ['B', 'B-run'], ['B', 'B-act']],
      [5, 6, 8, 9],
    );
    const batches = batchRecords(d, 26, 2);
    expect(texts(d, batches)).toEqual([
      [['A-runA-act', 'a1'], ['B-runB-act']], // the top-level spans, then what detail fits, A's in the same chunk
      [['a2', 'a3'], ['b1', 'b2', 'b3']],
    ]);
    expect(batches.map((b) => b.bytes)).toEqual([26, 14]);
    expect(batches.map((b) => b.traces.map((c) => c.spans))).toEqual([[3, 2], [2, 3]]);
    // Every record is sent exactly once.
    const sent = batches.flatMap((b) => b.traces.flatMap((c) => c.runs.flatMap((_, k) => (k % 2 ? [] : Array.from({ length: c.runs[k + 1] - c.runs[k] }, (_, j) => c.runs[k] + j)))));
    expect(sent.sort((x, y) => x - y)).toEqual([...Array(10).keys()]);
    // In one request, store order stands.
    expect(texts(d, batchRecords(d, 1000, 2))).toEqual([[['a1', 'a2', 'a3A-runA-act'], ['b1', 'b2', 'b3B-runB-act']]]);
    // Records `keep` refuses (a sampled-out trace) are left out of both passes.
    const bIndices = new Set([1, 3, 7, 8, 9]);
    const kept = batchRecords(d, 12, 2, (i) => !bIndices.has(i));
    expect(texts(d, kept)).toEqual([[['A-runA-act']], [['a1', 'a2', 'a3']]]);
    expect(texts(d, batchRecords(d, 1000, 2, (i) => !bIndices.has(i)))).toEqual([[['a1', 'a2', 'a3A-runA-act']]]);
  });

  it('packs traces into as few batches as the cap allows, continuing a trace across batches', () => {
    const d = encoded([['A', 'aaaa'], ['B', 'cc'], ['A', 'bbbb'], ['C', 'dddddddddd'], ['C', 'e'], ['D', 'f'.repeat(24)]]);
    const batches = batchRecords(d, 12, 2);
    const texts = batches.map((b) =>
      b.traces.map((c) => {
        const out: Buffer[] = [];
        chunkSlices(d, c, out);
        return out.map((x) => x.toString('latin1'));
      }),
    );
    expect(texts).toEqual([
      [['aaaa', 'bbbb']], // one trace, two runs (not adjacent in the store)
      [['cc']],
      [['dddddddddd']],
      [['e']], // the trace continues in the next request
      [['f'.repeat(24)]], // larger than the cap: sent alone
    ]);
    expect(batches.map((b) => b.bytes)).toEqual([10, 4, 12, 3, 26]);
    expect(batches.map((b) => b.traces.map((c) => c.spans))).toEqual([[2], [1], [1], [1], [1]]);
    expect(batchRecords(d, 1000, 2)).toHaveLength(1);
    expect(batchRecords(encoded([]), 10, 2)).toEqual([]);
  });

  it('sends back-to-back records as one slice, split only where the store changed chunk', () => {
    const d = encoded([['T', 'ab'], ['T', 'cd'], ['T', 'ef', true], ['T', 'gh']]);
    const [batch] = batchRecords(d, 1000, 2);
    expect(batch.traces).toEqual([{ runs: [0, 4], spans: 4 }]);
    const out: Buffer[] = [];
    chunkSlices(d, batch.traces[0], out);
    expect(out.map((x) => x.toString('latin1'))).toEqual(['abcd', 'efgh']);
  });

  it(`splits a flush over ${TELEMETRY_MAX_BODY_BYTES} bytes into several valid requests`, async () => {
    const t = tracerTo(intake.url, []);
    // ~1.5 MB per span: 60 tags at just under the 25,000-character value limit.
    const tags: Record<string, string> = {};
    for (let j = 0; j < 60; j++) tags[`blob${j}`] = 'x'.repeat(24_999);
    await t.withSpan('root', {}, () => {
      for (let i = 0; i < 5; i++) t.startSpan('big', { tags }).finish();
    });
    const r = await t.flush({ deadline: Date.now() + 10_000 });
    expect(r).toMatchObject({ sent: 6, dropped: 0, requests: 3 });
    const reqs = intake.requests();
    expect(reqs.map((q) => q.status)).toEqual([202, 202, 202]);
    for (const q of reqs) expect(q.body.length).toBeLessThanOrEqual(TELEMETRY_MAX_BODY_BYTES);
    expect(r.bytes).toBe(reqs.reduce((a, q) => a + q.body.length, 0));
    const traceIds = new Set(intake.spans().map((s) => s.trace_id));
    expect(traceIds.size).toBe(1);
    expect(intake.spans()).toHaveLength(6);
  });

  it('keeps every task\'s action.run and run spans when a split flush is cut after its first request', async () => {
    // Accepts the first request, fails the rest: what a deadline or a failing intake does.
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString());
        res.writeHead(bodies.length === 1 ? 202 : 500).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const t = tracerTo(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/apmtelemetry`, []);
      const tags: Record<string, string> = {};
      for (let j = 0; j < 60; j++) tags[`blob${j}`] = 'x'.repeat(24_999);
      // Two tasks at once, each a run with three ~1.5 MB command spans: ~9 MB, three requests.
      await Promise.all(
        [1, 2].map((task) =>
          t.withSpan('action.run', { resource: `task-${task}` }, async (action) => {
            const run = t.startSpan('run', { service: 'rshell', childOf: action });
            for (let i = 0; i < 3; i++) {
              await new Promise((r) => setImmediate(r));
              t.startSpan('command', { service: 'rshell', childOf: run, tags }).finish();
            }
            run.finish();
          }),
        ),
      );
      const r = await t.flush({ deadline: Date.now() + 10_000 });
      // The first request (4 MiB at most) holds the four small top-level spans and two commands.
      expect(r).toMatchObject({ sent: 6, dropped: 4, failure: 'http_500', requests: 2 });
      const first = JSON.parse(bodies[0]) as { payload: { traces: Array<Array<{ name: string; resource: string }>> } };
      const names = first.payload.traces.flatMap((tr) => tr.map((sp) => `${sp.name} ${sp.resource}`)).sort();
      expect(names).toEqual(['action.run task-1', 'action.run task-2', 'command command', 'command command', 'run run', 'run run']);
      // A request carries each trace once.
      expect(first.payload.traces).toHaveLength(2);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
