/** node:fs BigIntStats → the sandbox's FileInfo / FileKind. */
import { constants, type BigIntStats } from 'node:fs';
import type { FileInfo, FileKind } from './types.js';

const S_IFMT = BigInt(constants.S_IFMT);
const KINDS: Array<[bigint, FileKind]> = [
  [BigInt(constants.S_IFREG), 'file'],
  [BigInt(constants.S_IFDIR), 'dir'],
  [BigInt(constants.S_IFLNK), 'symlink'],
  [BigInt(constants.S_IFIFO), 'fifo'],
  [BigInt(constants.S_IFSOCK), 'socket'],
  [BigInt(constants.S_IFCHR), 'char'],
  [BigInt(constants.S_IFBLK), 'block'],
];

export function kindOfMode(mode: bigint): FileKind {
  const fmt = mode & S_IFMT;
  for (const [bits, kind] of KINDS) if (fmt === bits) return kind;
  return 'unknown';
}

export function toFileInfo(name: string, st: BigIntStats): FileInfo {
  return {
    name,
    kind: kindOfMode(st.mode),
    perm: Number(st.mode & 0o7777n),
    size: Number(st.size),
    mtimeMs: Number(st.mtimeNs / 1_000_000n),
    mtimeNs: st.mtimeNs,
    nlink: Number(st.nlink),
    uid: Number(st.uid),
    gid: Number(st.gid),
    ino: Number(st.ino),
    dev: Number(st.dev),
  };
}

/** Go's FileInfo.Name() for a path as given: its last element ("/" and "." stay themselves). */
export function baseName(cleanPath: string): string {
  if (cleanPath === '/') return '/';
  const i = cleanPath.lastIndexOf('/');
  return i < 0 ? cleanPath : cleanPath.slice(i + 1);
}

/** The null device is character device 1:3 on Linux; every other device node is refused. */
export function isNullDevice(st: BigIntStats): boolean {
  return kindOfMode(st.mode) === 'char' && st.rdev === 259n;
}
