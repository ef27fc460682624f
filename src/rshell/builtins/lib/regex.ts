/**
 * Regular expressions for grep and sed with Go-regexp (RE2) semantics: linear-time matching
 * via re2js, POSIX BRE/ERE → RE2 translation, and matching on raw UTF-8 bytes.
 *
 * Bytes: patterns arrive as bstr (one char per byte); they are decoded from UTF-8 before
 * compiling so that `.` matches one character as in Go. Subjects are matched as bytes
 * (re2js UTF-8 input), so offsets are byte offsets and invalid UTF-8 bytes each count as one
 * character (Go decodes them as U+FFFD of width 1), and NUL bytes are ordinary characters.
 */
import { MatcherInput, RE2JS, type Matcher } from 're2js';
import { toUtf16 } from '../../bytes.js';
import { BracketScans } from '../../star-match.js';

export type RegexSyntax = 'bre' | 'ere';

/** A pattern the engine rejected; `message` is Go's text ("error parsing regexp: …"). */
export class RegexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegexError';
  }
}

const ERE_SPECIAL = new Set(['(', ')', '{', '}', '+', '?', '|']);

/**
 * Translates a POSIX bracket expression starting at `pattern[i] === '['` into RE2 syntax.
 * In POSIX a backslash inside brackets is literal and `]` first is a member; RE2 needs both
 * escaped. Returns the RE2 text and the index after the closing `]`, or null when the
 * bracket is not closed (the caller then treats `[` literally, which RE2 rejects like GNU).
 */
function translateBracket(pattern: string, i: number, scans: BracketScans, ends: ClassEnds): { text: string; next: number } | null {
  let j = i + 1;
  let out = '[';
  if (pattern[j] === '^') {
    out += '^';
    j++;
  }
  let first = true;
  while (j < pattern.length) {
    const c = pattern[j];
    // Every way this scan can fail depends only on where it is (past the first token).
    if (!first && scans.doomed(j)) return null;
    if (c === ']' && !first) return { text: out + ']', next: j + 1 };
    first = false;
    if (c === '[' && (pattern[j + 1] === ':' || pattern[j + 1] === '=' || pattern[j + 1] === '.')) {
      const kind = pattern[j + 1];
      const end = ends.find(pattern, kind, j + 2);
      if (end === -1) return null;
      const name = pattern.slice(j + 2, end);
      if (kind === ':') out += `[:${name}:]`;
      else out += escapeClassChar(name); // [=c=] and [.c.]: the single character itself
      j = end + 2;
      continue;
    }
    out += escapeClassChar(c);
    j++;
  }
  return null;
}

/**
 * `pattern.indexOf(kind + ']', from)`, reusing the last answer for each kind: every `[:` of
 * `[[:[:[:…` looked for its `:]` to the end of the pattern.
 */
class ClassEnds {
  private readonly last = new Map<string, { from: number; at: number }>();

  find(pattern: string, kind: string, from: number): number {
    const l = this.last.get(kind);
    if (l && from >= l.from && (l.at === -1 || from <= l.at)) return l.at;
    const at = pattern.indexOf(kind + ']', from);
    this.last.set(kind, { from, at });
    return at;
  }
}

function escapeClassChar(c: string): string {
  return c === '\\' || c === ']' || c === '[' ? '\\' + c : c;
}

/**
 * POSIX → RE2. BRE: `\( \) \{ \} \+ \? \|` are operators and their bare forms literal; `*` at
 * the start of an expression, `^` not at the start and `$` not at the end are literal (GNU).
 * ERE: Go's syntax already matches, except brackets and a leading `*`. Both: `\<` `\>` become
 * `\b`, and back-references stay as written so RE2 rejects them with Go's message.
 */
