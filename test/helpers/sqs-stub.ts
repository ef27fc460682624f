/**
 * A loopback SendMessageBatch endpoint speaking the SQS JSON protocol, for the real SDK client
 * the runtime builds from RESULTS_QUEUE_URL and AWS_ENDPOINT_URL_SQS: fixed failure modes, or
 * any answer a test makes of the entries.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A Successful entry as SQS writes it (the SDK checks the body's MD5). */
export const okEntry = (e: { Id: string; MessageBody: string }) => ({ Id: e.Id, MessageId: `r-${e.Id}`, MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex') });

export type Mode = 'ok' | 'answer' | 'slow' | 'throttle' | 'server_error' | 'partial' | 'partial_once' | 'refused_entry' | 'hang' | 'garbage' | 'throttle_once' | 'hold';

export interface StubRequest {
  target: string;
  entries: { Id: string; MessageBody: string; MessageAttributes?: Record<string, { DataType: string; StringValue: string }> }[];
}

/** The SQS JSON protocol's answers for SendMessageBatch, good and bad. */
export class SqsStub {
  mode: Mode = 'ok';
  requests: StubRequest[] = [];
  /** 'answer': the 200 answer made of each call's entries, sent after `delayMs`. */
  answer: (entries: StubRequest['entries']) => unknown = (entries) => ({ Successful: entries.map(okEntry), Failed: [] });
  delayMs = 0;
  /** 'hold': answers (successfully) only once this settles. */
  hold: Promise<unknown> = Promise.resolve();
  /** 'partial', 'partial_once', 'refused_entry': entries whose body (JSON) contains this fail. */
  failing = 'task-1\\n';
  /** Bodies failed so far ('partial_once' fails each only the first time). */
  private failedBodies = new Set<string>();
  /** Requests being answered now, and the most at once. */
  private inFlight = 0;
  maxInFlight = 0;
  private server!: Server;
  private hung: ServerResponse[] = [];

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return this;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.mode = 'ok';
    this.requests = [];
    this.failing = 'task-1\\n';
    this.failedBodies.clear();
    this.maxInFlight = 0;
  }

  async close(): Promise<void> {
    for (const r of this.hung) r.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    res.on('close', () => this.inFlight--);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { Entries?: StubRequest['entries'] };
    const n = this.requests.push({ target: String(req.headers['x-amz-target']), entries: body.Entries ?? [] });
    const json = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', ...headers }).end(JSON.stringify(payload));
    };
    const throttle = () =>
      json(400, { __type: 'com.amazonaws.sqs#ThrottlingException', message: 'Rate exceeded' }, { 'x-amzn-query-error': 'ThrottlingException;Sender' });
    const entries = body.Entries ?? [];
    const success = () => json(200, { Successful: entries.map(okEntry), Failed: [] });
    switch (this.mode) {
      case 'ok':
        return success();
      case 'slow':
        await new Promise((r) => setTimeout(r, 50));
        return success();
      case 'throttle_once':
        return n > 1 ? success() : throttle();
      case 'throttle':
        return throttle();
      case 'server_error':
        return json(500, { __type: 'com.amazonaws.sqs#InternalError', message: 'We encountered an internal error.' }, { 'x-amzn-query-error': 'InternalError;Receiver' });
      case 'partial':
      case 'partial_once':
      case 'refused_entry': {
        const fails = (e: StubRequest['entries'][number]) =>
          e.MessageBody.includes(this.failing) && (this.mode !== 'partial_once' || !this.failedBodies.has(e.MessageBody));
        const failed = entries.filter(fails);
        for (const e of failed) this.failedBodies.add(e.MessageBody);
        const fault =
          this.mode === 'refused_entry'
            ? { SenderFault: true, Code: 'InvalidParameterValue', Message: 'refused' }
            : { SenderFault: false, Code: 'InternalError', Message: 'try again' };
        return json(200, { Successful: entries.filter((e) => !failed.includes(e)).map(okEntry), Failed: failed.map((e) => ({ Id: e.Id, ...fault })) });
      }
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('<html>not sqs</html>');
        return;
      case 'hang':
        this.hung.push(res);
        return;
      case 'hold':
        await this.hold;
        return success();
      case 'answer': {
        const answer = this.answer(entries);
        await new Promise((r) => setTimeout(r, this.delayMs));
        return json(200, answer);
      }
    }
  }
}
