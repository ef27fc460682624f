/**
 * cat's transformation: GNU cat's -n/-b/-s/-E/-T/-v state machine over bytes. State (line
 * number, "at line start", blank run) carries across files exactly as in GNU cat.
 */
import type { OutBuffer } from './io.js';

export interface CatOptions {
  number: boolean;
  numberNonblank: boolean;
  squeeze: boolean;
  showEnds: boolean;
  showTabs: boolean;
  showNonprinting: boolean;
}

export function catIsPlain(o: CatOptions): boolean {
  return !(o.number || o.numberNonblank || o.squeeze || o.showEnds || o.showTabs || o.showNonprinting);
}

export class CatFormatter {
  private line = 0;
  private atBol = true;
  private blanks = 0;
  /** -E without -v: a CR right before a newline shows as ^M (GNU cat 9), so CR waits a byte. */
  private pendingCR = false;
  constructor(private readonly o: CatOptions) {}

  private lineNumber(): string {
    this.line++;
    const s = String(this.line);
    return (s.length < 6 ? ' '.repeat(6 - s.length) + s : s) + '\t';
  }

  /** Formats one chunk into `out`. */
  async push(chunk: Uint8Array, out: OutBuffer): Promise<void> {
    const o = this.o;
    const numberAll = o.number && !o.numberNonblank;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      let p: Promise<void> | undefined;
      if (this.pendingCR) {
        this.pendingCR = false;
        p = out.write(c === 0x0a ? '^M' : '\r');
        if (p) await p;
      }
      if (this.atBol) {
        if (c === 0x0a) {
          this.blanks++;
          if (o.squeeze && this.blanks > 1) continue;
          if (numberAll) p = out.write(this.lineNumber());
          if (p) await p;
          p = out.write(o.showEnds ? '$\n' : '\n');
          if (p) await p;
          continue;
        }
        this.blanks = 0;
        this.atBol = false;
        if (o.number || o.numberNonblank) {
          p = out.write(this.lineNumber());
          if (p) await p;
        }
      }
      if (c === 0x0a) {
        this.atBol = true;
        p = out.write(o.showEnds ? '$\n' : '\n');
      } else if (c === 0x0d && o.showEnds && !o.showNonprinting) {
        this.pendingCR = true;
      } else if (c === 0x09) {
        p = o.showTabs ? out.write('^I') : out.writeByte(c);
      } else if (o.showNonprinting) {
        p = out.write(visible(c));
      } else {
        p = out.writeByte(c);
      }
      if (p) await p;
    }
  }

  /** End of one input: a CR still waiting for its next byte is an ordinary CR. */
  async finish(out: OutBuffer): Promise<void> {
    if (!this.pendingCR) return;
    this.pendingCR = false;
    const p = out.writeByte(0x0d);
    if (p) await p;
  }
}

/** `cat -v` notation for a byte other than tab and newline. */
export function visible(c: number): string {
  if (c < 32) return '^' + String.fromCharCode(c + 64);
  if (c < 127) return String.fromCharCode(c);
  if (c === 127) return '^?';
  const low = c - 128;
  if (low < 32) return 'M-^' + String.fromCharCode(low + 64);
  if (low < 127) return 'M-' + String.fromCharCode(low);
  return 'M-^?';
}
