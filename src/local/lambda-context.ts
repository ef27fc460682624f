/** A Lambda-like invocation context for local runs: request id, ARN and a real deadline. */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface LocalContextOptions {
  functionName?: string;
  timeoutMs?: number;
  region?: string;
}

export function lambdaContext(o: LocalContextOptions = {}): Context {
  const functionName = o.functionName ?? 'lambda-action-runner-local';
  const region = o.region ?? 'us-east-1';
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
