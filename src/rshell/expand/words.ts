/**
 * Word expansion with mvdan/sh's rules as rshell uses them: brace expansion, parameter and
 * command substitution, field splitting of unquoted results by IFS (every IFS char is a
 * separator and empty fields vanish, as in mvdan's expand.Fields), pathname expansion and
 * quote removal. Command substitutions run first, in order, so the rest is synchronous and
 * a plain word costs no promise.
 */
import type { CmdSubst, DblQuoted, Word, WordPart } from '../syntax/ast.js';
import { decodeEscapes } from '../escapes.js';
import { expandBraces } from './braces.js';
import { ExpansionError } from '../interp/errors.js';
import { fieldsCost } from '../interp/run-state.js';

export interface ExpandContext {
  /** `$name` (including `?`; unknown specials are empty). */
  param(name: string): string;
  /** The IFS value (the default when unset, '' when set empty). */
  ifs(): string;
  /**
   * Runs a command substitution; returns its captured stdout and exit status. `status`: the
   * `$?` it starts with, when not the current one.
   */
  cmdSubst(cs: CmdSubst, status?: number): Promise<{ output: string; status: number }>;
  /**
   * Called as expansion passes a command substitution, in word order: from there on `$?`
   * is that substitution's status (bash: `false; echo "$(true)$?"` prints 0).
   */
  substituted(status: number): void;
  /** Pathname expansion of an escaped pattern; [] when nothing matches. */
  glob(pattern: string): Promise<string[]>;
  /** Throws when the run is over (deadline, cancellation); called during long expansions. */
  check?(): void;
  /** check(), and a promise to await when the event loop is due a turn (RunState.pause). */
  pause?(): Promise<void> | undefined;
  /** Counts bytes the expansion keeps against the run's held total; throws past it. */
  hold?(n: number): void;
  release?(n: number): void;
}

const DEFAULT_IFS = ' \t\n';

type Substs = Map<CmdSubst, { output: string; status: number }> | null;

function collectSubsts(parts: WordPart[], out: CmdSubst[]): void {
  for (const p of parts) {
    if (p.type === 'CmdSubst') out.push(p);
    else if (p.type === 'DblQuoted') collectSubsts(p.parts, out);
  }
}

function substsOf(word: Word): CmdSubst[] {
  const list: CmdSubst[] = [];
  collectSubsts(word.parts, list);
  return list;
}

function partsHaveSubst(parts: WordPart[]): boolean {
  for (const p of parts) {
    if (p.type === 'CmdSubst' || (p.type === 'DblQuoted' && partsHaveSubst(p.parts))) return true;
  }
  return false;
}

/**
 * Runs the words' substitutions, then `use` on their outputs. Each output is up to 1 MiB, and
 * a command of 600 substitutions kept 600 MiB before its expansion's cap looked: together
 * they now count against that cap as they come (what they expand to is at least as long,
 * but for IFS whitespace), and are held against the run's total until `use` is done, which
 * bounds substitutions nested inside substitutions too.
 */
async function withSubsts<T>(words: Word[], cx: ExpandContext, use: (s: Substs) => T | Promise<T>): Promise<T> {
  const m: NonNullable<Substs> = new Map();
  let held = 0;
  // Substitutions run ahead of the rest of the expansion, but each still starts with the `$?`
  // the one before it left, as in bash's left-to-right expansion (`false; echo $(true)
  // $(echo $?)` prints 0).
  let status: number | undefined;
  try {
    for (const w of words) {
      for (const cs of substsOf(w)) {
        const r = await cx.cmdSubst(cs, status);
        status = r.status;
        const output = trimSubst(r.output);
        counted(held, output.length);
        cx.hold?.(output.length);
        held += output.length;
        m.set(cs, { output, status: r.status });
      }
    }
    return await use(m);
  } finally {
    cx.release?.(held);
  }
}

/** The output of a substitution already run, making its status the current `$?`. */
function substOutput(p: CmdSubst, cx: ExpandContext, substs: Substs): string {
  const r = substs?.get(p);
  if (!r) return '';
  cx.substituted(r.status);
  return r.output;
}

