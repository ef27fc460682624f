/** SQS events of rshell tasks for the benchmarks. */
import type { SQSEvent } from 'aws-lambda';
import { taskBody, type Signer } from '../src/producer/task.js';

/** `n` records, each a task running `command` with the given allow-lists, signed when a signer is given. */
export function sqsEvent(command: string, n: number, allowedCommands: string[], allowedPaths?: string[], signer?: Signer): SQSEvent {
  return {
    Records: Array.from({ length: n }, (_, i) => ({
      messageId: `m-${i}`,
      receiptHandle: 'r',
      body: taskBody({ id: `t-${i}`, jobId: `j-${i}`, inputs: { command }, allowedCommands, allowedPaths }, signer),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 's', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
      awsRegion: 'us-east-1',
    })),
  };
}
