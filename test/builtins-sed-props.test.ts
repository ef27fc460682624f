/**
 * Property tests for sed: the literal (indexOf) substitution path agrees with the regex
 * path, and output does not depend on how the input is split into chunks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sed } from '../src/rshell/builtins/search/sed/sed.js';
import { runBuiltin } from './builtins-grep-harness.js';
import { chunkedReader } from './helpers/chunked-reader.js';

const textArb = fc
  .array(fc.constantFrom('a', 'b', 'c', '\n', '\r', ' '), { maxLength: 60 })
  .map((cs) => cs.join(''));
const litArb = fc.array(fc.constantFrom('a', 'b', 'c', ' '), { minLength: 1, maxLength: 3 }).map((cs) => cs.join(''));
const sizesArb = fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 4 });

const run = async (args: string[], input: string, sizes: number[] = []) =>
  runBuiltin(sed, 'sed', args, { stdin: chunkedReader(input, sizes) });

describe('sed properties', () => {
  it('literal substitution equals the regex path', async () => {
    await fc.assert(
      fc.asyncProperty(textArb, litArb, fc.constantFrom('', 'g', '2', '2g', 'p'), async (text, lit, flags) => {
        const fast = await run(['-e', `s/${lit}/<&>/${flags}`], text);
        const slow = await run(['-e', `s/\\(${lit}\\)/<\\1>/${flags}`], text);
        expect(fast).toEqual(slow);
      }),
      { numRuns: 300 },
    );
  });
  it('output does not depend on input chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        textArb,
        sizesArb,
        fc.constantFrom('N;P;D', '$!N;s/\\n/+/', 'n;d', '/a/,/b/d', 's/b*/x/g', '$=', '1~2{h;d};G', 'l'),
        async (text, sizes, script) => {
          expect(await run(['-e', script], text, sizes)).toEqual(await run(['-e', script], text));
        },
      ),
      { numRuns: 300 },
    );
  });
});
