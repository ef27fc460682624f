/** Configuration from the environment and the exporter choice. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTracer } from '../src/tracing/create-tracer.js';
import { tracerConfigFromEnv } from '../src/tracing/index.js';
import { LocalIntake } from '../src/tracing/local-intake.js';
import { agentTracesUrl } from '../src/tracing/agent-exporter.js';
import { telemetryUrl } from '../src/tracing/telemetry-exporter.js';

describe('tracerConfigFromEnv', () => {
  it('reads every DD_ variable, trimming and ignoring empty values', () => {
    expect(
      tracerConfigFromEnv({
        DD_API_KEY: ' key ',
        DD_SITE: ' datadoghq.eu ',
        DD_TRACE_INTAKE_URL: 'http://127.0.0.1:9/api/v2/apmtelemetry',
        DD_TRACE_AGENT_URL: 'http://localhost:8126',
        DD_SERVICE: 'svc',
        DD_ENV: 'prod',
        DD_VERSION: '1.0',
        DD_HOSTNAME: 'host-1',
        DD_TRACE_ENABLED: ' TRUE ',
      }),
    ).toEqual({
      enabled: true,
      apiKey: 'key',
      site: 'datadoghq.eu',
      intakeUrl: 'http://127.0.0.1:9/api/v2/apmtelemetry',
      agentUrl: 'http://localhost:8126',
      service: 'svc',
      env: 'prod',
      version: '1.0',
      hostname: 'host-1',
      tags: undefined,
      sampleRate: undefined,
    });
    expect(tracerConfigFromEnv({ DD_API_KEY: '', DD_SERVICE: '  ', DD_ENV: '', DD_TRACE_ENABLED: '', DD_TAGS: ' ' })).toEqual({
      enabled: undefined,
      apiKey: undefined,
      site: undefined,
      intakeUrl: undefined,
      agentUrl: undefined,
      service: undefined,
      env: undefined,
      version: undefined,
      hostname: undefined,
      tags: undefined,
      sampleRate: undefined,
    });
  });

  it('reads DD_TAGS as Datadog does: commas, else whitespace, the key up to the first colon; env/version/service fill in unset variables', () => {
    expect(tracerConfigFromEnv({ DD_TAGS: 'team:sre, cost-center:42\t,region:us:east,,' }).tags).toEqual({ team: 'sre', 'cost-center': '42', region: 'us:east' });
    expect(tracerConfigFromEnv({ DD_TAGS: 'team:sre env:staging version:3 service:ops' })).toMatchObject({ tags: { team: 'sre' }, env: 'staging', version: '3', service: 'ops' });
    expect(tracerConfigFromEnv({ DD_TAGS: 'env:staging version:3 service:ops', DD_ENV: 'prod', DD_VERSION: '4', DD_SERVICE: 'svc' })).toMatchObject({
      tags: undefined,
      env: 'prod',
      version: '4',
      service: 'svc',
    });
    // A later entry with the same key wins, as in a map.
    expect(tracerConfigFromEnv({ DD_TAGS: 'team:a,team:b' }).tags).toEqual({ team: 'b' });
    // Keys an object literal would treat specially are tags like the others (__proto__ was dropped).
    expect(Object.entries(tracerConfigFromEnv({ DD_TAGS: '__proto__:x,constructor:y,toString:z' }).tags!)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
      ['toString', 'z'],
    ]);
  });

  it('reads DD_TAGS with a comma as Datadog\'s tracers do: commas alone separate, so a value may hold spaces; keys and values are trimmed', () => {
    expect(tracerConfigFromEnv({ DD_TAGS: 'owner:Jane Doe,team:platform eng' }).tags).toEqual({ owner: 'Jane Doe', team: 'platform eng' });
    expect(tracerConfigFromEnv({ DD_TAGS: ' team : sre , region:us east:1 ,' }).tags).toEqual({ team: 'sre', region: 'us east:1' });
    expect(tracerConfigFromEnv({ DD_TAGS: 'team:sre, cost-center:42\tregion:us:east' }).tags).toEqual({ team: 'sre', 'cost-center': '42\tregion:us:east' });
    expect(tracerConfigFromEnv({ DD_TAGS: 'env:staging x,service:ops api' })).toMatchObject({ tags: undefined, env: 'staging x', service: 'ops api' });
    // Without a comma, whitespace separates.
    expect(tracerConfigFromEnv({ DD_TAGS: ' team:sre\tregion:us ' }).tags).toEqual({ team: 'sre', region: 'us' });
  });

  it('reads DD_TRACE_SAMPLE_RATE as a rate from 0 to 1', () => {
    expect(['0', ' 0.25 ', '1', '1e-1'].map((v) => tracerConfigFromEnv({ DD_TRACE_SAMPLE_RATE: v }).sampleRate)).toEqual([0, 0.25, 1, 0.1]);
  });

  it('throws naming the variable, without echoing its value', () => {
    expect(() => tracerConfigFromEnv({ DD_TRACE_INTAKE_URL: 'not a url sekrit' })).toThrow(/^DD_TRACE_INTAKE_URL is not a valid URL$/);
    expect(() => tracerConfigFromEnv({ DD_TRACE_AGENT_URL: 'ftp://x' })).toThrow(/^DD_TRACE_AGENT_URL must be an http:\/\/ or https:\/\/ URL$/);
    expect(() => tracerConfigFromEnv({ DD_SITE: 'https://datadoghq.com' })).toThrow(/^DD_SITE must be a host name such as datadoghq\.com or us5\.datadoghq\.com \(no https:\/\/, port or path\)$/);
    expect(() => tracerConfigFromEnv({ DD_SITE: 'localhost' })).toThrow(/^DD_SITE/);
    expect(() => tracerConfigFromEnv({ DD_TRACE_ENABLED: 'nope sekrit' })).toThrow(/^DD_TRACE_ENABLED must be true or false$/);
    for (const rate of ['1.5', '-0.1', 'half', 'Infinity']) {
      expect(() => tracerConfigFromEnv({ DD_TRACE_SAMPLE_RATE: rate })).toThrow(/^DD_TRACE_SAMPLE_RATE must be a number from 0 to 1$/);
    }
    expect(() => tracerConfigFromEnv({ DD_TAGS: 'team:sre sekrit' })).toThrow(/^DD_TAGS: entry 2 of 2 is not key:value$/);
    expect(() => tracerConfigFromEnv({ DD_TAGS: ':sekrit' })).toThrow(/^DD_TAGS: entry 1 of 1 is not key:value$/);
    expect(() => tracerConfigFromEnv({ DD_TAGS: 'a:1,sekrit:' })).toThrow(/^DD_TAGS: entry 2 of 2 is not key:value$/);
  });
});

describe('exporter choice', () => {
  let intake: LocalIntake;
  beforeAll(async () => {
    intake = await new LocalIntake().start();
  });
  afterAll(async () => {
    await intake.close();
  });

  it('builds the default and agent URLs', () => {
    expect(telemetryUrl('datadoghq.com').href).toBe('https://instrumentation-telemetry-intake.datadoghq.com/api/v2/apmtelemetry');
    expect(telemetryUrl('us5.datadoghq.com').href).toBe('https://instrumentation-telemetry-intake.us5.datadoghq.com/api/v2/apmtelemetry');
    expect(agentTracesUrl('http://localhost:8126').href).toBe('http://localhost:8126/v0.4/traces');
    expect(agentTracesUrl('http://localhost:8126/').href).toBe('http://localhost:8126/v0.4/traces');
    expect(agentTracesUrl('http://proxy/dd/').href).toBe('http://proxy/dd/v0.4/traces');
  });

  it('enables with an API key alone, an intake URL alone, or an agent URL alone; noop otherwise', () => {
    expect(createTracer({ apiKey: 'k' }).enabled).toBe(true);
    expect(createTracer({ intakeUrl: 'http://127.0.0.1:1/x' }).enabled).toBe(true);
    expect(createTracer({ agentUrl: 'http://127.0.0.1:1' }).enabled).toBe(true);
    expect(createTracer({}).enabled).toBe(false);
    expect(createTracer({ apiKey: ' ', site: 'datadoghq.com', service: 's' }).enabled).toBe(false);
    // DD_TRACE_ENABLED=false (or 0) wins over everything that would send.
    for (const off of ['false', 'FALSE', '0']) {
      const cfg = tracerConfigFromEnv({ DD_TRACE_ENABLED: off, DD_API_KEY: 'k', DD_TRACE_AGENT_URL: 'http://127.0.0.1:1', DD_TRACE_INTAKE_URL: 'http://127.0.0.1:1/x' });
      expect(createTracer(cfg).enabled).toBe(false);
    }
    expect(createTracer(tracerConfigFromEnv({ DD_TRACE_ENABLED: '1', DD_API_KEY: 'k' })).enabled).toBe(true);
    expect(() => createTracer({ agentUrl: 'nope' })).toThrow('agentUrl is not a valid URL');
  });

  it('sends to the agent when both an agent URL and an intake URL are set', async () => {
    const t = createTracer({ agentUrl: intake.baseUrl, intakeUrl: intake.url, apiKey: 'k' });
    t.startSpan('x').finish();
    await t.flush({ deadline: Date.now() + 5000 });
    expect(intake.requests().map((r) => [r.method, r.path, r.status])).toEqual([['PUT', '/v0.4/traces', 200]]);
  });

  it('DD_SERVICE overrides the default service name', async () => {
    intake.clear();
    const t = createTracer({ ...tracerConfigFromEnv({ DD_SERVICE: 'custom', DD_TRACE_INTAKE_URL: intake.url }) });
    t.startSpan('x').finish();
    await t.flush({ deadline: Date.now() + 5000 });
    expect(intake.spans()[0].service).toBe('custom');
    expect(intake.requests()[0].body.toString()).toContain('"service_name":"custom"');
  });
});
