/**
 * sed's input: all operands as one stream of lines (GNU sed without -s), with one line of
 * look-ahead so `$` knows the last line of the last readable input. Lines lose only their
 * newline: a CR before it stays in the pattern space (as in GNU sed and rshell, so
 * `s/\r$//` works on CRLF input).
 */
import type { ByteReader } from '../../../io.js';
import { SandboxError } from '../../../sandbox/types.js';
import { LineTooLongError, LongLinesRefusedError, MAX_LINE_BYTES, carryPiece } from '../../lib/lines.js';
import { bufferOf, LongLineReserve } from '../../lib/buffered.js';
import type { CallContext } from '../../types.js';
import { openInput, type Input } from '../input.js';

/** rshell's cap on bytes read from one non-regular input (stdin, pipes). */
export const MAX_TOTAL_READ_BYTES = 256 * 1024 * 1024;

export class InputLimitError extends Error {
  constructor() {
    super('input too large: read limit exceeded');
    this.name = 'InputLimitError';
  }
}

export type FileErrorReporter = (name: string, message: string) => Promise<void>;

export class SedInput {
  private fileIndex = -1;
  private input: Input | null = null;
  private reader: ByteReader | null = null;
  /** Unconsumed bytes of the current chunk start at `off`. */
  private chunk: Buffer | null = null;
  private off = 0;
  private carry: Buffer[] = [];
  private carryLen = 0;
  private readBytes = 0;
  private isStdin = false;
  private ahead: Buffer | null = null;
  private aheadName = '';
  /** Name of the operand the current line came from (for runtime error messages). */
  currentName = '';
  private readonly longLine: LongLineReserve;

  constructor(
    private readonly ctx: CallContext,
    private readonly files: string[],
    private readonly report: FileErrorReporter,
  ) {
    this.longLine = new LongLineReserve(bufferOf(ctx));
  }

  async start(): Promise<void> {
    this.ahead = await this.fetch();
  }

  /** True when the line returned last is the last one of all inputs. */
  isLast(): boolean {
    return this.ahead === null;
  }

  /**
   * The next line when the one after it is already buffered (no await needed), else
   * undefined: call `next()`. Keeps per-line promise overhead off the hot path.
   */
  nextSync(): Buffer | undefined {
    const line = this.ahead;
    if (line === null || this.carryLen > 0 || !this.chunk) return undefined;
    const nl = this.chunk.indexOf(0x0a, this.off);
    if (nl === -1) return undefined;
    const rawLength = nl + 1 - this.off;
    if (rawLength > MAX_LINE_BYTES + 1) return undefined; // let next() report it
    if (this.isStdin) {
      if (this.readBytes + rawLength > MAX_TOTAL_READ_BYTES) return undefined;
      this.readBytes += rawLength;
    }
    this.ahead = this.chunk.subarray(this.off, nl); // the line without its newline
    this.off = nl + 1;
    this.currentName = this.aheadName;
    return line;
  }

  async next(): Promise<Buffer | null> {
    const line = this.ahead;
    if (line === null) return null;
    this.currentName = this.aheadName;
    this.ahead = await this.fetch();
    return line;
  }

  /**
   * Stops reading (q, errors): releases the open file. Stdin is left alone: the interpreter
   * ends a pipe whose reader has exited, and a shared stdin stays readable for later commands.
   */
  async close(): Promise<void> {
    await this.input?.close();
    this.input = null;
    this.reader = null;
    this.chunk = null;
    this.fileIndex = this.files.length;
  }

  /** One raw line (with its newline when present) of the current file, or null at its end. */
  private async rawLine(): Promise<Buffer | null> {
    for (;;) {
      if (this.chunk) {
        const nl = this.chunk.indexOf(0x0a, this.off);
        const stop = nl === -1 ? this.chunk.length : nl + 1;
        const piece = this.chunk.subarray(this.off, stop);
        this.off = stop;
        if (this.off >= this.chunk.length) this.chunk = null;
        if (this.carryLen + piece.length > MAX_LINE_BYTES + 1) throw new LineTooLongError(MAX_LINE_BYTES);
        if (!this.longLine.check(this.carryLen + piece.length)) throw new LongLinesRefusedError();
        if (nl !== -1) {
          if (this.carryLen === 0) return piece;
          this.carry.push(piece);
          const line = Buffer.concat(this.carry, this.carryLen + piece.length);
          this.carry = [];
          this.carryLen = 0;
          return line;
        }
        if (piece.length > 0) {
          carryPiece(this.carry, piece);
          this.carryLen += piece.length;
        }
        continue;
      }
      const c = await this.reader!.read();
      if (c === null) {
        if (this.carryLen === 0) return null;
        const line = Buffer.concat(this.carry, this.carryLen);
        this.carry = [];
        this.carryLen = 0;
        return line;
      }
      // Copy stdin chunks: a pipe's writer may reuse its buffer once we read on.
      this.chunk = this.isStdin ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.length);
      this.off = 0;
    }
  }

  private async fetch(): Promise<Buffer | null> {
    for (;;) {
      if (!this.reader) {
        if (!(await this.openNext())) return null;
        continue;
      }
      const name = this.files[this.fileIndex];
      try {
        const raw = await this.rawLine();
        if (raw !== null) {
          if (this.isStdin) {
            this.readBytes += raw.length;
            if (this.readBytes > MAX_TOTAL_READ_BYTES) throw new InputLimitError();
          }
          this.aheadName = name;
          return stripEOL(raw);
        }
      } catch (e) {
        if (!(e instanceof SandboxError || e instanceof LineTooLongError || e instanceof InputLimitError)) throw e;
        await this.report(name, e instanceof LineTooLongError && !(e instanceof LongLinesRefusedError) ? 'bufio.Scanner: token too long' : e.message);
      }
      await this.input?.close();
      this.input = null;
      this.reader = null;
      this.chunk = null;
      this.carry = [];
      this.carryLen = 0;
    }
  }

  private async openNext(): Promise<boolean> {
    while (++this.fileIndex < this.files.length) {
      const name = this.files[this.fileIndex];
      this.ctx.checkCanceled();
      try {
        const input = await openInput(this.ctx, name);
        this.isStdin = name === '-';
        this.readBytes = 0;
        this.input = input;
        this.reader = input.reader;
        return true;
      } catch (e) {
        if (!(e instanceof SandboxError)) throw e;
        await this.report(name, e.message);
      }
    }
    return false;
  }
}

/** The line without its newline. */
function stripEOL(raw: Uint8Array): Buffer {
  let n = raw.length;
  if (n > 0 && raw[n - 1] === 0x0a) n--;
  return Buffer.from(raw.buffer, raw.byteOffset, n);
}
