/**
 * A thousand line-tool stages over short lines (F113): each stage's chunks count against the
 * run's buffered total while it holds them, and each read gives the event loop a turn when
 * one is due. Each test failed before; bounds are wide (CI is a loaded 2-core machine).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { probed } from './helpers/timed-run.js';
import { makeTree, removeTree } from './sandbox-helpers.js';
import { run } from './builtins-text-ctx.js';
import { tr } from '../src/rshell/builtins/text/tr.js';
import { BufferReader } from '../src/rshell/io.js';
import { HeldChunkReader } from '../src/rshell/builtins/lib/held-input.js';
import { createRunner } from '../src/rshell/index.js';

const MIB = 1 << 20;
const root = makeTree({
  // 2 MB of one-byte lines.
  'f.txt': 'a\n'.repeat(1_000_000),
  // 2 MB of 100-byte lines.
  'g.txt': Array.from({ length: 20_000 }, (_, i) => `a${i}`.padEnd(99, 'x') + '\n').join(''),
  'a1m.txt': 'a'.repeat(MIB - 1) + '\n',
});
afterAll(() => removeTree(root));

const BUFFERED = "input buffered at once by the run's commands exceeds the maximum of 134217728 bytes";
const stages = (n: number, cmd: string) => Array(n).fill(cmd).join(' | ');
/** The stderr lines that are not `prefix` + BUFFERED. */
// A stage past the run's open files (hostile-bombs8) is refused too, as a file error.
const otherErrors = (err: string, prefix: string) => err.split('\n').filter((l) => l && l !== prefix + BUFFERED && !l.endsWith(': too many open files'));

describe('a thousand stages each reading a file of short lines', () => {
  it('1,000 × grep a f.txt: refused past the total, no long stretch (446 MiB and a 10 s stretch before)', async () => {
    const t = await probed(root, stages(1000, 'grep a f.txt') + ' | wc -c', 60_000);
    expect(t.r.outcome).toBe('success');
    expect(otherErrors(t.err, 'grep: f.txt: ')).toEqual([]);
    // Refused past the buffered total, or (since hostile-bombs8) first past the open files.
    expect(t.err).toMatch(/input buffered at once|too many open files/);
    expect(t.gap).toBeLessThan(1000);
    expect(t.peakMiB).toBeLessThan(300);
  });

  it('1,000 × uniq f.txt gives the loop turns until its deadline (8 s stretches before)', async () => {
    // 2 GB of lines is that much work: the run ends at its deadline, not in one stretch.
    const t = await probed(root, stages(1000, 'uniq f.txt') + ' | wc -c', 4_000);
    expect(t.r.outcome).toBe('timeout');
    expect(t.gap).toBeLessThan(1000);
  });
});

describe('a thousand stages fed by pipes', () => {
  it('grep a f.txt | 999 × grep a gives the loop turns (a 9 s stretch before)', async () => {
    const t = await probed(root, 'grep a f.txt | ' + stages(999, 'grep a') + ' | wc -c', 4_000);
    expect(t.r.outcome).toBe('timeout');
    expect(t.gap).toBeLessThan(1000);
  });

  it('500 × grep a fed a 1 MiB line by uniq: refused past the total (839 MiB before)', async () => {
    const t = await probed(root, 'uniq a1m.txt | ' + stages(500, 'grep a') + ' | wc -c', 60_000);
    // The refused stage's readers see end of input; its writers, a closed pipe.
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: '0\n', err: `grep: (standard input): ${BUFFERED}\n`, outcome: 'success' });
    expect(t.peakMiB).toBeLessThan(300);
  });

  it('ordinary chains run as before', async () => {
    const t = await probed(root, 'cat g.txt | ' + stages(100, 'grep a') + ' | sed -n p | uniq | cut -c1-3 | tr a b | wc -l; uniq a1m.txt | grep a | sed -n p | wc -c', 60_000);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({ out: `20000\n${MIB}\n`, err: '', outcome: 'success' });
  });
});

describe('a refused chunk is reported like a read error', () => {
  it('grep -s still says so: it hides file errors, not the run\'s limit', async () => {
    const t = await probed(root, 'uniq a1m.txt | ' + stages(500, 'grep -s a') + ' | wc -c; grep -s a nosuch.txt; echo $?', 60_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: '0\n2\n', err: `grep: (standard input): ${BUFFERED}\n` });
  });


  it('tr names it and fails, no internal panic', async () => {
    const stdin = new HeldChunkReader(new BufferReader(Buffer.from('abc\n')), () => undefined, () => false);
    expect(await run(tr, 'tr', ['a', 'b'], { stdin })).toMatchObject({ out: '', err: `tr: ${BUFFERED}\n`, code: 1 });
  });
});

describe("the run's own stdin", () => {
  it('is read in chunks like a file: 129 MiB of it is not refused as one chunk held (F113 review)', async () => {
    // One chunk of the caller's bytes was counted past the run's 128 MiB total: wc, cat, grep refused it
    const stdin = Buffer.alloc(129 * MIB, 0x61);
    const runner = createRunner({ allowAllCommands: true, stdin, timeoutMs: 60_000 });
    for (const [script, out] of [
      ['wc -c', `${129 * MIB}\n`],
      ['cat | wc -c', `${129 * MIB}\n`],
    ]) {
      const r = await runner.run(script);
      expect({ script, out: r.stdout.toString(), err: r.stderr.toString(), code: r.exitCode }).toEqual({ script, out, err: '', code: 0 });
    }
  });
});
