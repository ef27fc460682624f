/**
 * A growable byte buffer with the primitives both span encoders need. Integers are written
 * digit by digit and repeated strings are copied from cached encodings, so encoding a span
 * creates almost no garbage (strings and GC dominated the cost of a string-based encoder).
 */
import { decimalGroups, splitDecimal } from './ids.js';

/** ASCII of "00".."99". */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[i * 2] = 48 + Math.floor(i / 10);
  PAIRS[i * 2 + 1] = 48 + (i % 10);
}

/**
 * Copies b[from..] to buf at p; returns the new position. TypedArray#set costs ~11 ns
 * whatever the length, a byte loop ~1.7 ns per byte: the loop wins only below 8 bytes.
 */
export function putBytes(buf: Buffer, p: number, b: Uint8Array, from = 0): number {
  const n = b.length - from;
  if (n < 8) {
    for (let i = from; i < b.length; i++) buf[p++] = b[i];
    return p;
  }
  buf.set(from === 0 ? b : b.subarray(from), p);
  return p + n;
}

/** Decimal digits of a non-negative safe integer at p; returns the new position. */
export function putUint(buf: Buffer, p: number, n: number): number {
  if (n < 10) {
    buf[p] = 48 + n;
    return p + 1;
  }
  let len = 2;
  for (let x = 100; n >= x && len < 16; x *= 10) len++;
  const end = p + len;
  p = end;
  // Two digits per division: the digit loop is a visible part of encoding a span.
  while (n >= 100) {
    const q = Math.floor(n / 100);
    const r = (n - q * 100) * 2;
    buf[--p] = PAIRS[r + 1];
    buf[--p] = PAIRS[r];
    n = q;
  }
  if (n >= 10) {
    buf[--p] = PAIRS[n * 2 + 1];
    buf[--p] = PAIRS[n * 2];
  } else buf[--p] = 48 + n;
  return end;
}

/** Exactly `width` decimal digits of n, zero-padded; returns the new position. */
export function putPadded(buf: Buffer, p: number, n: number, width: number): number {
  const end = p + width;
  p = end;
  for (let i = width; i >= 2; i -= 2) {
    const q = Math.floor(n / 100);
    const r = (n - q * 100) * 2;
    buf[--p] = PAIRS[r + 1];
    buf[--p] = PAIRS[r];
    n = q;
  }
  if (width % 2 === 1) buf[--p] = 48 + (n % 10);
  return end;
}

/** Exact decimal digits of hi*2^32 + lo (at most 20); returns the new position. */
export function putUint64(buf: Buffer, p: number, hi: number, lo: number): number {
  if (hi < 0x200000) return putUint(buf, p, hi * 4294967296 + lo);
  splitDecimal(hi, lo);
  const { g2, g1, g0 } = decimalGroups;
  p = putUint(buf, p, g2);
  p = putPadded(buf, p, g1, 7);
  return putPadded(buf, p, g0, 7);
}

export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Makes room for n more bytes at `pos` (subclasses may move to a new chunk instead). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Copies pre-encoded bytes. */
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.pos = putBytes(this.buf, this.pos, b);
  }

  /** b from offset `from` to its end. */
  bytesFrom(b: Uint8Array, from: number): void {
    this.ensure(b.length - from);
    this.pos = putBytes(this.buf, this.pos, b, from);
  }

  utf8(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
}

/**
 * A bounded string → bytes cache. When full it starts over rather than refusing new entries:
 * a warm container sees a new task id in every task, and a cache that kept its first 8,192
 * strings for good would end up holding only stale ids, never the keys and names in use now.
 */
export class EncodedStringCache {
  private readonly map = new Map<string, Buffer>();

  constructor(
    private readonly encode: (s: string) => Buffer,
    private readonly maxEntries = 8192,
    private readonly maxLength = 128,
  ) {}

  /** Cached encoding, or undefined when the string is too long to cache. */
  get(s: string): Buffer | undefined {
    let b = this.map.get(s);
    if (b === undefined && s.length <= this.maxLength) {
      if (this.map.size >= this.maxEntries) this.map.clear();
      b = this.encode(s);
      this.map.set(s, b);
    }
    return b;
  }

  get size(): number {
    return this.map.size;
  }
}
