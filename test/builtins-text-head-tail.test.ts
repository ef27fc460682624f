import { describe, expect, it } from 'vitest';
import { head } from '../src/rshell/builtins/text/head.js';
import { tail, TAIL_MAX_RING_BYTES } from '../src/rshell/builtins/text/tail.js';
import { legacyCountArgs, parseCount } from '../src/rshell/builtins/text/count.js';
import { PieceReader, run } from './builtins-text-ctx.js';

const five = 'alpha\nbeta\ngamma\ndelta\nepsilon\n';

describe('count parsing', () => {
  it('applies GNU multipliers and clamps to 2^31-1', () => {
    expect(parseCount('1b')?.n).toBe(512);
    expect(parseCount('1kB')?.n).toBe(1000);
    expect(parseCount('2K')?.n).toBe(2048);
    expect(parseCount('1m')?.n).toBe(1048576);
    expect(parseCount('K')?.n).toBe(1024);
    expect(parseCount('9999999999')?.n).toBe(2147483647);
    expect(parseCount('18446744073709551615')?.n).toBe(2147483647);
    expect(parseCount('0Z')?.n).toBe(0);
  });

  it('rejects garbage, overflow and suffixed overflow', () => {
    for (const s of ['', 'abc', '+-3', '++5', '1Z', '18446744073709551616', '9223372036854775808K', '-9223372036854775808K', '+K', '1x', '1constructor', '1toString', 'valueOf']) {
      expect(parseCount(s), s).toBeUndefined();
    }
  });

  it('rewrites legacy -N words, but not values of -n/-c nor anything after --', () => {
    expect(legacyCountArgs(['-5', 'f'])).toEqual(['-n', '5', 'f']);
    expect(legacyCountArgs(['f', '-3k'])).toEqual(['f', '-n', '3k']);
    expect(legacyCountArgs(['-n', '-2', '--bytes', '-7'])).toEqual(['-n', '-2', '--bytes', '-7']);
    expect(legacyCountArgs(['--', '-5'])).toEqual(['--', '-5']);
    // Past ~120k words a spread into push() throws RangeError (an internal panic for `head -- $many`).
    expect(legacyCountArgs(['-5', '--', ...Array<string>(300_000).fill('f')])).toHaveLength(300_003);
  });

  it('marks "+N" as from-start and "-N" as negative', () => {
    expect(parseCount('+3')).toEqual({ n: 3, fromStart: true, negative: false });
    expect(parseCount('-9223372036854775808')).toEqual({ n: 2147483647, fromStart: false, negative: true });
  });
});

describe('head', () => {
  it('prints the first 10 lines by default and honours -n, --lines=, legacy -N', async () => {
    const files = { f: Array.from({ length: 12 }, (_, i) => `l${i + 1}\n`).join('') };
    expect((await run(head, 'head', ['f'], { files })).out).toBe(files.f.split('\n').slice(0, 10).join('\n') + '\n');
    expect((await run(head, 'head', ['-n', '2', 'f'], { files })).out).toBe('l1\nl2\n');
    expect((await run(head, 'head', ['--lines=08', 'f'], { files })).out.split('\n').length).toBe(9);
    expect((await run(head, 'head', ['-3', 'f'], { files })).out).toBe('l1\nl2\nl3\n');
    expect((await run(head, 'head', ['f', '-2'], { files })).out).toBe('l1\nl2\n');
    expect((await run(head, 'head', ['-n', '-2', 'f'], { files })).code).toBe(1);
  });

  it('the later of -n and -c wins', async () => {
    const files = { f: five };
    expect((await run(head, 'head', ['-n', '2', '-c', '5', 'f'], { files })).out).toBe('alpha');
    expect((await run(head, 'head', ['-c', '5', '-n', '2', 'f'], { files })).out).toBe('alpha\nbeta\n');
  });

  it('prints headers for several files, none for failed opens', async () => {
    const r = await run(head, 'head', ['-n', '1', 'a', 'missing', 'b'], { files: { a: 'A\nA2\n', b: 'B\n' } });
    expect(r).toMatchObject({ out: '==> a <==\nA\n\n==> b <==\nB\n', err: 'head: missing: no such file or directory\n', code: 1 });
  });

  it('-q/-v: the last one wins; stdin is "standard input"', async () => {
    expect((await run(head, 'head', ['-q', '-v', '-'], { stdin: 'x\n' })).out).toBe('==> standard input <==\nx\n');
    expect((await run(head, 'head', ['-v', '-q', '-'], { stdin: 'x\n' })).out).toBe('x\n');
  });

  it('rejects values on switches, bad and negative counts', async () => {
    expect(await run(head, 'head', ['--quiet=false', 'f'])).toMatchObject({
      err: 'head: invalid argument "false" for "-q, --quiet" flag: option doesn\'t allow an argument\n',
      code: 1,
    });
    expect(await run(head, 'head', ['-n', 'xyz', '-c', '1'])).toMatchObject({ err: 'head: invalid number of lines: "xyz"\n', code: 1 });
    expect(await run(head, 'head', ['-c', '1', '-n', '1x'])).toMatchObject({ err: 'head: invalid number of lines: "1x"\n', code: 1 });
    expect(await run(head, 'head', ['-n', '-1'], { stdin: 'a\n' })).toMatchObject({
      out: '',
      err: 'head: invalid number of lines: "-1"\n',
      code: 1,
    });
  });

  it('stops reading and cancels stdin once it has its lines', async () => {
    const reader = new PieceReader(Buffer.alloc(1 << 20, 'y\n'), 100);
    const r = await run(head, 'head', ['-n', '3'], { stdin: reader });
    expect(r.out).toBe('y\ny\ny\n');
    expect(reader.reads).toBe(1);
    expect(reader.canceled).toBe(true);
  });

  it('copies lines split across chunks and keeps a missing final newline', async () => {
    const r = await run(head, 'head', ['-n', '2', 'f'], { files: { f: 'abc\ndef\nghi' }, chunk: 2 });
    expect(r.out).toBe('abc\ndef\n');
    expect((await run(head, 'head', ['f'], { files: { f: 'no newline' } })).out).toBe('no newline');
  });
});