export function translateRegex(pattern: string, syntax: RegexSyntax): string {
  const bre = syntax === 'bre';
  let out = '';
  // True where a `*` would have nothing to repeat (start, after `(`, `|` or a leading `^`).
  let atExprStart = true;
  // An unclosed `[` is literal and the scan moves on by one: without these, each `[` of a
  // 100 KB run of them scanned (and copied) the rest of the pattern, 127 s in one stretch.
  const scans = new BracketScans(pattern.length);
  const ends = new ClassEnds();
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[i + 1];
      i += 2;
      if (bre && n === '{' && pattern.startsWith('\\{,', i - 2)) {
        out += '{0'; // GNU `\{,N\}` means `\{0,N\}`; RE2 would read `{,` literally
        atExprStart = false;
      } else if (bre && ERE_SPECIAL.has(n)) {
        out += n;
        atExprStart = n === '(' || n === '|';
      } else if (n === '<' || n === '>') {
        out += '\\b';
      } else if (n === '`') {
        out += '\\A';
      } else if (n === "'") {
        out += '\\z';
      } else {
        out += '\\' + n;
        atExprStart = false;
      }
      continue;
    }
    if (c === '[') {
      const br = translateBracket(pattern, i, scans, ends);
      if (br) {
        out += br.text;
        i = br.next;
        atExprStart = false;
        continue;
      }
      out += '['; // unterminated: let RE2 report it
      i++;
      atExprStart = false;
      continue;
    }
    if (c === '*' && atExprStart) {
      out += '\\*';
      i++;
      atExprStart = false;
      continue;
    }
    if (bre) {
      if (ERE_SPECIAL.has(c)) {
        out += '\\' + c;
        i++;
        atExprStart = false;
        continue;
      }
      if (c === '^' && !breAnchorStart(pattern, i)) {
        out += '\\^';
        i++;
        atExprStart = false;
        continue;
      }
      if (c === '$' && !breAnchorEnd(pattern, i)) {
        out += '\\$';
        i++;
        atExprStart = false;
        continue;
      }
    } else if (c === '{') {
      const interval = /^\{(\d*)(,\d*)?\}/.exec(pattern.slice(i, i + 24));
      if (interval && interval[1] === '' && interval[2]) {
        out += '{0'; // GNU `{,N}` means `{0,N}`
        i++;
        atExprStart = false;
        continue;
      }
      if (!interval || interval[1] === '') {
        // GNU ERE: a `{` that does not start a valid interval is literal.
        out += '\\{';
        i++;
        atExprStart = false;
        continue;
      }
    }
    out += c;
    i++;
    atExprStart = c === '^' || (!bre && (c === '(' || c === '|'));
  }
  return out;
}

function breAnchorStart(p: string, i: number): boolean {
  if (i === 0) return true;
  const before = p.slice(Math.max(0, i - 2), i);
  return before === '\\(' || before === '\\|';
}

function breAnchorEnd(p: string, i: number): boolean {
  if (i === p.length - 1) return true;
  const after = p.slice(i + 1, i + 3);
  return after === '\\)' || after === '\\|';
}

/** Go's regexp.QuoteMeta over a bstr. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/**
 * The literal text a pattern matches when it has no operator at all (for Buffer.indexOf fast
 * paths), else null.
 */
export function literalOf(pattern: string, syntax: RegexSyntax | 'fixed'): string | null {
  if (pattern === '') return null;
  if (syntax === 'fixed') return pattern;
  const special = syntax === 'bre' ? /[\\.[\]*^$]/ : /[\\.[\]*^$(){}+?|]/;
  return special.test(pattern) ? null : pattern;
}

/**
 * A substring every match of the RE2 pattern must contain (the longest plain run of at
 * least 3 characters outside groups, brackets and optional repeats), or null when none is
 * evident. Lets line scanners skip lines without it before running the regex. Conservative:
 * any alternation or flag group gives up.
 */
export function requiredLiteral(re2: string): string | null {
  if (re2.includes('|') || re2.includes('(?')) return null;
  let best = '';
  let run = '';
  let depth = 0;
  const end = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < re2.length; i++) {
    const c = re2[i];
    if (c === '\\') {
      end();
      i++;
      continue;
    }
    if (c === '[') {
      end();
      // Skip the class: a leading ] or ^] is literal; escapes skip a character.
      let j = i + 1;
      if (re2[j] === '^') j++;
      if (re2[j] === ']') j++;
      while (j < re2.length && re2[j] !== ']') j += re2[j] === '\\' ? 2 : 1;
      i = j;
      continue;
    }
    if (c === '(') {
      end();
      depth++;
      continue;
    }
    if (c === ')') {
      end();
      depth--;
      continue;
    }
    if (c === '*' || c === '?' || c === '{') {
      run = run.slice(0, -1); // the repeated character may be absent
      end();
      if (c === '{') while (i < re2.length && re2[i] !== '}') i++;
      continue;
    }
    if (c === '+' || c === '.' || c === '^' || c === '$') {
      end();
      continue;
    }
    if (depth === 0) run += c;
    else end();
  }
  end();
  return best.length >= 3 ? best : null;
}

