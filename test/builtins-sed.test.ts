import { describe, expect, it } from 'vitest';
import { gc, liveBytes, sampled } from './helpers/live-memory.js';
import { sed } from '../src/rshell/builtins/search/sed/sed.js';
import { listing } from '../src/rshell/builtins/search/sed/exec.js';
import { repeatReader, runBuiltin, type FileTree } from './builtins-grep-harness.js';

const run = (args: string[], stdin?: string, files: FileTree = {}) => runBuiltin(sed, 'sed', args, { files, stdin });
const out = async (args: string[], stdin: string) => {
  const r = await run(args, stdin);
  expect(r.stderr).toBe('');
  return r.stdout;
};
const nums = '1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n';

describe('sed addresses', () => {
  it('selects lines, last line, regex, steps and negation', async () => {
    expect(await out(['-n', '3p'], nums)).toBe('3\n');
    expect(await out(['-n', '$p'], nums)).toBe('10\n');
    expect(await out(['-n', '/^1/p'], nums)).toBe('1\n10\n');
    expect(await out(['-n', '0~4p'], nums)).toBe('4\n8\n');
    expect(await out(['-n', '2~3p'], nums)).toBe('2\n5\n8\n');
    expect(await out(['2,9!d'], nums)).toBe('2\n3\n4\n5\n6\n7\n8\n9\n');
  });
  it('handles ranges: numeric, regex, $, +N, ~N, 0,/re/ and descending', async () => {
    expect(await out(['-n', '/3/,/5/p'], nums)).toBe('3\n4\n5\n');
    expect(await out(['-n', '8,$p'], nums)).toBe('8\n9\n10\n');
    expect(await out(['-n', '/2/,+2p'], nums)).toBe('2\n3\n4\n');
    expect(await out(['-n', '5,~4p'], nums)).toBe('5\n6\n7\n8\n');
    expect(await out(['-n', '4,~4p'], nums)).toBe('4\n5\n6\n7\n8\n');
    expect(await out(['-n', '0,/[0-9]/p'], nums)).toBe('1\n');
    expect(await out(['-n', '1,/[0-9]/p'], nums)).toBe('1\n2\n');
    expect(await out(['-n', '7,3p'], nums)).toBe('7\n');
    expect(await out(['-n', '/1/,3p'], nums)).toBe('1\n2\n3\n10\n');
  });
  it('ends and starts ranges over lines that n, N, b or t skipped as GNU does', async () => {
    // found by the differential test against GNU sed 4.9
    const five = '1\n2\n3\n4\n5\n';
    // +N and ~N end like a regex: the first line looked at past the end is the range's last
    expect(await out(['1,+1n;s/^/x/'], five)).toBe('1\nx2\n3\nx4\nx5\n');
    expect(await out(['1,~2n;s/^/x/'], five)).toBe('1\nx2\n3\nx4\nx5\n');
    // a line-number end that was skipped closes the range without the line, and the start
    // is not looked at again on that line
    expect(await out(['1,2n;s/^/x/'], five)).toBe('1\nx2\nx3\nx4\nx5\n');
    expect(await out(['-n', '/a/,2{=;N;N}'], 'a\nb\nc\na\nb\nc\n')).toBe('1\n');
    expect(await out(['-n', '/a/,+1{=;N;N}'], 'a\nb\nc\na\nb\nc\n')).toBe('1\n4\n');
    // a line-number start that was skipped opens the range on the next line looked at, once
    expect(await out(['-n', '1{N;N};2,4='], five)).toBe('3\n4\n');
    expect(await out(['-n', '1{N;N};2,+1='], five)).toBe('3\n4\n');
    expect(await out(['-n', '1{N;N};2,/x/='], five)).toBe('3\n4\n5\n');
    expect(await out(['-n', '1{N;N};2,1='], five)).toBe('');
    expect(await out(['-n', '2,+0='], five)).toBe('2\n');
    expect(await out(['-n', '2,3=;2,3='], five)).toBe('2\n2\n3\n3\n');
  });
  it('treats several files as one stream', async () => {
    const files = { a: 'a1\na2\n', b: 'b1\nb2\n' };
    expect((await run(['-n', '$p;1p', 'a', 'b'], undefined, files)).stdout).toBe('a1\nb2\n');
    expect((await run(['-n', '$=', 'a', 'b', 'missing'], undefined, files))).toEqual({
      code: 1,
      stdout: '4\n',
      stderr: 'sed: missing: no such file or directory\n',
    });
  });
  it('reuses the last regex for an empty one', async () => {
    expect(await out(['/b/s//X/g'], 'abcb\nz\n')).toBe('aXcX\nz\n');
    expect(await run(['s//X/'], 'a\n')).toEqual({ code: 1, stdout: '', stderr: 'sed: standard input: no previous regular expression\n' });
  });
});

