/**
 * A real synth (local esbuild, no Docker, no AWS credentials): the function asset is the
 * split build, and what a cold start loads stays small.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { expect, it } from 'vitest';
import { RunnerStack } from '../cdk/stack.js';

it('synthesises offline with a small function bundle', () => {
  const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new RunnerStack(app, 'BundleTest', { apiKeySecretName: 'dd-api-key' });
  const template = Template.fromStack(stack);
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as { Metadata: { 'aws:asset:path': string } };
  const assetDir = join(app.outdir, fn.Metadata['aws:asset:path']);
  const files = readdirSync(assetDir);
  expect(files).toContain('index.mjs');
  expect(files).toContain('chunks');

  // Follow the entry's static imports: that is what a cold start parses. An import may open a
  // line (the first one follows the build's createRequire banner).
  const eager = new Set<string>();
  const visit = (file: string) => {
    if (eager.has(file)) return;
    eager.add(file);
    const code = readFileSync(join(assetDir, file), 'utf8');
    for (const m of code.matchAll(/(?:^|[;}\n])import\s*(?:[\w$*{}\s,]+from\s*)?"\.\/(chunks\/[\w.-]+\.mjs)"/g)) visit(m[1]);
    for (const m of code.matchAll(/(?:^|[;}\n])import\s*(?:[\w$*{}\s,]+from\s*)?"\.\/([\w.-]+\.mjs)"/g)) visit(file.startsWith('chunks/') ? `chunks/${m[1]}` : m[1]);
  };
  visit('index.mjs');
  const eagerBytes = [...eager].reduce((s, f) => s + statSync(join(assetDir, f)).size, 0);
  const allBytes = readdirSync(join(assetDir, 'chunks'))
    .filter((f) => f.endsWith('.mjs'))
    .reduce((s, f) => s + statSync(join(assetDir, 'chunks', f)).size, statSync(join(assetDir, 'index.mjs')).size);
  expect(eager.size).toBeGreaterThan(1);
  expect(eagerBytes).toBeLessThan(300 * 1024);
  // The RE2 engine is in a lazily loaded chunk, so the eager set is well below the whole.
  expect(allBytes - eagerBytes).toBeGreaterThan(100 * 1024);
  // No AWS SDK inside: the runtime provides it.
  for (const f of eager) expect(readFileSync(join(assetDir, f), 'utf8')).not.toMatch(/new SQSClient\b|class SQSClient\b/);
  // Nor the agent exporter: only a function given DD_TRACE_AGENT_URL loads it.
  const eagerCode = [...eager].map((f) => readFileSync(join(assetDir, f), 'utf8')).join('\n');
  expect(eagerCode).not.toContain('application/msgpack');
  expect(eagerCode).toContain('application/json');
}, 120_000);
