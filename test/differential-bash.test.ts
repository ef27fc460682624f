/**
 * Differential test: generated scripts inside rshell's subset (see `differential-bash-gen.ts`
 * for the grammar and for what it leaves out on purpose) give the same stdout and exit status
 * in rshell as in `bash --norc --noprofile` with GNU coreutils, over generated files.
 * A modest fixed-seed run here; hunt longer with DIFF_BASH_RUNS / DIFF_BASH_SEED.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseArb, runBash, runRshell, writeCase } from './differential-bash-gen.js';

const RUNS = Number(process.env.DIFF_BASH_RUNS ?? 200);
const SEED = Number(process.env.DIFF_BASH_SEED ?? 20261207);

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'diff-bash-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe.skipIf(!existsSync('/bin/bash'))('rshell against bash + GNU coreutils', () => {
  it(`agrees on stdout and exit status over ${RUNS} generated scripts`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const dir = join(base, String(n++));
        writeCase(dir, c);
        try {
          const bash = runBash(dir, c.script);
          const rshell = await runRshell(dir, c.script);
          expect({ out: rshell.out, code: rshell.code }).toEqual({ out: bash.out, code: bash.code });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
