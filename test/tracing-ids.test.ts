import { describe, expect, it } from 'vitest';
import { ByteWriter, EncodedStringCache, putPadded, putUint, putUint64 } from '../src/tracing/byte-writer.js';
import { MsgpackWriter } from '../src/tracing/encode-msgpack.js';
import { errorType } from '../src/tracing/error-type.js';
import fc from 'fast-check';
import { hiOf, loOf, MAX_UINT64, parseUint64, randomId, toBigInt } from '../src/tracing/ids.js';
import { JsonNumber, parseJsonLossless } from '../src/tracing/json-lossless.js';

describe('parseUint64', () => {
  it('parses decimal strings exactly, including above 2^53 and 2^63', () => {
    expect(parseUint64('0')).toBe(0n);
    expect(parseUint64('123')).toBe(123n);
    expect(parseUint64('1234567890123456789')).toBe(1234567890123456789n);
    expect(parseUint64('9223372036854775809')).toBe(9223372036854775809n);
    expect(parseUint64('18446744073709551615')).toBe(MAX_UINT64);
  });

  it('accepts bigints in range and safe-integer numbers', () => {
    expect(parseUint64(18446744073709551615n)).toBe(MAX_UINT64);
    expect(parseUint64(456)).toBe(456n);
    expect(parseUint64(Number.MAX_SAFE_INTEGER)).toBe(9007199254740991n);
  });

  it('rejects out of range, negative, fractional and malformed input', () => {
    for (const bad of [
      '18446744073709551616',
      '-1',
      '+1',
      '1.0',
      '1e3',
      ' 1',
      '1 ',
      '01',
      '',
      '0x10',
      'abc',
      '123456789012345678901',
    ]) {
      expect(parseUint64(bad), bad).toBeNull();
    }
    expect(parseUint64(-1n)).toBeNull();
    expect(parseUint64(MAX_UINT64 + 1n)).toBeNull();
    expect(parseUint64(1.5)).toBeNull();
    expect(parseUint64(-3)).toBeNull();
    expect(parseUint64(2 ** 60)).toBeNull(); // may already be rounded
    expect(parseUint64(NaN)).toBeNull();
    expect(parseUint64(null)).toBeNull();
    expect(parseUint64(undefined)).toBeNull();
    expect(parseUint64({})).toBeNull();
  });
});

describe('randomId', () => {
  it('is a uint64 never 0 or 1, and ids differ', () => {
    const seen = new Set<bigint>();
    for (let i = 0; i < 5000; i++) {
      const id = randomId();
      expect(id > 1n && id <= MAX_UINT64).toBe(true);
      seen.add(id);
    }
    expect(seen.size).toBe(5000);
  });

  it('uses the whole 64-bit range (some ids above 2^63 in a sample)', () => {
    let high = 0;
    for (let i = 0; i < 2000; i++) if (randomId() >= 1n << 63n) high++;
    // Binomial(2000, 0.5): below 800 or above 1200 is astronomically unlikely.
    expect(high).toBeGreaterThan(800);
    expect(high).toBeLessThan(1200);
  });
});

function uint64Text(hi: number, lo: number): string {
  const buf = Buffer.alloc(32);
  return buf.toString('latin1', 0, putUint64(buf, 0, hi, lo));
}

describe('uint64 decimal digits (no BigInt)', () => {
  it('prints hi/lo halves exactly, at the edges and for random values', () => {
    const edges = [0n, 1n, (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, 1n << 63n, (1n << 63n) + 1n, MAX_UINT64 - 1n, MAX_UINT64,
      10n ** 19n, 10n ** 19n - 1n, 9999999n << 32n, (1n << 48n) - 1n, 1n << 48n,
      // Each 7-digit group all zeros, all nines, or one digit set at either end.
      10n ** 18n, 10n ** 18n + 10n ** 7n - 1n, 10n ** 18n + 10n ** 14n - 1n, 10n ** 18n + 1000000n * 10n ** 7n + 1n, 10n ** 18n + 9000009n];
    for (const v of edges) {
      expect(uint64Text(hiOf(v), loOf(v)), String(v)).toBe(v.toString());
      expect(toBigInt(hiOf(v), loOf(v))).toBe(v);
    }
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_UINT64 }), (v) => uint64Text(hiOf(v), loOf(v)) === v.toString()),
      { numRuns: 20_000 },
    );
  });
});

/** Epoch ms as the msgpack encoder writes it (int64 ns, 0xd3). */
function msToNs(ms: number): bigint {
  const w = new MsgpackWriter(16);
  w.int64Ns(ms);
  expect(w.buf[0]).toBe(0xd3);
  return w.buf.readBigInt64BE(1);
}

