import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatFloat, formatInt, type ConvSpec } from '../src/rshell/builtins/core/cformat.js';

const spec = (o: Partial<ConvSpec> = {}): ConvSpec => ({ minus: false, plus: false, space: false, zero: false, alt: false, width: 0, prec: undefined, ...o });

/** JS's exponent has no leading zero ("e+4"); C pads to two digits ("e+04"). */
const cExp = (s: string) => s.replace(/e([+-])(\d)$/, 'e$10$2');

describe('formatFloat against JavaScript exact conversions', () => {
  // toFixed/toExponential are exact but round ties up. A tie at N digits needs an exact
  // expansion of N+1 fraction digits, i.e. N+1 fraction bits: values with more than 21
  // fraction bits and |x| >= 1 (so at least 22 significant digits) cannot tie at N <= 20.
  const doubles = fc
    .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
    .filter((x) => Math.abs(x) >= 1 && !Number.isInteger(x * 2 ** 21));
  const params = { numRuns: 3000, seed: 20261124 };

  it('%.Nf equals toFixed(N)', () => {
    fc.assert(
      fc.property(doubles, fc.integer({ min: 0, max: 20 }), (x, p) => {
        const want = x.toFixed(p);
        const got = formatFloat(x, 'f', spec({ prec: p }));
        return got === want || (Object.is(x, -0) && got === '-' + want);
      }),
      params,
    );
  });

  it('%.Ne equals toExponential(N)', () => {
    fc.assert(
      fc.property(doubles, fc.integer({ min: 0, max: 20 }), (x, p) => formatFloat(x, 'e', spec({ prec: p })) === cExp(x.toExponential(p))),
      params,
    );
  });

  it('rounds exact ties to even like glibc', () => {
    expect(formatFloat(2.5, 'f', spec({ prec: 0 }))).toBe('2');
    expect(formatFloat(3.5, 'f', spec({ prec: 0 }))).toBe('4');
    expect(formatFloat(0.125, 'f', spec({ prec: 2 }))).toBe('0.12');
    expect(formatFloat(0.375, 'f', spec({ prec: 2 }))).toBe('0.38');
    expect(formatFloat(9.5, 'e', spec({ prec: 0 }))).toBe('1e+01');
    expect(formatFloat(99.96, 'g', spec({ prec: 3 }))).toBe('100');
    expect(formatFloat(999999.5, 'g', spec())).toBe('1e+06');
  });

  it('prints exact expansions at any precision', () => {
    expect(formatFloat(5e-324, 'e', spec({ prec: 30 }))).toBe('4.940656458412465441765687928682e-324');
    expect(formatFloat(2 ** 70, 'f', spec({ prec: 0 }))).toBe('1180591620717411303424');
    expect(formatFloat(0.5, 'f', spec({ prec: 1200 }))).toBe('0.5' + '0'.repeat(1199));
  });
});

describe('formatInt', () => {
  it.each([
    [0n, 'd', spec({ prec: 0 }), ''],
    [0n, 'x', spec({ alt: true }), '0'],
    [255n, 'x', spec({ alt: true, zero: true, width: 8 }), '0x0000ff'],
    [-42n, 'd', spec({ zero: true, width: 6 }), '-00042'],
    [42n, 'd', spec({ zero: true, minus: true, width: 5 }), '42   '],
    [42n, 'd', spec({ zero: true, width: 6, prec: 3 }), '   042'],
    [8n, 'o', spec({ alt: true, prec: 4 }), '0010'],
  ])('%s %s %j → %j', (v, conv, sp, want) => {
    expect(formatInt(v, conv, sp)).toBe(want);
  });
});