/** As mvdan's expand: NUL bytes are dropped and trailing newlines stripped. */
function trimSubst(out: string): string {
  if (out.includes('\0')) out = out.replaceAll('\0', '');
  let end = out.length;
  while (end > 0 && out.charCodeAt(end - 1) === 10) end--;
  return end === out.length ? out : out.slice(0, end);
}

function needsSubst(words: Word[]): boolean {
  for (const w of words) if (partsHaveSubst(w.parts)) return true;
  return false;
}

/** Literal text needing no escape, glob or brace processing. */
const PLAIN_LIT = /^[^\\*?[{]*$/;

// Chars a quoted char is escaped for in a glob pattern, by code. `!`, `^` and `-` matter
// inside a bracket expression (`[!a]`, `[a-c]`): quoted, they are literal.
const GLOB_SPECIAL_CODES = new Uint8Array(256);
for (const c of '*?[]\\!^-') GLOB_SPECIAL_CODES[c.charCodeAt(0)] = 1;
const HAS_GLOB_SPECIAL = /[*?[\]\\!^-]/;

function escapeGlob(s: string): string {
  // Byte by byte (bstr chars are bytes): a regex replace took a second over a 5 MiB value of
  // 2.5 million backslashes.
  const out = Buffer.allocUnsafe(s.length * 2);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (GLOB_SPECIAL_CODES[c]) out[n++] = 0x5c;
    out[n++] = c;
  }
  return out.toString('latin1', 0, n);
}

/**
 * Bytes one expansion may produce: the words of one command or list, one word.
 * Variables hold 1 MiB in all, but a word may name one many times (`"$x$x…"`), and a 300 MB
 * word took 800 MB of memory to build, past what a Lambda holds.
 */
export const MAX_EXPANSION_BYTES = 16 * 1024 * 1024;

/**
 * Refuses a string past MAX_EXPANSION_BYTES. Concatenation builds a rope whose length is
 * known at once: checked before anything reads (flattens) it.
 */
function capped(s: string): string {
  counted(0, s.length);
  return s;
}

/** `total + n`, refused past MAX_EXPANSION_BYTES (the fields of one expansion together). */
function counted(total: number, n: number): number {
  const t = total + n;
  if (t > MAX_EXPANSION_BYTES) throw new ExpansionError(`expansion exceeds the maximum of ${MAX_EXPANSION_BYTES} bytes`);
  return t;
}

/** One field: its final text, its escaped glob pattern, and whether pathname expansion applies. */
type RawField = { val: string; pat: string; glob: boolean };

function tooManyFields(): ExpansionError {
  return new ExpansionError(`expansion exceeds the maximum of ${MAX_FIELDS} words`);
}

/** Builds the fields of one expansion, word by word (`fields` is taken after each word). */
class FieldBuilder {
  fields: RawField[] = [];
  /**
   * Fields and bytes of the whole expansion so far. Counted as each field is made, not once
   * a word is done: one word's brace copies or split parts of 16 MiB values took gigabytes
   * before the caps looked.
   */
  private count = 0;
  private bytes = 0;
  private val = '';
  private pat = '';
  private glob = false;
  private has = false;

  constructor(
    private readonly ifs: IfsChars,
    private readonly check?: () => void,
  ) {}

  /** Counts one more field of `n` bytes; throws past MAX_FIELDS or MAX_EXPANSION_BYTES. */
  add(n: number): void {
    if (++this.count > MAX_FIELDS) throw tooManyFields();
    this.bytes = counted(this.bytes, n);
    if ((this.count & 65535) === 0) this.check?.();
  }

  /** A counted field replaced by its pathname matches. */
  replace(n: number, matches: readonly string[]): void {
    this.count--;
    this.bytes -= n;
    for (const m of matches) this.add(m.length);
  }

  /** `val + s`, refused (on the rope, before anything flattens it) past the expansion's cap. */
  private grown(s: string): string {
    const v = this.val + s;
    counted(this.bytes, v.length);
    return v;
  }

  quoted(s: string): void {
    this.has = true;
    this.val = this.grown(s);
    this.pat += s.length && HAS_GLOB_SPECIAL.test(s) ? escapeGlob(s) : s;
  }

  /** Unquoted literal text from the script: `\\` quotes the next char, `*`, `?` and `[` glob. */
  literal(v: string): void {
    if (!/[\\*?[\]]/.test(v)) {
      this.has = true;
      this.val = this.grown(v);
      this.pat += v;
      return;
    }
    // Written byte by byte (bstr chars are bytes): appended char by char, a 5 MiB word of
    // `\a` made millions of string pieces (270 MB, a second past the deadline).
    const val = Buffer.allocUnsafe(v.length);
    const pat = Buffer.allocUnsafe(v.length + 1);
    let nv = 0;
    let np = 0;
    for (let i = 0; i < v.length; i++) {
      let c = v.charCodeAt(i);
      if (c === 0x5c) {
        // A trailing backslash stays (quoted); `\<newline>` vanishes.
        if (i + 1 < v.length) c = v.charCodeAt(++i);
        if (c === 0x0a) continue;
        if (GLOB_SPECIAL_CODES[c]) pat[np++] = 0x5c;
      } else if (c === 0x2a || c === 0x3f || c === 0x5b) this.glob = true;
      val[nv++] = c;
      pat[np++] = c;
    }
    if (nv === 0) return;
    this.has = true;
    this.val = this.grown(val.toString('latin1', 0, nv));
    this.pat += pat.toString('latin1', 0, np);
  }

  /** An unquoted expansion result: split by IFS, glob characters stay active. */
  split(v: string): void {
    const ifs = this.ifs;
    let start = -1;
    for (let i = 0; i < v.length; i++) {
      // A 1 MiB value splits into 500,000 fields: ~350 ms without a look at the clock.
      if ((i & 65535) === 65535) this.check?.();
      if (ifs.has(v.charCodeAt(i))) {
        if (start >= 0) this.expanded(v.slice(start, i));
        start = -1;
        this.flush();
      } else if (start < 0) start = i;
    }
    if (start >= 0) this.expanded(start === 0 ? v : v.slice(start));
  }

  private expanded(s: string): void {
    this.has = true;
    this.val = this.grown(s);
    this.pat += s;
    if (!this.glob && /[*?[]/.test(s)) this.glob = true;
  }

  flush(): void {
    if (!this.has) return;
    this.add(this.val.length);
    this.fields.push({ val: this.val, pat: this.pat, glob: this.glob });
    this.val = this.pat = '';
    this.glob = this.has = false;
  }
}

function paramValue(p: WordPart & { type: 'ParamExp' }, cx: ExpandContext): string {
  return cx.param(p.param.value);
}

/** Inside double quotes a backslash escapes only `$ ` " \` and a newline. */
function dblQuotedLit(v: string): string {
  return removeEscapes(v, '$`"\\');
}

/**
 * Drops the backslash before each char of `escapable` (and a backslash-newline pair
 * entirely); every other backslash stays, as the shell reads quoted and heredoc text.
 */
function removeEscapes(v: string, escapable: string): string {
  if (!v.includes('\\')) return v;
  // Written byte by byte (bstr chars are bytes): appended char by char, a 5 MiB quoted word
  // made millions of string pieces (400 MB, two seconds past the deadline).
  const out = Buffer.allocUnsafe(v.length);
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    let c = v.charCodeAt(i);
    if (c === 0x5c && i + 1 < v.length) {
      const next = v[i + 1]!;
      if (next === '\n') {
        i++;
        continue;
      }
      if (escapable.includes(next)) c = v.charCodeAt(++i);
    }
    out[n++] = c;
  }
  return out.toString('latin1', 0, n);
}

function dblQuoted(dq: DblQuoted, cx: ExpandContext, substs: Substs): string {
  let out = '';
  for (const p of dq.parts) out = capped(out + quotedPart(p, cx, substs, dblQuotedLit));
  return out;
}

/** A part inside double quotes or a heredoc: no splitting, no globbing. */
function quotedPart(p: WordPart, cx: ExpandContext, substs: Substs, lit: (v: string) => string): string {
  switch (p.type) {
    case 'Lit':
      return lit(p.value);
    case 'ParamExp':
      return paramValue(p, cx);
    case 'CmdSubst':
      return substOutput(p, cx, substs);
    case 'SglQuoted':
      return p.dollar ? decodeEscapes(p.value, 'ansi').out : p.value;
    case 'DblQuoted':
      return dblQuoted(p, cx, substs);
    default:
      return '';
  }
}

function wordFields(word: Word, cx: ExpandContext, substs: Substs, b: FieldBuilder): void {
  for (const p of word.parts) {
    switch (p.type) {
      case 'Lit':
        b.literal(p.value);
        break;
      case 'SglQuoted':
        b.quoted(p.dollar ? decodeEscapes(p.value, 'ansi').out : p.value);
        break;
      case 'DblQuoted':
        b.quoted(dblQuoted(p, cx, substs));
        break;
      case 'ParamExp':
        b.split(paramValue(p, cx));
        break;
      case 'CmdSubst':
        b.split(substOutput(p, cx, substs));
        break;
      default:
        // Arithmetic, process substitution, extglob: rejected by the validator.
        break;
    }
  }
  b.flush();
}

/**
 * IFS as a set of its distinct chars. Tested with `includes` on the whole value, a 512 KiB IFS
 * made splitting a 1 MiB value 8.7 s of one stretch (a scan of IFS per character).
 */
class IfsChars {
  /** Each distinct char once: at most 256 (bstr chars are bytes). */
  readonly chars: string;
  private readonly table = new Uint8Array(256);
  private readonly wide = new Set<number>();

  constructor(readonly value: string) {
    let chars = '';
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (this.has(c)) continue;
      if (c < 256) this.table[c] = 1;
      else this.wide.add(c);
      chars += value[i];
    }
    this.chars = chars;
  }

  has(c: number): boolean {
    return c < 256 ? this.table[c] === 1 : this.wide.has(c);
  }
}