describe('sed s command', () => {
  it('supports g, N, Ng, p, I and special replacements', async () => {
    expect(await out(['s/a/b/g'], 'aaa\n')).toBe('bbb\n');
    expect(await out(['s/a/b/2'], 'aaa\n')).toBe('aba\n');
    expect(await out(['s/a/b/2g'], 'aaaa\n')).toBe('abbb\n');
    expect(await out(['-n', 's/x/y/p'], 'x\nz\n')).toBe('y\n');
    expect(await out(['s/HELLO/hi/I'], 'Hello\n')).toBe('hi\n');
    expect(await out(['s/o\\+/[&]/'], 'foo\n')).toBe('f[oo]\n');
    expect(await out(['s/\\(a\\)\\(b\\)/\\2\\1\\n/'], 'ab\n')).toBe('ba\n\n');
    expect(await out(['-E', 's/(a)|(b)/<\\2>/g'], 'ab\n')).toBe('<><b>\n');
    expect(await out(['s/x/a\\&b\\\\c/'], 'x\n')).toBe('a&b\\c\n');
    expect(await out(['s|/|\\||g'], '/a/\n')).toBe('|a|\n');
  });
  it('lets `.` match a newline in the pattern space, as GNU sed does', async () => {
    // found by the differential test against GNU sed 4.9
    expect(await out(['N;s/a.b/X/'], 'a\nb\n')).toBe('X\n');
    expect(await out(['-E', 'N;s/a.b/X/'], 'a\nb\n')).toBe('X\n');
    expect(await out(['-n', 'N;/a.b/p'], 'a\nb\n')).toBe('a\nb\n');
    expect(await out(['G;s/^\\(.\\)\\(.*\\)/\\2\\1/'], 'ab\n')).toBe('b\na\n');
    expect(await out(['N;s/.*/[&]/I'], 'a\nB\n')).toBe('[a\nB]\n');
    // `^` and `$` still only at the ends of the pattern space
    expect(await out(['N;s/^b/X/;s/a$/Y/'], 'a\nb\n')).toBe('a\nb\n');
  });
  it('follows Go/POSIX rules for empty and longest matches', async () => {
    expect(await out(['s/x*/-/g'], 'abc\n')).toBe('-a-b-c-\n');
    expect(await out(['s/b*/x/g'], 'abbc\n')).toBe('xaxcx\n');
    expect(await out(['-E', 's/a|ab/X/'], 'abc\n')).toBe('Xc\n');
  });
  it('converts case with \\U \\L \\u \\l \\E', async () => {
    expect(await out(['s/\\(.*\\) \\(.*\\)/\\U\\1\\E \\u\\2/'], 'hello world\n')).toBe('HELLO World\n');
    expect(await out(['-E', 's/(.*)/\\L\\1/'], 'MiXeD\n')).toBe('mixed\n');
  });
  it('works on bytes: invalid UTF-8 and NUL survive', async () => {
    expect(await out(['s/./X/g'], 'a\xe9\xc3\xa9\0\n')).toBe('XXXX\n');
    expect(await out(['s/b/\\x/'], 'a\0b\xff\n')).toBe('a\0x\xff\n');
  });
  it('reads the delimiter inside a bracket expression as a member, as GNU sed does', async () => {
    // found by the differential test against GNU sed 4.9: `s/[/]/_/` was refused
    expect(await out(['s/[/]/_/g'], 'a/b/c\n')).toBe('a_b_c\n');
    expect(await out(['s/[]/]/x/g'], 'a]b/\n')).toBe('axbx\n');
    expect(await out(['s/[^/]/x/g'], 'a^/b\n')).toBe('xx/x\n');
    expect(await out(['s/[[:alpha:]/]/x/g'], 'a/1\n')).toBe('xx1\n');
    expect(await out(['s,[,],x,'], 'a,b\n')).toBe('axb\n');
    expect(await out(['-n', '/[/]/p'], 'a/b\nc\n')).toBe('a/b\n');
    expect(await out(['-n', '\\,[,],p'], 'a,b\nc\n')).toBe('a,b\n');
    // a backslash in brackets is a member and does not escape the `]`; `\n` and `\t` are
    // still the control characters
    expect(await out(['s/[\\]/x/g'], 'a\\]b\n')).toBe('ax]b\n');
    expect(await out(['s/[\\/]/x/g'], 'a\\/b\n')).toBe('axxb\n');
    expect(await out(['s/[\\t]/x/g'], 'a\tb\n')).toBe('axb\n');
    expect(await out(['N;s/[\\n]/x/'], 'a\nnb\n')).toBe('axnb\n');
    // unclosed: the command is unterminated, as in GNU
    expect((await run(['s/[/x/'], 'a[b\n')).code).toBe(1);
    expect((await run(['s/[[:]/x/g'], 'a\n')).code).toBe(1);
    // `[` as the delimiter opens no bracket
    expect(await out(['s[b[X['], 'abc\n')).toBe('aXc\n');
    expect(await out(['\\[b[d'], 'abc\nd\n')).toBe('d\n');
    // y has no brackets
    expect(await out(['y/[/]/'], 'a[\n')).toBe('a]\n');
  });
  it('reads `\\` in a bracket as one escaped backslash, so a `n` or `t` after it is a member', async () => {
    // GNU sed 4.9: `[\\n]` is a backslash and an `n`, not a backslash and a newline (F116 review)
    expect(await out(['s/[\\\\n]/X/g'], 'a\\bnc\n')).toBe('aXbXc\n');
    expect(await out(['-E', 's/[\\\\t]+/X/g'], 'a\\tb\tc\n')).toBe('aXb\tc\n');
    expect(await out(['s/[^\\\\n]/X/g'], 'a\\n\n')).toBe('X\\n\n');
    // after the pair, `\n` is still the newline
    expect(await out(['N;s/[\\\\\\n]/X/g'], 'a\\n\nb\n')).toBe('aXnXb\n');
  });
  it('sets the t flag even for identity substitutions', async () => {
    expect(await out(['s/a/a/;ta;s/$/!/;:a'], 'a\nb\n')).toBe('a\nb!\n');
  });
});

