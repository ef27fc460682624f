/** Tracer configuration from the environment, and the choice of exporter (or none). */
import os from 'node:os';
import type { EncodeDefaults } from './encode-json.js';
import type { Exporter } from './exporter.js';
import { parseDdTags } from './global-tags.js';
import { DEFAULT_TRACES_PER_SECOND, TraceRateLimiter } from './rate-limiter.js';
import { parseSamplingRules } from './sampling-rules.js';
import { createTelemetryExporter, telemetryUrl } from './telemetry-exporter.js';
import { NoopTracer, RecordingTracer } from './tracer.js';
import type { Tracer, TracerConfig } from './types.js';

export const DEFAULT_SERVICE = 'private-action-runner';
export const DEFAULT_SITE = 'datadoghq.com';

const SITE = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** Empty or blank values count as unset (a Lambda console often leaves variables empty). */
function opt(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

function checkUrl(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new Error(`${name} is not a valid URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${name} must be an http:// or https:// URL`);
  return value;
}

/** Datadog's boolean spelling: true/false or 1/0, any case, around blanks; undefined for anything else. */
export function parseDdBool(value: string | undefined): boolean | undefined {
  const v = value?.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return undefined;
}

function checkBool(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const b = parseDdBool(value);
  if (b === undefined) throw new Error(`${name} must be true or false`);
  return b;
}

/** A rate from 0 to 1, as Datadog's DD_TRACE_SAMPLE_RATE. */
function checkRate(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`${name} must be a number from 0 to 1`);
  return n;
}

