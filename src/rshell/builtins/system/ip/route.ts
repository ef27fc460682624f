/** `ip route [show|list]` and `ip route get ADDR` over the trusted <proc>/net/route (IPv4). */
import type { TrustedProc } from '../../../sandbox/types.js';
import { fields, procLines } from '../proctext.js';

const MAX_ROUTES = 10_000;
const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;
const RTF_REJECT = 0x200;

export interface Route {
  iface: string;
  /** Addresses as /proc/net/route stores them: little-endian u32 (first octet lowest). */
  dest: number;
  gw: number;
  mask: number;
  flags: number;
  metric: number;
}

export async function readRoutes(proc: TrustedProc): Promise<Route[]> {
  const lines = await procLines(proc, 'net/route');
  const out: Route[] = [];
  for (const line of lines.slice(1)) {
    if (out.length >= MAX_ROUTES) break;
    const f = fields(line);
    if (f.length < 8) continue;
    const hex = (s: string) => (/^[0-9A-Fa-f]{1,8}$/.test(s) ? parseInt(s, 16) >>> 0 : NaN);
    const r = { iface: f[0], dest: hex(f[1]), gw: hex(f[2]), flags: hex(f[3]), metric: Number(f[6]), mask: hex(f[7]) };
    if ([r.dest, r.gw, r.flags, r.mask, r.metric].some((n) => !Number.isFinite(n))) continue;
    if (!(r.flags & RTF_UP)) continue;
    out.push(r);
  }
  return out;
}

export function ipText(le: number): string {
  return [le & 0xff, (le >>> 8) & 0xff, (le >>> 16) & 0xff, (le >>> 24) & 0xff].join('.');
}

function prefixLen(mask: number): number {
  let n = 0;
  for (let m = mask >>> 0; m; m >>>= 1) n += m & 1;
  return n;
}

function destText(r: Route): string {
  if (r.dest === 0 && r.mask === 0) return 'default';
  const p = prefixLen(r.mask);
  return p === 32 ? ipText(r.dest) : `${ipText(r.dest)}/${p}`;
}

export function formatRoute(r: Route): string {
  const metric = r.metric ? ` metric ${r.metric}` : '';
  if (r.flags & RTF_REJECT) return `unreachable ${destText(r)}${metric}`;
  const via = r.flags & RTF_GATEWAY ? ` via ${ipText(r.gw)}` : '';
  return `${destText(r)}${via} dev ${r.iface}${metric}`;
}

/** Dotted quad → little-endian u32; leading zeros are invalid, as in iproute2. */
export function parseIPv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0') || Number(p) > 255) return null;
    v |= Number(p) << (i * 8);
  }
  return v >>> 0;
}

/** Longest-prefix match; among equal prefixes the lowest metric wins. */
export function bestRoute(routes: Route[], addr: number): Route | null {
  let best: Route | null = null;
  for (const r of routes) {
    if (((addr & r.mask) >>> 0) !== r.dest) continue;
    if (!best || prefixLen(r.mask) > prefixLen(best.mask) || (prefixLen(r.mask) === prefixLen(best.mask) && r.metric < best.metric)) best = r;
  }
  return best;
}

export function formatGet(addr: string, r: Route): string {
  const via = r.flags & RTF_GATEWAY ? ` via ${ipText(r.gw)}` : '';
  const metric = r.metric ? ` metric ${r.metric}` : '';
  return `${addr}${via} dev ${r.iface}${metric}`;
}

export function isReject(r: Route): boolean {
  return (r.flags & RTF_REJECT) !== 0;
}
