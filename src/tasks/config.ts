/**
 * Runner configuration from the environment, in the Datadog Lambda convention. Parsed once
 * at cold start; an invalid value throws an Error naming the variable, so a misconfigured
 * function fails at init instead of mishandling tasks.
 */
import { parseDdBool } from '../tracing/config.js';
import { parseSigningKeys } from './keys.js';
import { LOG_LEVELS, type LogLevel } from './log.js';

export interface SecretRef {
  /** Literal value from the environment. */
  value?: string;
  /** Secrets Manager ARN to read once per container. */
  secretArn?: string;
}

/**
 * Where the Datadog API key is stored, read once per container when DD_API_KEY is unset (the
 * tracing config reads DD_API_KEY with the other DD_* settings). `variable` names the setting,
 * so a log can say which source failed without its value.
 */
export type ApiKeySource =
  /** A Secrets Manager secret's string. */
  | { variable: 'DD_API_KEY_SECRET_ARN'; value: string }
  /** An SSM parameter (name or ARN), SecureString decrypted. */
  | { variable: 'DD_API_KEY_SSM_NAME'; value: string }
  /** Base64 KMS ciphertext of the key. */
  | { variable: 'DD_KMS_API_KEY'; value: string };

export interface RunnerConfig {
  /** Unset with DD_API_KEY set, an agent to send to, or tracing off: nothing to read. */
  apiKeySource?: ApiKeySource;
  /** TASK_SIGNING_KEYS: JSON of key id → PEM, or a secret ARN; undefined ⇒ tasks run unsigned. */
  signingKeys?: SecretRef;
  resultsQueueUrl?: string;
  operatorAllowedCommands: string[];
  operatorAllowedPaths: string[];
  /**
   * RSHELL_DETAILED_TELEMETRY (default true): command and control-flow spans under rshell's
   * run span. false keeps only the run span and its counters (the PAR's
   * restricted_shell.disable_detailed_telemetry).
   */
  rshellDetailedTelemetry: boolean;
  /**
   * RSHELL_MAX_SPANS_PER_INVOCATION (default 20,000, ~10 MB of JSON): command and
   * control-flow spans shared by all tasks of one invocation, on top of rshell's 10,000 per
   * run. It bounds what one flush must send. 0 keeps only the run spans.
   */
  rshellMaxSpansPerInvocation: number;
  /** Tasks of a standard queue run at most this many at once. */
  taskConcurrency: number;
  /**
   * AWS_LAMBDA_FUNCTION_MEMORY_SIZE, MB, which Lambda sets: what rshell's runs may hold
   * together is sized from it (src/rshell/interp/process-memory.ts). Set by the platform, so
   * never refused: anything but a whole number is unknown (undefined).
   */
  functionMemoryMb?: number;
  /** Task timeout when inputs.timeout is absent. */
  defaultTaskTimeoutSeconds: number;
  /**
   * TASK_MAX_RECEIVE_COUNT: the task queue's maxReceiveCount (its redrive policy). On that
   * delivery a task is answered rather than retried for lack of time, since SQS would move it
   * to the dead-letter queue unanswered. Unset ⇒ unknown: such a task is always retried.
   */
  maxReceiveCount?: number;
  publishReserveMs: number;
  flushReserveMs: number;
  /** Log lines below this level are not written (LOG_LEVEL, raised to AWS_LAMBDA_LOG_LEVEL). */
  logLevel: LogLevel;
  /** The raw environment, for the tracer's DD_* settings. */
  env: NodeJS.ProcessEnv;
}

