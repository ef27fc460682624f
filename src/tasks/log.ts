/**
 * Structured JSON log lines (one object per line on stdout), the format CloudWatch Logs and
 * Datadog's log pipeline parse. Callers pass identifiers and figures only: never script
 * text, command arguments, outputs, error messages or secrets.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Least to most severe. */
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export type LogFields = Record<string, string | number | boolean | bigint | undefined>;

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
}

export type LogSink = (line: string) => void;

/** Lines below `minLevel` are not written, except the invocation line (INVOCATION_DONE). */
export function createLogger(sink: LogSink = (l) => process.stdout.write(l + '\n'), minLevel: LogLevel = 'info'): Logger {
  const min = LOG_LEVELS.indexOf(minLevel);
  return {
    log(level, msg, fields) {
      // The invocation line always comes: the construct's metrics are read from it.
      if (LOG_LEVELS.indexOf(level) < min && msg !== INVOCATION_DONE) return;
      const rec: Record<string, unknown> = { level, msg, time: new Date().toISOString() };
      if (fields) {
        for (const [k, v] of Object.entries(fields)) {
          if (v !== undefined) rec[k] = typeof v === 'bigint' ? v.toString() : v;
        }
      }
      sink(JSON.stringify(rec));
    },
  };
}

/** The message of the line every invocation ends with (its fields: `invocationFields` and batch.ts). */
export const INVOCATION_DONE = 'invocation done';

/**
 * The fields of that line which every invocation has, whether its batch ran or went back to
 * SQS whole. `function_name` is the dimension of the construct's metric filters.
 */
export function invocationFields(context: { awsRequestId?: string; functionName?: string } | undefined, coldStart: boolean, records: number, retried: number): LogFields {
  return { request_id: context?.awsRequestId, function_name: context?.functionName, cold_start: coldStart, records, retried };
}

/** Log-trace correlation fields, as Datadog expects them (decimal strings). */
export function traceFields(span: { traceId: bigint; spanId: bigint } | undefined): LogFields {
  if (!span || span.traceId === 0n) return {};
  return { 'dd.trace_id': span.traceId.toString(), 'dd.span_id': span.spanId.toString() };
}

/** What a log line says of an error: its class name (`typeof` for thrown primitives), never its message. */
export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
