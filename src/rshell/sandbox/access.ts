/**
 * Permission bits as the process would get them, following rshell's accessCheck: root
 * (uid 0, CAP_DAC_OVERRIDE) passes read and write checks but needs at least one x bit for
 * execute — for directories too, unlike the kernel. Other users get the owner, group
 * (primary or supplementary) or other class, like faccessat(2) without ACLs.
 */
import type { BigIntStats } from 'node:fs';
import type { AccessMode } from './types.js';

const BITS: Record<AccessMode, bigint> = { r: 0o444n, w: 0o222n, x: 0o111n };

export interface Identity {
  uid: number;
  gid: number;
  groups: number[];
}

export function processIdentity(): Identity {
  return {
    uid: process.getuid?.() ?? -1,
    gid: process.getgid?.() ?? -1,
    groups: process.getgroups?.() ?? [],
  };
}

export function hasPermission(st: BigIntStats, mode: AccessMode, who: Identity): boolean {
  const perm = st.mode & 0o777n;
  if (who.uid === 0) return mode !== 'x' || (perm & 0o111n) !== 0n;
  let cls = 0o007n;
  if (Number(st.uid) === who.uid) cls = 0o700n;
  else if (Number(st.gid) === who.gid || who.groups.includes(Number(st.gid))) cls = 0o070n;
  return (perm & BITS[mode] & cls) !== 0n;
}
