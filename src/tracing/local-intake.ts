/**
 * Local intake: an embedded HTTP server that accepts exactly the requests this tracer sends
 * (telemetry JSON `POST /api/v2/apmtelemetry`, agent msgpack `PUT /v0.4/traces`), answers 400
 * with a reason to anything malformed, keeps the spans (ids parsed losslessly), and can print
 * each trace as an indented tree. Used by `npm start` and by tests (with fault injection).
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_UINT64 } from './ids.js';
import { JsonNumber, JsonSyntaxError, parseJsonLossless, type JsonValue } from './json-lossless.js';
import { decodeMsgpack, MsgpackError, type MsgValue } from './msgpack-decode.js';

export const TELEMETRY_PATH = '/api/v2/apmtelemetry';
export const AGENT_TRACES_PATH = '/v0.4/traces';
/** Larger bodies are refused with 413 (both real intakes cap well below this). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_INT64 = (1n << 63n) - 1n;

export interface IntakeSpan {
  service: string;
  name: string;
  resource: string;
  type: string;
  trace_id: bigint;
  span_id: bigint;
  parent_id: bigint;
  /** Epoch ns. */
  start: bigint;
  /** ns. */
  duration: bigint;
  error: number;
  meta: Record<string, string>;
  metrics: Record<string, number>;
}

export interface IntakeRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Status the intake answered. */
  status: number;
  /** The 400 reason, when rejected. */
  reason?: string;
}

/** Test switch: how the intake misbehaves for the next requests (until cleared). */
export type IntakeFault =
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number }
  | { kind: 'status'; code: number }
  | { kind: 'reset' };

export interface LocalIntakeOptions {
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Called with the trace trees of every accepted request (e.g. console.log for `npm start`). */
  print?: (text: string) => void;
}

class BadRequest extends Error {}

export class LocalIntake {
  private server: http.Server | undefined;
  private readonly kept: IntakeSpan[] = [];
  private readonly reqs: IntakeRequest[] = [];
  private waiters: Array<() => void> = [];
  private readonly hung = new Set<ServerResponse>();
  fault: IntakeFault | null = null;
  /** Requests the current fault still applies to (Infinity: until cleared). */
  private faultBudget = Infinity;
  /** TCP connections accepted so far (shows keep-alive reuse). */
  connections = 0;

  constructor(private readonly opts: LocalIntakeOptions = {}) {}

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch(() => {
        // A bug in validation must not kill the test process; answer 500 instead.
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    server.keepAliveTimeout = 60_000;
    server.on('connection', () => {
      this.connections += 1;
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    return this;
  }

  /** Base URL, e.g. http://127.0.0.1:41234 (the agent URL). */
  get baseUrl(): string {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (!a) throw new Error('local intake not started');
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  /** Telemetry intake URL (what DD_TRACE_INTAKE_URL takes). */
  get url(): string {
    return this.baseUrl + TELEMETRY_PATH;
  }

  /** Misbehave for the next `times` requests (default: until cleared with null). */
  setFault(f: IntakeFault | null, times = Infinity): void {
    this.fault = f;
    this.faultBudget = times;
  }

  spans(): IntakeSpan[] {
    return [...this.kept];
  }

  /** Spans grouped by trace id (first-seen order). */
  traces(): IntakeSpan[][] {
    const m = new Map<bigint, IntakeSpan[]>();
    for (const s of this.kept) {
      const l = m.get(s.trace_id);
      if (l) l.push(s);
      else m.set(s.trace_id, [s]);
    }
    return [...m.values()];
  }

  requests(): IntakeRequest[] {
    return [...this.reqs];
  }

  clear(): void {
    this.kept.length = 0;
    this.reqs.length = 0;
  }

  /** Resolves with all spans once at least n are kept; rejects after ms. */
  waitForSpans(n: number, ms: number): Promise<IntakeSpan[]> {
    if (this.kept.length >= n) return Promise.resolve(this.spans());
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.kept.length >= n) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(this.spans());
        }
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`local intake: ${this.kept.length} of ${n} spans after ${ms} ms`));
      }, ms);
      this.waiters.push(check);
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    const body = await readBody(req);
    const record: IntakeRequest = { method: req.method ?? '', path, headers: req.headers, body: body ?? Buffer.alloc(0), status: 0 };
    this.reqs.push(record);
    const fault = this.fault;
    if (fault !== null && --this.faultBudget <= 0) this.fault = null;
    if (fault?.kind === 'hang') {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    if (fault?.kind === 'reset') {
      record.status = -1;
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'status') return this.answer(res, record, fault.code, { error: 'injected fault' });
    if (body === undefined) return this.answer(res, record, 413, { error: 'body too large' });
    try {
      const spans = this.accept(req.method ?? '', path, req.headers, body);
      this.kept.push(...spans);
      if (this.opts.print && spans.length > 0) this.opts.print(formatTraces(groupIntakeSpans(spans)));
      const ok = path === AGENT_TRACES_PATH ? { rate_by_service: {} } : {};
      this.answer(res, record, path === AGENT_TRACES_PATH ? 200 : 202, ok);
      for (const w of [...this.waiters]) w();
    } catch (err) {
      if (!(err instanceof BadRequest)) throw err;
      record.reason = err.message;
      this.answer(res, record, 400, { error: err.message });
    }
  }

  private answer(res: ServerResponse, record: IntakeRequest, status: number, body: object): void {
    record.status = status;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private accept(method: string, path: string, h: IncomingHttpHeaders, body: Buffer): IntakeSpan[] {
    if (path === TELEMETRY_PATH) {
      if (method !== 'POST') throw new BadRequest(`method ${method} not allowed on ${path} (POST expected)`);
      return acceptTelemetry(h, body);
    }
    if (path === AGENT_TRACES_PATH) {
      if (method !== 'PUT' && method !== 'POST') throw new BadRequest(`method ${method} not allowed on ${path} (PUT expected)`);
      return acceptAgent(h, body);
    }
    throw new BadRequest(`unknown path ${path}`);
  }
}

