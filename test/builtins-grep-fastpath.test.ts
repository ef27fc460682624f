/**
 * Property tests: grep's fast paths (whole-chunk literal counting and printing, case-folded
 * literals, required-literal prefilter, tight -c loop) must agree with the line-by-line
 * path on arbitrary input split at arbitrary chunk boundaries, including CRLF lines, NUL
 * bytes and a missing final newline.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grep } from '../src/rshell/builtins/search/grep.js';
import { runBuiltin } from './builtins-grep-harness.js';
import { chunkedReader } from './helpers/chunked-reader.js';

const lineArb = fc
  .array(fc.constantFrom('a', 'b', 'A', 'B', 'k', ' ', '1', '\r', 'é', 'ab', 'a\0'), { maxLength: 12 })
  .map((cs) => cs.join(''));
const inputArb = fc
  .tuple(fc.array(lineArb, { maxLength: 30 }), fc.boolean())
  .map(([ls, finalNL]) => Buffer.from(ls.join('\n') + (finalNL && ls.length ? '\n' : ''), 'utf8').toString('latin1'));
const patternArb = fc.oneof(
  fc.constantFrom('ab', 'aB', 'ba a', 'b1', 'ab+a', 'a*b', 'b[ab]a', 'abk', 'a b', 'kk'),
  fc.array(fc.constantFrom('a', 'b', 'A', ' '), { minLength: 1, maxLength: 4 }).map((cs) => cs.join('')),
);

async function count(args: string[], stdin: string, sizes: number[] = []): Promise<string> {
  const r = await runBuiltin(grep, 'grep', args, { stdin: chunkedReader(stdin, sizes) });
  return r.stdout;
}

const sizesArb = fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 4 });

async function printedLines(args: string[], stdin: string): Promise<string> {
  const r = await runBuiltin(grep, 'grep', args, { stdin });
  return `${r.stdout.split('\n').length - 1}\n`;
}

describe('grep counting fast paths', () => {
  it('agree with the printing path', async () => {
    await fc.assert(
      fc.asyncProperty(inputArb, patternArb, fc.boolean(), fc.boolean(), fc.boolean(), sizesArb, async (input, pat, inv, icase, ere, sizes) => {
        const flags = [...(inv ? ['-v'] : []), ...(icase ? ['-i'] : []), ...(ere ? ['-E'] : [])];
        const fast = await count(['-c', ...flags, '-e', pat], input, sizes);
        // Two identical patterns disable every literal shortcut.
        const slow = await count(['-c', ...flags, '-e', pat, '-e', pat], input);
        const printed = await printedLines(['-a', ...flags, '-e', pat], input);
        expect(fast).toBe(slow);
        expect(fast).toBe(printed);
      }),
      { numRuns: 300 },
    );
  });
  it('print the same lines (and numbers) as the line-by-line path', async () => {
    await fc.assert(
      fc.asyncProperty(inputArb, patternArb, fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: -1, max: 3 }), sizesArb, async (input, pat, num, ere, icase, m, sizes) => {
        const flags = [...(num ? ['-n'] : []), ...(ere ? ['-E'] : []), ...(icase ? ['-i'] : []), '-m', String(m)];
        // Same chunking on both sides: binary detection depends on the first chunk (rshell).
        const fast = await count([...flags, '-e', pat], input, sizes);
        const slow = await count([...flags, '-e', pat, '-e', pat], input, sizes);
        expect(fast).toBe(slow);
      }),
      { numRuns: 300 },
    );
  });
  it('honour -m in every path', async () => {
    await fc.assert(
      fc.asyncProperty(inputArb, patternArb, fc.integer({ min: 0, max: 5 }), fc.boolean(), sizesArb, async (input, pat, m, inv, sizes) => {
        const flags = [...(inv ? ['-v'] : []), '-m', String(m)];
        const fast = await count(['-c', ...flags, '-e', pat], input, sizes);
        const slow = await count(['-c', ...flags, '-e', pat, '-e', pat], input);
        expect(fast).toBe(slow);
      }),
      { numRuns: 200 },
    );
  });
});