describe('sed commands', () => {
  it('a i c with one-liner, backslash and multi-line forms', async () => {
    expect(await out(['-e', '1a\\\n  two\\\nthree', '-e', '2i x'], '1\n2\n')).toBe('1\n  two\nthree\nx\n2\n');
    expect(await out(['2i\\  lead'], '1\n2\n')).toBe('1\n  lead\n2\n');
    expect(await out(['2,3c\\X'], '1\n2\n3\n4\n')).toBe('1\nX\n4\n');
    expect(await out(['2!c X'], '1\n2\n3\n')).toBe('X\n2\nX\n');
    expect(await out(['$a end'], '1\n2\n')).toBe('1\n2\nend\n');
  });
  it('hold space, n/N/D/P, = and l', async () => {
    expect(await out(['-n', '1!G;h;$p'], '1\n2\n3\n')).toBe('3\n2\n1\n');
    expect(await out(['$!N;s/\\n/-/'], '1\n2\n3\n')).toBe('1-2\n3\n');
    expect(await out(['N;P;D'], '1\n2\n3\n')).toBe('1\n2\n3\n');
    expect(await out(['-n', '$!{N};P;D'], '1\n2\n')).toBe('1\n2\n');
    expect(await out(['='], 'a\nb\n')).toBe('1\na\n2\nb\n');
    expect(await out(['n;d'], '1\n2\n3\n')).toBe('1\n3\n');
    expect(await out(['-n', 'x;p'], 'a\nb\n')).toBe('\na\n');
  });
  it('l escapes, uses octal and wraps at 70 columns', async () => {
    expect(listing(Buffer.from('a\tb\\\x01\xc3\xa9', 'latin1'))).toBe('a\\tb\\\\\\001\\303\\251$\n');
    const long = listing(Buffer.alloc(150, 'x'));
    expect(long).toBe('x'.repeat(69) + '\\\n' + 'x'.repeat(69) + '\\\n' + 'x'.repeat(12) + '$\n');
  });
  it('y maps characters, including multi-byte ones', async () => {
    expect(await out(['y/abc/xyz/'], 'aabbcc\n')).toBe('xxyyzz\n');
    expect(await out(['y/\xc3\xa9a/e\xc3\x80/'], 'caf\xc3\xa9 a\n')).toBe('c\xc3\x80fe \xc3\x80\n');
  });
  it('q and Q with exit codes and the append queue', async () => {
    expect(await run(['2q5'], '1\n2\n3\n')).toEqual({ code: 5, stdout: '1\n2\n', stderr: '' });
    expect(await run(['2Q'], '1\n2\n3\n')).toEqual({ code: 0, stdout: '1\n', stderr: '' });
    expect(await out(['a\\X'], '1\n2\n')).toBe('1\nX\n2\nX\n');
    expect(await out(['-e', 'a X', '-e', 'q'], '1\n2\n')).toBe('1\nX\n');
  });
  it('branches to labels inside groups and caps infinite loops', async () => {
    expect(await out([':a;s/^.\\{1,4\\}$/ &/;ta'], 'ab\n')).toBe('   ab\n');
    expect(await out(['-n', '/x/{:l;s/x/y/;tl;p}'], 'xx\nz\n')).toBe('yy\n');
    expect(await run([':a;ba'], 'one\n')).toEqual({ code: 1, stdout: '', stderr: 'sed: standard input: branch loop limit exceeded\n' });
  });
  it('always ends output with a newline and keeps CR in the pattern space', async () => {
    expect(await out(['p'], 'a\r\nb')).toBe('a\r\na\r\nb\nb\n');
    expect(await out(['s/\r$//'], 'hello\r\nworld\r\n')).toBe('hello\nworld\n');
    expect(await out(['-n', 'l'], 'a\r\n')).toBe('a\\r$\n');
  });
  it('honours #n on the first line', async () => {
    expect(await out(['#n\n2p'], '1\n2\n')).toBe('2\n');
  });
});

