/**
 * Hostile words against the expansion caps (F78–F81): what one word makes, the pathname
 * matches of many words, glob patterns longer than any name, and 5 MiB words of escapes.
 * Each cap already existed; these check that it looks before the memory is taken, not after.
 * Peak memory is the process's (`maxRSS`), so each test's bound holds when it runs alone,
 * where it failed before its fix (heavier tests come last).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BUILTINS } from '../src/rshell/builtins/registry.js';
import { createRunner, type RunResult } from '../src/rshell/index.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const ALL_COMMANDS = [...BUILTINS.keys()].map((n) => `rshell:${n}`);
const base = makeTree({
  'root/ok.txt': 'ok\n',
  'root/mib': 'a'.repeat(1_048_576),
  // 1,000 names of 4 characters.
  ...Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`root/wide/f${String(i).padStart(3, '0')}`, ''])),
});
const root = `${base}/root`;
afterAll(() => removeTree(base));

async function run(script: string, timeoutMs = 10_000): Promise<RunResult> {
  return createRunner({ allowedPaths: [root], dir: root, allowedCommands: ALL_COMMANDS, timeoutMs }).run(script);
}

const text = (r: RunResult) => ({ out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1'), code: r.exitCode, outcome: r.outcome });
/** Growth of the process's peak RSS in MiB while `f` runs. */
async function peakGrowth<T>(f: () => Promise<T>): Promise<[T, number]> {
  const before = process.resourceUsage().maxRSS;
  const r = await f();
  return [r, (process.resourceUsage().maxRSS - before) / 1024];
}

const HALF_MIB = 'x=a; for i in {1..19}; do x=$x$x; done; ';
const OVER_BYTES = 'expansion exceeds the maximum of 16777216 bytes\n';
const OVER_WORDS = 'expansion exceeds the maximum of 1000000 words\n';

describe('pathname matches', () => {
  // F79: matches were never counted. `echo * * …` (2,000 words) over 5,000 names made 10
  // million fields (931 MB) and was refused only by the held-bytes total, 30 s later.
  it('counts matches against the 1,000,000-word cap as they come', async () => {
    expect(text(await run(`echo ${'wide/* '.repeat(1001)}| wc -c; echo next`))).toEqual({ out: '0\nnext\n', err: OVER_WORDS, code: 0, outcome: 'success' });
    // Below the cap it expands (`echo` is a field too).
    expect(text(await run(`echo ${'wide/* '.repeat(999)}| wc -w`))).toEqual({ out: '999000\n', err: '', code: 0, outcome: 'success' });
  });
});

describe('escapes in 5 MiB words', () => {
  // F81: backslash escapes were removed char by char into a string, a piece per char:
  // `echo \a\a…` took 270 MB and 1.1 s past a 100 ms deadline, `echo "\a\a…"` 480 MB and 2.1 s.
  it.each([
    ['unquoted', '\\a'.repeat(2_500_000), `${2_500_000 + 1}\n`],
    ['double-quoted', `"${'\\a'.repeat(2_500_000)}"`, `${5_000_000 + 1}\n`],
    ['double-quoted, escapes dropped', `"${'\\$'.repeat(2_500_000)}"`, `${2_500_000 + 1}\n`],
    ['unquoted, with globs', `${'\\a*'.repeat(1_700_000)}`, `${3_400_000 + 1}\n`],
    // F83: `$'…'` (and echo -e, printf) decoded into a string a piece per escape.
    ['ANSI-C quoted', `$'${'\\t'.repeat(2_500_000)}'`, `${2_500_000 + 1}\n`],
  ])('%s: linear, within 64 MB', async (_what, word, out) => {
    const [r, grew] = await peakGrowth(() => run(`echo ${word} | wc -c`));
    expect(text(r)).toEqual({ out, err: '', code: 0, outcome: 'success' });
    expect(grew).toBeLessThan(64);
  });

  it('an assignment and a heredoc of 4 MB of escapes are linear too', async () => {
    const [r, grew] = await peakGrowth(() => run(`y=${'\\a'.repeat(400_000)}; echo "$y" | wc -c; cat <<EOF | wc -c\n${'\\$'.repeat(2_000_000)}\nEOF`));
    expect(text(r)).toEqual({ out: '400001\n2000001\n', err: '', code: 0, outcome: 'success' });
    expect(grew).toBeLessThan(64);
  });
});

