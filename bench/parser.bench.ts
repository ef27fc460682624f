/**
 * Parser speed: a representative 30-line script parsed by our parser (as loaded by tsx, and
 * as an esbuild bundle like the Lambda ships), against mvdan/sh v3.13 in sh-syntax's WASM
 * build (pre-compiled module, its documented fast path). Also a 10,000-line flat script and
 * validation cost. Medians of repeated batches after warm-up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { getProcessor } from 'sh-syntax';
import { parse } from '../src/rshell/syntax/parser.js';
import { validate } from '../src/rshell/validate.js';
import { median } from './measure.js';

const SCRIPT = [
  'NAME=world',
  'DIR=/tmp',
  'for f in *.txt "a b" c; do',
  '  echo "file: $f in $(basename "$DIR")"',
  'done',
  'if [ -f "$DIR/x" ]; then',
  "  cat \"$DIR/x\" | grep -v '^#' | sort | uniq -c | head -n 5",
  'elif test -d "$DIR"; then',
  '  echo dir',
  'else',
  '  echo none',
  'fi',
  'X=`echo hi`',
  'echo "${NAME} $?"',
  '! grep -q foo bar || echo nofoo && echo done',
  '{ echo a; echo b; } 2>&1 >/dev/null',
  '(cd / && ls)',
  'cat <<EOF',
  'hello $NAME',
  'EOF',
  'VAR=x env',
  "echo 'single' \"double\" \\$escaped",
  'a | b | c | d | e',
  'echo $(echo $(echo nested))',
  'for i in 1 2 3; do echo $i; done',
  'echo end',
  '# trailing comment',
  'true',
  'false || true',
  '',
].join('\n');


/** Median µs per call of `fn` over `batches` batches of `n` calls. */
function timeSync(fn: () => void, n: number, batches = 15): number {
  for (let k = 0; k < n; k++) fn();
  const per: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < n; k++) fn();
    per.push(Number(process.hrtime.bigint() - t0) / 1000 / n);
  }
  return median(per);
}

async function timeAsync(fn: () => Promise<unknown>, n: number, batches = 5): Promise<number> {
  for (let k = 0; k < 20; k++) await fn();
  const per: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < n; k++) await fn();
    per.push(Number(process.hrtime.bigint() - t0) / 1000 / n);
  }
  return median(per);
}

/** Our parser bundled and minified by esbuild, as it runs in the Lambda (no tsx helpers). */
async function bundledParse(): Promise<(src: string) => unknown> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'parser-bench-')), 'parser.mjs');
  await build({
    entryPoints: [path.join(here, '../src/rshell/syntax/parser.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    outfile: out,
    logLevel: 'silent',
  });
  const mod = (await import(pathToFileURL(out).href)) as { parse: (src: string) => unknown };
  return mod.parse;
}

export default async function run(): Promise<void> {
  const lines = SCRIPT.split('\n').length - 1;
  const ours = timeSync(() => parse(SCRIPT), 2000);
  const bundled = await bundledParse();
  const oursBundled = timeSync(() => bundled(SCRIPT), 2000);
  const file = parse(SCRIPT);
  const validation = timeSync(() => validate(file), 2000);

  const require = createRequire(import.meta.url);
  const wasm = new (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object } }).WebAssembly.Module(
    fs.readFileSync(require.resolve('sh-syntax/main.wasm')),
  );
  const mvdan = getProcessor((imports) =>
    (globalThis as unknown as { WebAssembly: { instantiate(m: object, i: object): Promise<never> } }).WebAssembly.instantiate(wasm, imports),
  );
  const oracle = await timeAsync(() => mvdan(SCRIPT), 100);

  const flat = Array(10000).fill('echo "$x" a b | grep -v c').join('\n');
  const flatMs = timeSync(() => bundled(flat), 3, 7) / 1000;

  console.log(`script: ${lines} lines, ${SCRIPT.length} bytes`);
  console.log(`ours (tsx)             ${ours.toFixed(1)} µs/parse`);
  console.log(`ours (esbuild bundle)  ${oursBundled.toFixed(1)} µs/parse`);
  console.log(`validate               ${validation.toFixed(1)} µs/run`);
  console.log(`sh-syntax (mvdan WASM) ${oracle.toFixed(1)} µs/parse`);
  console.log(`ratio sh-syntax / ours (bundle): ${(oracle / oursBundled).toFixed(1)}x`);
  console.log(`10,000-line flat script (bundle): ${flatMs.toFixed(1)} ms`);
}