describe('tail', () => {
  it('prints the last N lines, from line N with +N, and bytes with -c', async () => {
    const files = { f: five };
    expect((await run(tail, 'tail', ['-n', '2', 'f'], { files, chunk: 3 })).out).toBe('delta\nepsilon\n');
    expect((await run(tail, 'tail', ['-n', '+4', 'f'], { files })).out).toBe('delta\nepsilon\n');
    expect((await run(tail, 'tail', ['-c', '4', 'f'], { files, chunk: 3 })).out).toBe('lon\n'.slice(-4));
    expect((await run(tail, 'tail', ['-c', '+3', '-'], { stdin: 'hello' })).out).toBe('llo');
    expect((await run(tail, 'tail', ['-5'], { stdin: '1\n2\n3\n4\n5\n6\n7\n' })).out).toBe('3\n4\n5\n6\n7\n');
  });

  it('keeps "+" sticky across later -n/-c values', async () => {
    expect((await run(tail, 'tail', ['-n', '+2', '-n', '2', 'f'], { files: { f: five } })).out).toBe('beta\ngamma\ndelta\nepsilon\n');
    expect((await run(tail, 'tail', ['-c', '+5', '-c', '3', 'f'], { files: { f: 'abcdefghij' } })).out).toBe('cdefghij');
  });

  it('with a zero count opens nothing and prints no headers', async () => {
    expect(await run(tail, 'tail', ['-n', '0', 'missing', 'f'], { files: { f: five } })).toMatchObject({ out: '', err: '', code: 0 });
  });

  it('headers: blank line between, none for a file that failed to open', async () => {
    const r = await run(tail, 'tail', ['-n', '1', 'missing', 'a', 'b'], { files: { a: 'A\n', b: 'B' } });
    expect(r).toMatchObject({ out: '==> a <==\nA\n\n==> b <==\nB', err: 'tail: missing: no such file or directory\n', code: 1 });
  });

  it('-z uses NUL as the line delimiter', async () => {
    expect((await run(tail, 'tail', ['-z', '-n', '1'], { stdin: 'a\0b\0' })).out).toBe('b\0');
  });

  it('invalid counts are pflag errors naming the flag', async () => {
    expect(await run(tail, 'tail', ['-n', '1Z'])).toMatchObject({
      err: 'tail: invalid argument "1Z" for "-n, --lines" flag: invalid count\n',
      code: 1,
    });
    expect((await run(tail, 'tail', ['-n', '-9223372036854775809', 'f'], { files: { f: 'x\n' } })).out).toBe('x\n');
  });

  it('fails with rshell\'s message when the window exceeds the ring caps', async () => {
    const big = Buffer.alloc(TAIL_MAX_RING_BYTES + 4096, 'a'.repeat(99) + '\n');
    const r = await run(tail, 'tail', ['-n', '1000000'], { stdin: big });
    expect(r).toMatchObject({ out: '', err: 'tail: standard input: input too large: ring buffer memory limit exceeded\n', code: 1 });
    const many = Buffer.alloc(200_001 * 2, 'a\n');
    const r2 = await run(tail, 'tail', ['-n', '150000'], { stdin: many });
    expect(r2).toMatchObject({ out: '', err: 'tail: standard input: input too large: line buffer limit exceeded\n', code: 1 });
    const r3 = await run(tail, 'tail', ['-n', '2'], { stdin: many });
    expect(r3.out).toBe('a\na\n');
  });
});
