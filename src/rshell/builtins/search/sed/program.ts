/**
 * The compiled form of a sed script: a flat command list in which `{` jumps past its
 * matching `}` when its address does not match, so branches to labels inside groups are
 * plain index jumps (GNU sed's layout).
 */
import type { ByteRegex } from '../../lib/regex.js';

export type Address =
  | { kind: 'line'; n: number }
  | { kind: 'last' }
  /** `re` null: the empty regex, meaning "the last regex used". */
  | { kind: 're'; re: ByteRegex | null }
  | { kind: 'step'; first: number; step: number }
  /** Only as a range end: `addr1,+N` and `addr1,~N`. */
  | { kind: 'plus'; n: number }
  | { kind: 'mult'; n: number };

/** One piece of an s/// replacement. */
export type ReplPart =
  | { kind: 'lit'; bytes: Buffer }
  /** 0 = the whole match (`&`). */
  | { kind: 'group'; n: number }
  /** GNU case conversion: \U \L (until \E), \u \l (next char), \E. */
  | { kind: 'case'; op: 'U' | 'L' | 'u' | 'l' | 'E' };

export interface Subst {
  re: ByteRegex | null;
  repl: ReplPart[];
  global: boolean;
  print: boolean;
  /** Replace starting from the Nth match (1 = first). */
  nth: number;
  hasCaseOps: boolean;
}

export interface Command {
  a1: Address | null;
  a2: Address | null;
  negate: boolean;
  /** The command letter (`{` and `}` included). */
  name: string;
  /** a/i/c text (bstr, newline-terminated), label for b/t/T/:. */
  text: string;
  /** b/t/T target index (-1 = end of script); for `{`, the index after its `}`. */
  jump: number;
  label: string;
  exitCode: number;
  subst: Subst | null;
  /** y: byte or character mapping. */
  ymap: Map<string, string> | null;
  /** Range state, per command. */
  rangeActive: boolean;
  /** A range has ended: a line-number start does not open it again. */
  rangeClosed: boolean;
  rangeEnd: number;
}

export interface Program {
  cmds: Command[];
  /** `#n` on the first line acts like -n. */
  quietFromScript: boolean;
}

export class SedParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SedParseError';
  }
}
