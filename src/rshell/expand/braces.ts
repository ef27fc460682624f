/**
 * Brace expansion (`a{b,c}d`, `{1..3}`, `{a..e}`, `{01..10..2}`), applied to a word before
 * any other expansion, as bash and mvdan/sh's expand.Braces do. Only unquoted, unescaped
 * `{`, `,` and `}` in literal parts are syntax; other parts ride along unchanged.
 */
import type { Lit, Word, WordPart } from '../syntax/ast.js';
import { ExpansionError } from '../interp/errors.js';

/** Caps the words one brace expression may produce (bash has none; we are a sandbox). */
export const MAX_BRACE_WORDS = 100_000;
/** Caps the items one brace expression may scan or copy (nested literal braces are quadratic). */
export const MAX_BRACE_WORK = 20_000_000;
/** How often (in work units) a long expansion looks at the run's deadline. */
const CHECK_EVERY = 1 << 16;

interface Budget {
  work: number;
  nextCheck: number;
  /** Words produced so far, against MAX_BRACE_WORDS. */
  words: number;
  check?: () => void;
}

function spend(b: Budget, n: number): void {
  b.work += n;
  if (b.work > MAX_BRACE_WORK) throw new ExpansionError('brace expansion is too large');
  if (b.work >= b.nextCheck) {
    b.nextCheck = b.work + CHECK_EVERY;
    b.check?.();
  }
}

type Item = string | WordPart; // a one-char string is brace-syntax-capable; parts and escapes are opaque

function hasBraceCandidate(word: Word): boolean {
  for (const p of word.parts) if (p.type === 'Lit' && p.value.includes('{')) return true;
  return false;
}

function itemsOf(word: Word): Item[] {
  const out: Item[] = [];
  for (const p of word.parts) {
    if (p.type !== 'Lit') {
      out.push(p);
      continue;
    }
    const v = p.value;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === '\\' && i + 1 < v.length) {
        // An escaped char stays escaped and never acts as brace syntax.
        out.push({ type: 'Lit', value: v.slice(i, i + 2), pos: p.pos, end: p.end });
        i++;
      } else if (v[i] === '{' || v[i] === ',' || v[i] === '}') out.push(v[i]!);
      else {
        // A run of ordinary characters is one item: only `{`, `,` and `}` are syntax, and a
        // sequence body is joined before it is read, so this changes no result.
        let j = i + 1;
        while (j < v.length && v[j] !== '\\' && v[j] !== '{' && v[j] !== ',' && v[j] !== '}') j++;
        out.push(v.slice(i, j));
        i = j - 1;
      }
    }
  }
  return out;
}

function wordOf(items: Item[], like: Word): Word {
  const parts: WordPart[] = [];
  let lit = '';
  const flush = () => {
    if (lit) parts.push({ type: 'Lit', value: lit, pos: like.pos, end: like.end } as Lit);
    lit = '';
  };
  for (const it of items) {
    if (typeof it === 'string') lit += it;
    else if (it.type === 'Lit') lit += it.value;
    else {
      flush();
      parts.push(it);
    }
  }
  flush();
  return { type: 'Word', parts, pos: like.pos, end: like.end };
}

function tooManyWords(): ExpansionError {
  return new ExpansionError(`brace expansion exceeds the maximum of ${MAX_BRACE_WORDS} words`);
}

function seqWords(body: string, budget: Budget): string[] | null {
  // Bounds and step take an optional sign, as bash's and Go's integer parsing do.
  const m = /^([+-]?\d+|[a-zA-Z])\.\.([+-]?\d+|[a-zA-Z])(?:\.\.([+-]?\d+))?$/.exec(body);
  if (!m) return null;
  const [, a, b, stepText] = m as unknown as [string, string, string, string | undefined];
  const numeric = /\d/.test(a);
  if (numeric !== /\d/.test(b)) return null;
  if (numeric) return intSeq(a, b, stepText, budget);
  let step = stepText ? Math.abs(parseInt(stepText, 10)) : 1;
  if (step === 0) step = 1;
  const from = a.charCodeAt(0);
  const to = b.charCodeAt(0);
  const out: string[] = [];
  const dir = to >= from ? 1 : -1;
  for (let v = from; dir > 0 ? v <= to : v >= to; v += dir * step) out.push(String.fromCharCode(v));
  return out;
}

/**
 * An integer sequence, counted exactly in BigInt: past 2^53 a float `v += step` rounds (or
 * stops moving, looping until memory runs out), so a sequence the doubles cannot step through
 * is generated in BigInt; ordinary ones stay on numbers.
 */
