/**
 * find -perm MODE: octal or chmod-style symbolic (`u=rwx,g=u,a+rX`), with `-` (all bits set)
 * and `/` (any bit set) prefixes. Symbolic modes are applied to 0, as GNU find does, so `X`
 * adds execute only when an execute bit is already set by an earlier clause.
 */

export interface PermSpec {
  mode: number;
  how: '=' | '-' | '/';
}

const WHO: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 };

export function parsePerm(v: string): PermSpec | null {
  let how: PermSpec['how'] = '=';
  let s = v;
  if (s.startsWith('-') || s.startsWith('/')) {
    how = s[0] as '-' | '/';
    s = s.slice(1);
  }
  if (s === '') return null;
  let mode: number | null;
  if (/^[0-7]+$/.test(s)) {
    mode = parseInt(s, 8);
  } else {
    mode = parseSymbolic(s);
  }
  if (mode === null || mode > 0o7777) return null;
  return { mode, how };
}

function parseSymbolic(s: string): number | null {
  let mode = 0;
  for (const clause of s.split(',')) {
    if (clause === '') return null;
    let i = 0;
    let who = 0;
    while (i < clause.length && clause[i] in WHO) who |= WHO[clause[i++]];
    if (who === 0) who = WHO.a;
    if (i >= clause.length) return null;
    while (i < clause.length) {
      const op = clause[i++];
      if (op !== '=' && op !== '+' && op !== '-') return null;
      let bits = 0; // rwx as a 3-bit value, replicated below
      let special = 0;
      if (i < clause.length && 'ugo'.includes(clause[i])) {
        const shift = clause[i] === 'u' ? 6 : clause[i] === 'g' ? 3 : 0;
        bits = (mode >> shift) & 7;
        i++;
      } else {
        while (i < clause.length && 'rwxXst'.includes(clause[i])) {
          const c = clause[i++];
          if (c === 'r') bits |= 4;
          else if (c === 'w') bits |= 2;
          else if (c === 'x') bits |= 1;
          else if (c === 'X') bits |= mode & 0o111 ? 1 : 0;
          else if (c === 's') special |= 0o6000;
          else special |= 0o1000;
        }
      }
      const change = ((bits << 6) | (bits << 3) | bits | special) & who;
      if (op === '=') mode = (mode & ~who) | change;
      else if (op === '+') mode |= change;
      else mode &= ~change;
    }
  }
  return mode;
}

export function matchPerm(perm: number, spec: PermSpec): boolean {
  const p = perm & 0o7777;
  if (spec.how === '-') return (p & spec.mode) === spec.mode;
  if (spec.how === '/') return spec.mode === 0 || (p & spec.mode) !== 0;
  return p === spec.mode;
}