export function loadConfig(env: NodeJS.ProcessEnv): RunnerConfig {
  const apiKeySource = apiKeySourceOf(env);
  const keys = nonEmpty(env.TASK_SIGNING_KEYS);
  // Present but blank is not "unset": running unsigned tasks must be asked for by leaving it
  // out, never by a value lost on the way (an empty template parameter, a stray `=`).
  if (keys === undefined && env.TASK_SIGNING_KEYS !== undefined) {
    throw new Error('TASK_SIGNING_KEYS: empty (leave TASK_SIGNING_KEYS out to run unsigned tasks)');
  }
  // An inline map is checked now; only a secret's has to wait for the runtime to read it.
  if (keys !== undefined && !isSecretsManagerArn(keys)) parseSigningKeys(keys, 'TASK_SIGNING_KEYS');
  const resultsQueueUrl = nonEmpty(env.RESULTS_QUEUE_URL);
  if (resultsQueueUrl) checkUrl('RESULTS_QUEUE_URL', resultsQueueUrl);
  // The SDK's own override, checked whenever set: a bad one failed every send of the results.
  const sqsEndpoint = nonEmpty(env.AWS_ENDPOINT_URL_SQS);
  if (sqsEndpoint) checkUrl('AWS_ENDPOINT_URL_SQS', sqsEndpoint);
  return {
    apiKeySource,
    signingKeys: keys === undefined ? undefined : isSecretsManagerArn(keys) ? { secretArn: keys } : { value: keys },
    resultsQueueUrl,
    operatorAllowedCommands: checkEntries('RSHELL_ALLOWED_COMMANDS', listVar(env, 'RSHELL_ALLOWED_COMMANDS', ['rshell:*']), isOperatorCommand, 'must look like "rshell:<name>" or "rshell:*"'),
    operatorAllowedPaths: checkEntries('RSHELL_ALLOWED_PATHS', listVar(env, 'RSHELL_ALLOWED_PATHS', ['/']), (p) => p.startsWith('/'), 'must be an absolute path'),
    rshellDetailedTelemetry: boolVar(env, 'RSHELL_DETAILED_TELEMETRY', true),
    rshellMaxSpansPerInvocation: intVar(env, 'RSHELL_MAX_SPANS_PER_INVOCATION', 20_000, 0, 100_000),
    taskConcurrency: intVar(env, 'TASK_CONCURRENCY', 4, 1, 100),
    functionMemoryMb: /^\d{1,6}$/.test(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '') ? Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) : undefined,
    defaultTaskTimeoutSeconds: intVar(env, 'TASK_TIMEOUT_SECONDS', 60, 1, 2 ** 31 - 1),
    maxReceiveCount: intVar(env, 'TASK_MAX_RECEIVE_COUNT', undefined, 1, 1000),
    publishReserveMs: intVar(env, 'RESULTS_RESERVE_MS', 1500, 0, 60_000),
    flushReserveMs: intVar(env, 'FLUSH_RESERVE_MS', 1000, 0, 60_000),
    logLevel: logLevelOf(env),
    env,
  };
}

/**
 * LOG_LEVEL (default info), raised to the level of Lambda's advanced logging controls when
 * those are stricter: Lambda sets AWS_LAMBDA_LOG_LEVEL and drops lines below it anyway, so
 * writing them would only cost time. An AWS_LAMBDA_LOG_LEVEL this runner does not know is
 * ignored rather than failing the cold start: the platform sets it, not the operator.
 */
function logLevelOf(env: NodeJS.ProcessEnv): LogLevel {
  const raw = nonEmpty(env.LOG_LEVEL)?.toLowerCase();
  const own = raw === undefined ? 'info' : raw === 'warning' ? 'warn' : raw;
  if (!(LOG_LEVELS as readonly string[]).includes(own)) {
    throw new Error(`LOG_LEVEL: expected debug, info, warn or error, got ${JSON.stringify(env.LOG_LEVEL)}`);
  }
  const lambda = LAMBDA_LOG_LEVELS[nonEmpty(env.AWS_LAMBDA_LOG_LEVEL)?.toUpperCase() ?? ''];
  const level = own as LogLevel;
  return lambda !== undefined && LOG_LEVELS.indexOf(lambda) > LOG_LEVELS.indexOf(level) ? lambda : level;
}

/** Lambda's application log levels, as this runner's. */
const LAMBDA_LOG_LEVELS: Record<string, LogLevel> = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error', FATAL: 'error' };

/**
 * The stored API key to read, checked whenever set so a typo fails the cold start. When more
 * than one is set, the first in Datadog's Lambda libraries' order wins: Secrets Manager, SSM,
 * KMS. None is read when DD_API_KEY is set, when spans go to an agent (the Datadog Extension
 * reads these variables itself) or when tracing is off.
 */