export async function startLocalIntake(opts?: LocalIntakeOptions): Promise<LocalIntake> {
  return new LocalIntake(opts).start();
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooBig = true;
      else parts.push(c);
    });
    req.on('end', () => resolve(tooBig ? undefined : Buffer.concat(parts)));
    req.on('error', () => resolve(Buffer.concat(parts)));
  });
}

// ---- telemetry JSON ---------------------------------------------------------------------

function header(h: IncomingHttpHeaders, name: string): string {
  const v = h[name];
  if (typeof v !== 'string') throw new BadRequest(`missing header ${name}`);
  return v;
}

function acceptTelemetry(h: IncomingHttpHeaders, body: Buffer): IntakeSpan[] {
  header(h, 'dd-api-key');
  if (!/^application\/json\b/i.test(header(h, 'content-type'))) throw new BadRequest('content-type must be application/json');
  if (header(h, 'dd-telemetry-api-version') !== 'v2') throw new BadRequest('dd-telemetry-api-version must be v2');
  if (header(h, 'dd-telemetry-request-type') !== 'traces') throw new BadRequest('dd-telemetry-request-type must be traces');
  let doc: JsonValue;
  try {
    doc = parseJsonLossless(body.toString('utf8'));
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new BadRequest(`invalid JSON: ${err.message}`);
    throw err;
  }
  const env = obj(doc, 'body');
  if (env.api_version !== 'v2') throw new BadRequest('api_version must be "v2"');
  if (env.request_type !== 'traces') throw new BadRequest('request_type must be "traces"');
  jsonInt(env.tracer_time, 'tracer_time', 0n, MAX_INT64);
  jsonInt(env.seq_id, 'seq_id', 1n, MAX_INT64);
  str(env.runtime_id, 'runtime_id', true);
  str(env.origin, 'origin', true);
  const host = obj(env.host, 'host');
  str(host.hostname, 'host.hostname', false);
  const app = obj(env.application, 'application');
  str(app.service_name, 'application.service_name', false);
  str(app.language_name, 'application.language_name', true);
  const payload = obj(env.payload, 'payload');
  const traces = payload.traces;
  if (!Array.isArray(traces)) throw new BadRequest('payload.traces must be an array');
  const out: IntakeSpan[] = [];
  traces.forEach((t, i) => {
    if (!Array.isArray(t)) throw new BadRequest(`payload.traces[${i}] must be an array`);
    t.forEach((s, j) => out.push(jsonSpan(s, `payload.traces[${i}][${j}]`)));
  });
  return out;
}

