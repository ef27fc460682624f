/**
 * Paths a script inflates to megabytes (F123). Linux refuses a path of PATH_MAX (4,096) bytes
 * or more; the sandbox resolves paths itself, so it used to accept them, and every lookup
 * below such a start path copied it again. Bounds are wide: they check scale, not speed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRunner } from '../src/rshell/index.js';
import { probed } from './helpers/timed-run.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const root = makeTree({
  'ok.txt': 'ok\n',
  // 1,000 subdirectories: ls -R held one copy of the start path per entry.
  ...Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`t/d${i}`, { dir: true as const }])),
});
afterAll(() => removeTree(root));

/** `p` set to `piece` doubled 18 times: 2^18 copies (512 KiB for a 2-char piece). */
const inflated = (piece: string) => `p=$(p=${piece}; for i in {1..18}; do p=$p$p; done; echo $p); `;
const HALF_MIB = 512 * 1024;

describe('a glob under a literal prefix of 256 Ki components', () => {
  it('`$p/t/*` keeps the word as bash does, without a long stretch (a 50 s stretch before)', async () => {
    const t = await probed(root, `${inflated('a/')}echo $p/t/* | wc -c`, 20_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: `${HALF_MIB + 5}\n`, err: '', code: 0 });
    expect(t.gap).toBeLessThan(1_500);
  });

  it('`$p*` and `$p../*` too (55 s and 50 s stretches before)', async () => {
    const t = await probed(root, `${inflated('a/')}echo $p* | wc -c; echo $p../* | wc -c`, 20_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: `${HALF_MIB + 2}\n${HALF_MIB + 5}\n`, err: '', code: 0 });
    expect(t.gap).toBeLessThan(1_500);
  });

  it('a long tail after a pattern matching 1,000 directories is shared, not copied per match (a 4 GB heap crash before)', async () => {
    const t = await probed(root, `${inflated('a/')}echo t/*/$p | wc -c; echo t/*/$p/* | wc -c`, 20_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: `${HALF_MIB + 5}\n${HALF_MIB + 7}\n`, err: '', code: 0 });
    expect(t.gap).toBeLessThan(1_500);
    expect(t.peakMiB).toBeLessThan(200);
  });

  it('a run of 256 Ki `.` after a pattern is checked once, not per `.` (past a 20 s deadline before)', async () => {
    const t = await probed(root, `${inflated('./')}echo t/*/$p/x* | wc -c; echo t/d1*/$p | wc -c`, 20_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: `${HALF_MIB + 8}\n${HALF_MIB + 7}\n`, err: '', code: 0 });
    expect(t.gap).toBeLessThan(1_500);
    expect(t.ms).toBeLessThan(10_000);
  });

  it('globs with `.`, `..` and doubled slashes match as before (outputs taken from the old code)', async () => {
    const small = makeTree({ 'ok.txt': 'ok\n', 't/d9/x': '', 't/d90/y': '', 't/d91': { dir: true }, 't/e.txt': '' });
    try {
      const t = await probed(
        small,
        'echo t/./././d9?/./. ./t/d9/.././d9*/ ok*/./. t/*/.././ok* t//d9*//x t/d9/./x* ./t/./e* t/e.txt/./* t/e*/. t/d9?/.. .//t//d9*/. t/d9/./.././d9*/./',
        5_000,
      );
      expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({
        out:
          't/./././d90/./. t/./././d91/./. ./t/d9/.././d9/ ./t/d9/.././d90/ ./t/d9/.././d91/ ok*/./. t/*/.././ok* t/d9/x ' +
          't/d9/./x ./t/./e.txt t/e.txt/./* t/e*/. t/d90/.. t/d91/.. ./t/d9/. ./t/d90/. ./t/d91/. t/d9/./.././d9/./ ' +
          't/d9/./.././d90/./ t/d9/./.././d91/./\n',
        err: '',
        code: 0,
      });
    } finally {
      removeTree(small);
    }
  });
});

