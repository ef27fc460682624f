import { describe, expect, it } from 'vitest';
import {
  FlagSet,
  failFlags,
  formatGoDuration,
  goQuote,
  goQuoteRune,
  parseGoDuration,
  parseGoInt,
  StringValue,
} from '../src/rshell/builtins/flags.js';
import { CollectWriter } from '../src/rshell/io.js';
import type { CallContext } from '../src/rshell/builtins/types.js';

function headFlags() {
  const fs = new FlagSet('head');
  const lines = fs.string('lines', 'n', '10', 'print the first NUM lines');
  const count = fs.int('count', 'c', 0, 'count');
  const quiet = fs.bool('quiet', 'q', 'never print headers');
  const verbose = fs.bool('verbose', 'v', 'always print headers');
  const exprs = fs.stringArray('regexp', 'e', [], 'use PATTERN');
  const color = fs.string('color', '', 'never', 'colorize', { noOptDefVal: 'auto' });
  return { fs, lines, count, quiet, verbose, exprs, color };
}

describe('FlagSet.parse', () => {
  it('parses long, short, attached and separate values with interspersed positionals', () => {
    const { fs, lines, count, quiet, verbose } = headFlags();
    const r = fs.parse(['a', '--lines=5', 'b', '-c', '7', '-qv', '-', 'c']);
    expect(r).toEqual({
      ok: true,
      args: ['a', 'b', '-', 'c'],
      order: [
        { name: 'lines', value: '5' },
        { name: 'count', value: '7' },
        { name: 'quiet', value: 'true' },
        { name: 'verbose', value: 'true' },
      ],
      dashAt: -1,
    });
    expect([lines.value, lines.changed, count.value, quiet.value, verbose.value]).toEqual(['5', true, 7, true, true]);
  });

  it('supports -n3, -n=3, --lines 3 and bundled booleans ending in a value flag', () => {
    const a = headFlags();
    expect(a.fs.parse(['-n3']).ok).toBe(true);
    expect(a.lines.value).toBe('3');
    const b = headFlags();
    b.fs.parse(['-n=4']);
    expect(b.lines.value).toBe('4');
    const c = headFlags();
    c.fs.parse(['--lines', '-9']);
    expect(c.lines.value).toBe('-9');
    const d = headFlags();
    d.fs.parse(['-qn', '2']);
    expect([d.quiet.value, d.lines.value]).toEqual([true, '2']);
    const e = headFlags();
    e.fs.parse(['-qn2x']);
    expect([e.quiet.value, e.lines.value]).toEqual([true, '2x']);
  });

  it('stops at -- and records where', () => {
    const { fs, quiet } = headFlags();
    const r = fs.parse(['x', '--', '-q', '--lines=1']);
    expect(r).toMatchObject({ ok: true, args: ['x', '-q', '--lines=1'], dashAt: 1 });
    expect(quiet.changed).toBe(false);
  });

  it('setInterspersed(false) stops at the first positional', () => {
    const { fs, quiet } = headFlags();
    fs.setInterspersed(false);
    const r = fs.parse(['p', '-q']);
    expect(r).toMatchObject({ ok: true, args: ['p', '-q'] });
    expect(quiet.value).toBe(false);
  });

  it('takes any number of words after -- or, not interspersed, after the first positional', () => {
    // A spread of argv into push() threw RangeError (an internal panic) past ~120k words.
    const many = Array<string>(300_000).fill('-q');
    const a = headFlags();
    const r = a.fs.parse(['x', '--', ...many]);
    expect(r.ok && [r.args.length, r.dashAt]).toEqual([300_001, 1]);
    const b = headFlags();
    b.fs.setInterspersed(false);
    const s = b.fs.parse(['p', ...many]);
    expect(s.ok && s.args.length).toBe(300_001);
    expect(b.quiet.value).toBe(false);
  });

  it('handles optional values (NoOptDefVal) and bool =false', () => {
    const { fs, color, quiet } = headFlags();
    fs.parse(['--color', 'file', '--quiet=false']);
    expect(color.value).toBe('auto');
    expect(quiet.value).toBe(false);
    const h = headFlags();
    const r = h.fs.parse(['--color=always', '-q=1']);
    expect(r.ok && r.args).toEqual([]);
    expect([h.color.value, h.quiet.value]).toEqual(['always', true]);
  });

  it('string arrays replace the default then accumulate', () => {
    const fs = new FlagSet('grep');
    const e = fs.stringArray('regexp', 'e', ['dflt'], 'pattern');
    fs.parse(['-e', 'P', '-eQ', '--regexp=a,b']);
    expect(e.value).toEqual(['P', 'Q', 'a,b']);
  });

  it('aliases share a value but keep their own changed bit', () => {
    const fs = new FlagSet('head');
    const quiet = fs.bool('quiet', 'q', 'never print headers');
    fs.alias('silent', '', quiet, 'same as --quiet');
    const r = fs.parse(['--silent']);
    expect(r.ok && r.order).toEqual([{ name: 'silent', value: 'true' }]);
    expect([quiet.value, quiet.changed, fs.changed('quiet'), fs.changed('silent')]).toEqual([true, true, false, true]);
  });

  it('counts repeated occurrences', () => {
    const fs = new FlagSet('x');
    const v = fs.count('verbose', 'v', 'more');
    fs.parse(['-vvv', '--verbose']);
    expect(v.value).toBe(4);
  });

  it('keeps the custom value error text', () => {
    const fs = new FlagSet('strings');
    class Radix extends StringValue {
      override set(s: string) {
        if (!['o', 'd', 'x'].includes(s)) return 'invalid radix';
        this.value = s;
        return undefined;
      }
    }
    fs.custom('radix', 't', new Radix(''), 'radix');
    expect(fs.parse(['-t', 'z'])).toEqual({ ok: false, error: 'invalid argument "z" for "-t, --radix" flag: invalid radix' });
  });
});

