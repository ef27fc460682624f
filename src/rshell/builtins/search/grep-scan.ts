/**
 * Scanning one grep input: line selection, context groups, binary-file handling and the
 * -c/-l/-L summaries, streamed chunk by chunk with bounded memory (a line is capped at
 * 1 MiB, before-context at 1 000 lines / 512 KiB).
 *
 * Lines follow Go's bufio.ScanLines, as rshell does: the newline and one CR before it are
 * not part of the line, and a last line without newline still counts.
 */
import { bufferedRefusal, type LongLineReserve } from '../lib/buffered.js';
import type { ByteReader } from '../../io.js';
import { MAX_LINE_BYTES, carryPiece } from '../lib/lines.js';
import type { LineMatcher } from './grep-match.js';
import type { OutBuffer } from '../lib/outbuf.js';

/** rshell's cap on bytes held or printed per context group. */
export const MAX_CONTEXT_BYTES = 512 * 1024;
/** rshell probes this much of the input for NUL bytes before printing anything. */
const BINARY_PROBE_BYTES = 32 * 1024;

export interface ScanOptions {
  matcher: LineMatcher;
  invert: boolean;
  mode: 'lines' | 'count' | 'files-with' | 'files-without' | 'quiet';
  onlyMatching: boolean;
  lineNumber: boolean;
  showFilename: boolean;
  /** -1 = unlimited. */
  maxCount: number;
  after: number;
  before: number;
  /** Any of -A/-B/-C given (even 0): non-adjacent groups get a "--" line. */
  contextRequested: boolean;
  text: boolean;
}

/** State shared by all inputs of one grep call. */
export interface ScanShared {
  out: OutBuffer;
  /** A context group was printed already (for "--" between groups, across files too). */
  groupPrinted: boolean;
  checkCanceled(): void;
  /** The run's pause (CallContext.pause), or checkCanceled without one. */
  pause(): Promise<void> | undefined;
  /** Counts a stage carrying long lines against the run's buffered total (once a grep). */
  longLine: LongLineReserve;
}

export class ScanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScanError';
  }
}

export interface ScanResult {
  matchCount: number;
  binaryMatched: boolean;
}

interface HeldLine {
  num: number;
  bytes: Uint8Array;
}

const NL = 0x0a;

/** Strips the CR that bufio.ScanLines drops before a newline (and at EOF). */
function dropCR(line: Uint8Array): Uint8Array {
  const n = line.length;
  return n > 0 && line[n - 1] === 0x0d ? line.subarray(0, n - 1) : line;
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length);
}

