// `npm run build`: bundles the Lambda entry point to dist/handler.mjs (ESM, minified, with
// source maps). Code splitting keeps modules loaded by dynamic import (the regex tools and
// their RE2 engine) in dist/chunks/, parsed only when a script uses them. The AWS SDK is
// left to the Lambda runtime, which ships it. Node builtins are loaded with require, not
// import (see builtinsViaRequire).
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

// `import http from 'node:http'` in ESM builds a namespace for the builtin by reading every
// export, so lazy getters run at import time: on Node 24, node:http's WebSocket, CloseEvent
// and MessageEvent load all of undici (plus tls, http2, zlib, worker_threads…), ~17 ms of a
// cold start (nodejs/node#57649, Node 22+); node:fs's `promises` and node:crypto's `webcrypto`/`subtle` are loaded the same
// way on every version. require() returns the module object and leaves those getters lazy,
// as the Lambda runtime itself does. Each `node:` import becomes a tiny CommonJS module
// re-exporting require(id) (esbuild's interop reads named imports as properties at use),
// with `require` made by createRequire in the banner of every output file.
const builtinsViaRequire = {
  name: 'builtins-via-require',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) =>
      args.namespace === 'node-builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'node-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

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
  plugins: [builtinsViaRequire],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
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
console.log(`lazily loaded on first use (grep/sed and the RE2 engine, the system tools, the AWS readers, the agent exporter): ${kib(lazy).toFixed(1)} KiB in ${lazy.length} chunk(s); ${kib(js).toFixed(1)} KiB of JS in all`);
if (process.argv.includes('--analyze')) {
  const { analyzeMetafile } = await import('esbuild');
  console.log(await analyzeMetafile(result.metafile));
}
