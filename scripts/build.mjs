// `npm run build`: bundles the Lambda entry point to dist/handler.mjs (ESM, minified, with a
// source map). The AWS SDK is left to the Lambda runtime, which ships it; everything else is
// inlined so cold start loads one small file.
import { build } from 'esbuild';
import { statSync } from 'node:fs';

const outfile = 'dist/handler.mjs';
const result = await build({
  entryPoints: ['src/handlers/sqs.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: true,
  external: ['@aws-sdk/*'],
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
const bytes = statSync(outfile).size;
console.log(`${outfile}: ${(bytes / 1024).toFixed(1)} KiB minified (AWS SDK external)`);
if (process.argv.includes('--analyze')) {
  const { analyzeMetafile } = await import('esbuild');
  console.log(await analyzeMetafile(result.metafile));
}
