/** `--help` text: a usage line, a short description, then pflag's flag table. */
import type { FlagSet } from '../flags.js';
import { SWITCH_SENTINEL } from './count.js';

export function helpText(fs: FlagSet, usage: string, description: string[]): string {
  // Value-less switches use a sentinel NoOptDefVal: an implementation detail, not help.
  // Blank it out with as many spaces, so the description column stays aligned.
  const table = fs.usage().replaceAll(`[=${SWITCH_SENTINEL}]`, '    ');
  return `Usage: ${usage}\n${description.map((l) => l + '\n').join('')}\n${table}`;
}
