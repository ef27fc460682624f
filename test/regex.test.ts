import { describe, expect, it } from 'vitest';
import { ByteRegex, charWidth, literalOf, RegexError, translateRegex } from '../src/rshell/builtins/lib/regex.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const bre = (p: string) => translateRegex(p, 'bre');
const ere = (p: string) => translateRegex(p, 'ere');

describe('translateRegex BRE', () => {
  it('swaps escaped and bare operators', () => {
    expect(bre('\\(a\\)\\{2,3\\}')).toBe('(a){2,3}');
    expect(bre('a\\+b\\?c\\|d')).toBe('a+b?c|d');
    expect(bre('(a)+{1}?|')).toBe('\\(a\\)\\+\\{1\\}\\?\\|');
  });
  it('treats a leading star and inner anchors literally', () => {
    expect(bre('*a')).toBe('\\*a');
    expect(bre('^*a')).toBe('^\\*a');
    expect(bre('\\(*a\\)')).toBe('(\\*a)');
    expect(bre('a^b$c')).toBe('a\\^b\\$c');
    expect(bre('^ab$')).toBe('^ab$');
    expect(bre('\\(^a$\\)')).toBe('(^a$)');
  });
  it('translates bracket expressions', () => {
    expect(bre('[]abc]')).toBe('[\\]abc]');
    expect(bre('[^]a]')).toBe('[^\\]a]');
    expect(bre('[[:alpha:]_]')).toBe('[[:alpha:]_]');
    expect(bre('[a\\]')).toBe('[a\\\\]');
    expect(bre('[(+)]')).toBe('[(+)]');
  });
  it('keeps back-references so RE2 rejects them', () => {
    expect(() => ByteRegex.compile(bre('\\(a\\)\\1'))).toThrow(
      new RegexError('error parsing regexp: invalid escape sequence: `\\1`'),
    );
  });
  it('maps GNU word anchors to \\b', () => {
    expect(bre('\\<a\\>')).toBe('\\ba\\b');
  });
});

describe('translateRegex ERE', () => {
  it('passes Go-compatible syntax through', () => {
    expect(ere('(a|b)+c{2}')).toBe('(a|b)+c{2}');
  });
  it('makes a leading star and a bad interval literal', () => {
    expect(ere('*a')).toBe('\\*a');
    expect(ere('a{')).toBe('a\\{');
    expect(ere('a{,3}')).toBe('a{0,3}');
    expect(ere('a{x}')).toBe('a\\{x}');
    expect(bre('a\\{,3\\}')).toBe('a{0,3}');
  });
});