function obj(v: JsonValue | undefined, what: string): { [k: string]: JsonValue } {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof JsonNumber) {
    throw new BadRequest(`${what} must be an object`);
  }
  return v;
}

function str(v: JsonValue | undefined, what: string, nonEmpty: boolean): string {
  if (typeof v !== 'string' || (nonEmpty && v === '')) throw new BadRequest(`${what} must be a ${nonEmpty ? 'non-empty ' : ''}string`);
  return v;
}

function jsonInt(v: JsonValue | undefined, what: string, min: bigint, max: bigint): bigint {
  const n = v instanceof JsonNumber ? v.toInt() : null;
  if (n === null) throw new BadRequest(`${what} must be an integer`);
  if (n < min || n > max) throw new BadRequest(`${what} out of range`);
  return n;
}

function jsonSpan(v: JsonValue, at: string): IntakeSpan {
  const s = obj(v, at);
  const meta: Record<string, string> = {};
  const metrics: Record<string, number> = {};
  // Messages are built only on failure: a request carries thousands of tags.
  if (s.meta !== undefined) {
    for (const [k, val] of Object.entries(obj(s.meta, `${at}.meta`))) {
      if (typeof val !== 'string') throw new BadRequest(`${at}.meta.${k} must be a string`);
      meta[k] = val;
    }
  }
  if (s.metrics !== undefined) {
    for (const [k, val] of Object.entries(obj(s.metrics, `${at}.metrics`))) {
      if (!(val instanceof JsonNumber)) throw new BadRequest(`${at}.metrics.${k} must be a number`);
      metrics[k] = val.toNumber();
    }
  }
  const error = jsonInt(s.error, `${at}.error`, 0n, 1n);
  return {
    service: str(s.service, `${at}.service`, false),
    name: str(s.name, `${at}.name`, true),
    resource: str(s.resource, `${at}.resource`, false),
    type: str(s.type, `${at}.type`, false),
    trace_id: jsonInt(s.trace_id, `${at}.trace_id`, 1n, MAX_UINT64),
    span_id: jsonInt(s.span_id, `${at}.span_id`, 1n, MAX_UINT64),
    parent_id: jsonInt(s.parent_id, `${at}.parent_id`, 0n, MAX_UINT64),
    start: jsonInt(s.start, `${at}.start`, 0n, MAX_INT64),
    duration: jsonInt(s.duration, `${at}.duration`, 0n, MAX_INT64),
    error: Number(error),
    meta,
    metrics,
  };
}

// ---- agent msgpack ----------------------------------------------------------------------

function acceptAgent(h: IncomingHttpHeaders, body: Buffer): IntakeSpan[] {
  if (!/^application\/msgpack\b/i.test(header(h, 'content-type'))) throw new BadRequest('content-type must be application/msgpack');
  let doc: MsgValue;
  try {
    doc = decodeMsgpack(body);
  } catch (err) {
    if (err instanceof MsgpackError) throw new BadRequest(`invalid msgpack: ${err.message}`);
    throw err;
  }
  if (!Array.isArray(doc)) throw new BadRequest('body must be an array of traces');
  const count = h['x-datadog-trace-count'];
  if (count !== undefined && count !== String(doc.length)) throw new BadRequest('x-datadog-trace-count does not match the body');
  const out: IntakeSpan[] = [];
  doc.forEach((t, i) => {
    if (!Array.isArray(t)) throw new BadRequest(`traces[${i}] must be an array`);
    t.forEach((s, j) => out.push(msgSpan(s, `traces[${i}][${j}]`)));
  });
  return out;
}

