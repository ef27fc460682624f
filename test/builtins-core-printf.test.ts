import { describe, expect, it } from 'vitest';
import { builtins } from '../src/rshell/builtins/core/index.js';
import { run } from './builtins-core-harness.js';

const printf = (...args: string[]) => run(builtins.printf, 'printf', args);

describe('printf output (expectations taken from bash 5.2)', () => {
  it.each([
    [['%d and %d\n', '42'], '42 and 0\n'],
    [['%s\n', 'a', 'b', 'c'], 'a\nb\nc\n'],
    [['%s-%s\n', 'a', 'b', 'c'], 'a-b\nc-\n'],
    [['hello\n', 'extra'], 'hello\n'],
    [['%5d|%-5d|%05d|%+d|% d\n', '1', '2', '3', '4', '5'], '    1|2    |00003|+4| 5\n'],
    [['%.3d|%8.3d|%-8.3d|%08.3d\n', '7', '7', '-7', '7'], '007|     007|-007    |     007\n'],
    [['%x|%X|%o|%#x|%#X|%#o|%#o\n', '255', '255', '8', '255', '255', '8', '0'], 'ff|FF|10|0xff|0XFF|010|0\n'],
    [['%u|%x|%o\n', '-1', '-2', '-1'], '18446744073709551615|fffffffffffffffe|1777777777777777777777\n'],
    [['%+u|% u|%+x|% o\n', '42', '42', '42', '42'], '42|42|2a|52\n'],
    [['%i %d %d\n', '0x1f', '010', '0755'], '31 8 493\n'],
    [['%d %d %d %d\n', "'A", '"B', "'", ''], '65 66 0 0\n'],
    [['%f|%.2f|%10.3f|%-10.1f|%+.0f|%#.0f\n', '3.14159', '2.675', '1', '2.5', '2.5', '3'], '3.141590|2.67|     1.000|2.5       |+2|3.\n'],
    [['%e|%E|%.0e|%#.0e|%12.4e\n', '12345.678', '0.00012', '5', '5', '-1.5'], '1.234568e+04|1.200000E-04|5e+00|5.e+00| -1.5000e+00\n'],
    [['%g|%g|%g|%g|%g|%G|%#g\n', '100000', '1000000', '0.0001', '0.00001', '123456789', '1e-10', '1.5'], '100000|1e+06|0.0001|1e-05|1.23457e+08|1E-10|1.50000\n'],
    [['%015.2e\n', '3.14'], '00000003.14e+00\n'],
    [['%f %f %f\n', '0755', '010', '-0x10'], '755.000000 10.000000 -16.000000\n'],
    [['%f\n', '0xffffffffffffffff'], '18446744073709551616.000000\n'],
    [['%f %F %+f %+F % f %5.1f|\n', 'nan', 'inf', 'inf', 'inf', 'inf', 'nan'], 'nan INF +inf +INF  inf   nan|\n'],
    [['%f %f %f\n', 'nan', '+nan', '-nan'], 'nan nan nan\n'],
    [['%s|%10s|%-10s|%.2s|%5.1s\n', 'abc', 'abc', 'abc', 'abc', 'abc'], 'abc|       abc|abc       |ab|    a\n'],
    [['%c|%5c|%-3c|%c|\n', 'hello', 'x', 'y', ''], 'h|    x|y  |\0|\n'],
    [['%*s|%-*d|%*s|\n', '4', 'a', '4', '2', '-3', 'b'], '   a|2   |b  |\n'],
    [['%.*f|%.*s|\n', '2', '3.14159', '-1', 'abc'], '3.14|abc|\n'],
    [['%ld %hd %lld %zd %jd\n', '1', '2', '3', '4', '5'], '1 2 3 4 5\n'],
    [['%%|%5s%%\n', 'x'], '%|    x%\n'],
    [['\\a\\b\\e\\f\\n\\r\\t\\v\\\\\\"\\q'], '\x07\b\x1b\f\n\r\t\v\\"\\q'],
    [['\\101\\1234\\12\\1\\0101\\8\\400'], 'AS4\n\x01\x081\\8\0'],
    [['\\x414\\xZ'], 'A4\\xZ'],
    [['\\u00e9\\U0001F600\\uD800\\UFFFFFFFF'], '\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd\xef\xbf\xbd'],
    [['%b|\n', 'a\\tb\\x41\\101\\0101\\q\\\\'], 'a\tbAAA\\q\\|\n'],
    [['%b', '\\0x'], '\0x'],
    [['%b %s\n', 'stop\\c', 'notprinted', 'extra'], 'stop'],
    [['--', '%s', 'x'], 'x'],
    [['%s', '-v'], '-v'],
  ])('printf %j', async (args, want) => {
    const r = await printf(...(args as string[]));
    expect(r).toEqual({ code: 0, stdout: want, stderr: '' });
  });

  it('keeps the exact binary value of doubles at high precision', async () => {
    expect((await printf('%.20f', '0.1')).stdout).toBe('0.10000000000000000555');
    expect((await printf('%.3f', '1e-300')).stdout).toBe('0.000');
    const wide = await printf('%.10000f', '1');
    expect(wide.stdout).toBe('1.' + '0'.repeat(10000));
  });

  it('caps width and precision at 10000', async () => {
    expect((await printf('%20000d', '1')).stdout).toBe(' '.repeat(9999) + '1');
    expect((await printf('%.20000f', '0')).stdout.length).toBe(10002);
  });

  it('stops reusing the format after 10000 passes', async () => {
    const args = Array.from({ length: 10005 }, () => 'x');
    expect((await printf('%s', ...args)).stdout).toBe('x'.repeat(10000));
  });
});

