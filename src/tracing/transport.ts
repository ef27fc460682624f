/**
 * One HTTP request bounded by a deadline, over keep-alive agents shared by every tracer in the
 * container so that warm Lambda invocations skip the TCP/TLS handshake. Never rejects: the
 * outcome is a failure kind.
 */
import http, { type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { FlushFailure } from './types.js';

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4 });

/** Per-request ceiling even with a far deadline (the Go sender's 10 s). */
export const MAX_REQUEST_MS = 10_000;

export type SendResult = { ok: true } | { ok: false; failure: FlushFailure };

export interface SendRequest {
  method: string;
  url: URL;
  headers: OutgoingHttpHeaders;
  /** Body slices, written in order; `length` is their total. */
  parts: Buffer[];
  length: number;
  /** Epoch ms by which the request must be over (answered or abandoned). */
  endBy: number;
}

export async function send(req: SendRequest): Promise<SendResult> {
  const first = await attempt(req);
  // A keep-alive socket can die while the Lambda sandbox is frozen; the first write on it then
  // fails with a reset. Retrying once on a fresh socket is the documented remedy, and cannot
  // duplicate data because the server never took the request.
  if (!first.ok && first.reusedSocket && first.failure === 'connection_reset' && Date.now() < req.endBy) {
    const second = await attempt(req);
    return second.ok ? { ok: true } : { ok: false, failure: second.failure };
  }
  return first.ok ? { ok: true } : { ok: false, failure: first.failure };
}

type AttemptResult = { ok: true } | { ok: false; failure: FlushFailure; reusedSocket: boolean };

function attempt(r: SendRequest): Promise<AttemptResult> {
  return new Promise((resolve) => {
    const isHttps = r.url.protocol === 'https:';
    const lib = isHttps ? https : http;
    let done = false;
    /** A 2xx came before the body was all written: the outcome waits for the write. */
    let answeredEarly = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (res: AttemptResult): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      resolve(res);
    };
    let req: http.ClientRequest;
    try {
      req = lib.request(r.url, {
        method: r.method,
        agent: isHttps ? httpsAgent : httpAgent,
        headers: { ...r.headers, 'content-length': r.length },
      });
    } catch {
      finish({ ok: false, failure: 'other', reusedSocket: false });
      return;
    }
    const budget = Math.min(r.endBy - Date.now(), MAX_REQUEST_MS);
    timer = setTimeout(() => {
      finish({ ok: false, failure: 'timeout', reusedSocket: req.reusedSocket });
      req.destroy();
    }, Math.max(0, budget));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      // Drain so the socket goes back to the keep-alive pool.
      res.resume();
      res.on('end', () => {
        if (status < 200 || status >= 300) {
          finish({ ok: false, failure: `http_${status}`, reusedSocket: false });
          return;
        }
        // An intake may answer before it has read the whole body. The body is the tracer's
        // memory, reused once a send succeeds, and Node writes it from there (no copy): the
        // send is over only once all of it is in the kernel (F154).
        if (req.writableFinished) finish({ ok: true });
        else answeredEarly = true;
      });
      res.on('error', () => finish({ ok: false, failure: 'connection_reset', reusedSocket: false }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // After an early answer the server took the request: a retry could duplicate it.
      finish({ ok: false, failure: classify(err), reusedSocket: req.reusedSocket && !answeredEarly });
    });
    // After 'finish' (the body written), or after an error or destroy (nothing more is written).
    req.on('close', () => {
      if (answeredEarly) finish(req.writableFinished ? { ok: true } : { ok: false, failure: 'connection_reset', reusedSocket: false });
    });
    // Corked, the slices leave in one writev (the tracer joins a body of many slices first).
    req.cork();
    for (const p of r.parts) req.write(p);
    req.uncork();
    req.end();
  });
}

function classify(err: NodeJS.ErrnoException): FlushFailure {
  switch (err.code) {
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return 'connection_reset';
    case 'ECONNREFUSED':
      return 'refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return 'dns';
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      return err.message === 'socket hang up' ? 'connection_reset' : 'other';
  }
}