/** A whole number of traces per second, 0 or more. */
function checkLimit(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number of traces per second, 0 or more`);
  return n;
}

/** A Datadog site as DD_SITE takes it: a bare host name such as datadoghq.com (no scheme, port or path). */
export function isDatadogSite(value: string): boolean {
  return SITE.test(value);
}

function checkSite(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && !isDatadogSite(value)) throw new Error(`${name} must be a host name such as datadoghq.com or us5.datadoghq.com (no https://, port or path)`);
  return value;
}

/**
 * Reads DD_TRACE_ENABLED, DD_API_KEY (a key stored in AWS is the runner's to read and fill in),
 * DD_SITE, DD_TRACE_INTAKE_URL, DD_TRACE_AGENT_URL, DD_SERVICE, DD_ENV, DD_VERSION,
 * DD_HOSTNAME, DD_TAGS (whose env, version and service stand in for the unset variables),
 * DD_TRACE_SAMPLE_RATE, DD_TRACE_SAMPLING_RULES, DD_TRACE_RATE_LIMIT.
 * Throws an Error naming the variable on an invalid value; the message never echoes it.
 */
export function tracerConfigFromEnv(env: NodeJS.ProcessEnv): TracerConfig {
  const fromTags = parseDdTags(opt(env.DD_TAGS));
  return {
    enabled: checkBool('DD_TRACE_ENABLED', opt(env.DD_TRACE_ENABLED)),
    apiKey: opt(env.DD_API_KEY),
    site: checkSite('DD_SITE', opt(env.DD_SITE)),
    intakeUrl: checkUrl('DD_TRACE_INTAKE_URL', opt(env.DD_TRACE_INTAKE_URL)),
    agentUrl: checkUrl('DD_TRACE_AGENT_URL', opt(env.DD_TRACE_AGENT_URL)),
    service: opt(env.DD_SERVICE) ?? fromTags.service,
    env: opt(env.DD_ENV) ?? fromTags.env,
    version: opt(env.DD_VERSION) ?? fromTags.version,
    hostname: opt(env.DD_HOSTNAME),
    tags: fromTags.tags,
    sampleRate: checkRate('DD_TRACE_SAMPLE_RATE', opt(env.DD_TRACE_SAMPLE_RATE)),
    samplingRules: parseSamplingRules(opt(env.DD_TRACE_SAMPLING_RULES)),
    rateLimit: checkLimit('DD_TRACE_RATE_LIMIT', opt(env.DD_TRACE_RATE_LIMIT)),
  };
}

/**
 * Datadog sampling settings this tracer does not implement (it reads DD_TRACE_SAMPLE_RATE,
 * DD_TRACE_SAMPLING_RULES and DD_TRACE_RATE_LIMIT). Ignoring them keeps every trace those
 * keep, which is safe but may not be what the operator asked for, so the runtime says which
 * are set.
 */
const UNREAD_SETTINGS = ['DD_SPAN_SAMPLING_RULES'] as const;

/** The names (never the values) of the settings in UNREAD_SETTINGS that `env` sets. */
export function unreadSettings(env: NodeJS.ProcessEnv): string[] {
  return UNREAD_SETTINGS.filter((name) => opt(env[name]) !== undefined);
}

/** Header-safe host name (node rejects control characters in header values). */
function cleanHostname(h: string): string {
  return h.replace(/[^\x21-\x7e]/g, '_').slice(0, 255);
}

/** Makes the exporter for an agent (agent-exporter.ts: msgpack). */
export type AgentExporterFactory = (agentUrl: string, defaults: EncodeDefaults) => Exporter;

/**
 * The tracer for the Lambda: the agent's exporter (msgpack) is loaded only when an agent URL
 * is set, so a container that sends to the intake never parses it.
 */
export async function openTracer(cfg: TracerConfig): Promise<Tracer> {
  if (cfg.enabled === false || opt(cfg.agentUrl) === undefined) return buildTracer(cfg, undefined);
  const m = await import('./agent-exporter.js');
  return buildTracer(cfg, m.agentExporter);
}

/**
 * The noop tracer (records and sends nothing) when tracing is switched off; else the agent
 * exporter when agentUrl is set (made by `agent`: its module is loaded by the caller); else
 * the telemetry exporter when there is an API key or an explicit intake URL; else the noop
 * tracer.
 */
export function buildTracer(cfg: TracerConfig, agent: AgentExporterFactory | undefined): Tracer {
  if (cfg.enabled === false) return new NoopTracer();
  const apiKey = opt(cfg.apiKey);
  const agentUrl = checkUrl('agentUrl', opt(cfg.agentUrl));
  const intakeUrl = checkUrl('intakeUrl', opt(cfg.intakeUrl));
  const site = checkSite('site', opt(cfg.site)) ?? DEFAULT_SITE;
  const service = opt(cfg.service) ?? DEFAULT_SERVICE;
  const defaults = { env: opt(cfg.env), version: opt(cfg.version) };
  const sampleRate = cfg.sampleRate === undefined ? undefined : checkRate('sampleRate', String(cfg.sampleRate));
  const samplingRules = cfg.samplingRules?.length ? cfg.samplingRules : undefined;
  const rateLimit = cfg.rateLimit === undefined ? DEFAULT_TRACES_PER_SECOND : checkLimit('rateLimit', String(cfg.rateLimit))!;
  // Only traces a rule or the rate keeps are limited, as in Datadog's tracers.
  const rateLimiter = samplingRules !== undefined || sampleRate !== undefined ? new TraceRateLimiter(rateLimit) : undefined;
  const log = cfg.log ?? ((line: string) => void process.stderr.write(line + '\n'));

  if (agentUrl !== undefined) {
    if (agent === undefined) throw new Error('agentUrl is set but the agent exporter was not loaded');
    return new RecordingTracer({ exporter: agent(agentUrl, defaults), service, log, tags: cfg.tags, sampleRate, samplingRules, rateLimiter });
  }
  if (apiKey === undefined && intakeUrl === undefined) return new NoopTracer();
  const exporter = createTelemetryExporter({
    url: intakeUrl !== undefined ? new URL(intakeUrl) : telemetryUrl(site),
    // The header is always sent, empty without a key, as the Go sender does.
    apiKey: apiKey ?? '',
    hostname: cleanHostname(opt(cfg.hostname) ?? os.hostname()),
    service,
    version: defaults.version,
    debug: site === 'datad0g.com',
    defaults,
  });
  return new RecordingTracer({ exporter, service, log, tags: cfg.tags, sampleRate, samplingRules, rateLimiter });
}
