/**
 * F150's brace words made as they are read, and the run's held bytes: a word is held as it
 * grows only where it was held at its end before (more than 1,024 fields). Held from its
 * 1,024th word on, a word of exactly 1,024 fields was refused where it ran before, and its
 * refusal came before a later word's own error.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createRunner } from '../src/rshell/index.js';
import { Shell } from '../src/rshell/interp/shell.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

// 15 captures of 1 MB held by the outer command while the inner one holds 15 more and then
// its fields (15 MB): its fields held with its captures pass 32 MiB; held once the captures
// are given back (as the command's arguments) they do not.
const root = makeTree({ m: 'm'.repeat(1_000_000) });
afterAll(() => removeTree(root));

const m15 = Array(15).fill('"$(cat m)"').join(' ');
const nested = (words: string) => `echo ${m15} "$(echo ${m15} ${words} | wc -c)" | wc -c`;
const run = async (script: string) => {
  const r = await createRunner({ allowAllCommands: true, allowedPaths: [root], dir: root, timeoutMs: 60_000 }).run(script);
  return [r.outcome, r.exitCode, r.stdout.toString(), r.stderr.toString()];
};
const HELD = 'expansions held at once exceed the maximum of 33554432 bytes\n';

describe('a brace word of 1,024 words under a run holding most of its bytes', () => {
  it.each([
    ['{1..1024}', '15000024\n', ''],
    ['{a,b}{1..512}', '15000024\n', ''],
    ['{1..1023}', '15000024\n', ''],
    // The later word's refusal is the command's error, as before.
    ['{1..1024} {1..100001}', '15000017\n', 'brace expansion exceeds the maximum of 100000 words\n'],
    // More than 1,024 fields: held at the word's end before, refused then as now.
    ['{1..1025}', '15000017\n', HELD],
    ['{1..2048}', '15000017\n', HELD],
    ['{1..1100}$e', '15000017\n', HELD],
  ])('%s', async (words, out, err) => {
    expect(await run(nested(words))).toEqual(['success', 0, out, err]);
  });
});

describe('a hold refused inside a brace word, then the deadline', () => {
  // Before F150 the word was held once, at its end, after a look at the clock: a deadline
  // passed while the word was made ended the run as a timeout, with no refusal. Held from
  // its 2,048th word, the refusal waited for the word's end and was thrown there without a
  // look at the clock: its message was the command's error, and the script went on.
  it('ends the run as a timeout, as when the word was held at its end', async () => {
    const realNow = Date.now.bind(Date);
    let skew = 0;
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + skew);
    const param = Shell.prototype.param;
    let calls = 0;
    // The clock passes the deadline at the word's 2,060th brace word (its `$v`).
    Shell.prototype.param = function (this: Shell, name: string) {
      if (name === 'v' && ++calls === 2060) skew = 3_600_000;
      return param.call(this, name);
    };
    try {
      expect(await run(nested('{1..2100}$v'))).toEqual(['timeout', 124, '', '']);
      expect(calls).toBe(2100);
    } finally {
      Shell.prototype.param = param;
      spy.mockRestore();
    }
  });
});
