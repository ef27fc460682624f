/**
 * `npm start` — the embedded default: starts the local intake, runs every fixture batch in
 * test/fixtures/events/ (manifest order) through the real handler with a Lambda-like
 * context, and prints each result, the batch response and the span trees.
 * `npm run invoke -- <event.json> ... [--timeout-ms N]` does the same for the event files given.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { createSqsHandler } from '../src/tasks/sqs-handler.js';
import { lambdaContext } from '../src/local/lambda-context.js';
import type { ResultItem, ResultPublisher } from '../src/tasks/publisher.js';
import { INVOCATION_DONE, type LogFields } from '../src/tasks/log.js';
import { formatTraceTree, startLocalIntake } from '../src/tracing/local-intake.js';
import { usageError } from './cli.js';
import { runnerConfig } from './runner-config.js';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const fixtures = join(root, 'test/fixtures/events');

interface Entry {
  file: string;
  about?: string;
  env?: Record<string, string>;
}

const args = process.argv.slice(2);
const timeoutAt = args.indexOf('--timeout-ms');
const timeoutArg = timeoutAt >= 0 ? args[timeoutAt + 1] : undefined;
const timeoutMs = timeoutArg === undefined ? 30_000 : Number(timeoutArg);
if (timeoutAt >= 0 && (timeoutArg === undefined || !(Number.isSafeInteger(timeoutMs) && timeoutMs > 0))) {
  usageError(`--timeout-ms must be a positive whole number of milliseconds, got ${JSON.stringify(timeoutArg ?? '')}`);
}
const timeoutValueAt = timeoutAt >= 0 ? timeoutAt + 1 : -1;
const files = args.filter((a, i) => !a.startsWith('--') && i !== timeoutValueAt);
const unknown = args.find((a, i) => a.startsWith('--') && i !== timeoutAt);
if (unknown) usageError(`unknown option ${unknown}; usage: npm run invoke -- <event.json> ... [--timeout-ms N]`);
const entries: Entry[] = files.length
  ? files.map((f) => ({ file: resolve(f) }))
  : (JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8')) as Entry[]).map((e) => ({ ...e, file: join(fixtures, e.file) }));
// Every event file is read before the first runs, so a typo is answered at once.
const events = entries.map((e) => readEvent(e.file));
// Every configuration is checked before the first runs too, as the Lambda's cold start checks
// it (src/handlers/sqs.ts): a bad DD_* value is named at once, not a batch silently retried.
for (const entry of entries) runnerConfig(envFor(entry, 'http://127.0.0.1:1/'));

/** The environment a batch runs with: the process's, the local intake, and the manifest's. */
function envFor(entry: Entry, intakeUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DD_API_KEY: 'local-development', DD_TRACE_INTAKE_URL: intakeUrl };
  for (const [k, v] of Object.entries(entry.env ?? {})) env[k] = v.startsWith('@') ? readFileSync(join(root, v.slice(1)), 'utf8') : v;
  return env;
}


/** An event file's JSON, or a one-line usage error naming the file and what is wrong. */
function readEvent(file: string): SQSEvent {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    usageError(`${file}: cannot read the event file (${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message})`);
  }
  try {
    const event = JSON.parse(text) as SQSEvent;
    if (!Array.isArray(event?.Records)) usageError(`${file}: not an SQS event (no "Records" array)`);
    // The handler cannot answer a record without a message id, and skips it: say so instead.
    const bad = event.Records.findIndex((r) => typeof r?.messageId !== 'string' || r.messageId === '');
    if (bad >= 0) usageError(`${file}: not an SQS event (record ${bad + 1} has no "messageId")`);
    return event;
  } catch (err) {
    usageError(`${file}: not JSON (${(err as Error).message})`);
  }
}

const intake = await startLocalIntake();
let failures = 0;
try {
  for (const [i, entry] of entries.entries()) {
    const event = events[i];
    const results: ResultItem[] = [];
    const publisher: ResultPublisher = {
      async publish(items) {
        results.push(...items);
        return new Set();
      },
    };
    // Task lines are left out (results print below); the invocation's summary is kept, and
    // errors (a batch returned for retry) are written to stderr.
    let summary: LogFields | undefined;
    const quiet = {
      log: (level: string, msg: string, fields?: LogFields) => {
        if (msg === INVOCATION_DONE) summary = fields;
        else if (level === 'error') console.error(JSON.stringify({ level, msg, ...fields }));
      },
    };
    const handler = createSqsHandler(runnerConfig(envFor(entry, intake.url)), { publisher, logger: quiet });

    console.log(`\n━━ ${entry.file.replace(root + '/', '')}${entry.about ? ` — ${entry.about}` : ''}`);
    intake.clear();
    const started = Date.now();
    const response = await handler(event, lambdaContext({ timeoutMs }));
    const ms = Date.now() - started;
    for (const r of results) printResult(r);
    console.log(`batch response (${ms} ms): ${JSON.stringify(response)}`);
    if (summary?.spans_sent !== undefined) console.log(`spans: ${summary.spans_sent} sent in ${summary.span_requests} request(s) before the response, which waited ${summary.flush_wait_ms} ms for them after the last task`);
    failures += response.batchItemFailures.length;
    // The handler flushed before resolving: every span is already at the intake.
    for (const trace of intake.traces()) console.log(clip(formatTraceTree(trace), 40));
  }
} finally {
  await intake.close();
}
console.log(`\n${entries.length} event file(s) processed; ${failures} record(s) returned for retry.`);

function printResult(r: ResultItem): void {
  const a = r.update.data.attributes;
  const p = a.payload;
  if ('outputs' in p) {
    const o = p.outputs as { exitCode?: number; stdout?: string; stderr?: string };
    console.log(`✔ ${a.task_id} exit=${o.exitCode}`);
    if (o.stdout) console.log(indent(o.stdout, '  │ '));
    if (o.stderr) console.log(indent(o.stderr, '  ! '));
  } else {
    console.log(`✘ ${a.task_id || `(message ${r.messageId})`} ${p.error_code}: ${p.error_details}`);
  }
}

/** Long traces (a 10,000-span loop) print their first lines and a count of the rest. */
function clip(tree: string, maxLines: number): string {
  const lines = tree.split('\n');
  if (lines.length <= maxLines) return tree;
  return [...lines.slice(0, maxLines), `    … ${lines.length - maxLines} more span(s)`].join('\n');
}

function indent(s: string, prefix: string): string {
  return s.replace(/\n$/, '').split('\n').map((l) => prefix + l).join('\n');
}
