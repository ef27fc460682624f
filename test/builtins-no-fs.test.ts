/**
 * Builtins reach files only through ctx.fs (the sandbox) and the allow-listed ctx.proc.
 * This scans every module under src/rshell/builtins/ (so new builtins are covered) and fails
 * on imports of filesystem, process, network or thread modules, on require(), and on dynamic
 * import() of anything but a literal relative path inside builtins/ (itself scanned here). The
 * rest of src/rshell (interpreter, parser, API) gets the same scan: only src/rshell/sandbox/
 * may use node:fs. The checker itself is tested on samples so a broken scan cannot pass silently.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BUILTINS_DIR = fileURLToPath(new URL('../src/rshell/builtins/', import.meta.url));
const RSHELL_DIR = fileURLToPath(new URL('../src/rshell/', import.meta.url));
const SANDBOX_DIR = fileURLToPath(new URL('../src/rshell/sandbox/', import.meta.url));

const FORBIDDEN_MODULES = [
  'fs',
  'fs/promises',
  'child_process',
  'net',
  'dgram',
  'worker_threads',
  'cluster',
  'http',
  'https',
  'http2',
  'tls',
  'inspector',
  'vm',
  'module',
];

function isForbiddenSpecifier(spec: string): boolean {
  const bare = spec.startsWith('node:') ? spec.slice(5) : spec;
  return FORBIDDEN_MODULES.some((m) => bare === m || bare.startsWith(`${m}/`));
}

/** Drops comments (keeping string literals) so commented-out code cannot trip or hide anything. */
function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`)/g, (m, str) =>
    str ? m : ' ',
  );
}

/** Blanks the contents of string literals, so text inside messages is not mistaken for code. */
function blankStrings(src: string): string {
  return src.replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, (m) => m[0] + ' '.repeat(m.length - 2) + m[0]);
}

/** Every violation in one module's source, as human-readable strings. */
export function violations(source: string, file = join(BUILTINS_DIR, 'sample.ts'), scope = BUILTINS_DIR): string[] {
  const src = stripComments(source);
  const code = blankStrings(src);
  const found: string[] = [];
  const specifier = /\b(?:import|export)\s*(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?['"]([^'"]+)['"]/g;
  for (const m of src.matchAll(specifier)) if (isForbiddenSpecifier(m[1])) found.push(`imports ${m[1]}`);
  if (/\brequire\s*\(/.test(code)) found.push('uses require(');
  for (const m of code.matchAll(/\bimport\s*\(/g)) {
    // A literal relative specifier that stays inside builtins/ loads a module this test also
    // scans (like a static import, e.g. help's lazy registry import). Anything else could
    // reach a module no one scanned (computed names, 'node:' + 'fs').
    const lit = /^import\s*\(\s*(['"])([^'"]+)\1\s*\)/.exec(src.slice(m.index));
    const target = lit && lit[2].startsWith('.') ? resolve(dirname(file), lit[2]) : undefined;
    if (!target || !target.startsWith(scope)) found.push('uses dynamic import(');
  }
  if (/\bcreateRequire\b/.test(code)) found.push('uses createRequire');
  if (/\bprocess\s*(\.\s*(binding|dlopen|_linkedBinding|env|mainModule|getBuiltinModule)\b|\[)/.test(code)) {
    found.push('uses process internals or env');
  }
  if (/\bgetBuiltinModule\b/.test(code)) found.push('uses getBuiltinModule');
  // Code from strings would hide any of the above from this scan.
  if (/\beval\s*\(|\bFunction\s*\(/.test(code)) found.push('evaluates code from strings');
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|mts|cts|js|mjs|cjs)$/.test(e.name) ? [p] : [];
  });
}

describe('the checker', () => {
  it.each([
    [`import { readFile } from 'fs';`, ['imports fs']],
    [`import * as fsp from "node:fs/promises";`, ['imports node:fs/promises']],
    [`import fs from 'fs/promises';`, ['imports fs/promises']],
    [`import { spawn } from 'node:child_process';`, ['imports node:child_process']],
    [`import 'net';`, ['imports net']],
    [`export { createSocket } from 'node:dgram';`, ['imports node:dgram']],
    [`import type { Worker } from 'worker_threads';`, ['imports worker_threads']],
    [`const fs = require('fs');`, ['uses require(']],
    [`const m = await import(name);`, ['uses dynamic import(']],
    [`const m = await import ( 'node:' + 'fs' );`, ['uses dynamic import(']],
    [`const m = await import('fs');`, ['uses dynamic import(']],
    [`const m = await import('../sandbox/index.js');`, ['uses dynamic import(']],
    [`const k = process.env.AWS_SECRET_ACCESS_KEY;`, ['uses process internals or env']],
    [`import {\n  open,\n} from 'node:fs';`, ['imports node:fs']],
    [`export * from 'fs';`, ['imports fs']],
    [`import fs = require('fs');`, ['uses require(']],
    [`const fs = process.getBuiltinModule('fs');`, ['uses process internals or env', 'uses getBuiltinModule']],
    [`const b = process['bin' + 'ding'];`, ['uses process internals or env']],
    [`const r = process.mainModule;`, ['uses process internals or env']],
    [`eval("require('fs')");`, ['evaluates code from strings']],
    [`const f = new Function('return 1');`, ['evaluates code from strings']],
  ])('flags %j', (src, expected) => {
    expect(violations(src)).toEqual(expected);
  });

  it.each([
    `import type { Builtin } from '../types.js';`,
    `import { readAll } from '../../io.js';`,
    `import { fsHelpers } from './fs-helpers.js';`,
    `const { BUILTINS } = await import('./registry.js');`,
    `const m = await import("./core/help.js");`,
    `// import fs from 'fs'; require('x')`,
    `/* await import('x') */ const s = 'require(';`,
    `const msg = "import('fs') is not allowed";`,
  ])('accepts %j', (src) => {
    expect(violations(src)).toEqual([]);
  });
});

describe('src/rshell/builtins', () => {
  const files = sourceFiles(BUILTINS_DIR);

  it('has modules to scan', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.some((f) => f.endsWith('registry.ts'))).toBe(true);
  });

  it('no builtin module imports fs, child_process, net, dgram or worker_threads, or loads code dynamically', () => {
    const bad = files.flatMap((f) => violations(readFileSync(f, 'utf8'), f).map((v) => `${relative(BUILTINS_DIR, f)}: ${v}`));
    expect(bad).toEqual([]);
  });
});

describe('the rest of src/rshell', () => {
  // Only the sandbox (which includes the allow-listed proc reader) may touch the filesystem.
  const files = sourceFiles(RSHELL_DIR).filter((f) => !f.startsWith(BUILTINS_DIR) && !f.startsWith(SANDBOX_DIR));

  it('has modules to scan', () => {
    expect(files.some((f) => f.endsWith('index.ts'))).toBe(true);
  });

  it('no interpreter, parser or API module touches fs, processes or the network directly', () => {
    const bad = files.flatMap((f) => violations(readFileSync(f, 'utf8'), f, RSHELL_DIR).map((v) => `${relative(RSHELL_DIR, f)}: ${v}`));
    expect(bad).toEqual([]);
  });
});
