/**
 * Loopback stand-ins for the AWS and Datadog endpoints a deployed function talks to, each
 * answering after a delay (a round trip from Lambda): the benchmarks measure what those round
 * trips add without an AWS account, and the tests read secrets through the real SDK client.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

async function body(req: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

/** An SQS JSON-protocol SendMessageBatch endpoint; `bodies` keeps the message bodies it took. */
export function slowQueue(delayMs: number): Server & { bodies: string[] } {
  const server = createServer(async (req, res) => {
    const entries = (JSON.parse((await body(req)) || '{}').Entries ?? []) as { Id: string; MessageBody: string }[];
    for (const e of entries) server.bodies.push(e.MessageBody);
    const ok = entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex') }));
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ Successful: ok, Failed: [] })), delayMs);
  }) as Server & { bodies: string[] };
  server.bodies = [];
  return server;
}

/** A Secrets Manager JSON-protocol GetSecretValue endpoint serving `secrets` by ARN. */
export function slowSecrets(delayMs: number, secrets: Readonly<Record<string, string>>): Server {
  return createServer(async (req, res) => {
    const { SecretId } = JSON.parse((await body(req)) || '{}') as { SecretId?: string };
    const value = SecretId === undefined ? undefined : secrets[SecretId];
    const [status, answer] =
      value === undefined
        ? [400, { __type: 'ResourceNotFoundException', message: 'no such secret' }]
        : [200, { ARN: SecretId, Name: SecretId!.split(':').pop(), SecretString: value, VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1.7e9 }];
    setTimeout(() => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(answer)), delayMs);
  });
}

/** An intake that takes the body and answers 202 after `delayMs`. */
export function slowIntake(delayMs: number): Server {
  return createServer((req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(202, { 'content-type': 'application/json' }).end('{}'), delayMs));
  });
}

/** Listens on a loopback port; resolves to the server's base URL. */
export async function listen(s: Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

export async function close(...servers: Server[]): Promise<void> {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
}
