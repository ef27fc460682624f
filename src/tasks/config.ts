/**
 * Runner configuration from the environment, in the Datadog Lambda convention. Parsed once
 * at cold start; an invalid value throws an Error naming the variable, so a misconfigured
 * function fails at init instead of mishandling tasks.
 */
import { parseDdBool } from '../tracing/config.js';

export interface SecretRef {
  /** Literal value from the environment. */
  value?: string;
  /** Secrets Manager ARN to read once per container. */
  secretArn?: string;
}

export interface RunnerConfig {
  /**
   * DD_API_KEY_SECRET_ARN: where the Datadog API key is read once per container when
   * DD_API_KEY is unset (the tracing config reads DD_API_KEY with the other DD_* settings).
   */
  apiKeySecretArn?: string;
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
  /** Task timeout when inputs.timeout is absent. */
  defaultTaskTimeoutSeconds: number;
  publishReserveMs: number;
  flushReserveMs: number;
  /** The raw environment, for the tracer's DD_* settings. */
  env: NodeJS.ProcessEnv;
}

export function loadConfig(env: NodeJS.ProcessEnv): RunnerConfig {
  const apiKeyArn = nonEmpty(env.DD_API_KEY_SECRET_ARN);
  if (apiKeyArn && !isSecretsManagerArn(apiKeyArn)) {
    throw new Error('DD_API_KEY_SECRET_ARN: expected a Secrets Manager ARN (arn:aws:secretsmanager:...)');
  }
  checkUnreadKeySources(env, apiKeyArn);
  const keys = nonEmpty(env.TASK_SIGNING_KEYS);
  // Present but blank is not "unset": running unsigned tasks must be asked for by leaving it
  // out, never by a value lost on the way (an empty template parameter, a stray `=`).
  if (keys === undefined && env.TASK_SIGNING_KEYS !== undefined) {
    throw new Error('TASK_SIGNING_KEYS: empty (leave TASK_SIGNING_KEYS out to run unsigned tasks)');
  }
  const resultsQueueUrl = nonEmpty(env.RESULTS_QUEUE_URL);
  if (resultsQueueUrl) checkUrl('RESULTS_QUEUE_URL', resultsQueueUrl);
  return {
    apiKeySecretArn: apiKeyArn,
    signingKeys: keys === undefined ? undefined : isSecretsManagerArn(keys) ? { secretArn: keys } : { value: keys },
    resultsQueueUrl,
    operatorAllowedCommands: listVar(env, 'RSHELL_ALLOWED_COMMANDS', ['rshell:*']),
    operatorAllowedPaths: listVar(env, 'RSHELL_ALLOWED_PATHS', ['/']),
    rshellDetailedTelemetry: boolVar(env, 'RSHELL_DETAILED_TELEMETRY', true),
    rshellMaxSpansPerInvocation: intVar(env, 'RSHELL_MAX_SPANS_PER_INVOCATION', 20_000, 0, 100_000),
    taskConcurrency: intVar(env, 'TASK_CONCURRENCY', 4, 1, 100),
    defaultTaskTimeoutSeconds: intVar(env, 'TASK_TIMEOUT_SECONDS', 60, 1, 2 ** 31 - 1),
    publishReserveMs: intVar(env, 'RESULTS_RESERVE_MS', 1500, 0, 60_000),
    flushReserveMs: intVar(env, 'FLUSH_RESERVE_MS', 1000, 0, 60_000),
    env,
  };
}

/**
 * Datadog's Lambda libraries also take the API key KMS-encrypted (DD_KMS_API_KEY) or from SSM
 * (DD_API_KEY_SSM_NAME). This runner reads neither: a function configured only that way would
 * run every task untraced without a word, so it fails at cold start instead. With an agent
 * (the Datadog Extension reads those variables itself) or with tracing off, they are not ours.
 */
function checkUnreadKeySources(env: NodeJS.ProcessEnv, apiKeyArn: string | undefined): void {
  if (nonEmpty(env.DD_API_KEY) || apiKeyArn || nonEmpty(env.DD_TRACE_AGENT_URL)) return;
  if (parseDdBool(env.DD_TRACE_ENABLED) === false) return;
  for (const name of ['DD_KMS_API_KEY', 'DD_API_KEY_SSM_NAME']) {
    if (nonEmpty(env[name])) {
      throw new Error(`${name}: not read by this runner; put the key in Secrets Manager and set DD_API_KEY_SECRET_ARN, or send to the Datadog Extension with DD_TRACE_AGENT_URL`);
    }
  }
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

/** A boolean in Datadog's spelling (parseDdBool); unset or blank gives the default. */
function boolVar(env: NodeJS.ProcessEnv, name: string, dflt: boolean): boolean {
  if (nonEmpty(env[name]) === undefined) return dflt;
  const b = parseDdBool(env[name]);
  if (b === undefined) throw new Error(`${name}: expected true or false, got ${JSON.stringify(env[name])}`);
  return b;
}

function intVar(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
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