describe('ns timestamps', () => {
  it('converts fractional epoch ms to exact ns', () => {
    expect(msToNs(1700000000123.5)).toBe(1700000000123500000n);
    expect(msToNs(1700000000000)).toBe(1700000000000000000n);
    expect(msToNs(0.25)).toBe(250000n);
    // Sub-ns rounding carrying into the next millisecond.
    expect(msToNs(1700000000123.9999999999)).toBe(1700000000124000000n);
    expect(msToNs(-5)).toBe(0n);
    expect(msToNs(1e13)).toBe(2n ** 63n - 1n);
  });

  it('matches BigInt arithmetic for any ms until int64 ns overflow (2262), then saturates', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 9_223_372_036_853.99, noNaN: true }), (ms) => {
        let whole = Math.floor(ms);
        let frac = Math.round((ms - whole) * 1e6);
        if (frac >= 1e6) {
          whole += 1;
          frac -= 1e6;
        }
        expect(msToNs(ms)).toBe(BigInt(whole) * 1_000_000n + BigInt(frac));
      }),
      { numRuns: 2000, seed: 2026 },
    );
  });

  it('prints any safe integer, and any padded width, like String()', () => {
    const buf = Buffer.alloc(32);
    const text = (end: number) => buf.toString('latin1', 0, end);
    for (let k = 0; k <= 15; k++) for (const n of [10 ** k - 1, 10 ** k, 10 ** k + 1]) expect(text(putUint(buf, 0, n))).toBe(String(n));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 15 }), (n, shift) => {
        const v = Math.floor(n / 10 ** shift);
        expect(text(putUint(buf, 0, v))).toBe(String(v));
      }),
      { numRuns: 5000, seed: 2026 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (width, x) => {
        const n = Math.floor(x * 10 ** width);
        expect(text(putPadded(buf, 0, n, width))).toBe(String(n).padStart(width, '0'));
      }),
      { numRuns: 5000, seed: 2026 },
    );
  });

  it('writes small and padded digits exactly, into a writer that grows as needed', () => {
    const digits = Buffer.alloc(32);
    const w = new ByteWriter(4);
    const put = (end: number) => w.bytes(digits.subarray(0, end));
    put(putUint(digits, 0, 0));
    w.byte(0x20);
    put(putUint(digits, 0, 9007199254740991));
    w.byte(0x20);
    put(putPadded(digits, 0, 42, 6));
    w.byte(0x20);
    put(putUint(digits, 0, 10));
    expect(w.buf.toString('latin1', 0, w.pos)).toBe('0 9007199254740991 000042 10');
  });
});

describe('errorType', () => {
  it('uses an identifier-like code, else the class name, never the message', () => {
    expect(errorType(Object.assign(new Error('secret path /etc/x'), { code: 'ENOENT' }))).toBe('ENOENT');
    expect(errorType(new TypeError('customer data'))).toBe('TypeError');
    class ActionFailed extends Error {}
    expect(errorType(new ActionFailed('x'))).toBe('ActionFailed');
    expect(errorType(Object.assign(new Error('x'), { code: 'has spaces and data' }))).toBe('Error');
    expect(errorType('a thrown string')).toBe('string');
    expect(errorType(42)).toBe('number');
    expect(errorType(null)).toBe('null');
    expect(errorType(undefined)).toBe('undefined');
    expect(errorType(Object.create(null))).toBe('object');
  });
});

describe('parseJsonLossless', () => {
  it('keeps number text exactly', () => {
    const v = parseJsonLossless('{"a":18446744073709551615,"b":[1.5,-2,"x\\n"],"c":null,"d":true}') as Record<string, unknown>;
    expect((v.a as JsonNumber).toUint()).toBe(18446744073709551615n);
    const b = v.b as unknown[];
    expect((b[0] as JsonNumber).toUint()).toBeNull();
    expect((b[0] as JsonNumber).toNumber()).toBe(1.5);
    expect((b[1] as JsonNumber).toInt()).toBe(-2n);
    expect(b[2]).toBe('x\n');
    expect(v.c).toBeNull();
    expect(v.d).toBe(true);
  });

  it('rejects malformed JSON', () => {
    for (const bad of ['{', '{"a":}', '[1,]', '01', '{"a":1}x', '"\u0001"', 'tru', '{a:1}']) {
      expect(() => parseJsonLossless(bad), bad).toThrow();
    }
  });
});

describe('EncodedStringCache', () => {
  it('starts over when full instead of refusing new strings, and never caches long ones', () => {
    const c = new EncodedStringCache((s) => Buffer.from(s), 3, 5);
    for (const s of ['a', 'b', 'c']) expect(c.get(s)?.toString()).toBe(s);
    expect(c.size).toBe(3);
    expect(c.get('d')?.toString()).toBe('d'); // full: cleared, then cached
    expect(c.size).toBe(1);
    expect(c.get('d')).toBe(c.get('d'));
    expect(c.get('toolong')).toBeUndefined();
    expect(c.size).toBe(1);
  });
});