/** The last short IFS seen (a long one is not kept past its run): built once for a loop. */
let lastIfs = new IfsChars(DEFAULT_IFS);

function ifsOf(cx: ExpandContext): IfsChars {
  const ifs = cx.ifs();
  if (ifs === lastIfs.value) return lastIfs;
  const chars = new IfsChars(ifs);
  if (ifs.length <= 256) lastIfs = chars;
  return chars;
}

/** Fields one expansion may produce: brace lists in a 5 MiB script could otherwise exhaust memory. */
export const MAX_FIELDS = 1_000_000;

/**
 * The fields of `words` once their command substitutions are done: synchronous, except that
 * after a large word it may return a promise that resumes once the run has paused.
 */
function fieldsOf(words: Word[], cx: ExpandContext, substs: Substs): string[] | Promise<string[]> {
  return new FieldsExpansion(words, cx, substs).run();
}

/**
 * One expansion of a command's words to fields. A class rather than closures made per
 * expansion: this runs for every command, and V8 drops the optimised code of closures no
 * longer alive at each major GC and compiles them again.
 */
class FieldsExpansion {
  private readonly ifs: IfsChars;
  /** The run's clock for long expansions, bound once per expansion (not once per word). */
  private readonly check: (() => void) | undefined;
  private readonly b: FieldBuilder;
  private readonly out: string[] = [];
  /** Only built once a field needs pathname expansion: the escaped pattern per field. */
  private raw: RawField[] | null = null;
  /** Fields of the current word so far, across its pauses. */
  private made = 0;
  /** Given back when done: the caller holds the finished fields itself. */
  private held = 0;
  private heldTo = 0;

