/**
 * A loopback SQS-compatible server (local-aws-sqs, JSON and Query protocols) and the three
 * queues the executor uses: tasks (with a redrive policy to the DLQ) and results.
 */
import type { Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';

export interface LocalQueues {
  endpoint: string;
  client: SQSClient;
  taskQueueUrl: string;
  taskQueueArn: string;
  deadLetterQueueUrl: string;
  resultsQueueUrl: string;
  close(): Promise<void>;
}

export interface LocalQueuesOptions {
  port?: number;
  fifo?: boolean;
  maxReceiveCount?: number;
  /** Seconds a received task stays invisible (the 6 × timeout rule, scaled down locally). */
  visibilityTimeout?: number;
  prefix?: string;
}

/** Credentials and region the SDK needs locally; the server ignores them. */
export const LOCAL_AWS = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

export async function startLocalQueues(o: LocalQueuesOptions = {}): Promise<LocalQueues> {
  // createSqsServer's promise never settles when its port is taken (the server's 'error'
  // event then crashes the process): a taken port is found first, and rejects here.
  if (o.port) await portIsFree(o.port);
  const server: Server = await createSqsServer({ port: o.port ?? 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new SQSClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 });
  const sfx = o.fifo ? '.fifo' : '';
  const prefix = o.prefix ?? 'lambda-action-runner';
  const fifoAttrs = o.fifo ? { FifoQueue: 'true' } : {};
  const dlq = await client.send(new CreateQueueCommand({ QueueName: `${prefix}-dlq${sfx}`, Attributes: fifoAttrs }));
  const dlqArn = await arnOf(client, dlq.QueueUrl!);
  const tasks = await client.send(
    new CreateQueueCommand({
      QueueName: `${prefix}-tasks${sfx}`,
      Attributes: {
        ...fifoAttrs,
        VisibilityTimeout: String(o.visibilityTimeout ?? 30),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: o.maxReceiveCount ?? 5 }),
      },
    }),
  );
  const results = await client.send(new CreateQueueCommand({ QueueName: `${prefix}-results${sfx}`, Attributes: fifoAttrs }));
  return {
    endpoint,
    client,
    taskQueueUrl: tasks.QueueUrl!,
    taskQueueArn: await arnOf(client, tasks.QueueUrl!),
    deadLetterQueueUrl: dlq.QueueUrl!,
    resultsQueueUrl: results.QueueUrl!,
    async close() {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Resolves when `port` can be listened on at 127.0.0.1; else rejects with the error (EADDRINUSE, EACCES). */
function portIsFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

async function arnOf(client: SQSClient, url: string): Promise<string> {
  const out = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return out.Attributes!.QueueArn!;
}
