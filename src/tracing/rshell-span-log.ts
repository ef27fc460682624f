/**
 * The command and control-flow spans of one rshell run, held as plain records while the run
 * goes on and made into spans in one pass when it ends (or every BUILD_EVERY records).
 *
 * Why: between two of a real script's commands the builtins touch enough memory to evict the
 * tracer's code and data from the CPU caches, so a span made and encoded at its own start and
 * end paid those misses twice per command. A record is a few stores into one typed array; the pass
 * makes every span of the run with the tracer's path warm. In `npm run bench -- span-cache`'s
 * model (1 MiB touched between hook calls) this took 1.73 µs per command down to 1.31, and the
 * executor bench's counted hook time per span about halved.
 *
 * What a span carries is unchanged: times are read at the hook calls, spans are made in start
 * order (parents before children) and finished in end order. A span still open at a pass (a
 * loop around later records, a pipeline stage outliving an aborted run) is finished when its
 * end comes.
 */
import { nowMs } from './clock.js';
import type { Span } from './types.js';

/** Records a run holds before they are made into spans mid-run: bounds memory, and a long run's spans reach the buffer (and an early flush) as it goes. */
export const BUILD_EVERY = 256;

/** Makes a record's span and ends one (the hooks: they know the kinds' names and tags). */
export interface SpanMaker {
  make(kind: number, parent: Span, startMs: number, num: number, bits: number, text: string, flags: string): Span;
  end(span: Span, kind: number, num: number, bits: number, endMs?: number): void;
}

/** Fields of a record, one float each: a record is one 64-byte line of `rec`. */
const KIND = 0;
/** The parent record's index, or -1 for the run span. */
const PARENT = 1;
const START = 2;
/** NaN until the record ends. */
const END = 3;
/** A number known at start (argc, stage count, ...). */
const START_NUM = 4;
/** A number known at end (exit code, branch taken, iteration count). */
const END_NUM = 5;
/** Flags known at start, and any added at end. */
const BITS = 6;
const STRIDE = 8;

export class SpanLog {
  /** Index of the next record; indices stay unique for the whole run. */
  private next = 0;
  /** Index of the first record not yet made into a span (slot 0). */
  private base = 0;
  /** The records since the last pass, STRIDE floats each (one allocation, records adjacent). */
  private rec = new Float64Array(32 * STRIDE);
  /** A command's name and flags, by slot. */
  private text: string[] = [];
  private flags: string[] = [];
  /** Records ended before their pass, in end order (finish order). */
  private ended: number[] = [];
  /** The spans made in the current pass, by slot. */
  private made: Span[] = [];
  /** Spans made while their records were still open, by index: later parents and later ends. */
  private readonly open = new Map<number, Span>();
  /** Open spans ended since the last pass. */
  private readonly closed: number[] = [];

  constructor(
    private readonly maker: SpanMaker,
    /** The run's span: the parent of records made at its top level. */
    readonly runSpan: Span,
  ) {}

  /** The run has ended: every record is a span, and later starts are not recorded. */
  runEnded = false;

  /** The last pass, at the run's end. */
  close(): void {
    this.runEnded = true;
    this.build();
  }

  /** The span of a record already made and not yet ended (a later start's parent). */
  spanOf(i: number): Span | undefined {
    return this.open.get(i);
  }

  /** Records a span's start; returns its index. */
  add(kind: number, parent: number, num: number, bits: number, text: string, flags: string): number {
    let slot = this.next - this.base;
    if (slot === BUILD_EVERY) {
      this.build();
      slot = 0;
    } else if (slot * STRIDE === this.rec.length) {
      const rec = new Float64Array(this.rec.length * 2);
      rec.set(this.rec);
      this.rec = rec;
    }
    const r = this.rec;
    const at = slot * STRIDE;
    r[at + KIND] = kind;
    r[at + PARENT] = parent;
    r[at + START] = nowMs();
    r[at + END] = NaN;
    r[at + START_NUM] = num;
    r[at + BITS] = bits;
    this.text[slot] = text;
    this.flags[slot] = flags;
    return this.next++;
  }

  /** Records a span's end, or ends its span when a pass already made it. */
  end(i: number, kind: number, num: number, bits: number): void {
    if (i < this.base) {
      const span = this.open.get(i);
      if (span === undefined) return;
      // Left in `open` until the next pass: a record not yet made may be its child.
      this.closed.push(i);
      this.maker.end(span, kind, num, bits);
      return;
    }
    const r = this.rec;
    const at = (i - this.base) * STRIDE;
    r[at + END] = nowMs();
    r[at + END_NUM] = num;
    r[at + BITS] |= bits;
    this.ended.push(i);
  }

  /** Makes every record so far into a span, finishing the ended ones in the order they ended. */
  build(): void {
    const count = this.next - this.base;
    const { rec: r, made, base } = this;
    try {
      for (let slot = 0, at = 0; slot < count; slot++, at += STRIDE) {
        const p = r[at + PARENT];
        // Every parent is made or open (kept total anyway).
        const parent = (p < 0 ? this.runSpan : p >= base ? made[p - base] : this.open.get(p)) ?? this.runSpan;
        made[slot] = this.maker.make(r[at + KIND], parent, r[at + START], r[at + START_NUM], r[at + BITS], this.text[slot], this.flags[slot]);
      }
      for (const i of this.ended) {
        const at = (i - base) * STRIDE;
        this.maker.end(made[i - base], r[at + KIND], r[at + END_NUM], r[at + BITS], r[at + END]);
      }
      // Ended since the last pass: every record they could parent is made now.
      for (const i of this.closed) this.open.delete(i);
      this.closed.length = 0;
      for (let slot = 0; slot < count; slot++) {
        if (Number.isNaN(r[slot * STRIDE + END])) this.open.set(base + slot, made[slot]);
      }
    } finally {
      // Even after a failure (a tracer bug): no record is made twice.
      this.ended.length = 0;
      made.length = 0;
      // Nothing holds a script's command names past their spans.
      this.text.length = 0;
      this.flags.length = 0;
      this.base = this.next;
    }
  }
}