export async function scanInput(
  reader: ByteReader,
  displayName: string,
  o: ScanOptions,
  shared: ScanShared,
): Promise<ScanResult> {
  const out = shared.out;
  const printing = o.mode === 'lines';
  // Counting/listing modes with a literal: count whole chunks with indexOf (no per-line work).
  const fastLiteral = o.matcher.literal ?? o.matcher.foldedLiteral ?? o.matcher.prefilter;
  // A prefilter hit only makes the line a candidate: the regex decides.
  const verify = o.matcher.prefilter && !o.matcher.literal && !o.matcher.foldedLiteral ? o.matcher.test : null;
  const fastCount = !printing && fastLiteral !== null && !(o.invert && o.maxCount >= 0);
  // Plain line printing with a literal/prefilter: jump from hit to hit as well, counting the
  // skipped newlines only when -n needs line numbers.
  const fastPrint =
    printing &&
    !o.invert &&
    !o.onlyMatching &&
    !o.contextRequested &&
    o.after === 0 &&
    o.before === 0 &&
    fastLiteral !== null;
  const printVerify = verify;
  let lineNum = 0;
  let matchCount = 0;
  let isBinary = false;
  let probed = o.text;
  let afterRemaining = 0;
  let afterBytes = 0;
  let maxReached = false;
  let lastPrinted = 0;
  let printedInFile = false;
  const held: HeldLine[] = [];
  let heldBytes = 0;
  let done = false;

  const prefix = (num: number, sep: number) => {
    if (o.showFilename) {
      out.push(displayName);
      out.pushByte(sep);
    }
    if (o.lineNumber) {
      out.push(String(num));
      out.pushByte(sep);
    }
  };
  const printLine = (num: number, line: Uint8Array, sep: number) => {
    // A long line printed is held three times over (the line, the output, the pipe's copy),
    // whether it was carried across reads or came in one chunk from a pipe.
    if (!shared.longLine.check(line.length)) throw new ScanError(bufferedRefusal());
    prefix(num, sep);
    out.push(line);
    out.pushByte(NL);
    lastPrinted = num;
    printedInFile = true;
  };

  const selected = (line: Uint8Array): boolean => o.matcher.test(line) !== o.invert;

  // Output is written as it fills, not once per input chunk: `-H` with a 4 KiB path on each
  // of a chunk's 131,072 lines held 1.5 GB, in one stretch of the event loop.
  const drain = async (): Promise<void> => {
    await out.flush();
    await shared.pause();
  };

  /** -o: a 1 MiB line can hold a million matches, each printed with its prefix. */
  const printMatches = async (line: Uint8Array, num: number): Promise<void> => {
    let n = 0;
    for (const m of o.matcher.regex.matches(line)) {
      if (m.end > m.start) {
        prefix(num, 0x3a);
        out.push(line.subarray(m.start, m.end));
        out.pushByte(NL);
      }
      if (out.full()) await out.flush();
      if ((++n & 1023) === 0) await shared.pause();
    }
  };

  /** Returns a promise when the line's output must be awaited (-o). */
  const onLine = (raw: Uint8Array): Promise<void> | undefined => {
    const line = dropCR(raw);
    lineNum++;
    if (!o.text && !isBinary && line.indexOf(0) !== -1) isBinary = true;
    if (maxReached) {
      // Only trailing context of the last allowed match remains to print.
      if (afterRemaining > 0 && !isBinary) {
        printContext(line);
        afterRemaining--;
      }
      if (afterRemaining === 0 || isBinary) done = true;
      return;
    }
    if (!selected(line)) {
      if (printing && !isBinary && afterRemaining > 0) {
        printContext(line);
        afterRemaining--;
      } else if (printing && o.before > 0 && !isBinary) {
        hold(line);
      }
      return;
    }
    matchCount++;
    if (o.mode === 'quiet' || o.mode === 'files-with' || o.mode === 'files-without') {
      done = true; // the answer for this input is known
      return;
    }
    if (o.maxCount >= 0 && matchCount >= o.maxCount) maxReached = true;
    if (!printing) {
      if (maxReached) done = true;
      return;
    }
    if (isBinary) {
      if (maxReached) done = true;
      return;
    }
    printGroupStart(lineNum);
    let matches: Promise<void> | undefined;
    if (o.onlyMatching) {
      if (!o.invert) matches = printMatches(line, lineNum);
      lastPrinted = lineNum;
      printedInFile = true;
    } else {
      printLine(lineNum, line, 0x3a);
    }
    shared.groupPrinted = true;
    afterRemaining = o.after;
    afterBytes = 0;
    if (maxReached && afterRemaining === 0) done = true;
    return matches;
  };

  const printContext = (line: Uint8Array) => {
    if (afterBytes + line.length > MAX_CONTEXT_BYTES) return;
    afterBytes += line.length;
    printLine(lineNum, line, 0x2d);
    if (o.before > 0) {
      held.length = 0;
      heldBytes = 0;
    }
  };

  const hold = (line: Uint8Array) => {
    while (held.length > 0 && (held.length >= o.before || heldBytes + line.length > MAX_CONTEXT_BYTES)) {
      heldBytes -= held.shift()!.bytes.length;
    }
    if (line.length > MAX_CONTEXT_BYTES) return;
    held.push({ num: lineNum, bytes: Buffer.from(line) });
    heldBytes += line.length;
    // Up to 512 KiB of context per stage: a thousand `grep -B` stages held 124 MiB more.
    if (!shared.longLine.check(heldBytes)) throw new ScanError(bufferedRefusal());
  };

  const printGroupStart = (num: number) => {
    const first = held.length > 0 ? held[0].num : num;
    if (o.contextRequested && shared.groupPrinted && (!printedInFile || first > lastPrinted + 1)) {
      out.push('--\n');
    }
    for (const h of held) printLine(h.num, h.bytes, 0x2d);
    held.length = 0;
    heldBytes = 0;
  };

  /**
   * fastPrint over buf[from..lastNL]: prints selected lines, returns the next position (early
   * when the output is full, to be drained). Hits are searched in `hay`: buf itself, or its
   * ASCII-lower-cased copy for a folded literal.
   */
  const printHits = (buf: Buffer, hay: Buffer, from: number, lastNL: number): number => {
    let p = from;
    while (!done) {
      if (out.full()) return p;
      const hit = hay.indexOf(fastLiteral!, p);
      if (hit === -1 || hit > lastNL) break;
      const start = hit === 0 ? 0 : buf.lastIndexOf(NL, hit - 1) + 1;
      const nl = buf.indexOf(NL, hit);
      const end = nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl;
      if (o.lineNumber && start > p) lineNum += countLines(buf, p, start);
      lineNum++;
      p = nl + 1;
      const line = buf.subarray(start, end);
      if (printVerify && !printVerify(line)) continue;
      matchCount++;
      printLine(lineNum, line, 0x3a);
      if (o.maxCount >= 0 && matchCount >= o.maxCount) done = true;
    }
    if (o.lineNumber && !done) lineNum += countLines(buf, p, lastNL + 1);
    return done ? p : lastNL + 1;
  };

  if (o.maxCount === 0) return { matchCount: 0, binaryMatched: false };

  let carry: Uint8Array[] = [];
  let carryLen = 0;
  const lineTooLong = () => new ScanError('bufio.Scanner: token too long');
  const carried = (): void => {
    if (!shared.longLine.check(carryLen)) throw new ScanError(bufferedRefusal());
  };

  for (let raw = await reader.read(); raw !== null && !done; raw = await reader.read()) {
    shared.checkCanceled();
    // A Buffer view: its indexOf is a native byte search, unlike Uint8Array's.
    const chunk = asBuffer(raw);
    if (!probed) {
      probed = true;
      if (chunk.subarray(0, BINARY_PROBE_BYTES).indexOf(0) !== -1) isBinary = true;
    }
    let pos = 0;
    if (carryLen > 0) {
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        if (carryLen + chunk.length > MAX_LINE_BYTES) throw lineTooLong();
        carryPiece(carry, Buffer.from(chunk)); // copy: the source may reuse its chunk after our next read
        carryLen += chunk.length;
        carried();
        continue;
      }
      if (carryLen + nl > MAX_LINE_BYTES) throw lineTooLong();
      carry.push(chunk.subarray(0, nl));
      const p = onLine(Buffer.concat(carry, carryLen + nl));
      if (p) await p;
      carry = [];
      carryLen = 0;
      pos = nl + 1;
    }
    const lastNL = chunk.lastIndexOf(NL);
    if (fastCount && !done && lastNL >= pos) {
      let region = asBuffer(chunk).subarray(pos, lastNL + 1);
      // Only a huge chunk (a pipe can deliver one) can hide a line over the cap here.
      if (region.length > MAX_LINE_BYTES && longestLine(region) > MAX_LINE_BYTES) throw lineTooLong();
      if (o.matcher.foldedLiteral !== null) region = lowerAscii(region);
      const limit = o.invert || o.maxCount < 0 ? Infinity : o.maxCount - matchCount;
      let n = countLiteralLines(region, fastLiteral!, limit, verify);
      if (o.invert) n = countLines(region, 0, region.length) - n;
      matchCount += n;
      if (n > 0 && o.mode !== 'count') done = true;
      if (o.maxCount >= 0 && matchCount >= o.maxCount) done = true;
      pos = lastNL + 1;
    }
    if (fastPrint && !isBinary && !done && lastNL >= pos) {
      const buf = asBuffer(chunk);
      if (lastNL - pos > MAX_LINE_BYTES && longestLine(buf.subarray(pos, lastNL + 1)) > MAX_LINE_BYTES) {
        throw lineTooLong();
      }
      const nul = buf.indexOf(0, pos);
      // A NUL in this stretch makes the input binary: leave it to the line-by-line path.
      if (nul === -1 || nul > lastNL) {
        const hay = o.matcher.foldedLiteral ? lowerAscii(buf) : buf;
        while (!done && pos <= lastNL) {
          pos = printHits(buf, hay, pos, lastNL);
          if (out.full()) await drain();
        }
      }
    }
    if (!printing && !fastCount) {
      // Tight loop for -c/-l/-L/-q: no context, no binary handling, no output.
      while (!done) {
        const nl = chunk.indexOf(NL, pos);
        if (nl === -1) break;
        if (nl - pos > MAX_LINE_BYTES) throw lineTooLong();
        const start = pos;
        const end = nl > start && chunk[nl - 1] === 0x0d ? nl - 1 : nl;
        pos = nl + 1;
        if (o.matcher.test(chunk.subarray(start, end)) !== o.invert) {
          matchCount++;
          if (o.mode !== 'count' || (o.maxCount >= 0 && matchCount >= o.maxCount)) done = true;
        }
      }
    }
    while (!done && pos < chunk.length) {
      const nl = chunk.indexOf(NL, pos);
      if (nl === -1) break;
      if (nl - pos > MAX_LINE_BYTES) throw lineTooLong();
      const p = onLine(chunk.subarray(pos, nl));
      if (p) await p;
      pos = nl + 1;
      if (out.full()) await drain();
    }
    if (!done && pos < chunk.length) {
      if (chunk.length - pos > MAX_LINE_BYTES) throw lineTooLong();
      carry.push(Buffer.from(chunk.subarray(pos))); // copy, as above
      carryLen += chunk.length - pos;
      carried();
    }
    await out.maybeFlush();
  }
  if (!done && carryLen > 0) await onLine(carry.length === 1 ? carry[0] : Buffer.concat(carry, carryLen));
  // Stopping early needs no cancel here: files are closed by the caller, and the interpreter
  // ends a pipe whose reader has exited (a shared stdin stays readable for later commands).

  return { matchCount, binaryMatched: isBinary && matchCount > 0 && printing };
}

