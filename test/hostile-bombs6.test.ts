/**
 * Resource bombs a sixth hunt found: each test failed before its fix. Memory and gap bounds
 * are wide (CI is a loaded 2-core machine); they check liveness and scale, not speed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { probed } from './helpers/timed-run.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const KIB = 1 << 10;
const MIB = 1 << 20;
const root = makeTree({
  'a1m.txt': 'a'.repeat(MIB),
  'b512k.txt': 'b'.repeat(512 * KIB),
  'a512k.txt': 'a'.repeat(512 * KIB),
  // Runs of unclosed brackets: each `[` starts a bracket that never closes.
  'lb.txt': '['.repeat(MIB),
  'lc.txt': '[' + '[:'.repeat(512 * KIB - 1),
  // 512 KiB of b–z: a bracket of them matches no `a`.
  'bz.txt': 'bcdefghijklmnopqrstuvwxyz'.repeat(21_000).slice(0, 512 * KIB),
  'd/aaaa': '',
  'ok.txt': 'ok\n',
  'lb100k.txt': '['.repeat(100_000),
  'lc100k.txt': '[' + '[:'.repeat(50_000),
  // 2 Mi - 1 `{}` for find -exec to replace.
  'braces.txt': '{}'.repeat(512 * KIB - 1),
  // 200 names of 250 bytes.
  ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`wide/${'a'.repeat(245)}${String(i).padStart(5, '0')}`, ''])),
});
afterAll(() => removeTree(root));

/** `"$v…"`: `n` references to `v` in one word. */
const times = (n: number, v: string) => `"${`$${v}`.repeat(n)}"`;

describe('field splitting by a long IFS', () => {
  it('a 512 KiB IFS splits a 1 MiB value in one pass (8.7 s of one stretch before)', async () => {
    const t = await probed(root, 'IFS=$(cat b512k.txt); echo $(cat a1m.txt) | wc -c', 20_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: `${MIB + 1}\n`, err: '', code: 0 });
    expect(t.gap).toBeLessThan(1_000);
  });

  it('splits at every char of a long IFS, and a loop of such words ends in time (timed out at 1 s before)', async () => {
    const t = await probed(root, 'IFS=$(cat b512k.txt):; v=x:ybz; echo $v; x=$(cat a512k.txt); for i in 1 2 3 4 5 6 7 8; do echo $x$x; done | wc -c', 5_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: `x y z\n${8 * (MIB + 1)}\n`, err: '', code: 0 });
    expect(t.ms).toBeLessThan(2_500);
  });
});

describe('unclosed brackets in patterns', () => {
  it('a 1 MiB run of `[` in a glob is compiled once (12.6 s past a 5 s deadline before)', async () => {
    const t = await probed(root, 'x=$(cat lb.txt); echo $x/* | wc -c; echo */$x | wc -c', 5_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: `${MIB + 3}\n${MIB + 3}\n`, err: '', code: 0 });
    expect(t.gap).toBeLessThan(1_500);
  });

  it('a bracket of 512 Ki `[:` looks for each class name near it (over 2 minutes before)', async () => {
    const t = await probed(root, 'x=$(cat lc.txt); echo $x/* | wc -c', 5_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: `${MIB + 2}\n`, err: '', code: 0 });
    expect(t.gap).toBeLessThan(1_500);
  });

  it('find -name with a 1 MiB run of `[` (over 60 s past a 5 s deadline before)', async () => {
    const t = await probed(root, 'x=$(cat lb.txt); find d -name "$x"; find d -path "*$x"; echo $?', 5_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: '0\n', err: '', code: 0 });
    expect(t.gap).toBeLessThan(2_000);
  });
});

describe('find patterns of megabytes', () => {
  it('a 15 MiB -name pattern is not compiled past what a name can match (1.3 GB before)', async () => {
    const t = await probed(root, `x=$(cat a512k.txt); find d -name ${times(30, 'x')}; find d -iname ${times(30, 'x')}*; echo $?`, 20_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: '0\n', err: '', code: 0 });
    expect(t.peakMiB).toBeLessThan(500);
  });

  it('a 15 MiB -path pattern longer than any printed path matches nothing, a long one still matches', async () => {
    const t = await probed(root, `x=$(cat a512k.txt); find d -path ${times(30, 'x')}; find d -path "d/a*$x*a" -o -path "d/*[$x]"; echo $?`, 20_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: 'd/aaaa\n0\n', err: '', code: 0 });
    expect(t.peakMiB).toBeLessThan(500);
  });

  it('a 7.5 MiB bracket is searched, not scanned, per character (4.4 s of one stretch and 520 MiB before)', async () => {
    const t = await probed(root, `x=$(cat bz.txt); find wide -name "*[${'$x'.repeat(15)}]" | wc -l; find wide -name "*[!$x]" | wc -l`, 5_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: '1\n200\n', err: '', code: 0 });
    expect(t.gap).toBeLessThan(1_500);
  });
});

describe('find -exec arguments', () => {
  it('an argument whose `{}`s would pass the 16 MiB expansion cap is refused, not built (1.5 GB, then an internal panic, before)', async () => {
    const x4 = times(4, 'x');
    const t = await probed(root, `x=$(cat braces.txt); find wide -name '*00007' -exec echo ${x4} ${x4} ${x4} ${x4} \\; ; echo $?; find d/aaaa -exec echo "$x" \\; | wc -c`, 10_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: `1\n${6 * (512 * KIB - 1) + 1}\n`, err: "find: 'echo': argument list too long\n", code: 0 });
    expect(t.peakMiB).toBeLessThan(500);
  });
});

describe('grep and sed patterns', () => {
  it('a 100 KB run of `[` is translated once: RE2 reports it (127 s of one stretch before)', async () => {
    // sed reads a bracket whole (F116), as GNU sed does: an unclosed one leaves the `s`
    // unterminated, and closed, the run of `[` is one bracket holding `[`.
    const t = await probed(root, 'x=$(cat lb100k.txt); grep -c "$x" ok.txt; echo $?; sed "s/$x//" ok.txt; echo $?; sed "s/$x]/!/" ok.txt; echo $?', 5_000);
    expect(t.out).toBe('2\n1\nok\n0\n');
    expect(t.err).toMatch(/^grep: invalid regular expression: error parsing regexp: missing closing \]: `\[+`\nsed: unterminated 's' command\n$/);
    expect(t.gap).toBeLessThan(1_500);
  });

  it("RE2's look-ahead for each `[:` counts in the compile guard (9.5 s of one stretch past a 5 s deadline before)", async () => {
    const t = await probed(root, 'x=$(cat lc100k.txt); grep -c "$x" ok.txt', 5_000);
    expect({ outcome: t.r.outcome, out: t.out }).toEqual({ outcome: 'timeout', out: '' });
    expect(t.ms).toBeLessThan(2_500);
    // Many classes, each closed nearby: compiled and searched as before.
    const classes = '[[:alpha:]][[:digit:]]'.repeat(2_000);
    const ok = await probed(root, `printf 'a1%.0s' {1..2000} | grep -c '${classes}'`, 5_000);
    expect({ out: ok.out, err: ok.err }).toEqual({ out: '1\n', err: '' });
  });
});
