/**
 * An intake that answers 2xx before it has read the request body (F154). Node writes a body
 * straight from the caller's buffers, and the tracer reuses those buffers once a flush
 * succeeds: if a send counted as done at the answer, the bytes still queued for the socket
 * were overwritten by the next spans' encoding. Bodies here are larger than what loopback's
 * socket buffers take at once (about 4 MiB while the server does not read).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTracer } from '../src/tracing/create-tracer.js';
import { decodeMsgpack, type MsgValue } from '../src/tracing/msgpack-decode.js';
import { send } from '../src/tracing/transport.js';

/** How long the server stops reading after its early answer. */
const PAUSE_MS = 300;

interface EarlyServer {
  url: string;
  /** Bodies read in full, in order. */
  bodies: Buffer[];
  connections: number;
  close(): Promise<void>;
}

/**
 * An HTTP/1.1 server over raw sockets. Its first request is answered 202 as soon as the
 * headers are in; then the socket is not read for PAUSE_MS, and afterwards read to the end
 * of the body, or reset when `resetAfterPause`. Later requests are answered after their body.
 */
async function earlyAnsweringServer(opts: { resetAfterPause?: boolean } = {}): Promise<EarlyServer> {
  const bodies: Buffer[] = [];
  let first = true;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    srv.connections += 1;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let pending = Buffer.alloc(0);
    let bodyLeft = -1;
    let body: Buffer[] = [];
    let answered = false;
    const answer = () => sock.write('HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
    sock.on('data', (d) => {
      pending = Buffer.concat([pending, d]);
      for (;;) {
        if (bodyLeft < 0) {
          const end = pending.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = pending.subarray(0, end).toString('latin1');
          bodyLeft = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
          pending = pending.subarray(end + 4);
          body = [];
          answered = false;
          if (first) {
            first = false;
            answered = true;
            answer();
            sock.pause();
            setTimeout(() => (opts.resetAfterPause ? sock.resetAndDestroy() : sock.resume()), PAUSE_MS);
          }
        }
        const take = Math.min(bodyLeft, pending.length);
        body.push(pending.subarray(0, take));
        pending = pending.subarray(take);
        bodyLeft -= take;
        if (bodyLeft > 0) return;
        bodies.push(Buffer.concat(body));
        bodyLeft = -1;
        if (!answered) answer();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const srv: EarlyServer = {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    bodies,
    connections: 0,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  return srv;
}

let server: EarlyServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const MiB = 1024 * 1024;

describe('an intake answering before it read the body', () => {
  it('send succeeds only once the whole body left its buffer: overwriting it then changes nothing sent', async () => {
    server = await earlyAnsweringServer();
    const body = Buffer.alloc(16 * MiB, 0x61);
    const res = await send({ method: 'POST', url: new URL(server.url + '/x'), headers: {}, parts: [body], length: body.length, endBy: Date.now() + 5000 });
    expect(res).toEqual({ ok: true });
    // What a flush's release and the next spans' encoding do to the same memory.
    body.fill(0x58);
    await expect.poll(() => server!.bodies.length, { timeout: 3000 }).toBe(1);
    const got = server.bodies[0];
    expect(got.length).toBe(16 * MiB);
    expect(got.indexOf(0x58)).toBe(-1);
  });

  it('a connection reset after the early answer is a failure, and is not retried', async () => {
    server = await earlyAnsweringServer({ resetAfterPause: true });
    const body = Buffer.alloc(16 * MiB, 0x61);
    const res = await send({ method: 'POST', url: new URL(server.url + '/x'), headers: {}, parts: [body], length: body.length, endBy: Date.now() + 5000 });
    expect(res).toEqual({ ok: false, failure: 'connection_reset' });
    expect(server.connections).toBe(1);
    expect(server.bodies).toEqual([]);
  });

  it("the tracer's next flush does not overwrite the spans of a request still being written", async () => {
    server = await earlyAnsweringServer();
    const t = createTracer({ apiKey: 'k', agentUrl: server.url });
    // About 7.3 MiB in one agent request (its cap is 10 MiB), from store chunks sent as they are.
    const finishBig = (fill: string, n: number) => {
      for (let i = 0; i < n; i++) t.startSpan('big').setTag('blob', fill.repeat(25_000)).finish();
    };
    finishBig('a', 300);
    const first = await t.flush({ deadline: Date.now() + 5000 });
    expect(first).toMatchObject({ sent: 300, requests: 1 });
    // Reuses the released chunks; before F154's fix, over bytes the first request still held.
    finishBig('b', 300);
    expect(await t.flush({ deadline: Date.now() + 5000 })).toMatchObject({ sent: 300, requests: 1 });
    expect(server.bodies).toHaveLength(2);
    const blobs = (body: Buffer) =>
      (decodeMsgpack(body) as MsgValue[][]).flat().map((s) => ((s as Map<string, MsgValue>).get('meta') as Map<string, MsgValue>).get('blob'));
    expect(new Set(blobs(server.bodies[0]))).toEqual(new Set(['a'.repeat(25_000)]));
    expect(new Set(blobs(server.bodies[1]))).toEqual(new Set(['b'.repeat(25_000)]));
    expect(blobs(server.bodies[0])).toHaveLength(300);
  });
});
