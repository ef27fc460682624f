/**
 * Resource bombs a seventh hunt found: each test failed before its fix. Memory and time bounds
 * are wide (CI is a loaded 2-core machine); they check scale, not speed. Most bombs here are
 * many small writes: `tail -z` writes each line of its ring on its own, so a ring of 100,000
 * one-byte lines is 100,000 writes, and every write a pipe or a collector kept as its own
 * chunk held ~150–190 bytes of objects for each byte.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { liveBytes } from './helpers/live-memory.js';
import { probed, probedPeak, type Probed } from './helpers/timed-run.js';
import { makeTree, removeTree } from './sandbox-helpers.js';
import { Pipe } from '../src/rshell/interp/pipe.js';
import { carryPiece } from '../src/rshell/builtins/lib/lines.js';

const MIB = 1 << 20;
const root = makeTree({
  'a1m.txt': 'a'.repeat(MIB),
  // 100,000 lines for `tail -z`: one byte each, or `a` and its NUL.
  'z.txt': '\0'.repeat(100_000),
  'za.txt': 'a\0'.repeat(100_000),
  // A run of 300,000 printable bytes that crosses read chunks, between binary bytes.
  'run.bin': `\0\0${'x'.repeat(300_000)}\0${'y'.repeat(10)}\0`,
  'ctx.txt': 'l1\nl2\nl3\nhit\nl5\n',
  // 512 Ki lines of one byte.
  'lines.txt': 'a\n'.repeat(512 * 1024),
});
afterAll(() => removeTree(root));

/**
 * `probed`, with the most memory the process held during the run (after a full collection,
 * every 200 ms), MiB over what it held before: RSS peaks are the process's, and an earlier
 * test's peak hides a later one's.
 */
async function liveProbed(script: string, timeoutMs: number): Promise<Probed & { liveMiB: number }> {
  const t = await probedPeak(root, script, timeoutMs, liveBytes, 200);
  return { ...t, liveMiB: t.peak / MIB };
}

/** `for` over 1..n of a command (a list this short is not held as a big expansion). */
const loop = (n: number, cmd: string) => `for i in ${Array.from({ length: n }, (_, i) => i + 1).join(' ')}; do ${cmd}; done`;

describe('strings below its minimum length', () => {
  it('keeps no chunk of a run that cannot reach MIN (1.4 GB in 10 s before)', async () => {
    const t = await liveProbed(`${loop(300, 'cat a1m.txt')} | strings -n 2000000000 | wc -c`, 30_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: '0\n', err: '', code: 0 });
    expect(t.liveMiB).toBeLessThan(64);
  });

  it('a run carried across chunks and pipe writes still prints whole, with its offset', async () => {
    const want = `      2 ${'x'.repeat(300_000)}\n`;
    const t = await probed(root, 'strings -n 300000 -t d run.bin; cat run.bin | strings -n 300000 -t d; strings -n 10 run.bin', 10_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: `${want}${want}${'x'.repeat(300_000)}\nyyyyyyyyyy\n`, err: '' });
  });
});

describe('many small writes', () => {
  it('the run stdout keeps one buffer, not a chunk per write (312 MiB live for 6 MB before)', async () => {
    const t = await liveProbed(loop(30, 'tail -z -n 100000 za.txt'), 30_000);
    expect({ len: t.r.stdout.length, code: t.r.exitCode }).toEqual({ len: 6_000_000, code: 0 });
    expect(t.r.stdout.equals(Buffer.from('a\0'.repeat(3_000_000), 'latin1'))).toBe(true);
    expect(t.liveMiB).toBeLessThan(64);
  });

  it('so does stderr, and a command substitution', async () => {
    const t = await liveProbed(`${loop(30, 'tail -z -n 100000 za.txt')} >&2; x=$(${loop(5, 'tail -z -n 100000 z.txt; printf b')}); echo "$x" | wc -c`, 30_000);
    expect({ out: t.out, errLen: t.r.stderr.length, code: t.r.exitCode }).toEqual({ out: '6\n', errLen: 6_000_000, code: 0 });
    expect(t.liveMiB).toBeLessThan(64);
  });

  it('a pipe counts each waiting write, so one-byte writes do not pile up 64 Ki deep (12 MB a pipe before)', () => {
    const p = new Pipe();
    let writes = 0;
    while (p.write('a') === undefined) writes++;
    expect(writes).toBeLessThan(1_000);
    // Big writes still fill it to the high-water mark.
    const q = new Pipe();
    expect(q.write(Buffer.alloc(60 * 1024))).toBeUndefined();
  });

  it('a line carried over a million one-byte writes keeps a few parts (190 MiB live in one uniq before)', async () => {
    const t = await liveProbed(`${loop(10, 'tail -z -n 100000 z.txt')} | uniq | wc -c`, 30_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: '1000001\n', err: '', code: 0 });
    expect(t.liveMiB).toBeLessThan(64);
  });

  it('grep, sed and cut carry such a line the same way', async () => {
    const t = await liveProbed(['grep -c .', "sed -n '$='", 'cut -c 1-2 | wc -c'].map((c) => `${loop(5, 'tail -z -n 100000 za.txt')} | ${c}`).join('; '), 30_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: '1\n1\n3\n', err: '' });
    expect(t.liveMiB).toBeLessThan(64);
    const parts: Uint8Array[] = [];
    const one = Buffer.from('q');
    for (let i = 0; i < 1_000_000; i++) carryPiece(parts, one);
    expect(parts.length).toBeLessThanOrEqual(20);
    expect(Buffer.concat(parts).equals(Buffer.alloc(1_000_000, 'q'))).toBe(true);
  });
});