describe('pflag error messages', () => {
  const err = (args: string[]) => {
    const r = headFlags().fs.parse(args);
    return r.ok ? 'OK' : r.error;
  };
  it.each([
    [['--foo'], 'unknown flag: --foo'],
    [['--foo=bar'], 'unknown flag: --foo'],
    [['-x'], "unknown shorthand flag: 'x' in -x"],
    [['-qx'], "unknown shorthand flag: 'x' in -x"],
    [['-qxy'], "unknown shorthand flag: 'x' in -xy"],
    [['-\x01'], "unknown shorthand flag: '\\x01' in -\x01"],
    [['-\xc3\xa9'], "unknown shorthand flag: '\xc3\x83' in -\xc3\xa9"],
    [['-n'], "flag needs an argument: 'n' in -n"],
    [['-qn'], "flag needs an argument: 'n' in -n"],
    [['--lines'], 'flag needs an argument: --lines'],
    [['---x'], 'bad flag syntax: ---x'],
    [['--=x'], 'bad flag syntax: --=x'],
    [['-c', 'x'], 'invalid argument "x" for "-c, --count" flag: strconv.ParseInt: parsing "x": invalid syntax'],
    [['--count=99999999999999999999'], 'invalid argument "99999999999999999999" for "-c, --count" flag: strconv.ParseInt: parsing "99999999999999999999": value out of range'],
    [['-q=maybe'], 'invalid argument "maybe" for "-q, --quiet" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
    [['--help'], 'pflag: help requested'],
    [['-h'], 'pflag: help requested'],
  ])('%j → %s', (args, msg) => {
    expect(err(args)).toBe(msg);
  });

  it('marks undeclared help requests', () => {
    expect(headFlags().fs.parse(['--help'])).toEqual({ ok: false, error: 'pflag: help requested', help: true });
  });

  it('uses the long name only when there is no shorthand', () => {
    const fs = new FlagSet('ls');
    fs.int('limit', '', 0, 'max');
    expect(fs.parse(['--limit', '1.5'])).toEqual({
      ok: false,
      error: 'invalid argument "1.5" for "--limit" flag: strconv.ParseInt: parsing "1.5": invalid syntax',
    });
  });

  it('failFlags writes "<cmd>: <msg>" to stderr and returns 1', async () => {
    const stderr = new CollectWriter();
    const ctx = { name: 'head', stderr } as unknown as CallContext;
    expect(await failFlags(ctx, 'unknown flag: --foo')).toBe(1);
    expect(stderr.bytes().toString('latin1')).toBe('head: unknown flag: --foo\n');
  });
});

describe('Go number and quote emulation', () => {
  it.each([
    ['0x1F', 31n],
    ['-0b101', -5n],
    ['0o17', 15n],
    ['017', 15n],
    ['0', 0n],
    ['+42', 42n],
    ['1_000', 1000n],
    ['9223372036854775807', 9223372036854775807n],
    ['-9223372036854775808', -9223372036854775808n],
    ['9223372036854775808', 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
    ['08', 'strconv.ParseInt: parsing "08": invalid syntax'],
    ['0x', 'strconv.ParseInt: parsing "0x": invalid syntax'],
    ['', 'strconv.ParseInt: parsing "": invalid syntax'],
    ['1__0', 'strconv.ParseInt: parsing "1__0": invalid syntax'],
    ['_1', 'strconv.ParseInt: parsing "_1": invalid syntax'],
    [' 1', 'strconv.ParseInt: parsing " 1": invalid syntax'],
  ])('ParseInt(%j)', (s, want) => {
    expect(parseGoInt(s, true)).toBe(want);
  });

  it('ParseUint rejects signs', () => {
    expect(parseGoInt('-1', false)).toBe('strconv.ParseUint: parsing "-1": invalid syntax');
    expect(parseGoInt('18446744073709551615', false)).toBe(18446744073709551615n);
  });

  it.each([
    ['1s', 1000000000n],
    ['1.5s', 1500000000n],
    ['-1m30s', -90000000000n],
    ['300ms', 300000000n],
    ['2h45m', 9900000000000n],
    ['1\xc2\xb5s', 1000n],
    ['0', 0n],
    ['.5s', 500000000n],
    ['1', 'time: missing unit in duration "1"'],
    ['1q', 'time: unknown unit "q" in duration "1q"'],
    // A unit named like one of Object's own properties is no unit (it once reached BigInt maths and panicked).
    ['1constructor', 'time: unknown unit "constructor" in duration "1constructor"'],
    ['x', 'time: invalid duration "x"'],
    ['', 'time: invalid duration ""'],
    ['.s', 'time: invalid duration ".s"'],
  ])('ParseDuration(%j)', (s, want) => {
    expect(parseGoDuration(s)).toBe(want);
  });

  it.each([
    [0n, '0s'],
    [1500n, '1.5\xc2\xb5s'],
    [300000000n, '300ms'],
    [1000000000n, '1s'],
    [90000000000n, '1m30s'],
    [3600000000000n, '1h0m0s'],
    [-1500000000n, '-1.5s'],
  ])('Duration(%s).String()', (d, want) => {
    expect(formatGoDuration(d)).toBe(want);
  });

  it('quotes like Go %q', () => {
    expect(goQuote('a"b\\c\n\t\x00\x7f')).toBe('"a\\"b\\\\c\\n\\t\\x00\\x7f"');
    expect(goQuote('caf\xc3\xa9')).toBe('"caf\xc3\xa9"');
    expect(goQuote('\xff\xc3')).toBe('"\\xff\\xc3"');
    expect(goQuote('\xc2\x85\xc2\xa0')).toBe('"\\u0085\\u00a0"');
    expect(goQuoteRune(0x27)).toBe("'\\''");
    expect(goQuoteRune(0x22)).toBe("'\"'");
  });
});

describe('FlagSet.usage', () => {
  it('formats like pflag FlagUsages (sorted, aligned, defaults, hidden skipped)', () => {
    const fs = new FlagSet('demo');
    fs.string('lines', 'n', '10', 'print the first NUM lines');
    fs.bool('quiet', 'q', 'never print headers');
    fs.bool('help', 'h', 'display this help and exit');
    fs.int('max-count', 'm', 0, 'stop after `NUM` matches');
    fs.string('color', '', 'never', 'use markers', { noOptDefVal: 'auto' });
    fs.stringArray('regexp', 'e', [], 'use PATTERN');
    fs.duration('wait', 'W', 1e9, 'time to wait');
    fs.bool('secret', '', 'hidden', { hidden: true });
    fs.count('verbose', 'v', 'more output\nsecond line');
    expect(fs.usage()).toBe(
      [
        '      --color string[="auto"]   use markers (default "never")',
        '  -h, --help                    display this help and exit',
        '  -n, --lines string            print the first NUM lines (default "10")',
        '  -m, --max-count NUM           stop after NUM matches',
        '  -q, --quiet                   never print headers',
        '  -e, --regexp stringArray      use PATTERN',
        '  -v, --verbose count           more output',
        '                                second line',
        '  -W, --wait duration           time to wait (default 1s)',
        '',
      ].join('\n'),
    );
  });
});
