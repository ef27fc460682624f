/** Text views of trusted proc files (ps, ss, ip route): bounded lines, never the sandbox. */
import type { TrustedProc } from '../../sandbox/types.js';
import { MAX_LINE_BYTES } from '../lib/lines.js';

/** Lines of `<proc>/<rel>` as bstr; overlong lines (> 1 MiB) are dropped like a failed scan. */
export async function procLines(proc: TrustedProc, rel: string): Promise<string[]> {
  const text = (await proc.readFile(rel)).toString('latin1');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.filter((l) => l.length <= MAX_LINE_BYTES);
}

/** Whitespace-separated fields, like Go's strings.Fields. */
export function fields(line: string): string[] {
  return line.split(/[ \t\n\v\f\r]+/).filter(Boolean);
}
