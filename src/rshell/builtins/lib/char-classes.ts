/**
 * The POSIX character classes of the C locale (ASCII only), as `[:name:]` reads in tr's sets
 * and in find's name patterns. A class is one bit, so a bracket naming several tests them all
 * with one mask and nothing allocated.
 */

/** A Map, not an object literal: `[:constructor:]` must be unknown, not Object's own property. */
const CLASS_BITS = new Map<string, number>([
  ['alpha', 1],
  ['digit', 2],
  ['alnum', 4],
  ['upper', 8],
  ['lower', 16],
  ['space', 32],
  ['blank', 64],
  ['punct', 128],
  ['xdigit', 256],
  ['cntrl', 512],
  ['print', 1024],
  ['graph', 2048],
]);

/** The bit of the class called `name`, or undefined when there is no such class. */
export function classBit(name: string): number | undefined {
  return CLASS_BITS.get(name);
}

/** The bits of every class the code point `c` belongs to (none above 0x7f). */
export function classBitsOf(c: number): number {
  if (c < 0 || c > 0x7f) return 0;
  const upper = c >= 0x41 && c <= 0x5a;
  const lowerCase = c >= 0x61 && c <= 0x7a;
  const digit = c >= 0x30 && c <= 0x39;
  const graph = c > 0x20 && c < 0x7f;
  const alpha = upper || lowerCase;
  return (
    (alpha ? 1 : 0) |
    (digit ? 2 : 0) |
    (alpha || digit ? 4 : 0) |
    (upper ? 8 : 0) |
    (lowerCase ? 16 : 0) |
    (c === 0x20 || (c >= 0x09 && c <= 0x0d) ? 32 : 0) |
    (c === 0x20 || c === 0x09 ? 64 : 0) |
    (graph && !alpha && !digit ? 128 : 0) |
    (digit || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) ? 256 : 0) |
    (c < 0x20 || c === 0x7f ? 512 : 0) |
    (graph || c === 0x20 ? 1024 : 0) |
    (graph ? 2048 : 0)
  );
}
