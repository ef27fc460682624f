/** Shared fixtures for the sandbox tests: real temp trees and error capture. */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SandboxError, type OpenFile, type SandboxFS } from '../src/rshell/sandbox/index.js';

export type Entry = string | { link: string } | { dir: true };

/** A fresh temp dir (realpath'd, so roots and real paths agree) populated from `spec`. */
export function makeTree(spec: Record<string, Entry>): string {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'sbx-')));
  for (const [rel, e] of Object.entries(spec)) {
    const p = join(base, rel);
    mkdirSync(dirname(p), { recursive: true });
    if (typeof e === 'string') writeFileSync(p, e);
    else if ('link' in e) symlinkSync(e.link, p);
    else mkdirSync(p, { recursive: true });
  }
  return base;
}

export function removeTree(base: string): void {
  rmSync(base, { recursive: true, force: true });
}

export interface Failure {
  code: string;
  message: string;
  pathMessage: string;
}

/** The SandboxError a promise rejects with (fails the test if it resolves or throws something else). */
export async function failure(p: Promise<unknown>): Promise<Failure> {
  let value: unknown;
  try {
    value = await p;
  } catch (e) {
    if (!(e instanceof SandboxError)) throw e;
    return { code: e.code, message: e.message, pathMessage: e.pathMessage };
  }
  if (value && typeof (value as OpenFile).close === 'function') await (value as OpenFile).close();
  throw new Error(`expected a SandboxError, got success: ${JSON.stringify(value)}`);
}

/** Opens and reads a whole file through the sandbox as a latin1 (bstr) string. */
export async function readText(fs: SandboxFS, path: string, dir: string): Promise<string> {
  const f = await fs.open(path, dir);
  try {
    const parts: Buffer[] = [];
    const buf = new Uint8Array(7); // small on purpose: exercises repeated reads
    for (let n = await f.read(buf); n > 0; n = await f.read(buf)) parts.push(Buffer.from(buf.subarray(0, n)));
    return Buffer.concat(parts).toString('latin1');
  } finally {
    await f.close();
  }
}
