/**
 * Builtins whose work grows far past their input, found by a review of the builtins for
 * allocation before a cap and synchronous stretches past the deadline: each of these took
 * the process down or ran seconds past its deadline before its fix. Time bounds are liveness
 * checks, not speed tests.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { timed } from './helpers/timed-run.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const MIB = 1 << 20;
const root = makeTree({ 'a1m.txt': 'a'.repeat(MIB) + '\n', 'ok.txt': 'ok\n' });
afterAll(() => removeTree(root));

describe('sed: a substitution is sized before it is built', () => {
  it('s/a/<128 &>/g over a 1 MiB line is refused at the pattern-space cap, not built (OOM before)', async () => {
    const before = process.memoryUsage().rss;
    const t = await timed(root, `sed 's/a/${'&'.repeat(128)}/g' a1m.txt; echo "$?"`, 5_000);
    const grew = (process.memoryUsage().rss - before) / MIB;
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({
      out: '1\n',
      err: 'sed: a1m.txt: pattern space exceeds maximum size (1048576 bytes)\n',
      outcome: 'success',
    });
    expect(t.ms).toBeLessThan(2_000);
    expect(grew).toBeLessThan(200);
  });

  it('a replacement that fits is still exact, with case operators too', async () => {
    const t = await timed(root, "echo abcabc | sed 's/b/[&&\\U&\\E]/g; s/\\(c\\)a/\\u\\1-/'", 1_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: 'a[bbB]C-[bbB]c\n', err: '' });
  });
});

describe('sed: a cycle reads the clock between commands', () => {
  it(':a;y/a/a/;ba over a 1 MiB line stops at the deadline (minutes before)', async () => {
    const t = await timed(root, "sed -n ':a;y/a/a/;ba' a1m.txt", 300);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome, code: t.r.exitCode }).toEqual({ out: '', err: '', outcome: 'timeout', code: 124 });
    expect(t.ms).toBeLessThan(1_000);
  });

  it(':a;s/a/a/;ta over a 1 MiB line stops at the deadline, not at the branch limit', async () => {
    const t = await timed(root, "sed ':a;s/a/a/;ta' a1m.txt", 300);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome, code: t.r.exitCode }).toEqual({ out: '', err: '', outcome: 'timeout', code: 124 });
    expect(t.ms).toBeLessThan(1_000);
  });
});

describe('grep and sed: compiling a big pattern is weighed against the deadline', () => {
  // F86: compiling is one synchronous stretch of ~2–8 µs per pattern character, and only
  // searches were weighed: a 512 KiB pattern ran seconds past a 300 ms deadline.
  const pattern = "p=a.; for i in {1..18}; do p=$p$p; done; ";
  it.each([
    ['grep', `${pattern}grep -c "$p" ok.txt`],
    ['sed', `${pattern}sed "s/$p/x/" ok.txt`],
  ])('%s with a 512 KiB pattern stops at the deadline', async (_name, script) => {
    const t = await timed(root, script, 300);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome, code: t.r.exitCode }).toEqual({ out: '', err: '', outcome: 'timeout', code: 124 });
    expect(t.ms).toBeLessThan(800);
  });
  it('a pattern that fits its time still runs', async () => {
    const t = await timed(root, "p=o.; for i in {1..9}; do p=$p$p; done; grep -c \"$p\" ok.txt; echo $?", 5_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: '0\n1\n', err: '' });
  });
});

describe('escapes: echo -e and printf decode a 16 MiB word without a rope of millions of pieces', () => {
  // 31 references to a 512 KiB value of `\u` (unquoted, so the word is built cheaply).
  const word = '$x'.repeat(31);
  const make = (unit: string) => `x='${unit}'; for i in {1..18}; do x="$x$x"; done; `;

  it('printf %b of 8 million bad \\u escapes stops at the deadline (8 s past it, 1 GB before)', async () => {
    const before = process.memoryUsage().rss;
    const t = await timed(root, `${make('\\u')}printf %b ${word} 2>/dev/null`, 1_000);
    const grew = (process.memoryUsage().rss - before) / MIB;
    expect({ out: t.out, outcome: t.r.outcome, code: t.r.exitCode }).toEqual({ out: '', outcome: 'timeout', code: 124 });
    expect(t.ms).toBeLessThan(1_600);
    expect(grew).toBeLessThan(250);
  });

  it('echo -e of 8 million \\t escapes is decoded well within its deadline', async () => {
    const t = await timed(root, `${make('\\t')}echo -e ${word} | wc -c`, 3_000);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: `${31 * 262144 + 1}\n`, err: '', outcome: 'success' });
    expect(t.ms).toBeLessThan(1_500);
  });

  it('decoding is unchanged: every escape kind, \\c, and a bad \\u warning each', async () => {
    const t = await timed(
      root,
      "echo -e 'a\\tb\\x41\\0101\\u00e9\\U0001F600\\q\\'; printf '%b|' '\\u' '\\101\\cX'; printf 'z\\u\\Uq\\n'",
      1_000,
    );
    expect({ out: t.out, err: t.err }).toEqual({
      out: 'a\tbAA\u00c3\u00a9\u00f0\u009f\u0098\u0080\\q\\\n\\u|Az\\u\\Uq\n',
      err: 'printf: missing unicode digit for \\u\nprintf: missing unicode digit for \\u\nprintf: missing unicode digit for \\U\n',
    });
  });
});
