/** SQS events of rshell tasks for the benchmarks. */
import type { SQSEvent } from 'aws-lambda';
import { taskBody } from '../src/producer/task.js';

/** `n` records, each a task running `command` with the given allow-lists. */
export function sqsEvent(command: string, n: number, allowedCommands: string[], allowedPaths?: string[]): SQSEvent {
  return {
    Records: Array.from({ length: n }, (_, i) => ({
      messageId: `m-${i}`,
      receiptHandle: 'r',
      body: taskBody({ id: `t-${i}`, jobId: `j-${i}`, inputs: { command }, allowedCommands, allowedPaths }),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 's', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
      awsRegion: 'us-east-1',
    })),
  };
}