describe('sed errors', () => {
  it.each([
    [['pp'], 'sed: extra characters after command\n'],
    [['s/a/b/gx'], "sed: unknown option to 's' command\n"],
    [['s/a/b/0'], "sed: number option to 's' command may not be zero\n"],
    [['s/a/b/2g3'], "sed: multiple number options to 's' command\n"],
    [['s/a/b'], "sed: unterminated 's' command\n"],
    [['s/a/\\1/'], "sed: invalid reference \\1 on 's' command's RHS\n"],
    [['s/\\(a\\)\\1/x/'], 'sed: invalid regex: error parsing regexp: invalid escape sequence: `\\1`\n'],
    [['bnowhere'], "sed: undefined label 'nowhere'\n"],
    [['{p'], "sed: unterminated '{'\n"],
    [['p}'], "sed: unexpected '}'\n"],
    [['k'], "sed: unknown command: 'k'\n"],
    [['0p'], 'sed: invalid usage of line address 0\n'],
    [['y/ab/c/'], "sed: 'y' command: source and destination must have the same length\n"],
    [['e ls'], "sed: 'e' command is blocked: command execution is not allowed\n"],
    [['w /tmp/x'], "sed: 'w' command is blocked: file writing is not allowed\n"],
    [['R x'], "sed: 'R' command is blocked: unsandboxed file reading is not allowed\n"],
    [['s/a/b/w x'], "sed: 'w' flag in 's' command is blocked: file writing is not allowed\n"],
    [['s/a/b/e'], "sed: 'e' flag in 's' command is blocked: command execution is not allowed\n"],
    [['s//b/I'], 'sed: cannot specify modifiers on empty regexp\n'],
    [['-i', 's/a/b/'], "sed: unknown shorthand flag: 'i' in -i\n"],
    [['-f', 'script'], "sed: unknown shorthand flag: 'f' in -f\n"],
    [[], 'sed: no script command has been specified\n'],
  ])('%j fails with status 1', async (args, stderr) => {
    expect(await run(args, 'abc\n')).toEqual({ code: 1, stdout: '', stderr });
  });
  it('prints usage for -h', async () => {
    const r = await run(['-h']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('Usage: sed [OPTION]... [script] [FILE]...\n')).toBe(true);
    expect(r.stdout).not.toContain('regexp-extended-r');
  });
  it('rejects pattern space over 1 MiB', async () => {
    const r = await run(['-n', 'H;${x;p}'], 'x'.repeat(1000) + '\n'.repeat(1) + ('y'.repeat(1000) + '\n').repeat(1100));
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'sed: standard input: hold space exceeds maximum size (1048576 bytes)\n' });
  });
});

