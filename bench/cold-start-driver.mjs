// Cold start, measured in a fresh process: import a handler bundle, answer one SQS event.
//   node bench/cold-start-driver.mjs <bundle> <event.json>
// Prints COLD_START_MS=<import to first batch answered> and RETRIED=<batch item failures> on
// stderr. Plain JavaScript so that nothing but the bundle is loaded before the clock starts.
import { readFileSync } from 'node:fs';

const event = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const context = {
  awsRequestId: 'r',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
  getRemainingTimeInMillis: () => 10000,
};
const t0 = performance.now();
const { handler } = await import(process.argv[2]);
const res = await handler(event, context);
const t1 = performance.now();
if (!res || !Array.isArray(res.batchItemFailures)) throw new Error('bad response');
process.stderr.write(`COLD_START_MS=${t1 - t0}\nRETRIED=${res.batchItemFailures.length}\n`);
process.exit(0);