  constructor(
    private readonly words: Word[],
    private readonly cx: ExpandContext,
    private readonly substs: Substs,
  ) {
    this.ifs = ifsOf(cx);
    this.check = cx.check?.bind(cx);
    this.b = new FieldBuilder(this.ifs, this.check);
  }

  run(): string[] | Promise<string[]> {
    const cx = this.cx;
    let r: string[] | Promise<string[]>;
    try {
      r = this.from(0);
    } catch (e) {
      if (this.held > 0) cx.release?.(this.held);
      throw e;
    }
    if (!Array.isArray(r)) return r.finally(() => cx.release?.(this.held));
    if (this.held > 0) cx.release?.(this.held);
    return r;
  }

  /**
   * What is built so far is held as it grows, so while this pauses: twelve stages each
   * expanding a million words took 1.6 GB before any of them was counted.
   */
  private holdOut(): void {
    const n = fieldsCost(this.out, this.heldTo);
    this.cx.hold?.(n);
    this.held += n;
    this.heldTo = this.out.length;
  }

  /** Moves the current word's fields made so far to `out`. */
  private commit(): void {
    const b = this.b;
    const out = this.out;
    for (const f of b.fields) {
      out.push(f.val);
      if (f.glob && !this.raw) this.raw = out.slice(0, -1).map(plainRawField);
      this.raw?.push(f);
    }
    this.made += b.fields.length;
    b.fields = [];
  }

