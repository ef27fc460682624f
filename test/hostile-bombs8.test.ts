/**
 * Resource bombs an eighth hunt found: each test failed before its fix. Memory, time and
 * descriptor bounds are wide (CI is a loaded 2-core machine); they check scale, not speed.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readdirSync, readlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createRunner } from '../src/rshell/index.js';
import { MAX_OPEN_FILES, MAX_PROCESS_OPEN_FILES, OpenFiles } from '../src/rshell/interp/open-files.js';
import { afterAll, describe, expect, it } from 'vitest';
import { probed, probedPeak, type Probed } from './helpers/timed-run.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const root = makeTree({
  'f.txt': 'hello\n',
  'big.txt': 'b'.repeat(256 * 1024),
  'out.txt': { link: '../outside.txt' },
  emptyd: { dir: true },
  ...Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`many/f${i}`, `${i}\n`])),
});
afterAll(() => removeTree(root));

const openFds = () => readdirSync('/proc/self/fd').length;

/** The process's descriptors open on `path` (this test's own end of a FIFO included). */
const fifoReaders = (path: string) =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;

/** `probed`, with the most file descriptors the process had open during the run, over what it had before. */
async function fdProbed(script: string, timeoutMs: number): Promise<Probed & { fds: number }> {
  const t = await probedPeak(root, script, timeoutMs, openFds, 1);
  return { ...t, fds: t.peak };
}

