/** `$'…'` (ANSI-C quoting) through the interpreter, decoded by the shared escape decoder. */
import { expect, it } from 'vitest';
import { createRunner } from '../src/rshell/index.js';

const run = async (script: string) => (await createRunner({ allowAllCommands: true }).run(script)).stdout;

it.each([
  [`printf '%s|' $'a\\tb' $'\\x41\\x' $'\\101\\0101' $'\\cA' $'\\'q\\"' $'\\u00e9' $'\\U0001F600' $'\\U00110000' $'\\z'`, 'a\tb|A\\x|A\b1|\x01|\'q"|é|😀||\\z|'],
  [`echo $'line1\\nline2'`, 'line1\nline2\n'],
  [`echo $'tail\\\\'`, 'tail\\\n'],
])('%s', async (script, expected) => {
  expect((await run(script)).toString('utf8')).toBe(expected);
});