describe('a start path of 512 KiB (`./././…`)', () => {
  const refused = (cmd: string, prefix: string) =>
    it(`${cmd} refuses it as too long, as Linux does`, async () => {
      const t = await probed(root, `${inflated('./')}${cmd} $p/t | wc -l`, 20_000);
      expect({ out: t.out, code: t.r.exitCode }).toEqual({ out: '0\n', code: 0 });
      expect(t.err.startsWith(`${prefix}'././`)).toBe(true);
      expect(t.err.endsWith(`/t': file name too long\n`)).toBe(true);
      expect(t.err.length).toBe(prefix.length + 1 + HALF_MIB + 2 + `': file name too long\n`.length);
      expect(t.peakMiB).toBeLessThan(150);
    });
  // ls -R peaked at 494 MiB (the Lambda's default memory is 512 MB) and ran 3.7 s.
  refused('ls -R', 'ls: cannot access ');
  // find ran 4 s over the 1,000 entries.
  refused('find', 'find: ');
});

describe('the limit itself', () => {
  /** A relative path of exactly `n` bytes naming ok.txt: `./` pairs, then slashes, then the name. */
  const pathOf = (n: number) => {
    const pairs = Math.floor((n - 'ok.txt'.length) / 2);
    return './'.repeat(pairs) + '/'.repeat(n - 'ok.txt'.length - 2 * pairs) + 'ok.txt';
  };

  it('4,095 bytes still open; 4,096 are refused by every lookup', async () => {
    const [ok, long] = [pathOf(4095), pathOf(4096)];
    expect([ok.length, long.length]).toEqual([4095, 4096]);
    const t = await probed(root, `cat ${ok}; cat ${long}; test -e ${long} || echo missing; ls -d ${'./'.repeat(2046)}t`, 5_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({
      out: `ok\nmissing\n${'./'.repeat(2046)}t\n`,
      err: `cat: ${long}: file name too long\n`,
      code: 0,
    });
  });
});

describe('denials come before the length', () => {
  // Every read outside the root (or of a denied path) is "permission denied" before the path
  // is looked at (RELIABILITY.md, sandbox escapes), however long it is: the length check
  // answered "file name too long" for them, and `open` became `openat` in `<` messages.
  const pad = './'.repeat(2100);
  const scripts = (root: string) =>
    [
      `cat /etc/${pad}passwd`,
      `cat ../${pad}x`,
      `cat ${root}/../${pad}x`,
      `cat /proc/self/${pad}environ`,
      `cat /dev/${pad}zero`,
      `ls /etc/${pad}`,
      `find /etc/${pad}`,
      `cat < /etc/${pad}passwd`,
      `echo $(</etc/${pad}passwd)`,
    ].join('; ');
  const expected = [
    `cat: /etc/${pad}passwd: permission denied`,
    `cat: ../${pad}x: permission denied`,
    `cat: ${root}/../${pad}x: permission denied`,
    `cat: /proc/self/${pad}environ: permission denied`,
    `cat: /dev/${pad}zero: permission denied`,
    `ls: cannot access '/etc/${pad}': permission denied`,
    `find: '/etc/${pad}': permission denied`,
    `open /etc/${pad}passwd: permission denied`,
    `open /etc/${pad}passwd: permission denied`,
  ];

  it('outside the root: permission denied, as for a short path', async () => {
    const r = await createRunner({ allowAllCommands: true, allowedPaths: [root], dir: root }).run(scripts(root));
    expect(r.stderr.toString('latin1')).toBe(expected.map((l) => l + '\n').join(''));
    expect(r.stdout.toString('latin1')).toBe('\n');
  });

  it('with no allowed paths every access is denied, however long the path', async () => {
    const r = await createRunner({ allowAllCommands: true, dir: root }).run(`${scripts(root)}; cat ${pad}ok.txt`);
    expect(r.stderr.toString('latin1')).toBe([...expected, `cat: ${pad}ok.txt: permission denied`].map((l) => l + '\n').join(''));
  });
});
