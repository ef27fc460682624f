import { describe, expect, it } from 'vitest';
import { grep } from '../src/rshell/builtins/search/grep.js';
import { repeatReader, runBuiltin, type FileTree } from './builtins-grep-harness.js';
import { gc, liveBytes, sampled } from './helpers/live-memory.js';

const run = (args: string[], files: FileTree = {}, stdin?: string) => runBuiltin(grep, 'grep', args, { files, stdin });
const lines = 'aaa\nbbb\nccc\nddd\neee\nfff\nggg\n';

describe('grep selection', () => {
  it('prints matching lines and exits 0, or exits 1 without output', async () => {
    expect(await run(['b', 'f'], { f: 'abc\nxyz\nb\n' })).toEqual({ code: 0, stdout: 'abc\nb\n', stderr: '' });
    expect(await run(['q', 'f'], { f: 'abc\n' })).toEqual({ code: 1, stdout: '', stderr: '' });
  });
  it('supports -v -i -w -x -F -E and BRE operators', async () => {
    const f = { f: 'Foo\nfoo bar\nfoobar\na+b\naab\n' };
    expect((await run(['-v', 'foo', 'f'], f)).stdout).toBe('Foo\na+b\naab\n');
    expect((await run(['-i', 'FOO', 'f'], f)).stdout).toBe('Foo\nfoo bar\nfoobar\n');
    expect((await run(['-w', 'foo', 'f'], f)).stdout).toBe('foo bar\n');
    expect((await run(['-x', 'foo', 'f'], f)).stdout).toBe('');
    expect((await run(['-ix', 'foo', 'f'], f)).stdout).toBe('Foo\n');
    expect((await run(['a+b', 'f'], f)).stdout).toBe('a+b\n'); // BRE: + is literal
    expect((await run(['a\\+b', 'f'], f)).stdout).toBe('aab\n');
    expect((await run(['-E', 'a+b', 'f'], f)).stdout).toBe('aab\n');
    expect((await run(['-F', 'a+b', 'f'], f)).stdout).toBe('a+b\n');
    expect((await run(['-E', '^(foo|Foo)$', 'f'], f)).stdout).toBe('Foo\n');
    expect((await run(['\\(o\\)\\{2\\}b', 'f'], f)).stdout).toBe('foobar\n');
  });
  it('joins -e patterns and newline-separated patterns', async () => {
    expect((await run(['-e', 'aaa', '-e', 'ccc', '-'], {}, lines)).stdout).toBe('aaa\nccc\n');
    expect((await run(['aaa\neee'], {}, lines)).stdout).toBe('aaa\neee\n');
  });
  it('prints -o parts, leftmost-longest, skipping empty matches', async () => {
    expect((await run(['-o', '-E', 'a|ab', '-'], {}, 'xabyab\n')).stdout).toBe('ab\nab\n');
    expect((await run(['-on', 'b*', '-'], {}, 'abbcb\nxx\n')).stdout).toBe('1:bb\n1:b\n');
    expect(await run(['-ov', 'zz', '-'], {}, 'abc\n')).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});

describe('grep output forms', () => {
  it('prefixes names with several files; -h/-H: last wins', async () => {
    const f = { a: 'x\n', b: 'x\ny\n' };
    expect((await run(['x', 'a', 'b'], f)).stdout).toBe('a:x\nb:x\n');
    expect((await run(['-H', '-h', 'x', 'a', 'b'], f)).stdout).toBe('x\nx\n');
    expect((await run(['-h', '-H', '-n', 'y', 'b'], f)).stdout).toBe('b:2:y\n');
  });
  it('counts, lists files with and without matches', async () => {
    const f = { a: 'x\nx\n', b: 'y\n' };
    expect((await run(['-c', 'x', 'a', 'b'], f)).stdout).toBe('a:2\nb:0\n');
    expect((await run(['-cv', 'x', 'a'], f)).stdout).toBe('0\n');
    expect((await run(['-l', 'x', 'a', 'b'], f)).stdout).toBe('a\n');
    expect((await run(['-L', 'x', 'a', 'b'], f))).toEqual({ code: 0, stdout: 'b\n', stderr: '' });
    expect((await run(['-l', '-L', 'x', 'a', 'b'], f)).stdout).toBe('b\n');
    expect((await run(['-c', '-m', '1', 'x', 'a'], f)).stdout).toBe('1\n');
  });
  it('names stdin "(standard input)"', async () => {
    expect((await run(['-H', 'x'], {}, 'x\n')).stdout).toBe('(standard input):x\n');
    expect((await run(['-c', 'x', '-', 'a'], { a: 'x\n' }, 'x\nx\n')).stdout).toBe('(standard input):2\na:1\n');
  });
  it('-q exits 0 at the first match even after an error', async () => {
    expect(await run(['-q', 'x', 'missing', 'a'], { a: 'x\n' })).toEqual({
      code: 0,
      stdout: '',
      stderr: 'grep: missing: no such file or directory\n',
    });
    expect((await run(['--silent', 'z', 'a'], { a: 'x\n' })).code).toBe(1);
  });
  it('drops a CR before the newline like Go bufio.ScanLines, and adds a final newline', async () => {
    expect((await run(['a', 'f'], { f: 'a\r\nb\r\na' })).stdout).toBe('a\na\n');
  });
});

describe('grep context', () => {
  it('prints before/after context with "--" between groups', async () => {
    expect((await run(['-A1', 'bbb', '-'], {}, lines)).stdout).toBe('bbb\nccc\n');
    expect((await run(['-n', '-C1', '-e', 'bbb', '-e', 'fff', '-'], {}, lines)).stdout).toBe(
      '1-aaa\n2:bbb\n3-ccc\n--\n5-eee\n6:fff\n7-ggg\n',
    );
    expect((await run(['-C', '0', '-e', 'bbb', '-e', 'ccc', '-e', 'fff', '-'], {}, lines)).stdout).toBe(
      'bbb\nccc\n--\nfff\n',
    );
  });
  it('joins a group whose before-context touches the previous group', async () => {
    expect((await run(['-B1', '-e', 'aaa', '-e', 'ccc', '-'], {}, lines)).stdout).toBe('aaa\nbbb\nccc\n');
  });
  it('separates groups across files', async () => {
    expect((await run(['-A1', 'x', 'a', 'b'], { a: 'x\n1\n', b: 'x\n2\n' })).stdout).toBe('a:x\na-1\n--\nb:x\nb-2\n');
  });
  it('-m stops after NUM matches but still prints their trailing context', async () => {
    const input = 'aaa\nmatch1\nafter1\nmatch2\nafter2\n';
    expect((await run(['-m', '1', '-A', '1', 'match', '-'], {}, input)).stdout).toBe('match1\nafter1\n');
    expect((await run(['-n', '-m1', '-A2', 'match', '-'], {}, input)).stdout).toBe('2:match1\n3-after1\n4-match2\n');
    expect((await run(['-m', '0', 'match', '-'], {}, input)).code).toBe(1);
  });
  it('caps context at 1000 lines', async () => {
    const input = Array.from({ length: 1500 }, (_, i) => `l${i}`).join('\n') + '\nHIT\n';
    const r = await run(['-B', '5000', 'HIT', '-'], {}, input);
    expect(r.stdout.split('\n').length - 1).toBe(1001);
    expect(r.stdout.startsWith('l500\n')).toBe(true);
  });
});

describe('grep binary input', () => {
  it('reports "binary file matches" instead of lines', async () => {
    expect(await run(['match', 'f'], { f: 'match_here\nnul\0\n' })).toEqual({
      code: 0,
      stdout: '',
      stderr: 'grep: f: binary file matches\n',
    });
    expect((await run(['-c', 'match', 'f'], { f: 'match\nnul\0match\n' })).stdout).toBe('2\n');
    expect((await run(['-a', 'nul', 'f'], { f: 'match\nnul\0x\n' })).stdout).toBe('nul\0x\n');
    expect(await run(['zzz', 'f'], { f: 'a\0\n' })).toEqual({ code: 1, stdout: '', stderr: '' });
  });
  it('matches invalid UTF-8 byte by byte', async () => {
    expect((await run(['^caf.$', 'f'], { f: 'caf\xe9\ncaf\xc3\xa9\ncafe\n' })).stdout).toBe('caf\xe9\ncaf\xc3\xa9\ncafe\n');
    expect((await run(['-o', 'f.', 'f'], { f: 'caf\xc3\xa9\n' })).stdout).toBe('f\xc3\xa9\n');
  });
});

describe('grep errors', () => {
  it('reports missing files and exits 2 even with matches; -s hides the message', async () => {
    expect(await run(['x', 'nope', 'a'], { a: 'x\n' })).toEqual({
      code: 2,
      stdout: 'a:x\n',
      stderr: 'grep: nope: no such file or directory\n',
    });
    expect(await run(['-s', 'x', 'nope', 'a'], { a: 'x\n' })).toEqual({ code: 2, stdout: 'a:x\n', stderr: '' });
    expect(await run(['x', 'd'], { d: null })).toEqual({ code: 2, stdout: '', stderr: 'grep: d: is a directory\n' });
  });
  it('rejects bad patterns, flags and usage', async () => {
    expect(await run(['-E', 'a('])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'grep: invalid regular expression: error parsing regexp: missing closing ): `a(`\n',
    });
    expect((await run(['\\(a\\)\\1'])).stderr).toBe(
      'grep: invalid regular expression: error parsing regexp: invalid escape sequence: `\\1`\n',
    );
    expect(await run(['--recursive', 'x'])).toEqual({ code: 1, stdout: '', stderr: 'grep: unknown flag: --recursive\n' });
    expect(await run(['-E', '-F', 'x'])).toEqual({ code: 2, stdout: '', stderr: 'grep: conflicting matchers specified\n' });
    expect(await run([])).toEqual({ code: 2, stdout: '', stderr: 'grep: no pattern specified\n' });
  });
  it('rejects lines over 1 MiB', async () => {
    const r = await run(['x', 'f'], { f: 'y'.repeat(2 << 20) + '\n' });
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'grep: f: bufio.Scanner: token too long\n' });
  });
  it('prints usage for --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('Usage: grep [OPTION]... PATTERN [FILE]...\n')).toBe(true);
    expect(r.stdout).toContain('  -E, --extended-regexp ');
  });
});

