/**
 * The sed execution engine: cycles over input lines with GNU sed semantics for addresses,
 * ranges, the append queue, n/N/D and branching, within rshell's limits (1 MiB pattern and
 * hold space, 10 000 branch jumps per cycle). Pattern and hold space are byte buffers,
 * treated as immutable values, so the common path (read, s///, print) never decodes text.
 * Unlike GNU sed, output lines always end with a newline (rshell's documented choice).
 */
import type { ByteRegex, Match } from '../../lib/regex.js';
import type { OutBuffer } from '../../lib/outbuf.js';
import type { Address, Command, Program, ReplPart, Subst } from './program.js';
import type { SedInput } from './input.js';
import { bufferedRefusal } from '../../lib/buffered.js';

export const MAX_SPACE_BYTES = 1 << 20;
export const MAX_BRANCH_ITERATIONS = 10_000;
const MAX_APPEND_BYTES = 1 << 20;
const L_WIDTH = 70;

/** A runtime failure (reported as "sed: <input>: <message>", status 1). */
export class SedRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SedRuntimeError';
  }
}

function spaceTooLarge(what: string): SedRuntimeError {
  return new SedRuntimeError(`${what} space exceeds maximum size (${MAX_SPACE_BYTES} bytes)`);
}

const EMPTY = Buffer.alloc(0);

type CycleEnd = 'next' | 'delete' | 'restart' | 'quit' | 'quit-silent';
/**
 * The cycle paused for async work, to resume at `resume`: n/N found no buffered line
 * (`read`), or enough output piled up to be written first (`flush`).
 */
interface Pending {
  kind: 'read' | 'flush' | 'pause';
  append: boolean;
  resume: number;
  /** For 'pause': the turn of the event loop to wait for. */
  wait?: Promise<void>;
}

/**
 * An s/// paused while collecting its matches. `flat` holds the chosen matches, each as
 * `stride` numbers: start and end of the match, then of each group (-1 when unset).
 */
interface PendingSubst {
  iter: Generator<Match, void, undefined>;
  flat: number[];
  stride: number;
  count: number;
}

export class SedEngine {
  private ps: Buffer = EMPTY;
  private hs: Buffer = EMPTY;
  private lineNum = 0;
  private subFlag = false;
  private lastRe: ByteRegex | null = null;
  private appendQueue: string[] = [];
  private appendBytes = 0;
  private exitCode = 0;
  private jumps = 0;
  /** The s/// at the pc a 'pause' resumes at, part-way through its matches. */
  private pendingSubst: PendingSubst | null = null;

  constructor(
    private readonly prog: Program,
    private readonly input: SedInput,
    private readonly out: OutBuffer,
    private readonly quiet: boolean,
    private readonly checkCanceled: () => void,
    /** The run's pause (CallContext.pause): checks the clock, and asks for a turn of the event loop when due. */
    private readonly pause: () => Promise<void> | undefined = () => (checkCanceled(), undefined),
    /** The run's total of what builtins keep (CallContext.buffer). */
    private readonly buffer?: (n: number) => boolean,
  ) {
    // `0,/re/`: the range is open before the first line, so line 1 can end it.
    for (const c of prog.cmds) if (c.a1?.kind === 'line' && c.a1.n === 0) c.rangeActive = true;
  }

  /** Runs to the end of input or a q/Q; returns the exit status q/Q asked for, else null. */
  async run(): Promise<number | null> {
    let restart = false;
    for (;;) {
      this.checkCanceled();
      if (!restart) {
        const line = this.input.nextSync() ?? (await this.input.next());
        if (line === null) break;
        this.ps = line;
        this.lineNum++;
        this.subFlag = false;
      }
      // The cycle runs synchronously; it stops early only when n/N must wait for input.
      this.jumps = 0;
      let end = this.cycle(0);
      while (typeof end === 'object') {
        if (end.kind === 'flush' || end.kind === 'pause') {
          if (end.kind === 'flush') await this.out.flush();
          else await end.wait;
          end = this.cycle(end.resume);
          continue;
        }
        const line = await this.input.next();
        // No next line after all: the cycle ends as at EOF (autoprint, then input is over).
        end = line === null ? 'next' : (this.takeLine(end.append, line), this.cycle(end.resume));
      }
      restart = end === 'restart';
      if (end === 'quit-silent') return this.exitCode;
      if (end === 'next' || end === 'quit') {
        if (!this.quiet) this.emit(this.ps);
      }
      this.flushAppends();
      this.count();
      if (this.out.full()) await this.out.flush();
      if (end === 'quit') return this.exitCode;
    }
    return null;
  }