  /**
   * The rest of words[i] from `braced`, its brace words: a promise when it pauses, which
   * resumes with the words after it. One 100,000-word brace word was 0.2–0.9 s of one stretch.
   */
  private rest(i: number, braced: Iterator<Word>): Promise<string[]> | undefined {
    const cx = this.cx;
    // A held-bytes refusal within the word waits for the word's end, where the whole word
    // was held before it could pause: an error the rest of the word makes comes first.
    let refused: ExpansionError | null = null;
    try {
      for (let r = braced.next(), n = 1; !r.done; r = braced.next(), n++) {
        wordFields(r.value, cx, this.substs, this.b);
        // Only once the word has more than 1,024 fields, where it was held at its end anyway:
        // a word of exactly 1,024 (or of words making few fields) was never held, and held
        // here it was refused where it ran before (and before a later word's own error).
        if ((n & 1023) !== 0 || refused || this.made + this.b.fields.length <= 1024) continue;
        this.commit();
        try {
          this.holdOut();
        } catch (e) {
          if (!(e instanceof ExpansionError)) throw e;
          refused = e;
          continue;
        }
        const wait = cx.pause?.();
        if (wait) return wait.then(() => this.rest(i, braced) ?? this.from(i + 1));
      }
    } catch (e) {
      // The whole word was brace-expanded before any field was made, so a refusal of the
      // expansion (too many words, too large) still comes before one of its fields.
      if (e instanceof ExpansionError) while (!braced.next().done);
      throw e;
    }
    this.commit();
    if (refused) {
      // As where the whole word was held at its end: the deadline first, then the hold of
      // all of it, which is refused again (with the message a hold of all of it gives).
      cx.check?.();
      this.holdOut();
      throw refused;
    }
    // After the last large word too: else the command it starts (a loop's next
    // iteration) carried the stretch on, and a loop of such commands never yielded.
    if (this.made > 1024) {
      cx.check?.();
      this.holdOut();
      const wait = cx.pause?.();
      if (wait) return wait.then(() => this.from(i + 1));
    }
    return undefined;
  }

  /**
   * The fields from words[start] on; resumes after a pause: a command of ten 100,000-word
   * brace sequences took 2.5 s to expand, all of it one synchronous stretch that held every
   * task of the batch.
   */
  private from(start: number): string[] | Promise<string[]> {
    const words = this.words;
    const b = this.b;
    const out = this.out;
    for (let i = start; i < words.length; i++) {
      const w = words[i]!;
      const parts = w.parts;
      if (parts.length === 1) {
        const p = parts[0]!;
        // Fast paths: a plain literal, or `$x` whose value needs no splitting or globbing.
        if (p.type === 'Lit' && PLAIN_LIT.test(p.value)) {
          // A word, but not bytes: the script's own text was never counted against the cap.
          b.add(0);
          out.push(p.value);
          this.raw?.push(plainRawField(p.value));
          continue;
        }
        if (p.type === 'ParamExp' && p.short) {
          const v = this.cx.param(p.param.value);
          if (v === '') continue;
          if (!hasAny(v, this.ifs.chars) && !/[*?[]/.test(v)) {
            b.add(v.length);
            out.push(v);
            this.raw?.push(plainRawField(v));
            continue;
          }
        }
      }
      b.fields = [];
      this.made = 0;
      const wait = this.rest(i, expandBraces(w, this.check));
      if (wait) return wait;
    }
    return this.raw ? globFields(this.raw, this.cx, b) : out;
  }
}

/** A field that needs no pathname expansion, as globFields takes it: matched as itself. */
function plainRawField(val: string): RawField {
  return { val, pat: '', glob: false };
}

function hasAny(v: string, chars: string): boolean {
  for (let i = 0; i < chars.length; i++) if (v.includes(chars[i]!)) return true;
  return false;
}

async function globFields(raw: RawField[], cx: ExpandContext, b: FieldBuilder): Promise<string[]> {
  const out: string[] = [];
  for (const f of raw) {
    if (!f.glob) {
      out.push(f.val);
      continue;
    }
    const matches = await cx.glob(f.pat);
    if (!matches.length) {
      out.push(f.val);
      continue;
    }
    // Matches count as fields too: `* * …` over a wide directory made 10 million (900 MB).
    b.replace(f.val.length, matches);
    for (const m of matches) out.push(m);
  }
  return out;
}

/** Expands words to fields (argv, `for` items). Synchronous when nothing needs awaiting. */
export function expandFields(words: Word[], cx: ExpandContext): string[] | Promise<string[]> {
  if (needsSubst(words)) return withSubsts(words, cx, (s) => fieldsOf(words, cx, s));
  return fieldsOf(words, cx, null);
}

function literalSync(word: Word, cx: ExpandContext, substs: Substs): string {
  let out = '';
  for (const p of word.parts) {
    if (p.type === 'Lit') out += unescapeUnquoted(p.value);
    else out = capped(out + quotedPart(p, cx, substs, (v) => v));
  }
  return out;
}

function unescapeUnquoted(v: string): string {
  if (!v.includes('\\')) return v;
  // Byte by byte, as removeEscapes.
  const out = Buffer.allocUnsafe(v.length);
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    let c = v.charCodeAt(i);
    if (c === 0x5c && i + 1 < v.length) {
      c = v.charCodeAt(++i);
      if (c === 0x0a) continue;
    }
    out[n++] = c;
  }
  return out.toString('latin1', 0, n);
}

