/**
 * Property-based differential test of the parser: on every generated script (grammar-driven
 * and mutated near-misses) our accept/reject decision equals sh-syntax's (mvdan/sh v3, the
 * parser rshell uses), and a rejection is always a ParseError, never a crash.
 * `npm run fuzz -- --runs N` runs the same property for longer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyScript } from './fuzz-arbitraries.js';
import { parserVerdict } from './fuzz-oracle.js';

const RUNS = Number(process.env.FUZZ_PARSER_RUNS ?? 800);

describe('parser against the sh-syntax oracle', () => {
  it(`agrees on accept/reject for ${RUNS} generated scripts`, async () => {
    let accepted = 0;
    let known = 0;
    await fc.assert(
      fc.asyncProperty(anyScript, async (script) => {
        const v = await parserVerdict(script);
        if (v.ours) accepted++;
        if (v.known) {
          known++;
          return;
        }
        expect({ script, ours: v.ours, oracle: v.oracle }).toEqual({ script, ours: v.oracle, oracle: v.oracle });
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 7) },
    );
    // Both sides of the decision are exercised, not just one.
    expect(accepted).toBeGreaterThan(RUNS * 0.2);
    expect(accepted).toBeLessThan(RUNS * 0.8);
    expect(known).toBeLessThan(RUNS * 0.05);
  });

  it.each([
    ['empty', ''],
    ['only comments', '# a\n# b'],
    ['unterminated quote', "echo 'a"],
    ['unterminated substitution', 'echo $('],
    ['stray fi', 'fi'],
    ['heredoc without end', 'cat <<EOF\nx'],
    ['NUL byte', 'echo a\0b'],
    ['lone backslash', '\\'],
    ['200 nested substitutions', 'echo ' + '$(echo '.repeat(200) + 'x' + ')'.repeat(200)],
    // F1 and F2 (found by this suite, fixed in the parser).
    ['process substitution in a for list', 'for x in <(echo); do echo; done'],
    ['process substitution after other words', 'for x in a >(echo) b; do echo; done'],
    ['declare x-=1', 'declare x-=1'],
    ['local 1a=2', 'local 1a=2'],
    ['export a.b=1', 'export a.b=1'],
    ['declare -x= a=1', 'declare -x= a=1'],
  ])('agrees on %s', async (_n, script) => {
    const v = await parserVerdict(script);
    expect(v.ours).toBe(v.oracle);
  });
});

describe('fixed divergences', () => {
  /** Scripts both mvdan (the oracle) and our parser accept, once a fix made ours agree. */
  const acceptedAsMvdanDoes = (title: string, scripts: string[]) =>
    it.each(scripts)(`${title}: %j is accepted, as mvdan does`, async (script) => {
      const v = await parserVerdict(script);
      expect(v.oracle).toBe(true);
      expect(v.ours).toBe(true);
    });
  acceptedAsMvdanDoes('a loop name with backslash escapes (fixed)', ['for \\IFS in ""; do echo; done', 'for a\\ b in x; do :; done', 'select \\a in x; do :; done']);
  acceptedAsMvdanDoes('F13 (fixed)', ['for [j in a; do echo; done', 'for [[j in a; do echo; done', 'echo | for [[ in a; do echo; done']);
});
