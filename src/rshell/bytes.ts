/**
 * Byte strings ("bstr"): the interpreter's text type. One JS char per byte (char codes
 * 0–255), exactly like a latin1-decoded buffer, so Go-style byte semantics (invalid UTF-8,
 * NUL bytes, `\xHH` escapes, `wc -c`) survive every step without a UTF-16 round trip.
 * Script text, words, variables, argv and paths are bstr; stream data is Uint8Array.
 */
export type BStr = string;

/** Bytes → bstr. */
export function bstr(bytes: Uint8Array): BStr {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** bstr → bytes (no copy semantics promised). */
export function bytesOf(s: BStr): Buffer {
  return Buffer.from(s, 'latin1');
}

/** A JS (UTF-16) string → its UTF-8 bytes as a bstr. */
export function fromUtf16(s: string): BStr {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** A bstr holding UTF-8 → a JS string (invalid sequences become U+FFFD). */
export function toUtf16(s: BStr): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

/**
 * Orders by `name` in code-unit order, which for bstr names is byte order (ls, directory
 * listings, help). A module function: a comparator made per sort is a closure that V8
 * compiles again after major GCs.
 */
export function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