/** Expands a word to one string without splitting or globbing (assignments, redirect targets). */
export function expandLiteral(word: Word, cx: ExpandContext): string | Promise<string> {
  if (needsSubst([word])) return withSubsts([word], cx, (s) => literalSync(word, cx, s));
  return literalSync(word, cx, null);
}

/** True when a heredoc delimiter word is quoted (`<<'EOF'`, `<<"EOF"`, `<<\EOF`): no expansion. */
export function isQuotedDelimiter(word: Word): boolean {
  return word.parts.some((p) => p.type !== 'Lit' || p.value.includes('\\'));
}

/** In an unquoted heredoc body a backslash escapes only `$ ` \` and a newline (not `"`). */
function heredocLit(v: string): string {
  return removeEscapes(v, '$`\\');
}

/** Strips leading tabs at each line start found in literal text (`<<-`); idempotent. */
function stripTabs(parts: WordPart[]): WordPart[] {
  let atLineStart = true;
  return parts.map((p) => {
    if (p.type !== 'Lit') {
      atLineStart = false;
      return p;
    }
    let v = p.value.replace(/\n\t+/g, '\n');
    if (atLineStart) v = v.replace(/^\t+/, '');
    atLineStart = v.endsWith('\n');
    return v === p.value ? p : { ...p, value: v };
  });
}

/**
 * The body of a heredoc, expanded unless the delimiter was quoted. For a quoted delimiter
 * the body is taken verbatim from the script text (`source`, sliced at the body's span) when
 * given, so it does not matter how the parser split it into parts.
 */
export function expandHeredoc(body: Word, delimiter: Word, dash: boolean, cx: ExpandContext, source?: string, max = Infinity): string | Promise<string> {
  if (isQuotedDelimiter(delimiter)) {
    let raw = '';
    if (source !== undefined && body.end <= source.length && body.pos <= body.end) raw = source.slice(body.pos, body.end);
    else for (const p of body.parts) raw += p.type === 'Lit' || p.type === 'SglQuoted' ? p.value : '';
    return dash ? raw.replace(/^\t+/, '').replace(/\n\t+/g, '\n') : raw;
  }
  const parts = dash ? stripTabs(body.parts) : body.parts;
  const w: Word = { ...body, parts };
  const run = (s: Substs) => {
    let out = '';
    // The interpreter refuses a body past `max` with its own message; stop once past it, as
    // 600 references to a 1 MiB value would pass V8's longest string ("Invalid string length").
    for (const p of parts) {
      out += quotedPart(p, cx, s, heredocLit);
      if (out.length > max) break;
    }
    return out;
  };
  if (needsSubst([w])) return withSubsts([w], cx, run);
  return run(null);
}

export { DEFAULT_IFS };