describe('open files', () => {
  it('a later `<` closes the file an earlier one opened (3,000 redirections held 3,000 descriptors before)', async () => {
    const t = await fdProbed(`cat${' < big.txt'.repeat(3000)} < f.txt; cat${' < f.txt'.repeat(3000)} | wc -c`, 20_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: 'hello\n6\n', err: '', code: 0 });
    expect(t.fds).toBeLessThan(100);
  });

  it('the last of several `<` and heredocs is the stdin, as in bash', async () => {
    const t = await probed(root, 'cat <<A < f.txt <<B\na\nA\nb\nB\ncat <<A < f.txt\na\nA\ncat < nope < f.txt; echo $?', 5_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: 'b\nhello\n1\n', err: 'openat nope: no such file or directory\n' });
  });

  it("a run's open files are capped: 400 nested groups each reading a file (400 descriptors held before)", async () => {
    const t = await fdProbed(`${'{ '.repeat(400)}cat${'; } < f.txt'.repeat(400)}; echo $?; cat < f.txt`, 20_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({ out: '1\nhello\n', err: 'openat f.txt: too many open files\n', code: 0 });
    expect(t.fds).toBeLessThan(200);
  });

  it('so are those of pipeline stages, and a refused stage names them (1,000 descriptors held before)', async () => {
    const t = await fdProbed(`${Array.from({ length: 1000 }, () => 'cat < big.txt').join(' | ')} | wc -c`, 30_000);
    expect(t.err).toContain('openat big.txt: too many open files\n');
    expect(t.r.outcome).toBe('success');
    expect(t.fds).toBeLessThan(200);
  });

  it("find -empty reports a listing refused at the cap, rather than taking it for a directory's many entries", async () => {
    const t = await probed(root, `${'{ '.repeat(128)}find emptyd -maxdepth 0 -empty; echo $?${'; } < f.txt'.repeat(128)}; find emptyd -maxdepth 0 -empty`, 5_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: '1\nemptyd\n', err: "find: 'emptyd': too many open files\n" });
  });

  it(`the runs of one process share ${MAX_PROCESS_OPEN_FILES} descriptors: 7 runs of 111 leave room for sockets (777 held before)`, async () => {
    // Each run nests 110 groups reading f.txt, then waits in `cat` on its own FIFO, which
    // this test holds open (so the FIFO has a writer) until every run is waiting or done.
    const runs = 7;
    const fifos = Array.from({ length: runs }, (_, i) => join(root, `p${i}`));
    for (const f of fifos) execFileSync('mkfifo', [f]);
    const ends = fifos.map((f) => openSync(f, constants.O_RDWR | constants.O_NONBLOCK));
    const settled = new Set<number>();
    const results = fifos.map((_, i) =>
      createRunner({ allowAllCommands: true, allowedPaths: [root], dir: root, timeoutMs: 20_000 })
        .run(`${'{ '.repeat(110)}cat p${i}${'; } < f.txt'.repeat(110)}; echo $?`)
        .finally(() => settled.add(i)),
    );
    let peak = 0;
    const base = openFds();
    for (;;) {
      peak = Math.max(peak, openFds() - base);
      if (fifos.every((f, i) => settled.has(i) || fifoReaders(f) > 1)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    for (const fd of ends) {
      writeSync(fd, 'x\n');
      closeSync(fd);
    }
    const outs = (await Promise.all(results)).map((r) => ({ out: r.stdout.toString(), err: r.stderr.toString() }));
    const refused = outs.filter((o) => o.err !== '');
    expect(refused.length).toBeGreaterThan(0);
    // The open refused is a group's `< f.txt`, or the innermost `cat` of its FIFO.
    for (const o of refused) {
      expect(o.out).toBe('1\n');
      expect(o.err).toMatch(/^(openat f\.txt|cat: p\d): too many open files\n$/);
    }
    for (const o of outs.filter((x) => x.err === '')) expect(o.out).toBe('x\n0\n');
    expect(peak).toBeLessThanOrEqual(MAX_PROCESS_OPEN_FILES + runs);
  });

  it('a run gives back to the process what it gives back to itself', () => {
    const all = { open: 0, max: 3 };
    const a = new OpenFiles(2, all);
    const b = new OpenFiles(2, all);
    a.take('x', 'openat');
    a.take('x', 'openat');
    expect(() => a.take('x', 'openat')).toThrow('too many open files');
    b.take('y', 'openat');
    expect(() => b.take('y', 'openat')).toThrow('too many open files');
    a.give();
    b.take('y', 'openat');
    expect({ a: a.open, b: b.open, all: all.open }).toEqual({ a: 1, b: 2, all: 3 });
  });

  it('files a builtin opens count too, and are given back when closed', async () => {
    // 600 stages each reading a FIFO this test holds open: every stage that opens it waits
    // there, so which limit refuses does not depend on how the stages' reads interleave (a
    // file read at once let the run's buffered total refuse first on some runs).
    const fifo = join(root, 'gp');
    execFileSync('mkfifo', [fifo]);
    const end = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const base = openFds();
    let settled = false;
    const run = createRunner({ allowAllCommands: true, allowedPaths: [root], dir: root, timeoutMs: 30_000 })
      .run(`${Array.from({ length: 600 }, () => 'grep -c b gp').join(' | ')} | wc -c; for i in {1..500}; do cat < f.txt; done | wc -l`)
      .finally(() => (settled = true));
    let peak = 0;
    const waitUntil = Date.now() + 15_000;
    while (!settled && fifoReaders(fifo) <= MAX_OPEN_FILES && Date.now() < waitUntil) {
      peak = Math.max(peak, openFds() - base);
      await new Promise((r) => setTimeout(r, 10));
    }
    peak = Math.max(peak, openFds() - base);
    closeSync(end);
    const r = await run;
    expect(r.stderr.toString()).toContain('grep: gp: too many open files\n');
    expect(r.stdout.toString()).toMatch(/\n500\n$/);
    expect(peak).toBeLessThan(200);
  });
});