describe('sed streaming', () => {
  it('substitutes over 40 MB with bounded memory', async () => {
    // RSS alone measures when V8 collects: on Node 24, next to another test file's CPU
    // burst, the garbage of a 40 MB run reached 160 MiB before a collection. What the run
    // holds is sampled after a collection every 4 MB, and RSS is read after one too.
    const live0 = liveBytes();
    const rss0 = process.memoryUsage().rss;
    let held = 0;
    const unit = 'the quick brown fox jumps over the lazy dog\n';
    const units = Math.floor((40 * 1024 * 1024) / unit.length);
    // Output is counted by `$=` only, so nothing accumulates in the collector.
    const stdin = sampled(repeatReader(unit, units * unit.length), 4 * 1024 * 1024, () => (held = Math.max(held, liveBytes() - live0)));
    const r = await runBuiltin(sed, 'sed', ['-n', 's/o/0/g;$='], { stdin });
    expect(r).toEqual({ code: 0, stdout: `${units}\n`, stderr: '' });
    // Holding a fifth of the input at any sample would exceed this.
    expect(held).toBeLessThan(8 * 1024 * 1024);
    gc();
    expect(process.memoryUsage().rss - rss0).toBeLessThan(64 * 1024 * 1024);
  }, 120_000);
});

describe('sed output within one cycle', () => {
  it('pauses a printing loop to flush (1 MB in one cycle) and resumes where it was', async () => {
    const r = await run(['-n', ':a;p;ba'], 'x'.repeat(100) + '\n');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(('x'.repeat(100) + '\n').repeat(10_001));
    expect(r.stderr).toBe('sed: standard input: branch loop limit exceeded\n');
  });
});

describe('sed exit status', () => {
  it('q decides the status even after an unreadable input; otherwise errors give 1', async () => {
    const files = { a: '1\n2\n' };
    expect(await run(['2q', 'missing', 'a'], undefined, files)).toEqual({
      code: 0,
      stdout: '1\n2\n',
      stderr: 'sed: missing: no such file or directory\n',
    });
    expect(await run(['N', 'missing', 'a'], undefined, files)).toEqual({
      code: 1,
      stdout: '1\n2\n',
      stderr: 'sed: missing: no such file or directory\n',
    });
    expect((await run(['$!N;N', 'a'], undefined, files)).stdout).toBe('1\n2\n');
  });
});