describe('glob patterns longer than any name', () => {
  // F80: a component was compiled a token per char, a RegExp per bracket, and cached by
  // module for good: a 15.5 MiB pattern took 8 s and 1.1 GB; a 5 MiB bracket 1.4 s.
  it('a 15.5 MiB pattern matches nothing at once and stays the word', async () => {
    const t0 = Date.now();
    const [r, grew] = await peakGrowth(() => run(`${HALF_MIB}echo "${'$x'.repeat(31)}"* | wc -c; echo *"${'$x'.repeat(31)}"* | wc -c`));
    expect(text(r)).toEqual({ out: `${31 * 524_288 + 2}\n${31 * 524_288 + 3}\n`, err: '', code: 0, outcome: 'success' });
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(grew).toBeLessThan(256);
  });

  it('a bracket of 15.5 MiB matches as its few characters do', async () => {
    const t0 = Date.now();
    const zeros = 'x=0; for i in {1..19}; do x=$x$x; done; ';
    const [r, grew] = await peakGrowth(() => run(`${zeros}echo wide/f00["${'$x'.repeat(31)}"]; echo wide/f0[0-0"${'$x'.repeat(15)}"][[:digit:]"${'$x'.repeat(15)}"] | wc -w`));
    expect(text(r)).toEqual({ out: 'wide/f000\n10\n', err: '', code: 0, outcome: 'success' });
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(grew).toBeLessThan(256);
  });
});

describe("one word's fields", () => {
  // F78: the 16 MiB and 1,000,000-word caps were checked once a word was done, so brace
  // copies of a 15.5 MiB quoted value (300 of them ran the process out of memory), a word of
  // split parts, or a word of 4 million split fields (868 MB) were built first.
  it.each([
    ['brace copies of a quoted value', `${HALF_MIB}echo {1..40}"${'$x'.repeat(31)}"`, OVER_BYTES],
    ['quoted values between split parts', `${HALF_MIB}s=' '; echo ${`"${'$x'.repeat(31)}"$s`.repeat(40)}`, OVER_BYTES],
    ['brace copies of a 4 MB literal', `echo {1..100}${'a'.repeat(4_000_000)}`, OVER_BYTES],
    ['millions of split fields', `x='a '; for i in {1..18}; do x=$x$x; done; i=; echo ${'$x'.repeat(16)}`, OVER_WORDS],
  ])('%s: refused as they are made', async (_what, script, err) => {
    const t0 = Date.now();
    const [r, grew] = await peakGrowth(() => run(`${script} | wc -c; echo next`));
    expect(text(r)).toEqual({ out: '0\nnext\n', err, code: 0, outcome: 'success' });
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(grew).toBeLessThan(256);
  });
});

describe('command substitutions of one command', () => {
  // F82: each output (up to 1 MiB) was kept until the command's words were expanded, and only
  // then met the 16 MiB cap: 600 `$(…)` of 1 MiB held 600 MiB (700 MB peak).
  it('count their outputs against the expansion cap as they come', async () => {
    const [r, grew] = await peakGrowth(() => run(`echo ${'$(cat mib)'.repeat(600)} | wc -c; echo next`));
    expect(text(r)).toEqual({ out: '0\nnext\n', err: OVER_BYTES, code: 0, outcome: 'success' });
    expect(grew).toBeLessThan(128);
    // Under the cap they expand: one word of 15 outputs of 1 MiB.
    expect(text(await run(`echo ${'$(cat mib)'.repeat(15)} | wc -c`))).toEqual({ out: `${15 * 1_048_576 + 1}\n`, err: '', code: 0, outcome: 'success' });
  });
  it('in a heredoc past the cap fail the redirection, not the run', async () => {
    // Before, the cap's error escaped the redirection: `internal panic`, outcome 'fatal'.
    const r = await run(`cat <<EOF | wc -c\n${'$(cat mib)'.repeat(17)}\nEOF\necho "after $?"`);
    expect(text(r)).toEqual({ out: '0\nafter 0\n', err: OVER_BYTES, code: 0, outcome: 'success' });
    // The statement itself fails: its command does not run.
    expect(text(await run(`cat <<EOF\n${'$(cat mib)'.repeat(17)}\nEOF\necho "after $?"`))).toEqual({ out: 'after 1\n', err: OVER_BYTES, code: 0, outcome: 'success' });
  });
  it('nested inside one another, hold their outputs against the run-wide total', async () => {
    // Each level keeps 15 MiB while the next runs: three levels pass the 32 MiB held at once.
    const level = (inner: string) => `$(echo ${'$(cat mib)'.repeat(15)} ${inner} | head -c 1)`;
    const r = await run(`echo ${level(level(level('')))} | wc -c; echo next`);
    expect(text(r)).toMatchObject({ err: expect.stringContaining('expansions held at once exceed the maximum of 33554432 bytes\n'), outcome: 'success' });
    expect(text(r).out.endsWith('next\n')).toBe(true);
  });
});
