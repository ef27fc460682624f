import type { ByteReader } from '../../src/rshell/io.js';

/**
 * Delivers `data` (a bstr) in pieces of the given sizes, cycled (all at once when none), so
 * property tests can cross chunk boundaries anywhere.
 */
export function chunkedReader(data: string, sizes: readonly number[]): ByteReader {
  const buf = Buffer.from(data, 'latin1');
  let off = 0;
  let i = 0;
  return {
    async read() {
      if (off >= buf.length) return null;
      const n = sizes.length ? sizes[i++ % sizes.length] : buf.length;
      const c = Buffer.from(buf.subarray(off, off + n));
      off += n;
      return c;
    },
    cancel() {
      off = buf.length;
    },
  };
}
