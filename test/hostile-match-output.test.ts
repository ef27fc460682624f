/**
 * Matches and output that piled up, or held the event loop, inside one input chunk, one line or
 * one sort: grep's per-chunk output, grep -o and sed s///g over a line of a million matches,
 * sort's comparator with many keys, and an expansion's last large word. Each test failed
 * before its fix; bounds are liveness and memory checks with wide margins, not speed tests.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { probed } from './helpers/timed-run.js';
import { makeTree, removeTree } from './sandbox-helpers.js';
import { mergeSort } from '../src/rshell/builtins/text/sort.js';

const MIB = 1 << 20;
const root = makeTree({
  'short.txt': 'a\n'.repeat(128 * 1024), // one 256 KiB chunk of 131,072 hits
  'line.txt': 'a'.repeat(MIB - 1) + '\n', // one line of a million matches
  'o.txt': 'ab1cd22\nx\n333\n',
  'keys.txt': Array.from({ length: 400_000 }, (_, i) => `${i % 7} ${i % 5} ${i % 3} x${(i * 7919) % 1000}`).join('\n') + '\n',
});
afterAll(() => removeTree(root));

const probe = (script: string, timeoutMs: number) => probed(root, script, timeoutMs);

/** A path of 2^(k+1) - 1 characters (`./././…`) naming the root directory. */
const longDir = (k: number) => `d=.; for i in {1..${k}}; do d=$d/$d; done; `;

describe('grep writes its output as it fills, not per input chunk', () => {
  // The path was 4 KiB (513 MiB counted; 1.5 GB RSS before); such a path is now refused as
  // Linux refuses it (F123), so the test prints one of 2 KiB.
  it('-H with a 2 KiB path over one chunk of 131,072 hits: 257 MiB counted without holding it (1.5 GB RSS, a 3.5 s stretch before, with 4 KiB)', async () => {
    const t = await probe(`${longDir(10)}grep -H a $d/short.txt | wc -c`, 60_000);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: `${131072 * (2047 + '/short.txt:a\n'.length)}\n`, err: '', outcome: 'success' });
    expect(t.peakMiB).toBeLessThan(400);
    expect(t.gap).toBeLessThan(1000);
  });

  it('-o with a 1 KiB path over a line of a million matches: 1 GB counted without holding it (3 GB RSS, a 9 s stretch before)', async () => {
    const t = await probe(`${longDir(9)}grep -Ho '[a]' $d/line.txt | wc -c`, 60_000);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: `${(MIB - 1) * (1023 + '/line.txt:a\n'.length)}\n`, err: '', outcome: 'success' });
    expect(t.peakMiB).toBeLessThan(400);
    expect(t.gap).toBeLessThan(1000);
  });

  it('-o output is unchanged (empty matches skipped, several per line, -n and -H prefixes)', async () => {
    const t = await probe("grep -noE '[0-9]*' o.txt; grep -Ho 'c\\|2' o.txt", 5_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: '1:1\n1:22\n3:333\no.txt:c\no.txt:2\no.txt:2\n', err: '' });
  });
});

describe('the event loop gets a turn within a line of a million matches', () => {
  it("sed 's/((((a))))/\\1/g' over a 1 MiB line yields while it matches (the whole run one stretch before)", async () => {
    const t = await probe("sed -E 's/((((a))))/\\1/g' line.txt | wc -c", 60_000);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: `${MIB}\n`, err: '', outcome: 'success' });
    expect(t.gap).toBeLessThan(t.ms / 4);
  });

  it('sed s///g output is unchanged (nth-and-global, captures, case operators)', async () => {
    const t = await probe("echo 'aXbXcXd' | sed -E 's/X/-/2g; s/([a-z])/<\\1>/3; s/(b)-/\\U\\1x/'", 5_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: 'aXBX<c>-d\n', err: '' });
  });

  it("s//\\N/g past the last regex's groups is an error, not an internal panic (nor another match's group)", async () => {
    const t = await probe("echo abab | sed -e 's/b/x/' -e 's//[\\1]/g'; echo $?", 5_000);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({
      out: '1\n',
      err: "sed: standard input: invalid reference \\1 on `s' command's RHS\n",
      outcome: 'success',
    });
  });
});

describe('sed y and l over a 1 MiB line are byte loops', () => {
  // Each command is one stretch of the event loop: it must be short. (A speed bound with a 6x
  // margin either side: 60 commands took about 4 s before, 0.1–0.5 s after.)
  it('60 y commands finish well within a 2.5 s deadline (4.1 s before)', async () => {
    const t = await probe(`sed '${'y/a/b/;y/b/a/;'.repeat(30)}' line.txt | wc -c`, 2_500);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: `${MIB}\n`, err: '', outcome: 'success' });
  });

  it('60 l commands finish well within a 2.5 s deadline (3.7 s before)', async () => {
    const t = await probe(`sed -n '${'l;'.repeat(60)}' line.txt | wc -c`, 2_500);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: '64738140\n', err: '', outcome: 'success' });
  });
});

describe('sort compares in place with pauses', () => {
  it('50 keys over 400,000 lines stop at a 3 s deadline in short stretches (one 14 s stretch before)', async () => {
    const t = await probe(`sort ${'-k3 '.repeat(50)}keys.txt | wc -c`, 3_000);
    expect({ out: t.out, outcome: t.r.outcome }).toEqual({ out: '', outcome: 'timeout' });
    expect(t.gap).toBeLessThan(1000);
  });

  it('the merge sort is stable and orders as Array.prototype.sort', async () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 50;
    for (const n of [0, 1, 2, 3, 17, 1000, 5000]) {
      const xs = Array.from({ length: n }, (_, i) => ({ k: rand(), i }));
      const cmp = (a: { k: number }, b: { k: number }) => a.k - b.k;
      let pauses = 0;
      const got = await mergeSort(xs.slice(), cmp, () => (pauses++, Promise.resolve()));
      expect(got).toEqual(xs.slice().sort(cmp));
      if (n === 5000) expect(pauses).toBeGreaterThan(20);
    }
  });
});

describe('an expansion yields after its last large word too', () => {
  it('a loop of commands with one 99,999-word brace sequence each yields between them (the whole run one stretch before)', async () => {
    const t = await probe('for i in 1 2 3 4 5 6 7 8 9 10; do true {1..99999}; done; echo $?', 60_000);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: '0\n', err: '', outcome: 'success' });
    expect(t.gap).toBeLessThan(t.ms / 3);
  });
});
