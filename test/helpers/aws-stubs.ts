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

type Answer = [status: number, body: object];

/** An AWS JSON 1.1 protocol endpoint: `answer` maps each request's body to a status and a body. */
function jsonService(delayMs: number, answer: (input: Record<string, unknown>) => Answer): Server {
  return createServer(async (req, res) => {
    const [status, out] = answer(JSON.parse((await body(req)) || '{}') as Record<string, unknown>);
    setTimeout(() => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(out)), delayMs);
  });
}

const notFound = (type: string, message: string): Answer => [400, { __type: type, message }];

/** A Secrets Manager GetSecretValue endpoint serving `secrets` by ARN. */
export function slowSecrets(delayMs: number, secrets: Readonly<Record<string, string>>): Server {
  return jsonService(delayMs, ({ SecretId }) => {
    const value = typeof SecretId === 'string' ? secrets[SecretId] : undefined;
    if (value === undefined) return notFound('ResourceNotFoundException', 'no such secret');
    return [200, { ARN: SecretId, Name: String(SecretId).split(':').pop(), SecretString: value, VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1.7e9 }];
  });
}

/** An SSM GetParameter endpoint serving SecureString `parameters` by name, only when asked to decrypt. */
export function slowParameters(delayMs: number, parameters: Readonly<Record<string, string>>): Server {
  return jsonService(delayMs, ({ Name, WithDecryption }) => {
    const value = typeof Name === 'string' ? parameters[Name] : undefined;
    if (value === undefined) return notFound('ParameterNotFound', 'no such parameter');
    const shown = WithDecryption === true ? value : 'AQICAH-still-encrypted';
    return [200, { Parameter: { Name, Type: 'SecureString', Value: shown, Version: 1, DataType: 'text', ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${Name}` } }];
  });
}

/**
 * A KMS Decrypt endpoint. Each ciphertext (base64) decrypts to its plaintext only under the
 * encryption context it was made with (none when `context` is absent), as KMS does.
 */
export function slowKms(delayMs: number, ciphertexts: Readonly<Record<string, { plaintext: string; context?: Record<string, string> }>>): Server {
  return jsonService(delayMs, ({ CiphertextBlob, EncryptionContext }) => {
    const entry = typeof CiphertextBlob === 'string' ? ciphertexts[CiphertextBlob] : undefined;
    if (entry === undefined || JSON.stringify(entry.context ?? {}) !== JSON.stringify(EncryptionContext ?? {})) {
      return notFound('InvalidCiphertextException', 'no such ciphertext under this context');
    }
    return [200, { KeyId: 'arn:aws:kms:us-east-1:123456789012:key/k', Plaintext: Buffer.from(entry.plaintext).toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }];
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
