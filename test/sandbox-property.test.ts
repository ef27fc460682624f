/**
 * Property tests: for generated paths over a tree full of hostile symlinks, whatever the
 * spelling, the sandbox either fails with a SandboxError or yields a file that really lives
 * inside an allowed root; and with `/` allowed, no spelling reads a process environment
 * (checked against a child process started with a canary in its environment).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, symlinkSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, SandboxError, type SandboxFS } from '../src/rshell/sandbox/index.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

/** Identity ("dev:ino") of everything under `dir`, without following links. */
function identities(dir: string, out = new Set<string>()): Set<string> {
  const st = lstatSync(dir, { bigint: true });
  out.add(`${st.dev}:${st.ino}`);
  if (st.isDirectory()) for (const name of readdirSync(dir)) identities(`${dir}/${name}`, out);
  return out;
}

async function readUpTo(fs: SandboxFS, path: string, dir: string, cap = 1 << 20) {
  const f = await fs.open(path, dir);
  try {
    const st = await f.stat();
    const parts: Buffer[] = [];
    let total = 0;
    const buf = new Uint8Array(64 * 1024);
    while (total < cap) {
      let n: number;
      try {
        n = await f.read(buf);
      } catch (e) {
        if (e instanceof SandboxError) break; // directories (EISDIR), unreadable proc entries
        throw e;
      }
      if (n === 0) break;
      parts.push(Buffer.from(buf.subarray(0, n)));
      total += n;
    }
    return { id: `${BigInt(st.dev)}:${BigInt(st.ino)}`, text: Buffer.concat(parts).toString('latin1') };
  } finally {
    await f.close();
  }
}

describe('confinement over hostile trees', () => {
  let base: string;
  let inside: Set<string>;
  const LINK_TARGETS = ['..', '.', '../..', '../out', '../out/x', '../b/y', '../a/sub', 'sub/..', '../../..', '/etc', 'loop', 'l0', 'l1', 'l2'];

  beforeAll(() => {
    base = makeTree({ 'a/x': 'A-x', 'a/sub/y': 'A-y', 'b/y': 'B-y', 'out/x': 'OUT-x', 'out/y': 'OUT-y' });
    const absTargets = [`${base}/out/x`, `${base}/b/y`, `${base}/a`, `${base}/out`, base];
    [...LINK_TARGETS, ...absTargets].forEach((t, i) => {
      symlinkSync(t, `${base}/a/l${i}`);
      symlinkSync(t, `${base}/a/sub/m${i}`);
      symlinkSync(t, `${base}/b/l${i}`);
      symlinkSync(t, `${base}/out/l${i}`);
    });
    inside = new Set([...identities(`${base}/a`), ...identities(`${base}/b`)]);
  });
  afterAll(() => removeTree(base));

  const names = ['a', 'b', 'out', 'sub', 'x', 'y', '..', '.', 'loop', ...Array.from({ length: 19 }, (_, i) => `l${i}`), 'm3', 'm6', 'm15'];
  // Biased towards spellings that reach real files, so the property is not vacuous.
  const pathArb = fc.record({
    absolute: fc.boolean(),
    parts: fc.tuple(
      fc.constantFrom('a', 'b', 'out', '.', '..', 'l0', 'l1', 'l15', 'sub'),
      fc.array(fc.constantFrom(...names), { maxLength: 3 }),
      fc.constantFrom('x', 'y', 'sub/y', 'l4', 'l5', 'l14', 'm6', '.'),
    ).map(([h, mid, t]) => [h, ...mid, t]),
    dir: fc.constantFrom('', '', '/a', '/b', '/out', '/a/sub'),
  });

  it('never yields a file outside the allowed roots', async () => {
    const { fs } = createSandbox({ allowedPaths: [`${base}/a`, `${base}/b`] });
    let opened = 0;
    await fc.assert(
      fc.asyncProperty(pathArb, async ({ absolute, parts, dir }) => {
        const path = (absolute ? `${base}/` : '') + parts.join('/');
        try {
          const { id, text } = await readUpTo(fs, path, base + dir);
          opened++;
          expect(inside.has(id)).toBe(true);
          expect(text.startsWith('OUT')).toBe(false);
        } catch (e) {
          if (!(e instanceof SandboxError)) throw e;
        }
        for (const op of [() => fs.stat(path, base + dir), () => fs.lstat(path, base + dir), () => fs.readDir(path, base + dir)]) {
          await op().catch((e: unknown) => {
            if (!(e instanceof SandboxError)) throw e;
          });
        }
      }),
      { numRuns: 1000, seed: 20261124 },
    );
    expect(opened).toBeGreaterThan(20); // the generator does reach real files
  });
});

describe.runIf(existsSync('/proc/self/environ'))('secrets with / allowed', () => {
  const CANARY = 'CANARY_SECRET_7f3a9c';
  let child: ChildProcess;
  let dir: string;

  beforeAll(async () => {
    child = spawn('sleep', ['60'], { env: { AWS_SECRET_ACCESS_KEY: CANARY }, stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    dir = makeTree({});
    const pid = String(child.pid);
    for (const [name, target] of [
      ['to_proc', '/proc'],
      ['to_child', `/proc/${pid}`],
      ['to_env', `/proc/${pid}/environ`],
      ['to_self', '/proc/self'],
      ['to_task', `/proc/${pid}/task/${pid}`],
      ['to_root', `/proc/${pid}/root`],
      ['up', '../../../../../../..'],
    ]) {
      symlinkSync(target, `${dir}/${name}`);
    }
  });

  afterAll(() => {
    child.kill('SIGKILL');
    removeTree(dir);
  });

  it('no spelling reads a process environment', async () => {
    const { fs } = createSandbox({ allowedPaths: ['/'] });
    const pid = String(child.pid);
    // Sanity: the canary really is in the child's environment.
    expect(lstatSync(`/proc/${pid}/environ`).isFile()).toBe(true);
    const parts = ['proc', pid, 'self', 'thread-self', 'task', 'environ', 'fd', 'fdinfo', '0', '1', 'root', 'cwd', 'mem', 'maps', 'cmdline', '..', '.', 'to_proc', 'to_child', 'to_env', 'to_self', 'to_task', 'to_root', 'up', 'tmp', 'dev', 'stdin'];
    let opened = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...parts), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('/', dir, `/proc/${pid}`),
        async (p, cwd) => {
          const path = p.join('/');
          try {
            const { text } = await readUpTo(fs, path, cwd);
            opened++;
            expect(text.includes(CANARY)).toBe(false);
          } catch (e) {
            if (!(e instanceof SandboxError)) throw e;
          }
        },
      ),
      { numRuns: 600, seed: 7 },
    );
    expect(opened).toBeGreaterThan(0);
  });
});
