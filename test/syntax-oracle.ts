/**
 * Test-only oracle: mvdan/sh v3.13 (the parser rshell uses) in sh-syntax's TinyGo WASM build.
 * sh-syntax's own `parse` starts a new Go runtime per call (~1 ms); here one instance is
 * started once and its exported `process` function is called directly (~70 µs), which keeps
 * thousands of differential checks fast. Importing sh-syntax installs its `Go` shim and a
 * few globals, which is acceptable in tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import 'sh-syntax';
import YAML from 'yaml';

export type Verdict = { ok: true } | { ok: false; text: string; offset: number | null };

interface ProcessorExports {
  memory: { buffer: ArrayBuffer };
  wasmAlloc(size: number): number;
  wasmFree(ptr: number): void;
  process(...args: (number | boolean)[]): number;
}

/** The few WebAssembly/Go-shim members used here (the project's TS lib has no DOM types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
interface GoRuntime {
  importObject: object;
  run(instance: object): Promise<void>;
}

const LANG_BASH = 1; // sh-syntax LangVariant.LangBash
/** The TinyGo heap does not survive unbounded reuse; a fresh instance costs ~1 ms. */
const CALLS_PER_INSTANCE = 100;
const require = createRequire(import.meta.url);
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
let module_: object | null = null;
let exports_: ProcessorExports | null = null;
let calls = 0;

function instance(): ProcessorExports {
  if (exports_ === null || calls >= CALLS_PER_INSTANCE) {
    module_ ??= new wasmApi.Module(fs.readFileSync(require.resolve('sh-syntax/main.wasm')));
    const go = new (globalThis as unknown as { Go: new () => GoRuntime }).Go();
    const inst = new wasmApi.Instance(module_, go.importObject);
    void go.run(inst); // the Go main keeps running so its exports stay callable
    exports_ = inst.exports as ProcessorExports;
    calls = 0;
  }
  calls++;
  return exports_;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function put(x: ProcessorExports, bytes: Uint8Array): number {
  const ptr = x.wasmAlloc(bytes.byteLength);
  new Uint8Array(x.memory.buffer).set(bytes, ptr);
  return ptr;
}

/** mvdan's verdict on a script given as a JS (UTF-16) string (parse only, Bash dialect). */
export function mvdan(src: string): Verdict {
  try {
    return mvdanOnce(src);
  } catch {
    exports_ = null; // a trapped instance is unusable: retry once on a fresh one
    return mvdanOnce(src);
  }
}

function mvdanOnce(src: string): Verdict {
  const x = instance();
  const name = encoder.encode('');
  const text = encoder.encode(src);
  const stop = encoder.encode('');
  const np = put(x, name);
  const tp = put(x, text);
  const sp = put(x, stop);
  // Arguments follow sh-syntax's processor: file name, text, print=false, keepComments=true,
  // variant, stopAt, recoverErrors=0, then printer options that parsing ignores.
  const rp = x.process(np, name.length, name.length, tp, text.length, text.length, false, true, LANG_BASH,
    sp, 0, 0, 0, false, 2, true, true, true, false, false, false, false);
  x.wasmFree(np);
  x.wasmFree(tp);
  x.wasmFree(sp);
  const mem = new Uint8Array(x.memory.buffer).subarray(rp);
  const out = decoder.decode(mem.subarray(0, mem.indexOf(0)));
  if (!out.startsWith('{')) return { ok: false, text: out, offset: null };
  const res = JSON.parse(out) as { parseError?: { Text: string; Pos?: { Offset: number } } | null; message?: string };
  if (res.parseError) return { ok: false, text: res.parseError.Text, offset: res.parseError.Pos?.Offset ?? null };
  if (res.message) return { ok: false, text: res.message, offset: null };
  return { ok: true };
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The shared scenario folder: `$RSHELL_SCENARIOS`, else `../shared/rshell-scenarios`, from the repo root. */
export function scenarioDir(): string {
  return path.resolve(REPO_ROOT, process.env.RSHELL_SCENARIOS ?? '../shared/rshell-scenarios');
}

export interface Scenario {
  file: string;
  script: string;
  exitCode: number;
  stderr: string;
  stderrContains: string[];
}

/** Every scenario with an `input.script`, in a stable order. */
export function loadScenarios(dir: string): Scenario[] {
  const out: Scenario[] = [];
  const visit = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.name.endsWith('.yaml') || e.name.endsWith('.yml')) {
        const doc = YAML.parse(fs.readFileSync(p, 'utf8')) as {
          input?: { script?: unknown };
          expect?: { exit_code?: number; stderr?: string; stderr_contains?: string[] };
        } | null;
        const script = doc?.input?.script;
        if (typeof script !== 'string') continue;
        out.push({
          file: path.relative(dir, p),
          script,
          exitCode: doc?.expect?.exit_code ?? 0,
          stderr: doc?.expect?.stderr ?? '',
          stderrContains: doc?.expect?.stderr_contains ?? [],
        });
      }
    }
  };
  visit(dir);
  return out;
}

/**
 * Scenario checks run when the folder exists, and always in CI (where a missing folder must
 * fail the test rather than skip it).
 */
export function scenariosMustRun(): boolean {
  const dir = scenarioDir();
  if (fs.existsSync(dir) || process.env.CI === 'true') return true;
  console.warn(`skipping scenario checks: ${dir} not found (set RSHELL_SCENARIOS)`);
  return false;
}

/** Fails (with the path) when the scenario folder is missing; used inside tests. */
export function requireScenarios(): Scenario[] {
  const dir = scenarioDir();
  if (!fs.existsSync(dir)) throw new Error(`scenario folder missing: ${dir}`);
  const all = loadScenarios(dir);
  if (all.length === 0) throw new Error(`no scenario scripts under ${dir}`);
  return all;
}
