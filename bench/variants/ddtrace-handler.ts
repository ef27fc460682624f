/**
 * Benchmark variant (not product code): the same job as src/handlers/sqs.ts — parse each
 * task, run its rshell command, answer the batch — traced with dd-trace instead of this
 * project's tracer, flushing to the agent URL before returning. dd-trace stays external
 * (loaded from node_modules), as Datadog recommends for bundles.
 *
 * Like the runner it creates a span per rshell command (bench/variants/ddtrace-rshell-hooks.ts);
 * RSHELL_DETAILED_TELEMETRY=false keeps only the run spans, and BENCH_DDTRACE_OFF=1 skips every
 * span and the flush (the baseline of the variant's own tracing overhead).
 */
import ddtrace from 'dd-trace';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createRunner } from '../../src/rshell/index.js';
import { parseTaskBody } from '../../src/tasks/envelope.js';
import { ddtraceRshellHooks } from './ddtrace-rshell-hooks.js';

const tracer = ddtrace.init({
  url: process.env.DD_TRACE_AGENT_URL,
  service: 'private-action-runner',
  flushInterval: 0,
  startupLogs: false,
  plugins: false,
  telemetry: { enabled: false },
  remoteConfig: { enabled: false },
  runtimeMetrics: false,
  profiling: false,
} as Parameters<typeof ddtrace.init>[0]);

const tracingOff = process.env.BENCH_DDTRACE_OFF === '1';
const detailed = process.env.RSHELL_DETAILED_TELEMETRY !== 'false';

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  for (const r of event.Records) {
    const parsed = parseTaskBody(r.body);
    if (!parsed.ok) throw new Error('bad task');
    const task = parsed.task;
    const opts = { allowedCommands: task.allowedCommands, allowedPaths: task.allowedPaths, env: {} };
    if (tracingOff) {
      await createRunner(opts).run(String(task.inputs.command));
      continue;
    }
    await tracer.trace('action.run', { resource: task.fqn, tags: { task_id: task.id } }, async (span) => {
      if (span === undefined) throw new Error('dd-trace gave no span');
      const runner = createRunner({ ...opts, hooks: ddtraceRshellHooks(tracer, span, detailed) });
      await runner.run(String(task.inputs.command));
    });
  }
  if (tracingOff) return { batchItemFailures: [] };
  // Wait for the agent exporter's writer to send, as the Lambda integration does.
  const exporter = (tracer as unknown as { _tracer?: { _exporter?: { flush?(cb: () => void): void } } })._tracer?._exporter;
  if (typeof exporter?.flush !== 'function') throw new Error('dd-trace agent exporter not found');
  await new Promise<void>((resolve) => exporter.flush!(resolve));
  return { batchItemFailures: [] };
}