describe('wc over many operands', () => {
  /** 900,000 operands outside the sandbox's roots: each refused without a system call. */
  const denied = Array.from({ length: 9 }, () => '/x/{1..99999}').join(' ');

  it('reads one file at a time (a `wc -l *` over 300 files held 300 descriptors before)', async () => {
    const t = await fdProbed('wc -l many/* | tail -2; wc -c big.txt - f.txt < f.txt', 20_000);
    expect({ out: t.out, err: t.err, code: t.r.exitCode }).toEqual({
      out: '   1 many/f99\n 300 total\n 262144 big.txt\n      6 -\n      6 f.txt\n 262156 total\n',
      err: '',
      code: 0,
    });
    expect(t.fds).toBeLessThan(20);
  });

  it('900,000 refused operands are not one stretch past the deadline (a 10 s stretch, 9 s past a 3 s deadline before)', async () => {
    const t = await probed(root, `wc -l ${denied} 2>/dev/null`, 3_000);
    expect(t.r.outcome).toBe('timeout');
    expect(t.ms).toBeLessThan(6_000);
    expect(t.gap).toBeLessThan(3_000);
  });

  it('a missing or unreadable operand is still reported in its place, and a non-file widens the columns', async () => {
    const t = await probed(root, "wc f.txt nope '' many; echo $?", 5_000);
    expect({ out: t.out, err: t.err }).toEqual({
      out: '      1       1       6 f.txt\n      0       0       0 many\n      1       1       6 total\n1\n',
      err: 'wc: nope: no such file or directory\nwc: invalid zero-length file name\nwc: many: is a directory\n',
    });
  });

  it('a symlink out of the roots is reported as its open words it, not as the width stat did', async () => {
    const t = await probed(root, 'wc out.txt f.txt; wc -l out.txt; echo $?', 5_000);
    expect({ out: t.out, err: t.err }).toEqual({
      out: '1 1 6 f.txt\n1 1 6 total\n1\n',
      err: 'wc: out.txt: openat out.txt: path escapes from parent\nwc: out.txt: openat out.txt: path escapes from parent\n',
    });
  });
});

describe('many regexes', () => {
  it("a sed script's compiled regexes count against the run's buffered total (1,000 counted repetitions: a 10 s stretch and 1.5 GB before)", async () => {
    const t = await probed(root, 'x=$(printf -- "s/(a|aa){1,1000}%s/x/;" {1..1000}); echo a | sed -E "$x"; echo $?', 20_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: '1\n', err: "sed: input buffered at once by the run's commands exceeds the maximum of 134217728 bytes\n" });
    expect(t.peakMiB).toBeLessThan(500);
    expect(t.ms).toBeLessThan(5_000);
  });

  it('and sed gives the event loop turns between commands (40,000 small regexes: a 9.9 s stretch and 1 GB before)', async () => {
    const x = 'x=$(printf "s/a%sb(c|d){1,20}[[:alpha:]]{2,9}/x/;" {1..9999})';
    const t = await probed(root, `${x}; echo a | sed -E -n -e "$x" -e "$x" -e "$x" -e "$x"; echo $?`, 20_000);
    expect({ out: t.out, err: t.err }).toEqual({ out: '1\n', err: "sed: input buffered at once by the run's commands exceeds the maximum of 134217728 bytes\n" });
    expect(t.peakMiB).toBeLessThan(500);
    expect(t.gap).toBeLessThan(2_000);
  });

  it("grep's guard counts counted repetitions, and every -e pattern it compiles (4 s past a 0.5 s deadline before)", async () => {
    const t = await probed(root, 'x=$(printf -- "-e (a|aa){1,1000}%s " {1..1000}); echo a | grep -E -c $x', 500);
    expect(t.r.outcome).toBe('timeout');
    expect(t.ms).toBeLessThan(2_000);
  });

  it('a repeat count RE2 rejects is an invalid pattern, not a run timed out by the compile guard', async () => {
    const t = await probed(root, "echo a | grep -E 'a{99999999}'; echo $?; echo a | sed -E 's/(a{1000}){1000}/x/'; echo $?", 2_000);
    expect({ out: t.out, err: t.err, outcome: t.r.outcome }).toEqual({
      out: '2\n1\n',
      err: 'grep: invalid regular expression: error parsing regexp: invalid repeat count: `{99999999}`\nsed: invalid regex: error parsing regexp: invalid repeat count: `{1000}`\n',
      outcome: 'success',
    });
  });

  it('ordinary scripts and patterns still run', async () => {
    const t = await probed(
      root,
      'x=$(printf "s/%s/<&>/;" {1..300}); echo 17 300 | sed "$x"; echo aaab | sed -E "s/(a|aa){1,1000}/x/"; echo aaab | grep -E -o -e "(a|aa){1,1000}" -e "z{1,900}"; x=$(printf -- "-e a%s " {1..300}); echo a299 | grep -c $x',
      20_000,
    );
    expect({ out: t.out, err: t.err }).toEqual({ out: '<1><7> <3>00\nxb\naaa\n1\n', err: '' });
  });
});
