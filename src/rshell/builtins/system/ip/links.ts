/**
 * Network interfaces for `ip addr` / `ip link`, from node:os networkInterfaces() (no file
 * access). Node exposes addresses, masks and MACs only; flags, state, MTU and index are
 * derived: an interface with addresses is up, loopback MTU is 65536, others 1500, and
 * the index is the kernel's enumeration order.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export interface Addr {
  v4: boolean;
  /** "127.0.0.1/8" */
  cidr: string;
  address: string;
  netmask: string;
}

export interface Link {
  index: number;
  name: string;
  loopback: boolean;
  mac: string;
  mtu: number;
  addrs: Addr[];
}

export type InterfaceSource = () => NodeJS.Dict<NetworkInterfaceInfo[]>;

export function listLinks(source: InterfaceSource = networkInterfaces): Link[] {
  const out: Link[] = [];
  for (const [name, infos] of Object.entries(source())) {
    if (!infos) continue;
    const loopback = infos.some((i) => i.internal);
    out.push({
      index: out.length + 1,
      name,
      loopback,
      mac: infos[0]?.mac ?? '00:00:00:00:00:00',
      mtu: loopback ? 65536 : 1500,
      addrs: infos.map((i) => ({
        v4: i.family === 'IPv4' || (i.family as unknown) === 4,
        cidr: i.cidr ?? i.address,
        address: i.address,
        netmask: i.netmask,
      })),
    });
  }
  return out;
}

export function flagsText(l: Link): string {
  return l.loopback ? '<LOOPBACK,UP,LOWER_UP>' : '<BROADCAST,MULTICAST,UP,LOWER_UP>';
}

/** ip reports UNKNOWN for loopback (no carrier), UP for the rest (they have addresses). */
export function stateText(l: Link): string {
  return l.loopback ? 'UNKNOWN' : 'UP';
}

export function linkLine(l: Link): string {
  if (l.loopback) return `    link/loopback ${l.mac} brd 00:00:00:00:00:00`;
  const type = l.mac !== '00:00:00:00:00:00' ? 'ether' : 'none';
  return `    link/${type} ${l.mac} brd ff:ff:ff:ff:ff:ff`;
}

function v4Octets(s: string): number[] {
  return s.split('.').map(Number);
}

/** RTSCOPE of an address: host (loopback), link (link-local), else global. */
export function scopeOf(a: Addr): string {
  if (a.v4) {
    const [o1, o2] = v4Octets(a.address);
    if (o1 === 127) return 'host';
    if (o1 === 169 && o2 === 254) return 'link';
    return 'global';
  }
  const lower = a.address.toLowerCase();
  if (lower === '::1') return 'host';
  if (/^fe[89ab][0-9a-f]:/.test(lower)) return 'link';
  return 'global';
}

/** "    inet 10.0.0.2/24 brd 10.0.0.255 scope global eth0" (no trailing newline). */
export function addrLine(l: Link, a: Addr): string {
  const scope = scopeOf(a);
  if (!a.v4) return `    inet6 ${a.cidr} scope ${scope}`;
  if (l.loopback) return `    inet ${a.cidr} scope ${scope} ${l.name}`;
  const ip = v4Octets(a.address);
  const mask = v4Octets(a.netmask);
  const brd = ip.map((o, i) => (o | (~mask[i] & 0xff)) & 0xff).join('.');
  return `    inet ${a.cidr} brd ${brd} scope ${scope} ${l.name}`;
}
