/**
 * ss [-tuxlan46sHoe] — socket statistics from the trusted <proc>/net/{tcp,tcp6,udp,udp6,unix}.
 * Dangerous iproute2 flags (-F filter file, -p processes, -K kill, -E events, -N netns) are
 * simply not declared, so pflag rejects them as unknown.
 */
import type { Builtin } from '../types.js';
import { FlagSet, failFlags } from '../flags.js';
import { SandboxError } from '../../sandbox/types.js';
import { fields, procLines } from './proctext.js';
import { formatIPv6 } from './ipv6.js';

type Kind = 'tcp4' | 'tcp6' | 'udp4' | 'udp6' | 'unix';

export interface Socket {
  kind: Kind;
  netid: string;
  state: string;
  recvQ: number;
  sendQ: number;
  local: string;
  peer: string;
  uid: number;
  inode: number;
  timer: string;
}

const TCP_STATES: Record<string, string> = {
  '01': 'ESTAB',
  '02': 'SYN-SENT',
  '03': 'SYN-RECV',
  '04': 'FIN-WAIT-1',
  '05': 'FIN-WAIT-2',
  '06': 'TIME-WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE-WAIT',
  '09': 'LAST-ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
  '0C': 'NEW-SYN-RECV',
};
const UDP_STATES: Record<string, string> = { '01': 'ESTAB', '07': 'UNCONN' };
const TIMERS: Record<string, string> = { '1': 'on', '2': 'keepalive', '3': 'timewait', '4': 'persist' };

/** "0100007F" (little-endian) → "127.0.0.1". */
export function ipv4Hex(s: string): string | null {
  if (!/^[0-9A-Fa-f]{8}$/.test(s)) return null;
  const v = parseInt(s, 16);
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff].join('.');
}

