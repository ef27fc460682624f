/**
 * A failing Datadog intake never changes task results and never makes the handler late:
 * hung, slow, 500, 413, reset, refused and unresolvable intakes. The flush reports the kind
 * of failure (logged as `span flush failed`), and the next invocation delivers again.
 */
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalIntake, type IntakeFault, type LocalIntake } from '../src/tracing/local-intake.js';
import { context } from './helpers/stack.js';
import { event, outputsOf, rshellTask, wiredHandler } from './faults-helpers.js';

let intake: LocalIntake;
let refusedUrl: string;

beforeAll(async () => {
  intake = await startLocalIntake();
  // A loopback port nobody listens on: bind, note it, close.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  refusedUrl = `http://127.0.0.1:${port}/api/v2/apmtelemetry`;
});
afterAll(() => intake.close());
afterEach(() => {
  intake.setFault(null);
  intake.clear();
});

const SCRIPTS = ['echo one', 'printf "%s-%s\\n" a b', 'echo three | tr a-z A-Z'];
const EXPECTED = ['one\n', 'a-b\n', 'THREE\n'];

async function runBatch(intakeUrl: string, remainingMs: number) {
  const w = wiredHandler({ DD_API_KEY: 'fault-key', DD_TRACE_INTAKE_URL: intakeUrl });
  const ev = event(SCRIPTS.map((s) => rshellTask(s)));
  const started = Date.now();
  const res = await w.handler(ev, context(remainingMs));
  const took = Date.now() - started;
  const byMessage = new Map(w.publisher.items.map((i) => [i.messageId, i.update]));
  const stdouts = ev.Records.map((r) => (outputsOf(byMessage.get(r.messageId)) as { stdout?: string } | undefined)?.stdout);
  const flushLog = w.logger.records.find((r) => r.msg === 'span flush failed');
  return { res, took, stdouts, flushFailure: flushLog?.failure, w };
}

describe('intake faults', () => {
  const CASES: [string, IntakeFault | null, () => string, number, string | undefined][] = [
    ['hung (never answers)', { kind: 'hang' }, () => intake.url, 3_000, 'timeout'],
    ['slow beyond the deadline', { kind: 'delay', ms: 20_000 }, () => intake.url, 3_000, 'timeout'],
    ['500', { kind: 'status', code: 500 }, () => intake.url, 10_000, 'http_500'],
    ['413 payload too large', { kind: 'status', code: 413 }, () => intake.url, 10_000, 'http_413'],
    ['403 bad API key', { kind: 'status', code: 403 }, () => intake.url, 10_000, 'http_403'],
    ['connection reset', { kind: 'reset' }, () => intake.url, 10_000, 'connection_reset'],
    ['connection refused', null, () => refusedUrl, 10_000, 'refused'],
    ['unresolvable host', null, () => 'http://intake.invalid/api/v2/apmtelemetry', 10_000, 'dns'],
  ];

  it.each(CASES)('%s: results unaffected, handler in time, failure reported', async (_n, fault, url, remaining, failure) => {
    intake.setFault(fault);
    const r = await runBatch(url(), remaining);
    expect(r.res).toEqual({ batchItemFailures: [] });
    expect(r.stdouts).toEqual(EXPECTED);
    expect(r.took).toBeLessThan(remaining);
    expect(r.flushFailure).toBe(failure);
  });

  it('a slow intake inside the deadline still gets every span before the handler returns', async () => {
    intake.setFault({ kind: 'delay', ms: 300 });
    const r = await runBatch(intake.url, 10_000);
    expect(r.stdouts).toEqual(EXPECTED);
    expect(r.flushFailure).toBeUndefined();
    expect(intake.spans().filter((s) => s.name === 'action.run')).toHaveLength(3);
  });

  it('recovers on the next invocation of the same container', async () => {
    const w = wiredHandler({ DD_API_KEY: 'fault-key', DD_TRACE_INTAKE_URL: intake.url });
    intake.setFault({ kind: 'status', code: 500 });
    await w.handler(event([rshellTask('echo first')]), context(5_000));
    expect(intake.spans()).toHaveLength(0);
    intake.setFault(null);
    const res = await w.handler(event([rshellTask('echo second')]), context(5_000));
    expect(res).toEqual({ batchItemFailures: [] });
    const runs = intake.spans().filter((s) => s.name === 'action.run');
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(w.publisher.items.map((i) => (outputsOf(i.update) as { stdout: string }).stdout)).toEqual(['first\n', 'second\n']);
  });

  it('the handler returns in time even when only 600 ms are left and the intake hangs', async () => {
    intake.setFault({ kind: 'hang' });
    const r = await runBatch(intake.url, 600);
    expect(r.took).toBeLessThan(600);
    // Every record is either answered or returned for retry; none is lost.
    const answered = r.stdouts.filter((s) => s !== undefined).length;
    expect(answered + r.res.batchItemFailures.length).toBe(3);
  });
});
