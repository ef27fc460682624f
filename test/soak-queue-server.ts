/**
 * The soak's SQS server in its own process, so the soak's resident-memory figures measure the
 * executor (handlers, tracer, SDK clients, pollers) and not the queues' stored messages.
 * Prints the queue coordinates as one JSON line, then serves until stdin closes.
 */
import { startLocalQueues } from '../src/local/sqs-server.js';

const maxReceiveCount = Number(process.argv[2] ?? 2);
const q = await startLocalQueues({ prefix: `soak-${process.pid}`, maxReceiveCount, visibilityTimeout: 1 });
process.stdout.write(
  JSON.stringify({
    endpoint: q.endpoint,
    taskQueueUrl: q.taskQueueUrl,
    taskQueueArn: q.taskQueueArn,
    deadLetterQueueUrl: q.deadLetterQueueUrl,
    resultsQueueUrl: q.resultsQueueUrl,
  }) + '\n',
);
process.stdin.resume();
process.stdin.on('end', () => {
  void q.close().then(() => process.exit(0));
});
