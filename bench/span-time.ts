/**
 * Where a traced task's extra time goes, measured in one process without a baseline to
 * subtract: every rshell hook call is timed, and so is building the request body. What the
 * executor benchmark's paired process ratios estimate through machine noise, this counts
 * directly (main thread only: GC and the request itself are not in it).
 */
import { performance } from 'node:perf_hooks';
import { createRunner, type RshellHooks } from '../src/rshell/index.js';
import { createTracer } from '../src/tracing/create-tracer.js';
import { rshellHooks } from '../src/tracing/index.js';
import type { RecordingTracer } from '../src/tracing/tracer.js';

export interface SpanTime {
  /** Median wall ms per task (a batch of 10 concurrent tasks, like the handler's). */
  taskMs: number;
  /** µs per task inside the span hooks: span start, tags, finish and encoding. */
  hooksUs: number;
  /** µs per task building request bodies from the encoded spans. */
  bodyUs: number;
  spansPerTask: number;
}

export async function spanTime(script: string, allowedCommands: string[], allowedPaths: string[], batches: number): Promise<SpanTime> {
  // Never sends: the intake URL only selects the telemetry JSON exporter.
  const tracer = createTracer({ intakeUrl: 'http://127.0.0.1:9/unused', apiKey: 'bench' }) as RecordingTracer;
  let hooksMs = 0;
  const timed = <T>(h: RshellHooks<T>): RshellHooks<T> => {
    const out: Record<string, (...a: unknown[]) => unknown> = {};
    // The hooks are class instances (src/tracing/rshell-spans.ts): their methods are on the
    // prototype chain, not own entries, and are called on the hooks object.
    for (let o: object | null = h; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
      for (const k of Object.getOwnPropertyNames(o)) {
        const f = (h as Record<string, unknown>)[k];
        if (k === 'constructor' || k in out || typeof f !== 'function') continue;
        out[k] = (...a) => {
          const t = performance.now();
          try {
            return f.apply(h, a);
          } finally {
            hooksMs += performance.now() - t;
          }
        };
      }
    }
    return out as RshellHooks<T>;
  };
  let bodyMs = 0;
  let spans = 0;
  const batch = async (): Promise<number> => {
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const root = tracer.startSpan('action.run', {});
        const runner = createRunner({ allowedCommands, allowedPaths, env: {}, hooks: timed(rshellHooks(tracer, { parent: root })) });
        const r = await runner.run(script);
        // Every command must succeed: an error path would not be the workload the figures name.
        if (r.exitCode !== 0 || r.stderr.length > 0) throw new Error(`bench script failed: ${r.stderr}`);
        root.finish();
      }),
    );
    const t1 = performance.now();
    const drained = tracer.drain();
    spans += drained.count;
    tracer.encode(drained);
    tracer.release(drained);
    bodyMs += performance.now() - t1;
    return t1 - t0;
  };
  for (let i = 0; i < 3; i++) await batch();
  hooksMs = bodyMs = spans = 0;
  const walls: number[] = [];
  for (let i = 0; i < batches; i++) walls.push(await batch());
  walls.sort((a, b) => a - b);
  const tasks = batches * 10;
  return {
    taskMs: walls[walls.length >> 1] / 10,
    hooksUs: (hooksMs * 1000) / tasks,
    bodyUs: (bodyMs * 1000) / tasks,
    spansPerTask: spans / tasks,
  };
}
