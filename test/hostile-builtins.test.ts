/**
 * Builtins and expansion against hostile input, found by a review of rshell's builtins: each
 * of these ran seconds to minutes past its deadline, or took the process down, before its
 * fix (RELIABILITY F36–F42). Time bounds are liveness checks, not speed tests.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { timed } from './helpers/timed-run.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const roots = {
  tr: makeTree({ 'ok.txt': 'ok\n' }),
  test: makeTree({ 'ok.txt': 'ok\n' }),
  sort: makeTree({ 'ok.txt': 'ok\n' }),
  glob: makeTree({ 'fields.txt': '', 'line1m.txt': '', 'nums.txt': '', 'words.txt': '', 'a[b].txt': '', '.hidden': '' }),
  printf: makeTree({ 'ok.txt': 'ok\n' }),
  split: makeTree({ 'a2.txt': 'a\n'.repeat(524288) }),
};
afterAll(() => {
  for (const r of Object.values(roots)) removeTree(r);
});

describe('tr: sets are sized before they are built', () => {
  it('a huge [c*n] in SET2 maps like GNU without building it', async () => {
    const before = process.memoryUsage().rss;
    const t = await timed(roots.tr, "echo abc | tr a '[b*20000000]'; echo \"$?\"", 2_000);
    const grew = (process.memoryUsage().rss - before) / 2 ** 20;
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: 'bbc\n0\n', err: '', outcome: 'success' });
    expect(t.ms).toBeLessThan(1_000);
    expect(grew).toBeLessThan(64);
  });

  it('the same repeat with -s squeezes like GNU', async () => {
    const t = await timed(roots.tr, "echo aab | tr -s a '[b*20000000]'", 2_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: 'b\n', err: '' });
    expect(t.ms).toBeLessThan(1_000);
  });

  it('a SET1 of 65,536 full ranges is refused at once, not expanded past the deadline', async () => {
    const t = await timed(roots.tr, "x='\\0-\\377'; for i in {1..16}; do x=\"$x$x\"; done; echo a | tr -d \"$x\"; echo \"$?\"", 200);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({
      out: '1\n',
      err: 'tr: set too large (limit 1048576 characters)\n',
      outcome: 'success',
    });
    expect(t.ms).toBeLessThan(1_000);
  });
});

describe('script-sized operands are never spread into a call (V8 refuses ~120k arguments)', () => {
  it('tr: a [:class:] of 524,288 bytes is an invalid class, not an internal panic', async () => {
    const t = await timed(roots.tr, 'x=a; for i in {1..19}; do x="$x$x"; done; echo a | tr -d "[:$x:]"; echo "$?"', 5_000);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({
      out: '1\n',
      err: `tr: invalid character class '${'a'.repeat(524288)}'\n`,
      outcome: 'success',
    });
  });

  it('tr: a [c*n] count of 524,288 digits is an invalid repeat count, as in GNU', async () => {
    const t = await timed(roots.tr, 'x=1; for i in {1..19}; do x="$x$x"; done; echo a | tr a "[b*$x]"; echo "$?"', 5_000);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({
      out: '1\n',
      err: `tr: invalid repeat count '${'1'.repeat(524288)}' in [c*n] construct\n`,
      outcome: 'success',
    });
  });

  it('262,144 operands after `--` reach the builtin', async () => {
    const t = await timed(roots.tr, 'y="a "; for i in {1..18}; do y="$y$y"; done; tr -d -- $y; echo "$?"', 5_000);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({
      out: '1\n',
      err: "tr: extra operand 'a'\n",
      outcome: 'success',
    });
  });
});

describe('test: integer operands trimmed in linear time', () => {
  it('an operand with a long inner run of blanks fails at once', async () => {
    const t = await timed(roots.test, 'x=" "; for i in {1..17}; do x="$x$x"; done; test "a${x}a" -eq 1; echo "$?"; [ " 7 " -eq 7 ]; echo "$?"', 200);
    expect(t.out).toBe('2\n0\n');
    expect(t.err).toBe(`test: a${' '.repeat(131072)}a: integer expression expected\n`);
    expect(t.ms).toBeLessThan(1_000);
  });
});

describe('sort: hostile inputs', () => {
  it('-n over a fraction with 100,000 inner zeros', async () => {
    const line = '0.1' + '0'.repeat(100_000) + '1';
    writeFileSync(`${roots.sort}/frac.txt`, `${line}\n0.2\n0.1\n`);
    const t = await timed(roots.sort, 'sort -n frac.txt', 1_000);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: `0.1\n${line}\n0.2\n`, err: '', outcome: 'success' });
    expect(t.ms).toBeLessThan(1_000);
  });

  it('600 keys over a 1 MiB line sort it instead of panicking', async () => {
    writeFileSync(`${roots.sort}/long.txt`, 'b'.repeat(1024 * 1024 - 1) + '\na\n');
    const keys = Array.from({ length: 600 }, () => '-k1').join(' ');
    const t = await timed(roots.sort, `sort ${keys} long.txt | head -c 4; echo; sort -u ${keys} long.txt | wc -l`, 5_000);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: 'a\nbb\n2\n', err: '', outcome: 'success' });
  });

  it('keys compared in place order like sort strings (-r, -u, -s, -n, -f)', async () => {
    writeFileSync(`${roots.sort}/keys.txt`, ['b 2', 'a 1', 'B 1', 'a 2', 'a 1', 'c 10', 'c 9', ''].join('\n') + '\n');
    const dup = (k: string) => Array.from({ length: 300 }, () => k).join(' ');
    for (const flags of ['-u -k2,2r', '-s -k2,2nr', '-k2n', '-r -k1,1f', '-u -k1,1f', '-k2,2n -k1,1r']) {
      const first = flags.split(' ').at(-1)!;
      const fast = await timed(roots.sort, `sort ${flags} keys.txt`, 5_000);
      const slow = await timed(roots.sort, `sort ${flags} ${dup(first)} ${dup(first)} keys.txt`, 5_000);
      expect({ flags, out: slow.out, err: slow.err }).toEqual({ flags, out: fast.out, err: '' });
    }
  });

  it('30 folded keys over 4 MiB stop at the deadline without exhausting memory', async () => {
    writeFileSync(`${roots.sort}/mib.txt`, 'a'.repeat(1024 * 1024 - 1) + '\n');
    const keys = Array.from({ length: 30 }, () => '-k1f').join(' ');
    const before = process.memoryUsage().rss;
    const t = await timed(roots.sort, `cat mib.txt mib.txt mib.txt mib.txt | sort ${keys} | wc -c`, 500);
    expect(t.r.outcome).toBe('timeout');
    expect(t.ms).toBeLessThan(1_000);
    expect((process.memoryUsage().rss - before) / 2 ** 20).toBeLessThan(128);
  });

  it('-n over 1,000,000 lines stops near its deadline', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 1_000_000; i++) lines.push(String((i * 7919) % 1000));
    writeFileSync(`${roots.sort}/nums.txt`, lines.join('\n') + '\n');
    const t0 = performance.now();
    // Ends at the deadline while reading or sorting; must not run on for a second.
    const t = await timed(roots.sort, 'sort -n nums.txt > /dev/null', 800);
    expect(t.r.outcome).toBe('timeout');
    expect(performance.now() - t0).toBeLessThan(800 + 250);
  });
});

describe('globbing: many stars', () => {
  it('many stars before a letter no name has', async () => {
    const pat = '*'.repeat(24) + 'Q';
    const t = await timed(roots.glob, `echo ${pat}; echo *s*t; echo ?i*[a-f]*.t?t; echo a\\[*; echo *[!a-z].txt; echo .*n`, 100);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({
      out: `${pat}\nfields.txt nums.txt words.txt\nfields.txt line1m.txt\na[b].txt\na[b].txt\n.hidden\n`,
      err: '',
      outcome: 'success',
    });
    expect(t.ms).toBeLessThan(1_000);
  });
});

describe('printf: one long pass', () => {
  it('one long pass stops at the deadline', async () => {
    const t = await timed(roots.printf, "x='%.9999g'; for i in {1..17}; do x=$x$x; done; printf \"$x\" > /dev/null", 100);
    expect(t.r.outcome).toBe('timeout');
    expect(t.ms).toBeLessThan(1_000);
  });
});

describe('IFS splitting of a 1 MiB value', () => {
  it('splitting a 1 MiB substitution stops near the deadline', async () => {
    const t = await timed(roots.split, 'for w in $(cat a2.txt); do break; done', 20);
    expect(t.r.outcome).toBe('timeout');
    expect(t.ms).toBeLessThan(100);
  });
});
