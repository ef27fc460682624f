/** `--help` text: a usage line, a short description, then pflag's flag table. */
import type { FlagSet } from '../flags.js';
import { SWITCH_SENTINEL } from './count.js';

export function helpText(fs: FlagSet, usage: string, description: string[]): string {
  // Value-less switches use a sentinel NoOptDefVal; it is an implementation detail, not help.
  const table = fs.usage().replaceAll(`[=${SWITCH_SENTINEL}]`, '');
  return `Usage: ${usage}\n${description.map((l) => l + '\n').join('')}\n${table}`;
}
