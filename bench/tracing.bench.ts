/**
 * Tracing benchmark (not a test).
 *
 * 1. Span throughput: create + finish + encode 100,000 spans (1,000 traces of 1 root + 99
 *    children; children carry a string, a number and a boolean tag), for:
 *    - this tracer, telemetry JSON encoding (the default exporter's exact request bodies);
 *    - this tracer, agent msgpack v0.4 encoding;
 *    - dd-trace 5 (plugins off, telemetry/remote config off, huge flushInterval): spans are
 *      encoded to msgpack v0.4 by its AgentEncoder synchronously when each trace finishes;
 *      its periodic network flush never fires during the loop (its 8 MB soft-limit flushes
 *      go to a closed port, asynchronously, after the timed loop);
 *    - @opentelemetry/sdk-trace-base 2 with a SimpleSpanProcessor and (a) an exporter that
 *      JSON-encodes each ended span (the same work), (b) the InMemorySpanExporter (no
 *      encoding at all; favours OTel).
 *    Every contender runs in its own Node process (no shared heap, JIT state or hooks: dd-trace
 *    installs process-wide machinery), 5 blocks per contender interleaved with the others,
 *    each block 3 warm-up rounds then 3 timed rounds (no forced GC between rounds: it discards
 *    V8's optimised code, so each round would re-warm). Reported: medians
 *    of CPU time (primary: the machine may be shared and loaded) and of wall time.
 * 2. Flush latency: 100, 1,000 and 10,000 finished spans flushed to the local intake running
 *    in a separate Node process on loopback (so its parsing is not on this event loop);
 *    median of 7 flushes after a warm-up, with the keep-alive connection warm.
 */
import { execFileSync, spawn } from 'node:child_process';
import { startIntakeProcess } from './intake-process.js';
import { performance } from 'node:perf_hooks';
import { createAgentExporter } from '../src/tracing/agent-exporter.js';
import { createTelemetryExporter } from '../src/tracing/telemetry-exporter.js';
import { RecordingTracer } from '../src/tracing/tracer.js';
import { median } from './measure.js';

const TRACES = 1_000;
const PER_TRACE = 100;
const N = TRACES * PER_TRACE;
const BLOCKS = 5;
const TIMED = 3;

const WARMUPS = 3;


interface Sample {
  cpu: number[];
  wall: number[];
}

/** Runs in a child process: one contender, WARMUPS + TIMED rounds, each after a full GC. */
export async function runContender(name: string): Promise<Sample> {
  const round = await makeRound(name);
  const out: Sample = { cpu: [], wall: [] };
  for (let i = 0; i < WARMUPS + TIMED; i++) {
    // Let async work of the previous round (dd-trace's background flushes) settle. No forced
    // GC here: V8 drops optimised code on a forced full GC, so every round would re-warm
    // (measured: each hot function re-optimised once per round); each round instead pays
    // for its own garbage, as in steady use.
    await new Promise((res) => setTimeout(res, 30));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    round();
    const wall = performance.now() - t0;
    const used = process.cpuUsage(c0);
    if (i >= WARMUPS) {
      out.cpu.push((used.user + used.system) / 1000);
      out.wall.push(wall);
    }
  }
  return out;
}

async function makeRound(name: string): Promise<() => void> {
  const sink = { url: new URL('http://127.0.0.1:9/api/v2/apmtelemetry'), apiKey: '', hostname: 'bench', service: 'bench', debug: false, defaults: {} };
  switch (name) {
    case 'json':
      return ourRound(new RecordingTracer({ exporter: createTelemetryExporter(sink), service: 'bench', log: () => {}, maxBufferedSpans: Infinity }));
    case 'msgpack':
      return ourRound(
        new RecordingTracer({
          exporter: createAgentExporter(new URL('http://127.0.0.1:9/v0.4/traces'), {}),
          service: 'bench',
          log: () => {},
          maxBufferedSpans: Infinity,
        }),
      );
    case 'dd-trace':
      return ddTraceRound();
    case 'otel-json':
      return (await otelRounds()).json;
    case 'otel-memory':
      return (await otelRounds()).memory;
    default:
      throw new Error(`unknown contender ${name}`);
  }
}

/** One block of a contender in a fresh Node process. */
async function runBlock(name: string): Promise<Sample> {
  const code =
    'const m = await import(process.argv[1]); const r = await m.runContender(process.argv[2]);' +
    'console.log(JSON.stringify(r)); process.exit(0);';
  // BENCH_NODE: another node binary for the contenders (e.g. Node 24, the Lambda runtime).
  const child = spawn(process.env.BENCH_NODE || process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, import.meta.url, name], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  if (status !== 0 || !line.startsWith('{')) throw new Error(`contender ${name} failed (exit ${status})`);
  return JSON.parse(line) as Sample;
}