/**
 * Worst-case time of one search, in ns per program instruction per byte searched: RE2's NFA
 * may step every instruction at every byte. Measured at 14 ns with every thread live
 * (`(a|aa){1,1000}[^a]` over a line of `a`s, the benchmark VM); rounded up for slower CPUs.
 */
const WORST_NS_PER_STEP = 25;
/** Searches whose worst case is shorter are not worth a guard call (the overrun they allow). */
const GUARD_FROM_MS = 20;
/**
 * Time to compile, in ns per pattern character: one synchronous stretch, as long as a search
 * for a big pattern (100,000 alternatives, 690 KB: 1.4 s, ~2 µs a character on the benchmark
 * VM); rounded up for slower CPUs.
 */
const COMPILE_NS_PER_CHAR = 4000;
/**
 * RE2's parser looks ahead from each `[:` for its `:]`: ns per character looked at (2–3 ns
 * measured; `[` followed by 20,000 `[:` took 1.8 s, 100,000 of them 9.5 s, far past what
 * COMPILE_NS_PER_CHAR gives them).
 */
const LOOKAHEAD_NS_PER_CHAR = 6;

/**
 * The size of `source` once RE2 has written out its counted repetitions (`x{n,m}` is up to m
 * copies of x, nested counts multiply): what its compile costs, where the length alone
 * does not show it. `(a|aa){1,1000}` is 14 characters but 7,000 instructions and 13 ms to
 * compile; a sed script of a thousand such commands took 10 s and 1.5 GB. An estimate, on
 * the high side: every atom counts one, a bracket one, an escape one.
 */
export function expandedSize(source: string): number {
  const CAP = 1e12;
  // RE2 rejects a count over 1,000, and counts whose nesting multiplies past 1,000, while
  // parsing (nothing compiled): no atom is written out more than this many times.
  const MAX_COPIES = 1001;
  // Per open group: its size so far, and the size of its last atom (what a count repeats);
  // and the atoms (each counted one) in each.
  const size: number[] = [0];
  const last: number[] = [0];
  const atoms: number[] = [0];
  const lastAtoms: number[] = [0];
  let top = 0;
  let noClassClose = 0; // Infinity once no `:]` is left
  const atom = (n: number, k = 1) => {
    size[top] = Math.min(CAP, size[top]! + n);
    last[top] = n;
    atoms[top] = Math.min(CAP, atoms[top]! + k);
    lastAtoms[top] = k;
  };
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x5c) {
      i++;
      atom(1);
    } else if (c === 0x5b) {
      // A bracket: `]` first (after an optional `^`) is a member; `[:name:]` is one piece.
      let j = i + 1;
      if (source.charCodeAt(j) === 0x5e) j++;
      if (source.charCodeAt(j) === 0x5d) j++;
      for (; j < source.length && source.charCodeAt(j) !== 0x5d; j++) {
        if (source.charCodeAt(j) === 0x5c) j++;
        else if (source.charCodeAt(j) === 0x5b && source.charCodeAt(j + 1) === 0x3a && noClassClose === 0) {
          // Searched once to the end without finding one: never again (a search per `[:`
          // of `[[:[:[:…` was quadratic).
          const close = source.indexOf(':]', j + 2);
          if (close !== -1) j = close + 1;
          else noClassClose = Infinity;
        }
      }
      i = j;
      atom(1);
    } else if (c === 0x28) {
      top++;
      size[top] = 0;
      last[top] = 0;
      atoms[top] = 0;
      lastAtoms[top] = 0;
    } else if (c === 0x29 && top > 0) {
      const n = Math.max(1, size[top]!);
      const k = Math.max(1, atoms[top]!);
      top--;
      atom(n, k);
    } else if (c === 0x7b) {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(source.slice(i, i + 24));
      if (!m) {
        atom(1);
        continue;
      }
      const count = Math.max(Number(m[1]), m[2] === undefined ? 0 : m[2] === '' ? Number(m[1]) + 1 : Number(m[2]));
      const grown = Math.min(CAP, last[top]! * count, lastAtoms[top]! * MAX_COPIES);
      size[top] = Math.min(CAP, size[top]! + grown - last[top]!);
      last[top] = grown;
      i += m[0].length - 1;
    } else atom(1);
  }
  while (top > 0) {
    const n = size[top]!;
    const k = atoms[top]!;
    top--;
    atom(n, k);
  }
  return size[0]!;
}