/**
 * Counts lines (each ending with a newline) of `region` that contain `lit`, up to `limit`,
 * jumping from hit to hit with indexOf and skipping the rest of each hit line. With
 * `verify`, a hit line counts only if `verify` accepts it (CR-stripped, as ScanLines would).
 */
function countLiteralLines(
  region: Buffer,
  lit: Buffer,
  limit: number,
  verify: ((line: Uint8Array) => boolean) | null,
): number {
  let count = 0;
  let p = 0;
  while (count < limit) {
    const hit = region.indexOf(lit, p);
    if (hit === -1) break;
    const nl = region.indexOf(NL, hit);
    if (nl === -1) break;
    if (verify) {
      const start = region.lastIndexOf(NL, hit) + 1;
      const end = nl > start && region[nl - 1] === 0x0d ? nl - 1 : nl;
      if (verify(region.subarray(start, end))) count++;
    } else {
      count++;
    }
    p = nl + 1;
  }
  return count;
}

function longestLine(region: Buffer): number {
  let max = 0;
  for (let p = 0, nl = region.indexOf(NL); nl !== -1; p = nl + 1, nl = region.indexOf(NL, p)) {
    max = Math.max(max, nl - p);
  }
  return max;
}

/** Newlines in buf[from..to). */
function countLines(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let p = buf.indexOf(NL, from); p !== -1 && p < to; p = buf.indexOf(NL, p + 1)) n++;
  return n;
}

/** A copy with ASCII letters lower-cased (other bytes unchanged). */
function lowerAscii(b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(b.length);
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    out[i] = c >= 0x41 && c <= 0x5a ? c + 32 : c;
  }
  return out;
}