const CONTENDERS: Array<[string, string]> = [
  ['json', 'this tracer (telemetry JSON)'],
  ['msgpack', 'this tracer (agent msgpack v0.4)'],
  ['dd-trace', 'dd-trace 5 (AgentEncoder msgpack v0.4)'],
  ['otel-json', '@opentelemetry/sdk-trace-base (Simple + JSON exporter)'],
  ['otel-memory', '@opentelemetry/sdk-trace-base (Simple + InMemory, no encode)'],
];

async function throughputBench(): Promise<void> {
  const samples = new Map<string, Sample>(CONTENDERS.map(([k]) => [k, { cpu: [], wall: [] }]));
  for (let block = 0; block < BLOCKS; block++) {
    for (const [key] of CONTENDERS) {
      const s = await runBlock(key);
      samples.get(key)!.cpu.push(...s.cpu);
      samples.get(key)!.wall.push(...s.wall);
    }
  }
  const cpu = new Map<string, number>();
  const wall = new Map<string, number>();
  for (const [key, label] of CONTENDERS) {
    const s = samples.get(key)!;
    cpu.set(key, median(s.cpu));
    wall.set(key, median(s.wall));
    console.log(
      `${label.padEnd(60)} cpu median ${cpu.get(key)!.toFixed(1).padStart(7)} ms (min ${Math.min(...s.cpu).toFixed(1).padStart(6)})` +
        `  wall median ${wall.get(key)!.toFixed(1).padStart(7)} ms  ${Math.round(N / (cpu.get(key)! / 1000)).toLocaleString('en-US').padStart(10)} spans/cpu-s`,
    );
  }
  const r = (m: Map<string, number>, peer: string, me: string): string => `${(m.get(peer)! / m.get(me)!).toFixed(2)}x`;
  console.log('\nratios, peer time / this tracer time (target >= 3x)   cpu: JSON  msgpack   wall: JSON  msgpack');
  for (const [peer, label] of [
    ['dd-trace', 'vs dd-trace'],
    ['otel-json', 'vs OTel (JSON exporter)'],
    ['otel-memory', 'vs OTel (InMemory, no encoding)'],
  ] as const) {
    console.log(
      `  ${label.padEnd(53)}${r(cpu, peer, 'json').padStart(6)} ${r(cpu, peer, 'msgpack').padStart(7)}   ` +
        `${r(wall, peer, 'json').padStart(10)} ${r(wall, peer, 'msgpack').padStart(7)}`,
    );
  }
}

function ourRound(tracer: RecordingTracer): () => void {
  return () => {
    for (let t = 0; t < TRACES; t++) {
      const root = tracer.startSpan('action.run', { resource: 'com.example.bench', tags: { task_id: 'task-1' } });
      for (let i = 1; i < PER_TRACE; i++) {
        tracer.startSpan('command', { childOf: root, tags: { 'rshell.command.name': 'echo', 'rshell.command.argc': i, 'rshell.command.is_allowed': true } }).finish();
      }
      root.finish();
    }
    const spans = tracer.drain();
    const bodies = tracer.encode(spans);
    if (bodies.length === 0) throw new Error('nothing encoded');
    // As a flush does once its requests are answered.
    tracer.release(spans);
  };
}

async function ddTraceRound(): Promise<() => void> {
  process.env.DD_TRACE_STARTUP_LOGS = 'false';
  process.env.DD_INSTRUMENTATION_TELEMETRY_ENABLED = 'false';
  process.env.DD_REMOTE_CONFIGURATION_ENABLED = 'false';
  process.env.DD_TRACE_TELEMETRY_ENABLED = 'false';
  const mod = (await import('dd-trace')) as unknown as { default: DdTracer };
  const dd = mod.default;
  dd.init({ plugins: false, flushInterval: 1e9, url: 'http://127.0.0.1:9', runtimeMetrics: false, startupLogs: false });
  return () => {
    for (let t = 0; t < TRACES; t++) {
      const root = dd.startSpan('action.run', { tags: { 'resource.name': 'com.example.bench', task_id: 'task-1' } });
      for (let i = 1; i < PER_TRACE; i++) {
        dd.startSpan('command', { childOf: root, tags: { 'rshell.command.name': 'echo', 'rshell.command.argc': i, 'rshell.command.is_allowed': true } }).finish();
      }
      root.finish();
    }
  };
}
interface DdSpan {
  finish(): void;
}
interface DdTracer {
  init(o: object): void;
  startSpan(name: string, o: { childOf?: DdSpan; tags?: object }): DdSpan;
}

