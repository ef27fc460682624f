/**
 * Sends one task to a queue with a trace context the handler continues: a `_datadog`
 * String attribute carrying both Datadog (x-datadog-*) and W3C (traceparent) headers, as a
 * traced producer would inject them.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { randomId64, taskBody, type Signer, type TaskSpec } from './task.js';

export interface Enqueued {
  messageId: string;
  taskId: string;
  traceId: bigint;
  parentId: bigint;
}

export async function enqueueTask(client: SQSClient, queueUrl: string, spec: TaskSpec, signer?: Signer, groupId?: string): Promise<Enqueued> {
  const taskId = spec.id ?? crypto.randomUUID();
  const traceId = randomId64();
  const parentId = randomId64();
  const traceparent = `00-${'0'.repeat(16)}${traceId.toString(16).padStart(16, '0')}-${parentId.toString(16).padStart(16, '0')}-01`;
  const carrier = {
    'x-datadog-trace-id': traceId.toString(),
    'x-datadog-parent-id': parentId.toString(),
    'x-datadog-sampling-priority': '1',
    traceparent,
  };
  const fifo = queueUrl.endsWith('.fifo');
  const out = await client.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: taskBody({ ...spec, id: taskId }, signer),
      MessageAttributes: { _datadog: { DataType: 'String', StringValue: JSON.stringify(carrier) } },
      ...(fifo ? { MessageGroupId: groupId ?? 'default', MessageDeduplicationId: taskId } : {}),
    }),
  );
  return { messageId: out.MessageId ?? '', taskId, traceId, parentId };
}
