/**
 * Builtins and expansion that held the event loop, or memory, far past what their caps allow:
 * several tasks of a batch share one Node process, so a run that never yields starves the
 * others (and the flush) until its deadline, and one that reserves a line's worst case at once
 * can take the Lambda's 512 MB. Each test failed before its fix; time and gap bounds are
 * liveness checks with wide margins, not speed tests.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { probed, timed } from './helpers/timed-run.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const MIB = 1 << 20;
// 1 MiB, not 64 KiB: since y is a byte loop, 10,000 jumps over 64 KiB end before the deadline.
const root = makeTree({ 'a1m.txt': 'a'.repeat(MIB - 1) + '\n' });
afterAll(() => removeTree(root));

const timedWithGap = (script: string, timeoutMs: number) => probed(root, script, timeoutMs);

// A 512 KiB --output-delimiter, and a line of 2^k commas (2^k + 1 empty fields).
const bigDelim = 'd=x; for i in {1..19}; do d=$d$d; done; ';
const commas = (k: number) => `l=,; for i in {1..${k}}; do l=$l$l; done; `;

describe('cut: a line with a long --output-delimiter is written as it is cut', () => {
  it('1,025 fields joined by 512 KiB: 512 MiB counted exactly, without reserving it (1 GB RSS before)', async () => {
    const before = process.memoryUsage().rss;
    const t = await timed(root, `${bigDelim}${commas(10)}echo "$l" | cut -d, -f1- --output-delimiter="$d" | wc -c`, 30_000);
    const grew = (process.memoryUsage().rss - before) / MIB;
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: `${1024 * 512 * 1024 + 1}\n`, err: '', outcome: 'success' });
    expect(grew).toBeLessThan(400);
  });

  it('8,193 fields (4 GiB) to stdout stop at the output cap (an internal panic before)', async () => {
    const t = await timed(root, `${bigDelim}${commas(13)}echo "$l" | cut -d, -f1- --output-delimiter="$d"`, 10_000);
    expect({ outcome: t.r.outcome, size: t.r.stdout.length, err: t.err }).toEqual({ outcome: 'output_limit', size: 10 * MIB, err: '' });
  });

  it('-b ranges with a delimiter, and fields, are unchanged', async () => {
    const t = await timed(root, 'echo a,b,c | cut -d, -f1,3 --output-delimiter=XY; echo abcdef | cut -b1,3,5- --output-delimiter=:', 2_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: 'aXYc\na:c:ef\n', err: '' });
  });
});

describe('the event loop gets a turn during long builtins and expansions', () => {
  it('a sed branch loop over a 1 MiB line yields until its deadline (one 2 s stretch before)', async () => {
    const t = await timedWithGap("sed -n ':a;y/a/a/;ba' a1m.txt", 2_000);
    expect({ out: t.out, outcome: t.r.outcome }).toEqual({ out: '', outcome: 'timeout' });
    expect(t.gap).toBeLessThan(700);
  });

  it('a pipeline of gigabytes yields until its deadline (one 2 s stretch before)', async () => {
    // Four p a jump (20 GB before the branch limit): with one, the 5 GB sometimes passed in 1.5 s.
    const t = await timedWithGap(`${bigDelim}echo "$d" | sed -n ':a;p;p;p;p;ba' | wc -c`, 2_000);
    expect({ out: t.out, outcome: t.r.outcome }).toEqual({ out: '', outcome: 'timeout' });
    expect(t.gap).toBeLessThan(700);
  });

  it('a pipeline without sed (cut into wc, 64 GiB) yields until its deadline (one stretch before)', async () => {
    // 8 GiB passed in about a second: 64 GiB cannot end before a 2 s deadline.
    const t = await timedWithGap(`${bigDelim}${commas(17)}echo "$l" | cut -d, -f1- --output-delimiter="$d" | wc -c`, 2_000);
    expect({ out: t.out, outcome: t.r.outcome }).toEqual({ out: '', outcome: 'timeout' });
    expect(t.gap).toBeLessThan(700);
  });

  it('ten 99,999-word brace sequences in one command yield between words (one stretch before)', async () => {
    const b = '{1..99999}';
    const t = await timedWithGap(`echo ${Array(10).fill(b).join(' ')} >/dev/null; echo $?`, 60_000);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: '0\n', err: '', outcome: 'success' });
    // Before, the whole expansion was one stretch (gap ≈ the run); now a word at most.
    // (A half, not a tenth: on a loaded 2-core machine one word's expansion took 40 % of a run.)
    expect(t.gap).toBeLessThan(t.ms / 2);
  });

  it('one 99,999-word brace word yields between its words (one stretch of 0.1–0.9 s before)', async () => {
    const w = 'a'.repeat(43) + '{1..99999}';
    // The smallest of three: a loaded machine can only lengthen a gap (GC, another process).
    // Before, each of the six words was one stretch, at least a sixth of the run (0.20–0.34
    // measured); now the run yields every 20 ms or so (0.03–0.11).
    let least = Infinity;
    for (let k = 0; k < 3; k++) {
      const t = await timedWithGap(`for i in 1 2 3 4 5 6; do true ${w}; done; echo $?`, 60_000);
      expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: '0\n', err: '', outcome: 'success' });
      least = Math.min(least, t.gap / t.ms);
    }
    expect(least).toBeLessThan(0.12);
  });
});

describe('long regex compiles of pipeline stages', () => {
  it('two grep stages compiling a 512 KiB pattern each are two stretches, not one (the whole run, 1.2–4 s)', async () => {
    await timedWithGap('grep -c a a1m.txt | grep -c a', 5_000); // grep loaded: the stages start without waiting for it
    const s = `x=$(head -c 524288 a1m.txt); grep -c "x$x" a1m.txt | grep -c "x$x"`;
    // One compile cannot be cut (its guard only refuses one that would pass the deadline), so
    // the bound is a share of the run: before, the second compile came straight after the
    // first, 0.99–1.00 of the run in one stretch; now 0.50–0.61, loaded or not.
    let least = Infinity;
    for (let k = 0; k < 2; k++) {
      const t = await timedWithGap(s, 60_000);
      expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: '0\n', err: '', outcome: 'success' });
      least = Math.min(least, t.gap / t.ms);
    }
    expect(least).toBeLessThan(0.8);
  });
});