describe('grep before-context', () => {
  it("each stage's held context counts against the run's buffered total (a thousand stages ran to the deadline holding 124 MiB more)", async () => {
    const producer = 'b=$(printf "b%.0s" {1..65000}); for i in {1..100000}; do for j in 1 2 3 4 5 6 7 8; do echo $b; done; echo a; done';
    const t = await probed(root, `${producer}${' | grep -B8 a'.repeat(1000)} | wc -c`, 20_000);
    expect(t.err).toContain("grep: (standard input): input buffered at once by the run's commands exceeds the maximum of 134217728 bytes\n");
    expect(t.r.outcome).toBe('success');
    expect(t.ms).toBeLessThan(15_000);
  });

  it('a single grep -B prints its context as before', async () => {
    const t = await probed(root, 'grep -B2 hit ctx.txt; grep -B 1000 -c hit ctx.txt', 5_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: 'l2\nl3\nhit\n1\n', err: '' });
  });
});

describe('variables in forks', () => {
  /**
   * 90,000 empty variables: values count against the 1 MiB total, names and entries did not.
   * One statement (90,001 syntax nodes), so the 200,000-node cap leaves room for the forks.
   */
  const many = Array.from({ length: 90_000 }, (_, i) => `v${i}=`).join(' ');

  it('1,000 pipeline stages do not copy 90,000 variables each (1.7 GB, an 11.6 s stretch, 12 s past a 20 s deadline before)', async () => {
    const t = await probed(root, `${many}; v1=a; echo x${' | { v1=$v1.; cat; }'.repeat(1000)} | wc -l; echo $v1`, 20_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: '1\na\n', err: '', code: 0 });
    expect(t.ms).toBeLessThan(10_000);
    expect(t.peakMiB).toBeLessThan(500);
  });

  it('nor 500 stages each 17 subshells deep (1.97 GB, a 23 s stretch, 24 s past a 20 s deadline before)', async () => {
    const stage = `${'(a=1; '.repeat(17)}x=$(true); cat${')'.repeat(17)}`;
    const t = await probed(root, `${many}; echo x${` | ${stage}`.repeat(500)} | wc -l`, 20_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: '1\n', err: '', code: 0 });
    expect(t.ms).toBeLessThan(10_000);
    expect(t.peakMiB).toBeLessThan(500);
  });

  it('nor does each command substitution of a loop (timed out at 20 s before)', async () => {
    const t = await probed(root, `${many}; for i in {1..3000}; do x=$(echo $i; v2=b); done; echo $x $v2.`, 20_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: '3000 .\n', err: '', code: 0 });
    expect(t.ms).toBeLessThan(10_000);
  });

  it('a fork sees its parent, and its own assignments and unsets stay its own', async () => {
    const t = await probed(root, 'a=1; b=2; (a=3; echo $a $b; (echo $a; b=; echo "[$b]"); echo $b); echo $a $b; x=4 true; echo "[$x]"; echo $(a=5; echo $a) $a', 5_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: '3 2\n3\n[]\n2\n1 2\n[]\n5 1\n', err: '' });
    // Twenty layers deep, past the walk whose result a layer keeps.
    const levels = Array.from({ length: 20 }, (_, i) => `(v${i}=${i}; `).join('');
    const deep = await probed(root, `v3=top; ${levels}v5=five; echo $v0 $v3 $v19 $v5; echo | { v3=x; echo $v3 $v4; }; v7= true; echo $v3 "[$v7]"${')'.repeat(20)}; echo $v3 $v5.`, 5_000);
    expect({ out: deep.out, err: deep.err }).toEqual({ out: '0 3 19 five\nx 4\n3 [7]\ntop .\n', err: '' });
  });

  it('a lookup through hundreds of nested forks stays short (a 0.95 s stretch for one word if each walked them all)', async () => {
    // 480 layers: each level a pipeline stage and a subshell in it.
    const t = await probed(root, `b=1; ${'(a=1; true | '.repeat(240)}echo ${'$b'.repeat(190_000)} | wc -c${')'.repeat(240)}`, 10_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: '190001\n', err: '' });
    expect(t.gap).toBeLessThan(600);
  });
});

describe('sed appending to a space', () => {
  it('H over 512 Ki short lines appends in place (a copy each time ran past a 10 s deadline before)', async () => {
    const t = await probed(root, "sed -n 'H;$!d;x;s/\\n//g;p' lines.txt | wc -c; sed -n ':a;N;$!ba;s/\\n/,/g;p' ctx.txt; sed -n 'H;x;G;x;$!d;x;p' ctx.txt", 10_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: `${512 * 1024 + 1}\nl1,l2,l3,hit,l5\n\nl1\nl1\nl2\nl2\nl3\nl3\nhit\nhit\nl5\nl5\n`, err: '', code: 0 });
    // The last: H, G and x interleaved on one spare buffer (GNU sed's output).
    expect(t.ms).toBeLessThan(5_000);
  });
});
