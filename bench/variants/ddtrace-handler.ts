/**
 * Benchmark variant (not product code): the same job as src/handlers/sqs.ts — parse each
 * task, run its rshell command, answer the batch — traced with dd-trace instead of this
 * project's tracer, flushing to the agent URL before returning. dd-trace stays external
 * (loaded from node_modules), as Datadog recommends for bundles.
 */
import ddtrace from 'dd-trace';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createRunner } from '../../src/rshell/index.js';
import { parseTaskBody } from '../../src/tasks/envelope.js';

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

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  for (const r of event.Records) {
    const parsed = parseTaskBody(r.body);
    if (!parsed.ok) continue;
    const task = parsed.task;
    await tracer.trace('action.run', { resource: task.fqn, tags: { task_id: task.id } }, async () => {
      const runner = createRunner({ allowedCommands: task.allowedCommands, allowedPaths: task.allowedPaths, env: {} });
      await runner.run(String(task.inputs.command));
    });
  }
  // Wait for the agent exporter's writer to send, as the Lambda integration does.
  const exporter = (tracer as unknown as { _tracer?: { _exporter?: { flush?(cb: () => void): void } } })._tracer?._exporter;
  if (typeof exporter?.flush !== 'function') throw new Error('dd-trace agent exporter not found');
  await new Promise<void>((resolve) => exporter.flush!(resolve));
  return { batchItemFailures: [] };
}
