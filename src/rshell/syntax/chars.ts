/** Character classes of the Bash lexer, as char-code predicates (the script is a bstr). */

export const NL = 10;

/** Blanks separate words; newlines are tokens of their own. */
export function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** Characters that end an unquoted word (besides blanks and newlines). */
export function isMeta(c: number): boolean {
  // ; & | < > ( )
  return c === 59 || c === 38 || c === 124 || c === 60 || c === 62 || c === 40 || c === 41;
}

/** A word boundary: EOF (-1), blank, newline or metacharacter. */
export function isBoundary(c: number): boolean {
  return c < 0 || c === 32 || c === 9 || c === NL || isMeta(c);
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** An ASCII letter or digit. */
export function isAlnum(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

export function isNameChar(c: number): boolean {
  return isNameStart(c) || isDigit(c);
}

/** `$@ $* $# $? $- $$ $! $0` — single-character special parameters. */
export function isSpecialParam(c: number): boolean {
  // @ * # ? - $ ! 0
  return c === 64 || c === 42 || c === 35 || c === 63 || c === 45 || c === 36 || c === 33 || c === 48;
}

/** `? * + @ !` — the characters that start a Bash extglob when followed by `(`. */
export function isExtGlobStart(c: number): boolean {
  return c === 63 || c === 42 || c === 43 || c === 64 || c === 33;
}

export function isValidName(s: string): boolean {
  if (s.length === 0 || !isNameStart(s.charCodeAt(0))) return false;
  for (let i = 1; i < s.length; i++) if (!isNameChar(s.charCodeAt(i))) return false;
  return true;
}
