/**
 * The command and control-flow spans of one rshell run, held as plain records while the run
 * goes on and made into spans in one pass when it ends (or every BUILD_EVERY records).
 *
 * Why: between two of a real script's commands the builtins touch enough memory to evict the
 * tracer's code and data from the CPU caches, so a span made and encoded at its own start and
 * end paid those misses twice per command. A record is a few stores into typed arrays; the pass
 * makes every span of the run with the tracer's path warm. In `npm run bench -- span-cache`'s
 * model (1 MiB touched between hook calls) this took 1.7–2.1 µs per command down to 1.2–1.4.
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

export class SpanLog {
  /** Index of the next record; indices stay unique for the whole run. */
  private next = 0;
  /** Index of the first record not yet made into a span (the arrays' slot 0). */
  private base = 0;
  private kind = new Uint8Array(16);
  /** The parent record's index, or -1 for the run span. */
  private parent = new Int32Array(16);
  private start = new Float64Array(16);
  /** NaN until the record ends. */
  private endAt = new Float64Array(16);
  /** A number known at start (argc, stage count, ...). */
  private startNum = new Float64Array(16);
  /** A number known at end (exit code, branch taken, iteration count). */
  private endNum = new Float64Array(16);
  /** Flags known at start, and any added at end. */
  private bits = new Uint8Array(16);
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
    private readonly runSpan: Span,
  ) {}

  /** Records a span's start; returns its index. */
  add(kind: number, parent: number, num: number, bits: number, text: string, flags: string): number {
    let slot = this.next - this.base;
    if (slot === BUILD_EVERY) {
      this.build();
      slot = 0;
    } else if (slot === this.kind.length) {
      this.grow();
    }
    this.kind[slot] = kind;
    this.parent[slot] = parent;
    this.start[slot] = nowMs();
    this.endAt[slot] = NaN;
    this.startNum[slot] = num;
    this.bits[slot] = bits;
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
    const slot = i - this.base;
    this.endAt[slot] = nowMs();
    this.endNum[slot] = num;
    this.bits[slot] |= bits;
    this.ended.push(i);
  }

  /** Makes every record so far into a span, finishing the ended ones in the order they ended. */
  build(): void {
    const count = this.next - this.base;
    const made = this.made;
    for (let slot = 0; slot < count; slot++) {
      const p = this.parent[slot];
      const parent = p < 0 ? this.runSpan : p >= this.base ? made[p - this.base] : this.open.get(p);
      // Every parent is made or open (kept total anyway).
      made[slot] = this.maker.make(this.kind[slot], parent ?? this.runSpan, this.start[slot], this.startNum[slot], this.bits[slot], this.text[slot], this.flags[slot]);
    }
    for (const i of this.ended) {
      const slot = i - this.base;
      this.maker.end(made[slot], this.kind[slot], this.endNum[slot], this.bits[slot], this.endAt[slot]);
    }
    // Ended since the last pass: every record they could parent is made now.
    for (const i of this.closed) this.open.delete(i);
    this.closed.length = 0;
    for (let slot = 0; slot < count; slot++) {
      if (Number.isNaN(this.endAt[slot])) this.open.set(this.base + slot, made[slot]);
    }
    this.ended.length = 0;
    made.length = 0;
    // Nothing holds a script's command names past their spans.
    this.text.length = 0;
    this.flags.length = 0;
    this.base = this.next;
  }

  private grow(): void {
    const n = this.kind.length * 2;
    this.kind = grown(new Uint8Array(n), this.kind);
    this.parent = grown(new Int32Array(n), this.parent);
    this.start = grown(new Float64Array(n), this.start);
    this.endAt = grown(new Float64Array(n), this.endAt);
    this.startNum = grown(new Float64Array(n), this.startNum);
    this.endNum = grown(new Float64Array(n), this.endNum);
    this.bits = grown(new Uint8Array(n), this.bits);
  }
}

function grown<T extends Uint8Array | Int32Array | Float64Array>(to: T, from: T): T {
  to.set(from as never);
  return to;
}
