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