describe('grep counting fast paths agree with line-by-line matching', () => {
  const input = 'Lorem x\nfoo lorem\nbar\nLOREM\r\nneedle 13 s\r\nneedle 3 s\nstatus k\nend';
  it.each([
    [['-c', '-i', 'lorem'], '3\n'],
    [['-vci', 'lorem'], '5\n'],
    [['-c', '-v', 'lorem'], '7\n'],
    [['-ci', 'status K'], '1\n'],
    [['-ci', '-m', '2', 'lorem'], '2\n'],
    [['-vci', '-m', '1', 'lorem'], '1\n'],
    [['-c', '-E', 'ne+dle [0-9]*3 s$'], '2\n'],
    [['-vc', '-E', 'ne+dle [0-9]*3 s$'], '6\n'],
    [['-c', '-E', 'dle 1+3'], '1\n'],
    [['-l', '-i', 'lorem'], '(standard input)\n'],
  ])('%j', async (args, stdout) => {
    expect(await run(args, {}, input)).toEqual({ code: 0, stdout, stderr: '' });
  });
});

describe('grep streaming', () => {
  it('counts over 300 MB with bounded memory (literal fast path and regex path)', async () => {
    // What the run holds is sampled after a collection every 16 MB, and RSS is read after one:
    // garbage chunks wait for a collection, and on Node 24 they alone passed 96 MiB of RSS.
    // A first small run loads the matchers (the RE2 engine), which stay whatever the input.
    await runBuiltin(grep, 'grep', ['-c', 'ne*dle'], { stdin: 'needle\n' });
    const live0 = liveBytes();
    const rss0 = process.memoryUsage().rss;
    let held = 0;
    const sample = () => (held = Math.max(held, liveBytes() - live0));
    const line = 'the quick brown fox jumps over the lazy dog 0123456789\n';
    const unit = line.repeat(4) + line.replace('lazy', 'needle'); // one line in five matches
    const units = Math.floor((300 * 1024 * 1024) / unit.length);
    const r = await runBuiltin(grep, 'grep', ['-c', 'needle'], { stdin: sampled(repeatReader(unit, units * unit.length), 16 * 1024 * 1024, sample) });
    expect(r).toEqual({ code: 0, stdout: `${units}\n`, stderr: '' });
    const r2 = await runBuiltin(grep, 'grep', ['-c', 'ne*dle'], { stdin: sampled(repeatReader(unit, 20_000 * unit.length), 256 * 1024, sample) });
    expect(r2.stdout).toBe('20000\n');
    // About 16 MiB whatever the input size; holding a tenth of the input at any sample would exceed this.
    expect(held).toBeLessThan(30 * 1024 * 1024);
    gc();
    // Holding a third of the input would exceed this.
    expect(process.memoryUsage().rss - rss0).toBeLessThan(96 * 1024 * 1024);
  }, 60_000);
});

describe('grep line cap on every path', () => {
  it('rejects a line over 1 MiB delivered in one big chunk, in count mode too', async () => {
    const big = 'x'.repeat((1 << 20) + 10) + '\nneedle\n';
    for (const args of [['-c', 'needle'], ['-c', 'ne*dle'], ['needle']]) {
      const r = await runBuiltin(grep, 'grep', args, { stdin: big });
      expect(r).toEqual({ code: 2, stdout: '', stderr: 'grep: (standard input): bufio.Scanner: token too long\n' });
    }
  });
});