describe('printf diagnostics', () => {
  it.each([
    [['%d\n', 'abc'], '0\n', 'printf: abc: invalid number\n', 1],
    [['%d\n', '3.14'], '3\n', 'printf: 3.14: invalid number\n', 1],
    [['%f\n', '1abc'], '1.000000\n', 'printf: 1abc: invalid number\n', 1],
    [['%x\n', '1.5'], '1\n', 'printf: 1.5: invalid number\n', 1],
    [['%d\n', '9223372036854775808'], '9223372036854775807\n', 'printf: warning: 9223372036854775808: Numerical result out of range\n', 0],
    [['%d\n', '-9999999999999999999'], '-9223372036854775808\n', 'printf: warning: -9999999999999999999: Numerical result out of range\n', 0],
    [['%u\n', '99999999999999999999'], '18446744073709551615\n', 'printf: warning: 99999999999999999999: Numerical result out of range\n', 0],
    [['%*d\n', 'abc', '42'], '42\n', 'printf: abc: invalid number\n', 1],
    [['%.*s\n', '3.14', 'hello'], 'hel\n', 'printf: 3.14: invalid number\n', 1],
    [['%yABC\n'], '', 'printf: %y: invalid format character\n', 1],
    [['a%5%b'], 'a', 'printf: %%: invalid format character\n', 1],
    [['%-'], '', "printf: `%-': missing format character\n", 1],
    [['%10'], '', "printf: `%10': missing format character\n", 1],
    [['\\uz\n'], '\\uz\n', 'printf: missing unicode digit for \\u\n', 0],
    [['%n|%s\n', 'a', 'b'], '|b\n', 'printf: %n: not supported (security risk)\n', 1],
    [['%q|\n', 'a b'], '|\n', 'printf: %q: not supported\n', 1],
  ])('printf %j', async (args, stdout, stderr, code) => {
    expect(await printf(...(args as string[]))).toEqual({ code, stdout, stderr });
  });

  it('rejects -v, other options, and prints usage for --help or no arguments', async () => {
    const usage = 'printf: usage: printf [-v var] format [arguments]\n';
    expect(await printf('-v', 'var', '%s', 'x')).toEqual({ code: 1, stdout: '', stderr: 'printf: -v: not supported in restricted shell\n' });
    expect(await printf('-x', '%s')).toEqual({ code: 2, stdout: '', stderr: 'printf: -x: invalid option\n' + usage });
    expect(await printf('--foo')).toEqual({ code: 2, stdout: '', stderr: 'printf: --: invalid option\n' + usage });
    expect(await printf('--help')).toEqual({ code: 2, stdout: usage, stderr: '' });
    expect(await printf()).toEqual({ code: 2, stdout: '', stderr: usage });
  });
});