/** 32 hex digits, four little-endian words → canonical IPv6 text (RFC 5952). */
export function ipv6Hex(s: string): string | null {
  if (!/^[0-9A-Fa-f]{32}$/.test(s)) return null;
  const b: number[] = [];
  for (let w = 0; w < 4; w++) {
    const v = parseInt(s.slice(w * 8, w * 8 + 8), 16);
    b.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  return formatIPv6(b);
}

function addrPort(addr: string, port: number | null): string {
  return port ? `${addr}:${port}` : `${addr}:*`;
}

function parseInet(lines: string[], kind: Kind, states: Record<string, string>): Socket[] {
  const v6 = kind.endsWith('6');
  const out: Socket[] = [];
  for (const line of lines.slice(1)) {
    const f = fields(line);
    if (f.length < 10) continue;
    const [la, lp] = f[1].split(':');
    const [ra, rp] = f[2].split(':');
    const local = la !== undefined && (v6 ? ipv6Hex(la) : ipv4Hex(la));
    const peer = ra !== undefined && (v6 ? ipv6Hex(ra) : ipv4Hex(ra));
    if (!local || !peer || !/^[0-9A-Fa-f]{1,4}$/.test(lp ?? '') || !/^[0-9A-Fa-f]{1,4}$/.test(rp ?? '')) continue;
    const [tx, rx] = f[4].split(':');
    const [timerCode, expires] = (f[5] ?? '').split(':');
    const timer = TIMERS[String(parseInt(timerCode ?? '0', 16))];
    out.push({
      kind,
      netid: kind.startsWith('tcp') ? 'tcp' : 'udp',
      state: states[f[3].toUpperCase()] ?? 'UNKNOWN',
      sendQ: parseInt(tx ?? '0', 16) || 0,
      recvQ: parseInt(rx ?? '0', 16) || 0,
      local: addrPort(v6 ? `[${local}]` : local, parseInt(lp, 16)),
      peer: addrPort(v6 ? `[${peer}]` : peer, parseInt(rp, 16)),
      uid: Number(f[7]) || 0,
      inode: Number(f[9]) || 0,
      timer: timer ? `${timer},${Math.floor((parseInt(expires ?? '0', 16) || 0) / 100)}sec` : '',
    });
  }
  return out;
}

/** /proc/net/unix: Num RefCount Protocol Flags Type St Inode [Path]. */
function parseUnix(lines: string[]): Socket[] {
  const out: Socket[] = [];
  for (const line of lines.slice(1)) {
    const f = fields(line);
    if (f.length < 7) continue;
    const listening = (parseInt(f[3], 16) & 0x10000) !== 0; // __SO_ACCEPTCON
    const type = parseInt(f[4], 16);
    const st = parseInt(f[5], 16);
    out.push({
      kind: 'unix',
      netid: type === 2 ? 'u_dgr' : type === 5 ? 'u_seq' : 'u_str',
      state: listening ? 'LISTEN' : st === 3 ? 'ESTAB' : 'UNCONN',
      recvQ: 0,
      sendQ: 0,
      local: `${f[7] ?? '*'} ${f[6]}`,
      peer: '* 0',
      uid: 0,
      inode: Number(f[6]) || 0,
      timer: '',
    });
  }
  return out;
}

const SOURCES: { rel: string; kind: Kind }[] = [
  { rel: 'net/tcp', kind: 'tcp4' },
  { rel: 'net/tcp6', kind: 'tcp6' },
  { rel: 'net/udp', kind: 'udp4' },
  { rel: 'net/udp6', kind: 'udp6' },
  { rel: 'net/unix', kind: 'unix' },
];

export const ss: Builtin = async (ctx, args) => {
  const fs = new FlagSet('ss');
  const help = fs.bool('help', 'h', 'print usage and exit');
  const tcp = fs.bool('tcp', 't', 'display only TCP sockets');
  const udp = fs.bool('udp', 'u', 'display only UDP sockets');
  const unix = fs.bool('unix', 'x', 'display only Unix domain sockets');
  const listening = fs.bool('listening', 'l', 'display only listening sockets');
  const all = fs.bool('all', 'a', 'display all sockets (listening and non-listening)');
  fs.bool('numeric', 'n', 'do not resolve service names (always numeric here)');
  const v4 = fs.bool('ipv4', '4', 'display only IPv4 sockets');
  const v6 = fs.bool('ipv6', '6', 'display only IPv6 sockets');
  const summary = fs.bool('summary', 's', 'print summary statistics only');
  const noHeader = fs.bool('no-header', 'H', 'suppress the column header');
  const options = fs.bool('options', 'o', 'show timer information');
  const extended = fs.bool('extended', 'e', 'show extended socket info (uid, inode)');
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (help.value) {
    await ctx.stdout.write('Usage: ss [OPTION]...\nDisplay information about network sockets.\n\n' + fs.usage());
    return 0;
  }
  const any = tcp.value || udp.value || unix.value;
  const wanted = (k: Kind) => {
    if (k === 'unix') return !any || unix.value;
    if (v4.value && k.endsWith('6')) return false;
    if (v6.value && k.endsWith('4')) return false;
    return k.startsWith('tcp') ? !any || tcp.value : !any || udp.value;
  };
  const sockets: Socket[] = [];
  for (const src of SOURCES) {
    if (!wanted(src.kind)) continue;
    ctx.checkCanceled();
    let lines: string[];
    try {
      lines = await procLines(ctx.proc, src.rel);
    } catch (e) {
      if (!(e instanceof SandboxError)) throw e;
      await ctx.stderr.write(`ss: open /proc/${src.rel}: ${e.posixMessage}\n`);
      return 1;
    }
    sockets.push(...(src.kind === 'unix' ? parseUnix(lines) : parseInet(lines, src.kind, src.kind.startsWith('tcp') ? TCP_STATES : UDP_STATES)));
  }
  if (summary.value) {
    await ctx.stdout.write(summaryText(sockets));
    return 0;
  }
  let out = '';
  if (!noHeader.value) {
    out += `${'Netid'.padEnd(5)}  ${'State'.padEnd(10)}  ${'Recv-Q'.padStart(6)}  ${'Send-Q'.padStart(6)}  ${'Local Address:Port'.padEnd(28)} ${'Peer Address:Port'.padEnd(28)}`;
    if (extended.value) out += '  Extended';
    if (options.value) out += '  Timer';
    out += '\n';
  }
  for (const s of sockets) {
    const isListening = s.state === 'LISTEN' || s.state === 'UNCONN';
    if (!all.value && (listening.value ? !isListening : isListening)) continue;
    out += `${s.netid.padEnd(5)}  ${s.state.padEnd(10)}  ${String(s.recvQ).padStart(6)}  ${String(s.sendQ).padStart(6)}  ${s.local.padEnd(28)} ${s.peer.padEnd(28)}`;
    if (extended.value) out += `  uid:${s.uid} inode:${s.inode}`;
    if (options.value) out += `  timer:(${s.timer || 'off'})`;
    out += '\n';
  }
  await ctx.stdout.write(out);
  return 0;
};

function summaryText(sockets: Socket[]): string {
  const n = (k: Kind) => sockets.filter((s) => s.kind === k).length;
  const [t4, t6, u4, u6, x] = [n('tcp4'), n('tcp6'), n('udp4'), n('udp6'), n('unix')];
  return (
    `Total: ${sockets.length}\n` +
    `TCP:   ${t4 + t6} (ipv4: ${t4}, ipv6: ${t6})\n` +
    `UDP:   ${u4 + u6} (ipv4: ${u4}, ipv6: ${u6})\n` +
    `Unix:  ${x}\n`
  );
}

/** Exposed for tests. */
export const parsers = { parseInet, parseUnix };
