/**
 * Resource bombs a ninth hunt found: each test failed before its fix. Memory, time and
 * descriptor bounds are wide (CI is a loaded 2-core machine); they check scale, not speed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { liveBytes } from './helpers/live-memory.js';
import { probed, probedPeak, timed } from './helpers/timed-run.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const MiB = 2 ** 20;

const root = makeTree({
  'f.txt': 'hello\n',
  'a1m.txt': 'a'.repeat(MiB),
  ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`g/${'a'.repeat(60)}${i}`, ''])),
});
afterAll(() => removeTree(root));

describe('what outlives a run', () => {
  it("the shell's glob cache keeps a bounded total: 900 patterns of 1,000 chars kept 40 MiB after the run", async () => {
    // Each pattern: 336 one-char brackets (a RegExp each) and a number, distinct per iteration.
    const script = 'p=[a][a][a][a][a][a][a][a]; p=$p$p$p$p; p=$p$p$p$p; q=[a][a][a][a][a][a][a][a][a][a]; p=$p$p$q$q$q$q$q$q$q$q\n' + 'for i in {101..999}; do echo g/$p$i*; done | wc -l';
    await timed(root, 'echo g/*[0-9]', 5_000); // loads what a first glob loads
    const before = liveBytes();
    const t = await timed(root, script, 30_000);
    const kept = (liveBytes() - before) / MiB;
    expect({ out: t.out, err: t.err }).toEqual({ out: '899\n', err: '' });
    // With the cap: under 12 MiB on Node 20, 13–13.7 on Node 24 (more compiled code kept);
    // without it, 42 and 52.
    expect(kept).toBeLessThan(20);
  });
});

describe('tr sets', () => {
  it('an operand of 256 KiB of `[:` (or `[=`, `[a*`) is parsed in one pass (14–24 s of one stretch past a 5 s deadline)', async () => {
    for (const open of ['[:', '[=', '[a*']) {
      // 131,072 copies: each one's scan for its `:]` (`=]`, `]`) ran to the end.
      const t = await probed(root, `x='${open}'; x=$x$x$x$x$x$x$x$x; x=$x$x$x$x$x$x$x$x; x=$x$x$x$x$x$x$x$x; x=$x$x$x$x$x$x$x$x; x=$x$x$x$x$x$x$x$x; x=$x$x$x$x\ntr -d "$x" < f.txt; echo $?`, 5_000);
      expect({ open, out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ open, out: 'hello\n0\n', err: '', outcome: 'success' });
      expect(t.gap).toBeLessThan(1_500);
    }
  });

  it('twelve stages of `tr "$x" "$x"` with a 1 MiB $x build their sets in bytes, not objects (stretches of 0.75 s, +600 MiB)', async () => {
    const t = await probed(root, `x=$(cat a1m.txt); tr "$x" "$x" < a1m.txt${' | tr "$x" "$x"'.repeat(11)} | wc -c`, 30_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: '1048576\n', err: '' });
    expect(t.gap).toBeLessThan(400);
    expect(t.peakMiB).toBeLessThan(250);
  });
});

// Before any test of this file runs grep or sed: the first needs their lazily loaded group.
describe('a cold group of builtins', () => {
  it('twelve stages waiting for grep to load resume one a turn (2.0 s of one stretch)', async () => {
    const t = await probed(root, `x=$(head -c 200000 a1m.txt); grep -cF "$x" f.txt${' | grep -cF "$x"'.repeat(11)}`, 30_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: '0\n', err: '' });
    // A share of the run, not a time: on a loaded machine each stage's compile is slower, and
    // two can still run back to back (RELIABILITY F140); before, all twelve were one stretch.
    expect(t.gap / t.ms).toBeLessThan(0.6);
  });
});

describe('sed y', () => {
  it('twelve stages of `sed "y/$x/$x/"` with a 1 MiB $x parse without a string object per char (+270 MiB, 2.7 s)', async () => {
    const rss = () => process.memoryUsage().rss / MiB;
    const t = await probedPeak(root, `sed -n 1p f.txt; x=$(cat a1m.txt); sed "y/$x/$x/" f.txt${' | sed "y/$x/$x/"'.repeat(11)} | wc -c`, 30_000, rss, 10);
    expect({ out: t.out, err: t.err }).toEqual({ out: 'hello\n6\n', err: '' });
    expect(t.peak).toBeLessThan(150);
  });

  it("y still maps multibyte characters and refuses sets of different lengths", async () => {
    const t = await probed(root, "echo héllo | sed 'y/hé/Hè/'; echo ab | sed 'y/ab/é/'; echo $?", 5_000);
    expect({ out: t.r.stdout.toString(), err: t.err }).toEqual({ out: 'Hèllo\n1\n', err: "sed: 'y' command: source and destination must have the same length\n" });
  });
});
