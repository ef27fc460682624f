/**
 * grep's pattern handling: turning the -e/-f-style pattern list and -E/-F/-G/-i/-w/-x into
 * one matcher, the way rshell does (each pattern translated to RE2, joined with `|`).
 * A lone operator-free pattern also yields a literal for Buffer.indexOf fast paths.
 */
import { ByteRegex, compileEstimateMs, guardCompile, literalOf, quoteMeta, requiredLiteral, translateRegex, type RegexSyntax } from '../lib/regex.js';

export type GrepSyntax = RegexSyntax | 'fixed';

export interface MatchSpec {
  patterns: string[];
  syntax: GrepSyntax;
  ignoreCase: boolean;
  wordRegexp: boolean;
  lineRegexp: boolean;
  /** -o needs POSIX leftmost-longest matches, like GNU grep. */
  longest: boolean;
  /** Refuses a search whose worst case would pass the run's deadline (CompileOptions.guard). */
  guard?: (worstMs: number) => void;
}

export interface LineMatcher {
  regex: ByteRegex;
  /** Set when every matching line is exactly a line containing these bytes. */
  literal: Buffer | null;
  /**
   * With -i: a lower-case ASCII literal such that a line matches exactly when its ASCII
   * lower-cased bytes contain it (no letter with non-ASCII case folds, like k and s).
   */
  foldedLiteral: Buffer | null;
  /** Bytes every matching line contains (lines without them cannot match). */
  prefilter: Buffer | null;
  test(line: Uint8Array): boolean;
}

/** Builds the matcher. Throws RegexError (message to print after "grep: "). */
export function buildMatcher(spec: MatchSpec): LineMatcher {
  const parts = spec.patterns.map((p) =>
    spec.syntax === 'fixed' ? quoteMeta(p) : translateRegex(p, spec.syntax),
  );
  // rshell's exact assembly (error messages quote the compiled text): ERE patterns are
  // validated one by one, then all are joined with `|` and wrapped for -x / -w.
  // Each is compiled twice, alone and joined: the guard sees both, as one stretch (a thousand
  // `-e '(a|aa){1,1000}N'`, each too short to guard, ran 4 s past a 0.5 s deadline).
  if (spec.syntax === 'ere') {
    guardCompile(2 * parts.reduce((ms, p) => ms + compileEstimateMs(p), 0), spec.guard);
    for (const p of parts) ByteRegex.compile(p);
  }
  let combined = parts.join('|');
  if (spec.lineRegexp) combined = `^(?:${combined})$`;
  else if (spec.wordRegexp) combined = `(?:\\b)(?:${combined})(?:\\b)`;
  let literal: Buffer | null = null;
  let foldedLiteral: Buffer | null = null;
  if (spec.patterns.length === 1 && !spec.wordRegexp && !spec.lineRegexp) {
    const lit = literalOf(spec.patterns[0], spec.syntax);
    // CR and LF never reach the matcher inside a line; leave such patterns to the regex.
    if (lit && !/[\r\n]/.test(lit)) {
      if (!spec.ignoreCase) literal = Buffer.from(lit, 'latin1');
      // RE2 folds k to U+212A and s to U+017F too: only plain ASCII without those.
      else if (/^[\x20-\x7e]+$/.test(lit) && !/[ksKS]/.test(lit)) foldedLiteral = Buffer.from(lit.toLowerCase(), 'latin1');
    }
  }
  const regex = ByteRegex.compile(combined, {
    ignoreCase: spec.ignoreCase,
    longest: spec.longest,
    literal: literal?.toString('latin1'),
    guard: spec.guard,
  });
  const test = (line: Uint8Array) => regex.test(line);
  const required = literal || spec.ignoreCase ? null : requiredLiteral(combined);
  const prefilter = required ? Buffer.from(required, 'latin1') : null;
  return { regex, literal, foldedLiteral, prefilter, test };
}
