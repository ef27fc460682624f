// `npm run build`: bundles the Lambda entry point to dist/handler.mjs (ESM, minified, with
// source maps). Code splitting keeps modules loaded by dynamic import (the regex tools and
// their RE2 engine) in dist/chunks/, parsed only when a script uses them. The AWS SDK is
// left to the Lambda runtime, which ships it.
//   node scripts/build.mjs [--outdir DIR] [--entry-name NAME] [--analyze]
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const outdir = arg('--outdir', 'dist');
const entryName = arg('--entry-name', 'handler');
rmSync(`${outdir}/chunks`, { recursive: true, force: true });

const result = await build({
  entryPoints: { [entryName]: 'src/handlers/sqs.ts' },
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
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

// What a cold start parses: the entry and every chunk it reaches by static imports.
const outputs = result.metafile.outputs;
const entry = Object.keys(outputs).find((f) => outputs[f].entryPoint === 'src/handlers/sqs.ts');
const eager = new Set();
const visit = (file) => {
  if (eager.has(file)) return;
  eager.add(file);
  for (const imp of outputs[file]?.imports ?? []) if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
};
visit(entry);
const kib = (files) => files.reduce((s, f) => s + outputs[f].bytes, 0) / 1024;
const js = Object.keys(outputs).filter((f) => f.endsWith('.mjs'));
const lazy = js.filter((f) => !eager.has(f));
console.log(`${entry}: ${kib([...eager]).toFixed(1)} KiB minified loaded at cold start (entry ${kib([entry]).toFixed(1)} KiB + ${eager.size - 1} static chunk(s); AWS SDK external)`);
console.log(`lazily loaded on first use (grep/sed and the RE2 engine): ${kib(lazy).toFixed(1)} KiB in ${lazy.length} chunk(s); ${kib(js).toFixed(1)} KiB of JS in all`);
if (process.argv.includes('--analyze')) {
  const { analyzeMetafile } = await import('esbuild');
  console.log(await analyzeMetafile(result.metafile));
}