/** How long compiling RE2 syntax `source` may take, ms (the guard's estimate). */
export function compileEstimateMs(source: string): number {
  return (Math.max(source.length, expandedSize(source)) * COMPILE_NS_PER_CHAR + classLookahead(source) * LOOKAHEAD_NS_PER_CHAR) / 1e6;
}

/** Calls `guard` with `ms` when it is worth a guard call (see GUARD_FROM_MS). */
export function guardCompile(ms: number, guard: ((worstMs: number) => void) | undefined): void {
  if (guard !== undefined && ms >= GUARD_FROM_MS) guard(ms);
}

/** Characters RE2's parser reads looking for the `:]` of each `[:` (to the end if none). */
function classLookahead(source: string): number {
  let total = 0;
  let close = source.length;
  for (let i = source.length - 2; i >= 0; i--) {
    if (source.charCodeAt(i) === 0x3a && source.charCodeAt(i + 1) === 0x5d) close = i;
    else if (source.charCodeAt(i) === 0x5b && source.charCodeAt(i + 1) === 0x3a) total += close - i;
  }
  return total;
}

export interface CompileOptions {
  /**
   * Called before a search that could take `worstMs` or longer (at least GUARD_FROM_MS): a
   * search runs to its end without looking at the clock, so the caller may refuse it by
   * throwing (the run's deadline would pass during it). Also called before compiling a
   * pattern whose compile may take as long.
   */
  guard?: (worstMs: number) => void;
  ignoreCase?: boolean;
  /** `.` matches a newline too (sed's pattern space, which n/N/G/H can make multi-line). */
  dotNewline?: boolean;
  /**
   * The bytes the pattern matches literally (see `literalOf`), when it has no operator:
   * matching then uses Buffer.indexOf, with identical results.
   */
  literal?: string | null;
  /** POSIX leftmost-longest matching (sed, grep -o), instead of leftmost-first. */
  longest?: boolean;
}

/** One match: byte offsets of the whole match and of each group (-1 when unset). */
export interface Match {
  start: number;
  end: number;
  /** [start1, end1, start2, end2, …] for groups 1..n. */
  groups: number[];
}

/** A compiled RE2 expression matched against UTF-8 bytes. */
export class ByteRegex {
  readonly groupCount: number;
  /** One reusable matcher: creating one per line dominates the cost of short lines. */
  private matcher: Matcher | null = null;
  /** A one-byte literal searches with memchr-style indexOf(number). */
  private readonly needle: Buffer | number | null;
  /** Worst-case ms per byte searched (program size × WORST_NS_PER_STEP). */
  private readonly worstMsPerByte: number;
  private constructor(
    private readonly re: RE2JS,
    private readonly literal: Buffer | null,
    private readonly guard: ((worstMs: number) => void) | undefined,
  ) {
    this.groupCount = re.groupCount();
    this.needle = literal === null ? null : literal.length === 1 ? literal[0] : literal;
    this.worstMsPerByte = (re.programSize() * WORST_NS_PER_STEP) / 1e6;
  }

  /** Instructions of the compiled program: a search's worst case grows with it. */
  get size(): number {
    return this.re.programSize();
  }

  /** Lets the guard refuse a search of `bytes` whose worst case is long. */
  private guarded(bytes: number): void {
    if (this.guard === undefined) return;
    const worstMs = bytes * this.worstMsPerByte;
    if (worstMs >= GUARD_FROM_MS) this.guard(worstMs);
  }

  /** Matching is a plain byte search (no regex engine involved). */
  get isLiteral(): boolean {
    return this.literal !== null;
  }