function apiKeySourceOf(env: NodeJS.ProcessEnv): ApiKeySource | undefined {
  const arn = nonEmpty(env.DD_API_KEY_SECRET_ARN);
  if (arn && !isSecretsManagerArn(arn)) {
    throw new Error('DD_API_KEY_SECRET_ARN: expected a Secrets Manager ARN (arn:aws:secretsmanager:...)');
  }
  const ssmName = nonEmpty(env.DD_API_KEY_SSM_NAME);
  if (ssmName && !isSsmParameterName(ssmName)) {
    throw new Error('DD_API_KEY_SSM_NAME: expected a parameter name (letters, digits and _.-/, at most 2048) or an SSM parameter ARN');
  }
  const ciphertext = nonEmpty(env.DD_KMS_API_KEY);
  if (ciphertext && !isBase64(ciphertext)) {
    throw new Error('DD_KMS_API_KEY: expected base64 KMS ciphertext (the CiphertextBlob of `aws kms encrypt`)');
  }
  if (nonEmpty(env.DD_API_KEY) || nonEmpty(env.DD_TRACE_AGENT_URL) || parseDdBool(env.DD_TRACE_ENABLED) === false) return undefined;
  if (arn) return { variable: 'DD_API_KEY_SECRET_ARN', value: arn };
  if (ssmName) return { variable: 'DD_API_KEY_SSM_NAME', value: ssmName };
  if (ciphertext) return { variable: 'DD_KMS_API_KEY', value: ciphertext };
  return undefined;
}

/** A parameter name as SSM takes it (hierarchies with '/'), or a parameter's ARN. */
export function isSsmParameterName(v: string): boolean {
  if (v.length > 2048) return false;
  return /^arn:aws[\w-]*:ssm:[\w-]+:\d{12}:parameter\/.+$/.test(v) || /^[A-Za-z0-9_.\-/]+$/.test(v);
}

/** Standard base64 of at least one byte, padded (what the AWS CLI and console print). */
export function isBase64(v: string): boolean {
  return v.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(v);
}

export function isSecretsManagerArn(v: string): boolean {
  return /^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+$/.test(v);
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

/** A list as CSV or as a JSON array of strings (both forms the PAR accepts). */
export function listVar(env: NodeJS.ProcessEnv, name: string, dflt: string[]): string[] {
  const raw = env[name];
  if (raw === undefined) return dflt;
  const t = raw.trim();
  if (t.startsWith('[')) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch {
      throw new Error(`${name}: invalid JSON array`);
    }
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      throw new Error(`${name}: expected a JSON array of strings`);
    }
    return v.map((s) => s.trim()).filter(Boolean);
  }
  return t === '' ? [] : t.split(',').map((s) => s.trim()).filter(Boolean);
}

/** An operator allow-list entry: `rshell:<name>` or `rshell:*`. */
export function isOperatorCommand(v: string): boolean {
  return /^rshell:(\*|[^:\s]+)$/.test(v);
}

/**
 * The list, or an error naming its first bad entry: an entry that can match nothing (a bare
 * `cat`, a relative path) would otherwise refuse every task that needs it, with no word at init.
 */
function checkEntries(name: string, list: string[], ok: (v: string) => boolean, rule: string): string[] {
  const bad = list.find((v) => !ok(v));
  if (bad !== undefined) throw new Error(`${name}: entry ${JSON.stringify(bad)} ${rule}`);
  return list;
}

/** A boolean in Datadog's spelling (parseDdBool); unset or blank gives the default. */
function boolVar(env: NodeJS.ProcessEnv, name: string, dflt: boolean): boolean {
  if (nonEmpty(env[name]) === undefined) return dflt;
  const b = parseDdBool(env[name]);
  if (b === undefined) throw new Error(`${name}: expected true or false, got ${JSON.stringify(env[name])}`);
  return b;
}

function intVar<D extends number | undefined>(env: NodeJS.ProcessEnv, name: string, dflt: D, min: number, max: number): number | D {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d+$/.test(raw)) throw new Error(`${name}: expected a whole number, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) throw new Error(`${name}: must be between ${min} and ${max}, got ${n}`);
  return n;
}

function checkUrl(name: string, v: string): void {
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new Error(`${name}: not an http(s) URL`);
  }
}