async function otelRounds(): Promise<{ json: () => void; memory: () => void }> {
  const api = await import('@opentelemetry/api');
  const sdk = await import('@opentelemetry/sdk-trace-base');
  let encodedBytes = 0;
  const jsonExporter = {
    export(spans: InstanceType<typeof sdk.InMemorySpanExporter> extends { getFinishedSpans(): infer R } ? R : never, done: (r: { code: number }) => void) {
      for (const s of spans) {
        const c = s.spanContext();
        encodedBytes += JSON.stringify({
          traceId: c.traceId,
          spanId: c.spanId,
          parentSpanId: s.parentSpanContext?.spanId,
          name: s.name,
          startTime: s.startTime,
          endTime: s.endTime,
          attributes: s.attributes,
          status: s.status,
        }).length;
      }
      done({ code: 0 });
    },
    async shutdown() {},
  };
  const memory = new sdk.InMemorySpanExporter();
  const make = (exporter: unknown) =>
    new sdk.BasicTracerProvider({ spanProcessors: [new sdk.SimpleSpanProcessor(exporter as never)] }).getTracer('bench');
  const round = (tracer: ReturnType<typeof make>, after: () => void) => () => {
    for (let t = 0; t < TRACES; t++) {
      const root = tracer.startSpan('action.run', { attributes: { task_id: 'task-1' } });
      const ctx = api.trace.setSpan(api.context.active(), root);
      for (let i = 1; i < PER_TRACE; i++) {
        tracer.startSpan('command', { attributes: { 'rshell.command.name': 'echo', 'rshell.command.argc': i, 'rshell.command.is_allowed': true } }, ctx).end();
      }
      root.end();
    }
    after();
  };
  return {
    json: round(make(jsonExporter), () => {
      if (encodedBytes === 0) throw new Error('nothing encoded');
      encodedBytes = 0;
    }),
    memory: round(make(memory), () => memory.reset()),
  };
}

async function flushBench(): Promise<void> {
  const { url, stop } = await startIntakeProcess();
  try {
    const exporter = createTelemetryExporter({ url: new URL(url), apiKey: 'bench', hostname: 'bench', service: 'bench', debug: false, defaults: {} });
    const tracer = new RecordingTracer({ exporter, service: 'bench', log: (l) => console.log(l) });
    console.log('\nflush to the local intake (separate process, loopback, keep-alive):');
    for (const n of [100, 1_000, 10_000]) {
      const times: number[] = [];
      const cpus: number[] = [];
      let bytes = 0;
      for (let round = 0; round < 8; round++) {
        for (let t = 0; t < n / 100; t++) {
          const root = tracer.startSpan('action.run', { tags: { task_id: 'task-1' } });
          for (let i = 1; i < 100; i++) tracer.startSpan('command', { childOf: root, tags: { 'rshell.command.name': 'echo', 'rshell.command.argc': i, 'rshell.command.is_allowed': true } }).finish();
          root.finish();
        }
        const c0 = process.cpuUsage();
        const r = await tracer.flush({ deadline: Date.now() + 10_000 });
        const used = process.cpuUsage(c0);
        if (r.failure || r.sent !== n) throw new Error(`flush failed: ${JSON.stringify(r)}`);
        bytes = r.bytes;
        if (round > 0) {
          times.push(r.ms);
          cpus.push((used.user + used.system) / 1000);
        }
      }
      console.log(
        `  ${String(n).padStart(6)} spans: wall median ${median(times).toFixed(2).padStart(7)} ms (min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)})` +
          `  client cpu median ${median(cpus).toFixed(2)} ms  ${(bytes / 1024).toFixed(0)} KiB, 1 request`,
      );
    }
  } finally {
    await stop();
  }
}

export default async function main(): Promise<void> {
  const node = process.env.BENCH_NODE ? execFileSync(process.env.BENCH_NODE, ['--version'], { encoding: 'utf8' }).trim() : process.version;
  console.log(
    `create + finish + encode ${N.toLocaleString('en-US')} spans (${TRACES} traces x ${PER_TRACE}); ` +
      `${BLOCKS * TIMED} timed rounds per contender, each contender in its own process (Node ${node}):`,
  );
  await throughputBench();
  await flushBench();
}