  private matcherFor(subject: Uint8Array): Matcher {
    const input = MatcherInput.utf8(subject);
    if (this.matcher === null) this.matcher = this.re.matcher(input);
    else this.matcher.resetMatcherInput(input);
    return this.matcher;
  }

  /** Compiles RE2 syntax given as a bstr. Throws RegexError with Go's wording. */
  static compile(re2Pattern: string, opts: CompileOptions = {}): ByteRegex {
    let flags = 0;
    if (opts.longest) flags |= RE2JS.LONGEST_MATCH;
    const source = (opts.ignoreCase ? '(?i)' : '') + (opts.dotNewline ? '(?s)' : '') + toUtf16(re2Pattern);
    const compileMs = compileEstimateMs(source);
    guardCompile(compileMs, opts.guard);
    const literal = opts.literal && !opts.ignoreCase ? Buffer.from(opts.literal, 'latin1') : null;
    try {
      return new ByteRegex(RE2JS.compile(source, flags), literal, opts.guard);
    } catch (e) {
      throw new RegexError(e instanceof Error ? e.message : String(e));
    }
  }

  /** Whether the regex matches anywhere in `subject`. */
  test(subject: Uint8Array): boolean {
    if (this.needle !== null) return asBuffer(subject).indexOf(this.needle) !== -1;
    this.guarded(subject.length);
    return this.re.test(subject);
  }

  /**
   * The leftmost match in `subject` starting the search at byte `from` (anchors and `\b`
   * still see the bytes before `from`), or null.
   */
  exec(subject: Uint8Array, from = 0): Match | null {
    if (this.literal && this.needle !== null) {
      const at = asBuffer(subject).indexOf(this.needle, from);
      return at === -1 ? null : { start: at, end: at + this.literal.length, groups: [] };
    }
    this.guarded(subject.length - from);
    const m = this.matcherFor(subject);
    if (!m.find(from)) return null;
    const groups: number[] = [];
    for (let g = 1; g <= this.groupCount; g++) groups.push(m.start(g), m.end(g));
    return { start: m.start(), end: m.end(), groups };
  }

  /**
   * Successive non-overlapping matches, Go FindAll style: an empty match right after the
   * previous match is skipped, and the search steps one character past empty matches.
   * `limit` bounds how many are returned (sed's N flag needs only the first N).
   */
  execAll(subject: Uint8Array, limit = Infinity): Match[] {
    const out: Match[] = [];
    if (limit <= 0) return out;
    for (const m of this.matches(subject)) {
      // Stops before searching on: the guard is asked only for searches that run.
      if (out.push(m) >= limit) break;
    }
    return out;
  }

  /**
   * execAll's matches one at a time: a 1 MiB line holds a million, and building them all at
   * once took gigabytes (grep -o) and one long stretch. Shares the reusable matcher: no other
   * search with this regex may run until the caller is done with the generator.
   */
  *matches(subject: Uint8Array): Generator<Match, void, undefined> {
    if (this.literal && this.needle !== null) {
      const b = asBuffer(subject);
      const n = this.literal.length;
      for (let at = b.indexOf(this.needle); at !== -1; at = b.indexOf(this.needle, at + n)) {
        yield { start: at, end: at + n, groups: [] };
      }
      return;
    }
    const m = this.matcherFor(subject);
    let pos = 0;
    let prevEnd = -1;
    while (pos <= subject.length) {
      this.guarded(subject.length - pos);
      if (!m.find(pos)) return;
      const start = m.start();
      const end = m.end();
      if (start === end && start === prevEnd) {
        pos = start + charWidth(subject, start);
        continue;
      }
      const groups: number[] = [];
      for (let g = 1; g <= this.groupCount; g++) groups.push(m.start(g), m.end(g));
      prevEnd = end;
      pos = end > start ? end : end + charWidth(subject, end);
      yield { start, end, groups };
    }
  }
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length);
}

/** Width in bytes of the UTF-8 character at `i` (1 for invalid bytes and at the end). */
export function charWidth(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c === undefined || c < 0xc2) return 1;
  const need = c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 1;
  if (need === 1 || i + need > b.length) return 1;
  for (let k = 1; k < need; k++) if ((b[i + k] & 0xc0) !== 0x80) return 1;
  return need;
}
