/**
 * The matching walk of glob patterns (the shell's pathname expansion, find's -name/-path):
 * a star matches any run and only the last star is ever revisited, so a match costs at most
 * pattern × subject steps. A backtracking RegExp per star costs exponential time instead
 * (`echo ************************Q` over six names ran 3.4 s).
 */
export function starMatch<T extends { t: string }, C>(tokens: readonly T[], subject: ArrayLike<C>, one: (tok: T, c: C) => boolean): boolean {
  let ti = 0;
  let si = 0;
  let starTi = -1;
  let starSi = 0;
  while (si < subject.length || ti < tokens.length) {
    if (ti < tokens.length) {
      const tok = tokens[ti]!;
      if (tok.t === 'star') {
        starTi = ti;
        starSi = si;
        ti++;
        continue;
      }
      if (si < subject.length && one(tok, subject[si]!)) {
        ti++;
        si++;
        continue;
      }
    }
    if (starTi >= 0 && starSi < subject.length) {
      starSi++;
      si = starSi;
      ti = starTi + 1;
      continue;
    }
    return false;
  }
  return true;
}

/**
 * The token starts that bracket scans of one pattern passed. From a token start past a
 * bracket's first token a scan goes on exactly as an earlier scan did from there, and a scan
 * that closed was never rescanned (the pattern goes on after its `]`), so a scan reaching a
 * passed start runs off the pattern's end as the earlier one did: each unclosed `[` of a 1 MiB
 * run of them rescanned the rest of the pattern (12 s for the shell, minutes for find -name).
 */
export class BracketScans {
  private passed: Uint8Array | null = null;
  constructor(private readonly length: number) {}

  /** Whether a scan at token start `i` is known to run off the end; marks `i` as passed. */
  doomed(i: number): boolean {
    const p = (this.passed ??= new Uint8Array(this.length));
    if (p[i]) return true;
    p[i] = 1;
    return false;
  }

  /** A scan over [from, to) failed before the end: what it passed tells nothing. */
  forget(from: number, to: number): void {
    this.passed?.fill(0, from, to);
  }
}