  private emit(b: Uint8Array): void {
    this.out.push(b);
    this.out.pushByte(0x0a);
  }

  private flushAppends(): void {
    if (this.appendQueue.length === 0) return;
    for (const t of this.appendQueue) this.out.push(t);
    this.appendQueue = [];
    this.appendBytes = 0;
  }

  /** The buffer `joined` writes into, and the length of the latest space it made there. */
  private spare: Buffer = EMPTY;
  private spareLen = 0;

  /**
   * `a`, a newline and `b` (H, G, N), appended in place when `a` is the latest space made in
   * the spare buffer (every other view of it ends at or before `a`'s end), else in a new one
   * of twice the size: a copy each time made `sed -n H` over 512 Ki short lines quadratic
   * (past a 10 s deadline for 1 MiB).
   */
  private joined(a: Buffer, b: Buffer, what: string): Buffer {
    const n = a.length + 1 + b.length;
    if (n > MAX_SPACE_BYTES) throw spaceTooLarge(what);
    let s = this.spare;
    if (a.buffer !== s.buffer || a.byteOffset !== s.byteOffset || a.length !== this.spareLen || n > s.length) {
      s = Buffer.allocUnsafe(Math.min(MAX_SPACE_BYTES, 2 * n));
      a.copy(s);
      this.spare = s;
    }
    s[a.length] = 0x0a;
    b.copy(s, a.length + 1);
    this.spareLen = n;
    this.count(n);
    return s.subarray(0, n);
  }

  /** Bytes of the spaces counted against the run's total (count). */
  private counted = 0;

  /**
   * Counts the pattern and hold spaces (`extra` more about to be one) against the run's
   * total: 200 stages of `sed 'H;$!d'` over a 1 MiB line kept 840 MB. Checked as a space
   * grows and at each cycle's end, whatever command changed it.
   */
  private count(extra = 0): void {
    if (!this.buffer) return;
    const n = this.ps.length + this.hs.length + this.spare.length + extra;
    if (n === this.counted) return;
    if (!this.buffer(n - this.counted)) throw new SedRuntimeError(bufferedRefusal());
    this.counted = n;
  }

  private cycle(start: number): CycleEnd | Pending {
    const cmds = this.prog.cmds;
    let pc = start;
    while (pc < cmds.length) {
      // A command may cost a pass over 1 MiB (y, s, G): without the clock, a loop of them ran
      // to the branch limit, minutes past the deadline; and without a pause, such a loop held
      // the event loop (every task of the batch) until the deadline.
      const wait = this.pause();
      if (wait) return { kind: 'pause', append: false, resume: pc, wait };
      const cmd = cmds[pc];
      // A resumed s/// was selected already (selecting again would move range state).
      if (this.pendingSubst === null && !this.selects(cmd)) {
        pc = cmd.name === '{' ? cmd.jump : pc + 1;
        continue;
      }
      let target = -2; // -2: fall through; otherwise a branch target (-1 = end)
      switch (cmd.name) {
        case '{':
        case '}':
        case ':':
          break;
        case '=':
          this.out.push(`${this.lineNum}\n`);
          break;
        case 'a':
          this.appendBytes += cmd.text.length;
          if (this.appendBytes > MAX_APPEND_BYTES) throw new SedRuntimeError('append queue exceeds maximum size');
          this.appendQueue.push(cmd.text);
          break;
        case 'i':
          this.out.push(cmd.text);
          break;
        case 'c':
          if (!cmd.rangeActive) this.out.push(cmd.text);
          return 'delete';
        case 'd':
          return 'delete';
        case 'D': {
          const nl = this.ps.indexOf(0x0a);
          if (nl === -1) return 'delete';
          this.ps = this.ps.subarray(nl + 1);
          return 'restart';
        }
        case 'p':
          this.emit(this.ps);
          break;
        case 'P': {
          const nl = this.ps.indexOf(0x0a);
          this.emit(nl === -1 ? this.ps : this.ps.subarray(0, nl));
          break;
        }
        case 'l':
          this.out.push(listing(this.ps));
          break;
        case 'n':
        case 'N': {
          // GNU (non-POSIX): at EOF n/N end the cycle, auto-printing, and sed stops.
          if (this.input.isLast()) return 'next';
          const append = cmd.name === 'N';
          if (!append && !this.quiet) this.emit(this.ps);
          // The append queue goes out before the next line is read.
          this.flushAppends();
          const line = this.input.nextSync();
          if (line === undefined) return { kind: 'read', append, resume: pc + 1 };
          this.takeLine(append, line);
          break;
        }
        case 'h':
          this.hs = this.ps;
          break;
        case 'H':
          this.hs = this.joined(this.hs, this.ps, 'hold');
          break;
        case 'g':
          this.ps = this.hs;
          break;
        case 'G':
          this.ps = this.joined(this.ps, this.hs, 'pattern');
          break;
        case 'x': {
          const t = this.ps;
          this.ps = this.hs;
          this.hs = t;
          break;
        }
        case 'q':
          this.exitCode = cmd.exitCode;
          return 'quit';
        case 'Q':
          this.exitCode = cmd.exitCode;
          return 'quit-silent';
        case 'b':
          target = cmd.jump;
          break;
        case 't':
          if (this.subFlag) {
            this.subFlag = false;
            target = cmd.jump;
          }
          break;
        case 'T':
          if (!this.subFlag) target = cmd.jump;
          else this.subFlag = false;
          break;
        case 's': {
          const wait = this.substitute(cmd.subst!);
          if (wait) return { kind: 'pause', append: false, resume: pc, wait };
          break;
        }
        case 'y':
          this.ps = transliterate(this.ps, cmd.ymap!);
          break;
      }
      if (target === -2) {
        pc++;
        // Loops that print (i, p, =, l) must not pile up output within one cycle.
        if (this.out.full()) return { kind: 'flush', append: false, resume: pc };
        continue;
      }
      if (++this.jumps > MAX_BRANCH_ITERATIONS) throw new SedRuntimeError('branch loop limit exceeded');
      pc = target === -1 ? cmds.length : target;
    }
    return 'next';
  }