function intSeq(a: string, b: string, stepText: string | undefined, budget: Budget): string[] {
  const from = BigInt(a);
  const to = BigInt(b);
  let step = stepText === undefined ? 1n : BigInt(stepText);
  if (step < 0n) step = -step;
  if (step === 0n) step = 1n;
  const up = to >= from;
  const span = up ? to - from : from - to;
  // Too long a sequence is the same error as too many words, not a literal (F9).
  if (span / step + 1n > BigInt(MAX_BRACE_WORDS)) throw tooManyWords();
  const count = Number(span / step) + 1;
  // No value is longer than the longer bound: the characters are charged before they are
  // made, or 100,000 words padded to 20,000 digits took gigabytes before any cap looked.
  spend(budget, count * Math.max(a.length, b.length));
  const width = /^-?0\d/.test(a) || /^-?0\d/.test(b) ? Math.max(a.length, b.length) : 0;
  const out: string[] = [];
  if (isSafeInt(from) && isSafeInt(to) && isSafeInt(step)) {
    const d = up ? Number(step) : -Number(step);
    for (let i = 0, v = Number(from); i < count; i++, v += d) out.push(padInt(String(Math.abs(v)), v < 0, width));
  } else {
    const d = up ? step : -step;
    for (let i = 0, v = from; i < count; i++, v += d) out.push(padInt(String(v < 0n ? -v : v), v < 0n, width));
  }
  return out;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function isSafeInt(v: bigint): boolean {
  return v <= MAX_SAFE && v >= -MAX_SAFE;
}

/** Zero-pads the digits of a sequence value to `width` (the sign counts), as bash's `{01..10}`. */
function padInt(digits: string, negative: boolean, width: number): string {
  const s = digits.padStart(width - (negative ? 1 : 0), '0');
  return negative ? '-' + s : s;
}

/** Marks each `{` that no `}` closes: bash skips it and looks at the next `{` (`{{a,b}` is `{a {b`). */
function unclosedOpens(items: Item[]): boolean[] {
  const unclosed: boolean[] = [];
  const open: number[] = [];
  for (let i = 0; i < items.length; i++) {
    if (items[i] === '{') open.push(i);
    else if (items[i] === '}') open.pop();
  }
  for (const i of open) unclosed[i] = true;
  return unclosed;
}

/**
 * Yields the words one at a time, in order: a generator, so the caller can give the event loop
 * a turn between them (100,000 words are 0.1–0.9 s) and need not keep them all.
 */
function* expandItems(items: Item[], b: Budget): Generator<Item[]> {
  if (b.words >= MAX_BRACE_WORDS) throw tooManyWords();
  spend(b, items.length);
  const unclosed = unclosedOpens(items);
  for (let i = 0; i < items.length; i++) {
    if (items[i] !== '{' || unclosed[i]) continue;
    let depth = 0;
    const commas: number[] = [];
    let close = -1;
    for (let j = i + 1; j < items.length; j++) {
      const it = items[j];
      if (it === '{') depth++;
      else if (it === '}') {
        if (depth === 0) {
          close = j;
          break;
        }
        depth--;
      } else if (it === ',' && depth === 0) commas.push(j);
    }
    spend(b, close - i);
    const prefix = items.slice(0, i);
    const suffix = items.slice(close + 1);
    if (commas.length > 0) {
      let start = i + 1;
      for (const end of [...commas, close]) {
        yield* expandItems([...prefix, ...items.slice(start, end), ...suffix], b);
        start = end + 1;
      }
      return;
    }
    const inner = items.slice(i + 1, close);
    if (inner.every((x) => typeof x === 'string')) {
      const seq = seqWords((inner as string[]).join(''), b);
      if (seq) {
        for (const s of seq) yield* expandItems([...prefix, s, ...suffix], b);
        return;
      }
    }
    // `{x}` without a comma or sequence is literal; look for a later brace.
  }
  b.words++;
  yield items;
}

/**
 * The words a word brace-expands to (the word itself when it has no brace expression), made
 * as they are read. Refusals (too many words, too large) come as the words run out.
 */
export function* expandBraces(word: Word, check?: () => void): Generator<Word> {
  if (!hasBraceCandidate(word)) {
    yield word;
    return;
  }
  const items = itemsOf(word);
  for (const w of expandItems(items, { work: 0, nextCheck: CHECK_EVERY, words: 0, check })) yield w === items ? word : wordOf(w, word);
}
