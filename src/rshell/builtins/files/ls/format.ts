/** GNU ls -l field formatting (mode string, dates, human sizes, type indicators). */
import type { FileInfo, FileKind } from '../../../sandbox/types.js';

const TYPE_LETTER: Record<FileKind, string> = {
  file: '-',
  dir: 'd',
  symlink: 'l',
  fifo: 'p',
  socket: 's',
  char: 'c',
  block: 'b',
  unknown: '?',
};

/** "drwxr-xr-x" with setuid/setgid/sticky folded into the execute columns. */
export function modeString(info: FileInfo): string {
  const p = info.perm;
  const rwx = (shift: number) => ((p >> shift) & 4 ? 'r' : '-') + ((p >> shift) & 2 ? 'w' : '-') + ((p >> shift) & 1 ? 'x' : '-');
  const s = [...(TYPE_LETTER[info.kind] + rwx(6) + rwx(3) + rwx(0))];
  const special = (i: number, bit: number, on: string, off: string) => {
    if (p & bit) s[i] = s[i] === 'x' ? on : off;
  };
  special(3, 0o4000, 's', 'S');
  special(6, 0o2000, 's', 'S');
  special(9, 0o1000, 't', 'T');
  return s.join('');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Jan  2 15:04" for the last six months, "Jan  2  2006" for older or future times. */
export function lsTime(mtimeMs: number, now: Date): string {
  const t = new Date(mtimeMs);
  const sixMonthsAgo = new Date(now.getTime());
  sixMonthsAgo.setMonth(sixMonthsAgo.getMonth() - 6);
  const day = String(t.getDate()).padStart(2, ' ');
  const head = `${MONTHS[t.getMonth()]} ${day} `;
  if (t < sixMonthsAgo || t > now) return head + ' ' + String(t.getFullYear());
  return head + String(t.getHours()).padStart(2, '0') + ':' + String(t.getMinutes()).padStart(2, '0');
}

/**
 * Go's %.Nf: exact decimal rounding with ties to even (JS toFixed breaks ties upward, so
 * 1.25 would print as 1.3 where rshell prints 1.2).
 */
export function goFixed(v: number, digits: number): string {
  const scale = 10 ** digits;
  const scaled = v * scale;
  const floor = Math.floor(scaled);
  if (scaled - floor === 0.5) return ((floor % 2 === 0 ? floor : floor + 1) / scale).toFixed(digits);
  return v.toFixed(digits);
}

/** -h sizes: bytes below 1 KiB, then one decimal below 10 of a unit, none above. */
export function humanSize(size: number): string {
  if (size < 1024) return String(size);
  let v = size;
  for (const u of ['K', 'M', 'G', 'T', 'P']) {
    v /= 1024;
    if (v < 1024) return goFixed(v, v < 10 ? 1 : 0) + u;
  }
  return goFixed(v, 0) + 'P';
}

export type IndicatorStyle = 'none' | 'slash' | 'classify';

/** The -F / -p suffix for an entry of this type and mode. */
export function indicator(kind: FileKind, perm: number, style: IndicatorStyle): string {
  if (style === 'none') return '';
  if (kind === 'dir') return '/';
  if (style === 'slash') return '';
  if (kind === 'symlink') return '@';
  if (kind === 'fifo') return '|';
  if (kind === 'socket') return '=';
  if (kind === 'file' && perm & 0o111) return '*';
  return '';
}

/**
 * 512-byte blocks for the "total" line. FileInfo has no st_blocks, so use it when a sandbox
 * provides `blocks`, else assume 4 KiB allocation units (ext4/tmpfs default).
 */
export function blocks512(info: FileInfo): number {
  const b = (info as FileInfo & { blocks?: number }).blocks;
  if (typeof b === 'number') return b;
  if (info.kind === 'symlink') return 0;
  return Math.ceil(info.size / 4096) * 8;
}