describe('ByteRegex', () => {
  it('reports Go error texts', () => {
    expect(() => ByteRegex.compile('(')).toThrow('error parsing regexp: missing closing ): `(`');
  });
  it('matches bytes: invalid UTF-8 is one character, NUL is ordinary', () => {
    const re = ByteRegex.compile('^caf.!$');
    expect(re.test(b('caf\xe9!'))).toBe(true); // lone invalid byte
    expect(re.test(b('caf\xc3\xa9!'))).toBe(true); // é in UTF-8
    expect(ByteRegex.compile('a\\x00b').test(b('xa\0b'))).toBe(true);
  });
  it('returns byte offsets and groups', () => {
    const m = ByteRegex.compile('(\xc3\xa9+)(x)?').exec(b('a\xc3\xa9\xc3\xa9z'));
    expect(m).toEqual({ start: 1, end: 5, groups: [1, 5, -1, -1] });
  });
  it('finds all matches Go-style around empty matches', () => {
    const re = ByteRegex.compile('a*');
    expect(re.execAll(b('baaac')).map((m) => [m.start, m.end])).toEqual([
      [0, 0],
      [1, 4],
      [5, 5],
    ]);
  });
  it('uses leftmost-longest when asked', () => {
    expect(ByteRegex.compile('a|ab', { longest: true }).exec(b('abc'))?.end).toBe(2);
    expect(ByteRegex.compile('a|ab').exec(b('abc'))?.end).toBe(1);
  });
  it('runs pathological patterns in linear time', () => {
    const line = Buffer.alloc(200_000, 'a');
    const t0 = Date.now();
    expect(ByteRegex.compile('(a*)*b').test(line)).toBe(false);
    expect(ByteRegex.compile('(a|aa)+$').test(line)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(10_000); // generous: backtracking would take ages
  });
});

describe('the search guard', () => {
  // The guard refuses every search it is asked about (so no costly search runs here).
  const calls = (pattern: string, run: (re: ByteRegex) => unknown, opts: { literal?: string } = {}): number[] => {
    const seen: number[] = [];
    const refuse = (ms: number) => {
      seen.push(ms);
      throw new Error('refused');
    };
    try {
      run(ByteRegex.compile(pattern, { ...opts, guard: refuse }));
    } catch (e) {
      if ((e as Error).message !== 'refused') throw e;
    }
    return seen;
  };
  const line = (n: number) => Buffer.alloc(n, 'a');

  it('is asked before a search whose worst case (program size × bytes) reaches 20 ms, with that worst case', () => {
    const big = ByteRegex.compile('(a|aa){1,1000}[^a]');
    expect(big.size).toBeGreaterThan(5_000);
    const [ms] = calls('(a|aa){1,1000}[^a]', (re) => re.test(line(100_000)));
    // 25 ns per instruction per byte, the rounded-up worst case.
    expect(ms).toBeCloseTo((big.size * 100_000 * 25) / 1e6, 6);
    // exec counts the bytes after `from` only.
    const [fromMs] = calls('(a|aa){1,1000}[^a]', (re) => re.exec(line(100_000), 50_000));
    expect(fromMs).toBeCloseTo(ms / 2, 6);
  });

  it('is not asked for short searches, small programs over ordinary lines, or literal byte searches', () => {
    expect(calls('(a|aa){1,1000}[^a]', (re) => re.test(line(100)))).toEqual([]);
    expect(calls('error|warn', (re) => re.test(line(10_000)))).toEqual([]);
    expect(calls('needle', (re) => re.test(line(10_000_000)), { literal: 'needle' })).toEqual([]);
  });

  it('is not asked to compile a pattern RE2 rejects for its repeat counts (reported as invalid, not a timeout)', () => {
    for (const pattern of ['a{99999999}', '(a{1000}){1000}', '((ab{100}){100}){100}']) {
      const seen: number[] = [];
      expect(() => ByteRegex.compile(pattern, { guard: (ms) => void seen.push(ms) })).toThrow(RegexError);
      expect(seen).toEqual([]);
    }
  });

  it('is asked before each search of execAll, and a refusal stops it', () => {
    const seen: number[] = [];
    const re = ByteRegex.compile('(a|aa){1,100}', { guard: (ms) => {
      seen.push(ms);
      if (seen.length === 3) throw new Error('deadline');
    } });
    expect(() => re.execAll(line(200_000))).toThrow('deadline');
    expect(seen).toHaveLength(3);
    // Each later search starts further on, so its worst case is smaller.
    expect(seen[1]).toBeLessThan(seen[0]);
  });
});

describe('helpers', () => {
  it('literalOf detects operator-free patterns', () => {
    expect(literalOf('foo bar', 'bre')).toBe('foo bar');
    expect(literalOf('fo+', 'bre')).toBe('fo+');
    expect(literalOf('fo+', 'ere')).toBeNull();
    expect(literalOf('a.b', 'bre')).toBeNull();
    expect(literalOf('a.b', 'fixed')).toBe('a.b');
  });
  it('charWidth follows UTF-8', () => {
    expect(charWidth(b('\xc3\xa9'), 0)).toBe(2);
    expect(charWidth(b('\xc3x'), 0)).toBe(1);
    expect(charWidth(b('\xe2\x82\xac'), 0)).toBe(3);
  });
});