  /** n/N: the next line replaces or extends the pattern space. */
  private takeLine(append: boolean, line: Buffer): void {
    this.lineNum++;
    this.subFlag = false;
    this.ps = append ? this.joined(this.ps, line, 'pattern') : line;
  }

  private regexFor(re: ByteRegex | null): ByteRegex {
    const r = re ?? this.lastRe;
    if (!r) throw new SedRuntimeError('no previous regular expression');
    this.lastRe = r;
    return r;
  }

  private matchAddr(a: Address): boolean {
    switch (a.kind) {
      case 'line':
        return this.lineNum === a.n;
      case 'last':
        return this.input.isLast();
      case 're':
        return this.regexFor(a.re).test(this.ps);
      case 'step':
        return this.lineNum >= a.first && (this.lineNum - a.first) % a.step === 0;
      default:
        return false;
    }
  }

  /**
   * Address selection, updating range state (GNU's match_address_p). Lines that n, N, b or t
   * skipped matter: a line-number start opens the range on the first line looked at past it
   * (once), a line-number end that was passed closes the range without the line, and a `+N`
   * or `~N` end, like a regex, takes the first line looked at past it as the range's last.
   */
  private selects(cmd: Command): boolean {
    if (!cmd.a1) return true;
    if (!cmd.a2) return this.matchAddr(cmd.a1) !== cmd.negate;
    const a2 = cmd.a2;
    let r = true;
    if (cmd.rangeActive) {
      switch (a2.kind) {
        case 'line':
          if (this.lineNum >= a2.n) {
            this.closeRange(cmd);
            r = this.lineNum === a2.n;
          }
          break;
        case 'plus':
        case 'mult':
          if (this.lineNum >= cmd.rangeEnd) this.closeRange(cmd);
          break;
        case 'last':
          if (this.input.isLast()) this.closeRange(cmd);
          break;
        case 're':
          if (this.regexFor(a2.re).test(this.ps)) this.closeRange(cmd);
          break;
        default:
          if (this.matchAddr(a2)) this.closeRange(cmd);
      }
    } else if (cmd.a1.kind === 'line' ? !cmd.rangeClosed && this.lineNum >= cmd.a1.n : this.matchAddr(cmd.a1)) {
      r = this.openRange(cmd);
    } else {
      r = false;
    }
    return r !== cmd.negate;
  }

  private closeRange(cmd: Command): void {
    cmd.rangeActive = false;
    cmd.rangeClosed = true;
  }

