/**
 * What the span flush adds to an invocation when the endpoints are remote: a results queue
 * and an intake that each answer after a delay (a round trip from Lambda), tracing on versus
 * off in the same process, invocations alternating. The last span request runs while the
 * results are published (src/tasks/batch.ts), so with an intake no slower than the queue the
 * flush should add little; the part of a slower intake's round trip beyond the queue's shows.
 */
import { createSqsHandler } from '../src/tasks/sqs-handler.js';
import { lambdaContext } from '../src/local/lambda-context.js';
import { loadConfig } from '../src/tasks/config.js';
import { close, listen, slowIntake, slowQueue } from '../test/helpers/aws-stubs.js';
import { sqsEvent } from './events.js';
import { median } from './measure.js';

const INVOCATIONS = 30;
const script = Array.from({ length: 5 }, () => 'grep -c processor /proc/cpuinfo\nwc -l /etc/passwd').join('\n');
const event = sqsEvent(script, 10, ['rshell:grep', 'rshell:wc'], ['/etc', '/proc']);

export default async function invocationTailBench(): Promise<void> {
  const saved = { ...process.env };
  const rows: Array<Record<string, string>> = [];
  try {
    for (const [queueMs, intakeMs] of [
      [40, 40],
      [40, 80],
    ]) {
      const queue = slowQueue(queueMs);
      const intake = slowIntake(intakeMs);
      const queueUrl = await listen(queue);
      const intakeUrl = `${await listen(intake)}/api/v2/apmtelemetry`;
      Object.assign(process.env, { AWS_ENDPOINT_URL_SQS: queueUrl, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' });
      const quiet = { logger: { log: () => undefined } };
      const base = { RESULTS_QUEUE_URL: `${queueUrl}/000000000000/results` };
      const off = createSqsHandler(loadConfig({ ...base }), quiet);
      const on = createSqsHandler(loadConfig({ ...base, DD_API_KEY: 'bench', DD_TRACE_INTAKE_URL: intakeUrl }), quiet);
      const ms: [number[], number[]] = [[], []];
      for (let i = 0; i < INVOCATIONS + 4; i++) {
        for (const [k, h] of (i % 2 === 0 ? [[0, off], [1, on]] : [[1, on], [0, off]]) as Array<[0 | 1, typeof on]>) {
          const t0 = performance.now();
          const res = await h(event, lambdaContext({ timeoutMs: 30_000 }));
          if (!res || res.batchItemFailures.length > 0) throw new Error('invocation failed');
          if (i >= 4) ms[k].push(performance.now() - t0);
        }
      }
      await close(queue, intake);
      const offMs = median(ms[0]);
      const onMs = median(ms[1]);
      rows.push({
        'results queue / intake answer after': `${queueMs} / ${intakeMs} ms`,
        'tracing off: ms per invocation': offMs.toFixed(1),
        'tracing on': onMs.toFixed(1),
        'added by tracing': `${(onMs - offMs).toFixed(1)} ms (${(((onMs - offMs) / offMs) * 100).toFixed(1)}%)`,
        'if published, then flushed': `+${intakeMs} ms or more`,
      });
    }
  } finally {
    process.env = saved;
  }
  console.log(`invocation duration with remote-like endpoints (10 tasks of 10 commands, median of ${INVOCATIONS} alternating invocations, Node ${process.version})`);
  console.table(rows);
}