function msgSpan(v: MsgValue, at: string): IntakeSpan {
  if (!(v instanceof Map)) throw new BadRequest(`${at} must be a map`);
  const mstr = (k: string, nonEmpty: boolean): string => {
    const x = v.get(k);
    if (typeof x !== 'string' || (nonEmpty && x === '')) throw new BadRequest(`${at}.${k} must be a string`);
    return x;
  };
  const mint = (k: string, min: bigint, max: bigint): bigint => {
    const x = v.get(k);
    if (typeof x !== 'bigint') throw new BadRequest(`${at}.${k} must be an integer`);
    if (x < min || x > max) throw new BadRequest(`${at}.${k} out of range`);
    return x;
  };
  const meta: Record<string, string> = {};
  const metrics: Record<string, number> = {};
  const mm = v.get('meta');
  if (mm !== undefined && mm !== null) {
    if (!(mm instanceof Map)) throw new BadRequest(`${at}.meta must be a map`);
    for (const [k, x] of mm) {
      if (typeof x !== 'string') throw new BadRequest(`${at}.meta.${k} must be a string`);
      meta[k] = x;
    }
  }
  const mx = v.get('metrics');
  if (mx !== undefined && mx !== null) {
    if (!(mx instanceof Map)) throw new BadRequest(`${at}.metrics must be a map`);
    for (const [k, x] of mx) {
      if (typeof x === 'number') metrics[k] = x;
      else if (typeof x === 'bigint') metrics[k] = Number(x);
      else throw new BadRequest(`${at}.metrics.${k} must be a number`);
    }
  }
  return {
    service: mstr('service', false),
    name: mstr('name', true),
    resource: mstr('resource', false),
    type: v.has('type') ? mstr('type', false) : '',
    trace_id: mint('trace_id', 1n, MAX_UINT64),
    span_id: mint('span_id', 1n, MAX_UINT64),
    parent_id: mint('parent_id', 0n, MAX_UINT64),
    start: mint('start', 0n, MAX_INT64),
    duration: mint('duration', 0n, MAX_INT64),
    error: Number(mint('error', 0n, 1n)),
    meta,
    metrics,
  };
}

// ---- printing ---------------------------------------------------------------------------

function groupIntakeSpans(spans: IntakeSpan[]): IntakeSpan[][] {
  const m = new Map<bigint, IntakeSpan[]>();
  for (const s of spans) {
    const l = m.get(s.trace_id);
    if (l) l.push(s);
    else m.set(s.trace_id, [s]);
  }
  return [...m.values()];
}

function formatTraces(traces: IntakeSpan[][]): string {
  return traces.map(formatTraceTree).join('\n');
}

function nsToMs(ns: bigint): string {
  const whole = ns / 1_000_000n;
  const frac = (ns % 1_000_000n) / 1_000n;
  return `${whole}.${String(frac).padStart(3, '0')} ms`;
}

/**
 * One trace as an indented tree, children under their parent in start order; spans whose
 * parent is not in the trace (remote parent, or not flushed yet) are roots. Example:
 *
 *   trace 1234567890123456789
 *     action.run com.datadoghq.remoteaction.rshell.runCommand [private-action-runner] 12.345 ms
 *       run run [rshell] 10.002 ms
 *         command echo [rshell] 0.101 ms
 */
export function formatTraceTree(trace: IntakeSpan[]): string {
  if (trace.length === 0) return '';
  const ids = new Set(trace.map((s) => s.span_id));
  const children = new Map<bigint, IntakeSpan[]>();
  const roots: IntakeSpan[] = [];
  for (const s of trace) {
    if (s.parent_id !== 0n && ids.has(s.parent_id) && s.parent_id !== s.span_id) {
      const l = children.get(s.parent_id);
      if (l) l.push(s);
      else children.set(s.parent_id, [s]);
    } else roots.push(s);
  }
  const byStart = (a: IntakeSpan, b: IntakeSpan): number => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0);
  const lines = [`trace ${trace[0].trace_id}`];
  const seen = new Set<bigint>();
  const walk = (s: IntakeSpan, depth: number): void => {
    if (seen.has(s.span_id)) return;
    seen.add(s.span_id);
    lines.push(
      `${'  '.repeat(depth)}${s.name} ${s.resource} [${s.service}] ${nsToMs(s.duration)}${s.error ? ' error' : ''}`,
    );
    for (const c of (children.get(s.span_id) ?? []).sort(byStart)) walk(c, depth + 1);
  };
  for (const r of roots.sort(byStart)) walk(r, 1);
  return lines.join('\n');
}