  /** addr1 matched: decide whether the range stays open past this line, and whether it holds it. */
  private openRange(cmd: Command): boolean {
    const a2 = cmd.a2!;
    const n = this.lineNum;
    let r = true;
    switch (a2.kind) {
      case 'line':
        cmd.rangeActive = a2.n > n;
        // opened past its end (a line-number start skipped over): only an exact start holds
        r = n <= a2.n || this.matchAddr(cmd.a1!);
        break;
      case 'plus':
        cmd.rangeEnd = n + a2.n;
        cmd.rangeActive = a2.n > 0;
        break;
      case 'mult':
        // GNU: up to the next multiple of N after this line (even if this one is one).
        cmd.rangeActive = a2.n > 0;
        cmd.rangeEnd = a2.n > 0 ? n - (n % a2.n) + a2.n : n;
        break;
      case 'last':
        cmd.rangeActive = !this.input.isLast();
        break;
      default:
        cmd.rangeActive = true; // a regex end is looked for from the next line on
    }
    if (!cmd.rangeActive) cmd.rangeClosed = true;
    return r;
  }

  /**
   * Returns a turn of the event loop to await (then the cycle resumes here): a 1 MiB line
   * holds a million matches, whose search and capture took over a second in one stretch.
   */
  private substitute(sub: Subst): Promise<void> | undefined {
    let st = this.pendingSubst;
    this.pendingSubst = null;
    if (st === null) {
      const re = this.regexFor(sub.re);
      // A match-only test (no captures) is much cheaper and rejects most lines; a literal's
      // search is already just a byte search.
      if (!re.isLiteral && !re.test(this.ps)) return undefined;
      st = { iter: re.matches(this.ps), flat: [], stride: 2 + 2 * re.groupCount, count: 0 };
    }
    const limit = sub.global ? Infinity : sub.nth;
    while (st.count < limit) {
      const r = st.iter.next();
      if (r.done) break;
      if (++st.count >= sub.nth) st.flat.push(r.value.start, r.value.end, ...r.value.groups);
      if ((st.count & 1023) === 0) {
        const wait = this.pause();
        if (wait) {
          this.pendingSubst = st;
          return wait;
        }
      }
    }
    if (st.count < sub.nth) return undefined;
    const { flat, stride } = st;
    // `s//\N/` reuses the last regex, which the parser could not check: a group past its
    // last was an internal panic, and would now read the next match's numbers.
    for (const p of sub.repl) {
      if (p.kind === 'group' && 2 * p.n + 2 > stride) throw new SedRuntimeError(`invalid reference \\${p.n} on \`s' command's RHS`);
    }
    const ps = this.ps;
    // Sized before it is built: `s/a/&&&&…/g` over a 1 MiB line made gigabytes of pieces
    // before the cap looked. Case operators keep the length.
    let size = ps.length;
    for (let m = 0; m < flat.length; m += stride) {
      size -= flat[m + 1] - flat[m];
      for (const p of sub.repl) {
        if (p.kind === 'lit') size += p.bytes.length;
        else if (p.kind === 'group') size += groupLength(flat, m, p.n);
      }
      if (size > MAX_SPACE_BYTES) throw spaceTooLarge('pattern');
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    let prev = 0;
    for (let m = 0; m < flat.length; m += stride) {
      at += ps.copy(out, at, prev, flat[m]);
      if (sub.hasCaseOps) at += expandWithCase(sub.repl, ps, flat, m).copy(out, at);
      else {
        for (const p of sub.repl) {
          if (p.kind === 'lit') at += p.bytes.copy(out, at);
          else if (p.kind === 'group') at += copyGroup(ps, flat, m, p.n, out, at);
        }
      }
      prev = flat[m + 1];
    }
    ps.copy(out, at, prev);
    this.ps = out;
    this.subFlag = true;
    if (sub.print) this.emit(this.ps);
    return undefined;
  }
}

/** Group `n` (0: the whole match) of the match at flat[m] spans flat[m + 2n] to flat[m + 2n + 1]. */
function groupLength(flat: number[], m: number, n: number): number {
  const s = flat[m + 2 * n];
  return s < 0 ? 0 : flat[m + 2 * n + 1] - s;
}

/** Copies group `n` of the match at flat[m] into `out` at `at`; returns the bytes copied. */
function copyGroup(ps: Buffer, flat: number[], m: number, n: number, out: Buffer, at: number): number {
  const s = flat[m + 2 * n];
  return s < 0 ? 0 : ps.copy(out, at, s, flat[m + 2 * n + 1]);
}

function groupBytes(ps: Buffer, flat: number[], m: number, n: number): Uint8Array {
  const s = flat[m + 2 * n];
  return s < 0 ? EMPTY : ps.subarray(s, flat[m + 2 * n + 1]);
}

/** Replacement with GNU \U \L \u \l \E (ASCII case mapping, as in the C locale). */
function expandWithCase(repl: ReplPart[], ps: Buffer, flat: number[], m: number): Buffer {
  let mode: 'U' | 'L' | null = null;
  let once: 'u' | 'l' | null = null;
  const out: number[] = [];
  const add = (b: Uint8Array) => {
    for (const c of b) {
      let x = c;
      if (mode === 'U' && x >= 0x61 && x <= 0x7a) x -= 32;
      else if (mode === 'L' && x >= 0x41 && x <= 0x5a) x += 32;
      if (once === 'u' && x >= 0x61 && x <= 0x7a) x -= 32;
      else if (once === 'l' && x >= 0x41 && x <= 0x5a) x += 32;
      once = null;
      out.push(x);
    }
  };
  for (const p of repl) {
    if (p.kind === 'lit') add(p.bytes);
    else if (p.kind === 'group') add(groupBytes(ps, flat, m, p.n));
    else if (p.op === 'U' || p.op === 'L') {
      mode = p.op;
      once = null;
    } else if (p.op === 'E') {
      mode = null;
      once = null;
    } else once = p.op;
  }
  return Buffer.from(out);
}

/** y's byte table when it maps ASCII bytes to single bytes only (null otherwise); cached per map. */
const byteTables = new WeakMap<Map<string, string>, Uint8Array | null>();
function byteTable(map: Map<string, string>): Uint8Array | null {
  let t = byteTables.get(map);
  if (t !== undefined) return t;
  t = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (const [k, v] of map) {
    if (k.length !== 1 || k.charCodeAt(0) >= 0x80 || v.length !== 1) {
      t = null;
      break;
    }
    t[k.charCodeAt(0)] = v.charCodeAt(0);
  }
  byteTables.set(map, t);
  return t;
}

function transliterate(ps: Buffer, map: Map<string, string>): Buffer {
  // A byte loop when it can be (bytes of multibyte characters are never ASCII): the general
  // path over a 1 MiB line held the event loop for up to 0.4 s per command.
  const table = byteTable(map);
  if (table) {
    const out = Buffer.allocUnsafe(ps.length);
    for (let i = 0; i < ps.length; i++) out[i] = table[ps[i]];
    return out;
  }
  const s = ps.toString('latin1');
  let out = '';
  for (let i = 0; i < s.length; ) {
    const c = ps[i];
    let w = 1;
    if (c >= 0xc2 && c < 0xf5) {
      const need = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
      let ok = i + need <= ps.length;
      for (let k = 1; ok && k < need; k++) ok = (ps[i + k] & 0xc0) === 0x80;
      if (ok) w = need;
    }
    const ch = s.slice(i, i + w);
    out += map.get(ch) ?? ch;
    i += w;
  }
  return Buffer.from(out, 'latin1');
}

const L_ESCAPES: Record<number, string> = {
  0x5c: '\\\\',
  0x07: '\\a',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x0b: '\\v',
};

/** What `l` prints for each byte. */
const L_REPS = Array.from({ length: 256 }, (_, b) =>
  Buffer.from(L_ESCAPES[b] ?? (b < 0x20 || b >= 0x7f ? '\\' + b.toString(8).padStart(3, '0') : String.fromCharCode(b)), 'latin1'),
);

/**
 * `l`: escapes and octal for non-printable bytes, wrapped at 70 columns, `$` at the end.
 * Written into one buffer: a string built a piece at a time held the loop 0.1–0.4 s per 1 MiB.
 */
export function listing(ps: Uint8Array): string {
  // At most 4 bytes per byte, and a 2-byte wrap before each.
  const out = Buffer.allocUnsafe(6 * ps.length + 2);
  let at = 0;
  let col = 0;
  for (const b of ps) {
    const rep = L_REPS[b];
    if (col + rep.length > L_WIDTH - 1) {
      out[at++] = 0x5c;
      out[at++] = 0x0a;
      col = 0;
    }
    for (let i = 0; i < rep.length; i++) out[at++] = rep[i];
    col += rep.length;
  }
  out[at++] = 0x24;
  out[at++] = 0x0a;
  return out.toString('latin1', 0, at);
}
