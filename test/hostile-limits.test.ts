/**
 * Hostile scripts against rshell's resource limits: script size, NUL bytes and invalid UTF-8
 * in scripts and file names, nesting, brace bombs, output floods and scripts that never end.
 * Every run must come back (never throw), with the exact message of the limit it hit.
 * Time bounds here are liveness checks (the run must end near its deadline), not speed tests.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BUILTINS } from '../src/rshell/builtins/registry.js';
import { createRunner, type RunResult } from '../src/rshell/index.js';
import { makeTree, removeTree } from './sandbox-helpers.js';

const MIB = 1024 * 1024;
const ALL_COMMANDS = [...BUILTINS.keys()].map((n) => `rshell:${n}`);
const base = makeTree({
  'root/ok.txt': 'ok\n',
  'secret.txt': 'TOPSECRET-limits\n',
  // Ten links to their own directory: `*/*/*/*` multiplies by ten per level (a glob bomb).
  ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`root/bomb/l${i}`, { link: '.' }])),
});
const root = `${base}/root`;
afterAll(() => removeTree(base));

async function run(script: string | Uint8Array, timeoutMs = 10_000): Promise<RunResult> {
  return createRunner({ allowedPaths: [root], dir: root, allowedCommands: ALL_COMMANDS, timeoutMs }).run(script);
}

const text = (r: RunResult) => ({ out: r.stdout.toString('latin1'), err: r.stderr.toString('latin1'), code: r.exitCode, outcome: r.outcome });
const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('script size', () => {
  it('accepts a script of exactly 5 MiB', async () => {
    const script = 'echo hi; #' + 'x'.repeat(5 * MIB - 10);
    expect(text(await run(script))).toEqual({ out: 'hi\n', err: '', code: 0, outcome: 'success' });
  });

  it('refuses one byte more, before running anything', async () => {
    const script = 'echo hi; #' + 'x'.repeat(5 * MIB - 9);
    const r = await run(script);
    const msg = `failed to parse command: script size ${5 * MIB + 1} bytes exceeds maximum of ${5 * MIB} bytes (5 MiB); split the script into smaller pieces`;
    expect({ ...text(r), error: r.error }).toEqual({ out: '', err: `${msg}\n`, code: 2, outcome: 'fatal', error: msg });
  });

  // 5 MiB of `a;` used to build a 2.3 GB tree in 18 s, before the run's deadline began:
  // enough to take a Lambda down. Past 200,000 syntax nodes the parse stops cleanly.
  it.each([
    ['statements', 'a;'.repeat(2_600_000), 133_333],
    ['pipeline stages', 'a|'.repeat(2_600_000) + 'a', 133_333],
    ['parts of one word', 'echo ' + '$a'.repeat(2_600_000), 400_000],
    ['arithmetic operators', 'echo $((' + '1+'.repeat(2_000_000) + '1))', 133_341],
  ])('refuses 5 MiB of %s past 200,000 syntax nodes, with the place it stopped', async (_what, script, col) => {
    const r = await run(script);
    const msg = `failed to parse command: 1:${col}: script too complex: more than 200000 commands, words and operators; split the script into smaller pieces`;
    expect({ ...text(r), error: r.error }).toEqual({ out: '', err: `${msg}\n`, code: 2, outcome: 'fatal', error: msg });
  });

  it('runs a script of 40,000 commands (200,000 nodes is far beyond a real script)', async () => {
    const r = await run('x=0\n' + 'x=1; true; echo -n\n'.repeat(13_000) + 'echo $x\n');
    expect(text(r)).toEqual({ out: '1\n', err: '', code: 0, outcome: 'success' });
  });

  it('counts bytes, not characters: 5 MiB of two-byte characters is refused', async () => {
    const script = 'echo ' + 'é'.repeat(5 * MIB / 2);
    const r = await run(script);
    expect(r.outcome).toBe('fatal');
    expect(r.error).toBe(`failed to parse command: script size ${5 * MIB + 5} bytes exceeds maximum of ${5 * MIB} bytes (5 MiB); split the script into smaller pieces`);
  });
});

describe('NUL bytes in scripts and file names', () => {
  it.each([
    ['cat a\0b', 'cat: a\0b: invalid argument\n', 1],
    ['head a\0b', 'head: a\0b: invalid argument\n', 1],
    ['wc a\0b', 'wc: a\0b: invalid argument\n', 1],
    ['grep x a\0b', 'grep: a\0b: invalid argument\n', 2],
    ['strings a\0b', "strings: 'a\0b': invalid argument\n", 1],
    ["ls a\0b", "ls: cannot access 'a\0b': invalid argument\n", 1],
    ['find .\0', "find: '.\0': invalid argument\n", 1],
    ['cat < ok\0.txt', 'openat ok\0.txt: invalid argument\n', 1],
    // A NUL cannot smuggle a traversal past the lexical check: this stays inside the root.
    ['cat ok.txt\0../../secret.txt', 'cat: ok.txt\0../../secret.txt: no such file or directory\n', 1],
  ])('%j is refused as a file name', async (script, err, code) => {
    expect(text(await run(bytes(script)))).toEqual({ out: '', err, code, outcome: 'success' });
  });

  it('NUL bytes in words are kept as data, not terminators', async () => {
    expect(text(await run(bytes('echo a\0b; echo "c\0d"; x=e\0f; echo $x')))).toEqual({
      out: 'a\0b\nc\0d\ne\0f\n',
      err: '',
      code: 0,
      outcome: 'success',
    });
  });

  it('test -f on a NUL name is false, not an error', async () => {
    expect(text(await run(bytes('test -f ok.txt\0; echo $?')))).toEqual({ out: '1\n', err: '', code: 0, outcome: 'success' });
  });
});

describe('invalid UTF-8 in scripts and file names', () => {
  it.each([
    ['echo \xff\xfe\xc3', '\xff\xfe\xc3\n', '', 0],
    ['echo "\xed\xa0\x80"', '\xed\xa0\x80\n', '', 0],
    ['cat \xff\xfe', '', 'cat: \xff\xfe: no such file or directory\n', 1],
    ['cat ok\xc3.txt', '', 'cat: ok\xc3.txt: no such file or directory\n', 1],
    ['\xff\xfe', '', '\xff\xfe: command not allowed\n', 127],
    ['find . -name \xff', '', '', 0],
    ['grep \xff ok.txt', '', '', 1],
    ['sed s/\xff/x/ ok.txt', 'ok\n', '', 0],
    ['tr \xff x < ok.txt', 'ok\n', '', 0],
    ['cat ../\xff/../secret.txt', '', 'cat: ../\xff/../secret.txt: permission denied\n', 1],
  ])('%j', async (script, out, err, code) => {
    expect(text(await run(bytes(script)))).toEqual({ out, err, code, outcome: 'success' });
  });

  it('reports parse errors at byte columns', async () => {
    const r = await run(bytes('echo \xff\xfe\xc3('));
    expect(r.error).toBe('failed to parse command: 1:9: a command can only contain words and redirects; encountered `(`');
  });

  it('reads and lists files whose names are not UTF-8', async () => {
    const dir = makeTree({});
    try {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(Buffer.from(`${dir}/bad\xff\xfe.txt`, 'latin1'), 'raw name\n');
      const r = await createRunner({ allowedPaths: [dir], dir, allowedCommands: ALL_COMMANDS }).run(bytes('ls; cat bad\xff\xfe.txt; cat *.txt'));
      expect(text(r)).toEqual({ out: 'bad\xff\xfe.txt\nraw name\nraw name\n', err: '', code: 0, outcome: 'success' });
    } finally {
      removeTree(dir);
    }
  });
});

describe('nesting', () => {
  it('runs 200 nested command substitutions', async () => {
    const script = 'echo ' + '$(echo '.repeat(200) + 'x' + ')'.repeat(200);
    expect(text(await run(script))).toEqual({ out: 'x\n', err: '', code: 0, outcome: 'success' });
  });

  it.each([
    ['$(', (n: number) => 'echo ' + '$(echo '.repeat(n) + 'x' + ')'.repeat(n)],
    ['`', (n: number) => 'echo ' + '"$(echo '.repeat(n) + 'x' + ')"'.repeat(n)],
    ['(', (n: number) => '( '.repeat(n) + 'echo x' + ' )'.repeat(n)],
    ['{', (n: number) => '{ '.repeat(n) + 'echo x; ' + '}; '.repeat(n)],
    ['if', (n: number) => 'if true; then '.repeat(n) + 'echo x; ' + 'fi; '.repeat(n)],
    ['for', (n: number) => 'for i in 1; do '.repeat(n) + 'echo x; ' + 'done; '.repeat(n)],
  ])('refuses %s nested 20,000 deep as a parse error, never a crash', async (_k, make) => {
    const r = await run(make(20_000));
    expect(r.outcome).toBe('fatal');
    expect(r.exitCode).toBe(2);
    expect(r.stdout.length).toBe(0);
    // The parser's weighted nesting limit fails before the JS stack does (finding F6, fixed).
    expect(r.error).toMatch(/^failed to parse command: 1:\d+: nesting too deep \(limit 500\)$/);
  });
});

describe('expansion bombs', () => {
  it('caps brace expansion at 100,000 words', async () => {
    expect(text(await run('echo ' + '{a,b}'.repeat(20) + ' | wc -c; echo next'))).toEqual({
      out: '0\nnext\n',
      err: 'brace expansion exceeds the maximum of 100000 words\n',
      code: 0,
      outcome: 'success',
    });
  });

  it('reports the same cap for a sequence too long to expand, however long (F9)', async () => {
    for (const seq of ['{1..100001}', '{1..10000000}', '{0..99999999999999999999}', '{1..300000..2}']) {
      expect(text(await run(`echo ${seq} | wc -c; echo next`))).toEqual({
        out: '0\nnext\n',
        err: 'brace expansion exceeds the maximum of 100000 words\n',
        code: 0,
        outcome: 'success',
      });
    }
    // At the cap exactly it expands.
    expect(text(await run('echo {1..100000} | wc -w'))).toEqual({ out: '100000\n', err: '', code: 0, outcome: 'success' });
  });

  it('charges a sequence\'s characters before making them: 100,000 numbers of 20,000 digits are refused, not built in gigabytes', async () => {
    for (const seq of [`{${'0'.repeat(20_000)}1..100000}`, `{1${'0'.repeat(20_000)}..1${'0'.repeat(19_995)}99999}`]) {
      expect(text(await run(`echo ${seq} | wc -c; echo next`))).toEqual({ out: '0\nnext\n', err: 'brace expansion is too large\n', code: 0, outcome: 'success' });
    }
    // Padding that fits is still made: 1,000 numbers of 198 digits.
    expect(text(await run(`echo {${'0'.repeat(197)}1..1000} | wc -c`))).toEqual({ out: '199000\n', err: '', code: 0, outcome: 'success' });
  });

  it('bounds the work of one brace expression: 10,000 nested literal braces are refused, not scanned for seconds', async () => {
    const n = 10_000;
    const t0 = Date.now();
    expect(text(await run(`echo ${'{'.repeat(n)}${'}'.repeat(n)} | wc -c; echo next`))).toEqual({
      out: '0\nnext\n',
      err: 'brace expansion is too large\n',
      code: 0,
      outcome: 'success',
    });
    expect(Date.now() - t0).toBeLessThan(2_000);
    // Under a short deadline the same expansion stops at it.
    const t1 = Date.now();
    const cut = await run(`echo ${'{'.repeat(n)}${'}'.repeat(n)}`, 100);
    expect([cut.outcome, cut.error]).toEqual(['timeout', 'execution timed out']);
    expect(Date.now() - t1).toBeLessThan(600);
    // A few nested literal braces stay literal, as in bash.
    expect(text(await run('echo {{{x}}} {a{b}c}'))).toEqual({ out: '{{{x}}} {a{b}c}\n', err: '', code: 0, outcome: 'success' });
  });

  it('a brace list with a 50 KB literal suffix expands at once, without a copy of the suffix per character', async () => {
    const alts = Array.from({ length: 100 }, (_, i) => `a${i}`).join(',');
    const t0 = Date.now();
    const r = await run(`echo {${alts}}${'x'.repeat(50_000)} | wc -c`, 2_000);
    expect(text(r)).toEqual({ out: `${100 * 50_000 + 290 + 100}\n`, err: '', code: 0, outcome: 'success' });
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('ten {1..99999} words in one command stop at the deadline', async () => {
    const t0 = Date.now();
    const r = await run(`echo ${Array(10).fill('{1..99999}').join(' ')} >/dev/null`, 100);
    expect([r.outcome, r.error]).toEqual(['timeout', 'execution timed out']);
    expect(Date.now() - t0).toBeLessThan(600);
  });

  // Variables hold 1 MiB in all, but a word may name one many times: 600 references to a
  // 512 KiB value built a 300 MB word and took 800 MB of memory (a 1 MiB value: an internal
  // panic, "Invalid string length").
  const HALF_MIB = 'x=a; for i in {1..19}; do x=$x$x; done; ';
  it('caps what one expansion produces at 16 MiB, in one word or across words', async () => {
    const over = 'expansion exceeds the maximum of 16777216 bytes\n';
    for (const words of ['"' + '$x'.repeat(600) + '"', '$x'.repeat(33), '"$x" '.repeat(33), '$x '.repeat(33)]) {
      expect(text(await run(`${HALF_MIB}echo ${words} | wc -c; echo next`)), words.slice(0, 12)).toEqual({ out: '0\nnext\n', err: over, code: 0, outcome: 'success' });
    }
    expect(text(await run(`${HALF_MIB}for i in ${'$x '.repeat(33)}; do :; done; y=${'$x'.repeat(33)}; echo next $?`))).toEqual({ out: 'next 1\n', err: over + over, code: 0, outcome: 'success' });
    // Exactly 16 MiB is allowed.
    expect(text(await run(`${HALF_MIB}echo "${'$x'.repeat(32)}" | wc -c`))).toEqual({ out: '16777217\n', err: '', code: 0, outcome: 'success' });
    // A heredoc keeps its own 10 MiB cap and message.
    expect(text(await run(`${HALF_MIB}cat <<EOF | wc -c\n${'$x'.repeat(600)}\nEOF`))).toEqual({ out: '0\n', err: 'heredoc: content exceeds maximum size (10485760 bytes)\n', code: 0, outcome: 'success' });
  });

  it('caps one variable at 1 MiB when doubling', async () => {
    const r = await run('x=y; ' + 'x=$x$x; '.repeat(21) + 'echo done');
    expect(text(r)).toEqual({ out: 'done\n', err: `x: value too large (limit ${MIB} bytes)\n`, code: 0, outcome: 'success' });
  });

  it('caps a command substitution at 1 MiB', async () => {
    const r = await run(`w=${'x'.repeat(1023)}; echo "$(for i in {1..3000}; do echo $w; done)" | wc -c`);
    expect(text(r)).toEqual({ out: `${MIB}\n`, err: '', code: 0, outcome: 'success' });
  });
});

describe('output floods', () => {
  it('stops at exactly 10 MiB of stdout with outcome output_limit', async () => {
    const r = await run(`w=${'x'.repeat(1023)}; for i in {1..20000}; do echo $w; done; echo never`);
    expect(r.outcome).toBe('output_limit');
    expect(r.error).toBe('stdout limit exceeded: script produced more than 10 MiB of output');
    expect(r.stdout.length).toBe(10 * MIB);
    expect(r.stdout.includes('never')).toBe(false);
  });

  it('a flood through a pipeline is capped the same way', async () => {
    const r = await run(`w=${'y'.repeat(1023)}; for i in {1..20000}; do echo $w; done | cat | cat`);
    expect(r.outcome).toBe('output_limit');
    expect(r.stdout.length).toBe(10 * MIB);
  });

  it('a flood into /dev/null is not output', async () => {
    const r = await run(`w=${'z'.repeat(1023)}; for i in {1..12000}; do echo $w; done > /dev/null; echo ok`);
    expect(text(r)).toEqual({ out: 'ok\n', err: '', code: 0, outcome: 'success' });
  });
});

describe('scripts that never end', () => {
  const LOOPS: [string, string][] = [
    ['triple loop', 'for a in {1..1000}; do for b in {1..1000}; do for c in {1..1000}; do true; done; done; done'],
    ['loop over a substitution', 'for a in $(for b in {1..1000}; do echo $b; done); do for c in {1..100000}; do true; done; done'],
    ['producer into a slow consumer', 'for i in {1..100000}; do echo hello; done | for j in {1..100000}; do for k in {1..100}; do true; done; done'],
    ['loop inside substitution', 'x=$(for a in {1..1000}; do for b in {1..1000}; do echo y; done; done); echo $x'],
    ['subshell loop', '( for a in {1..1000}; do for b in {1..1000}; do true; done; done )'],
    ['grep over a loop', 'for a in {1..1000}; do for b in {1..1000}; do echo x; done; done | grep -c y'],
    ['sed over a never-ending producer', 'for a in {1..1000}; do for b in {1..1000}; do echo x; done; done | sed -n "s/x/y/p"'],
    ['find -exec in a loop', 'for a in {1..1000}; do for b in {1..1000}; do find . -exec true \\; ; done; done'],
    ['glob bomb over self-links', 'echo bomb/*/*/*/*/*/* | wc -c'],
    ['glob bomb in a loop', 'for i in {1..1000}; do echo bomb/*/*/*; done'],
  ];
  it.each(LOOPS)('%s ends at its deadline', async (_name, script) => {
    const deadline = 150;
    const t0 = Date.now();
    const r = await run(script, deadline);
    const took = Date.now() - t0;
    expect([r.outcome, r.exitCode, r.error]).toEqual(['timeout', 124, 'execution timed out']);
    // Liveness with slack for a loaded 2-core machine; the 50 ms property is checked in fuzz-interp.
    expect(took).toBeLessThan(deadline + 1_000);
  });

  // One regex search runs to its end without looking at the clock: its worst case (program
  // size × line length) decides whether it may start. Before, the first took 8 s past 500 ms
  // and the run reported success.
  it.each([
    ['grep', `grep -cE '(a|aa){1,1000}[^a]'`],
    ['grep -o', `grep -oE '(a|aa){1,1000}' | wc -l`],
    ['sed', `sed -E 's/(a|aa){1,1000}[^a]//' | wc -c`],
  ])('%s with a costly pattern over a 100 KB line ends at its deadline', async (_name, tail) => {
    const t0 = Date.now();
    const r = await run(`printf '%10000s' {1..10} | tr ' 0-9' a | ${tail}`, 500);
    expect([r.outcome, r.error]).toEqual(['timeout', 'execution timed out']);
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it('the same costly pattern over short lines runs, whatever the deadline', async () => {
    const r = await run(`printf '%100s\\n' 1 2 3 | tr ' 0-9' a | grep -cE '(a|aa){1,1000}[^a]'; printf 'aab\\n' | grep -cE '(a|aa){1,1000}[^a]'`, 500);
    expect(text(r)).toEqual({ out: '0\n1\n', err: '', code: 0, outcome: 'success' });
  });

  it('a glob bomb over the whole filesystem ends at its deadline', async () => {
    const t0 = Date.now();
    const r = await createRunner({ allowedPaths: ['/'], dir: '/', allowedCommands: ALL_COMMANDS, timeoutMs: 150 }).run('echo /*/*/*/*/*/* | wc -c');
    expect([r.outcome, r.error]).toEqual(['timeout', 'execution timed out']);
    expect(Date.now() - t0).toBeLessThan(1_150);
  });

  it("sed's branch loop stops at its iteration cap on its own", async () => {
    const r = await run("echo x | sed ':a; s/x/x/; ta'; echo after $?");
    expect(r.outcome).toBe('success');
    expect(r.stdout.toString()).toBe('after 1\n');
    expect(r.stderr.toString()).toBe('sed: standard input: branch loop limit exceeded\n');
  });

  it('external cancellation stops a never-ending script', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await createRunner({ allowedPaths: [root], allowedCommands: ALL_COMMANDS, signal: ac.signal }).run(LOOPS[0][1]);
    expect([r.outcome, r.error]).toEqual(['canceled', 'execution canceled']);
  });
});
