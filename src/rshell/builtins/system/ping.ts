/**
 * ping [-c N] [-W DUR] [-i DUR] [-q] [-4|-6] HOST.
 *
 * ICMP needs a raw socket (or an unprivileged ICMP datagram socket allowed by the kernel's
 * ping_group_range); an AWS Lambda sandbox offers neither, and builtins may not open
 * sockets at all. So this builtin validates everything exactly as rshell does — flags,
 * clamping warnings, address-family checks, broadcast/multicast/unspecified refusals —
 * and then fails with exit status 1 and a clear "not supported in this environment"
 * message instead of sending packets. Host names are not resolved (no DNS from builtins).
 */
import type { Builtin } from '../types.js';
import { FlagSet, failFlags, formatGoDuration, goQuote, parseGoDuration } from '../flags.js';
import { formatIPv6 } from './ipv6.js';

const MIN_COUNT = 1;
const MAX_COUNT = 20;
const SECOND = 1_000_000_000n;
const MS = 1_000_000n;
const MIN_WAIT = 100n * MS;
const MAX_WAIT = 30n * SECOND;
const MIN_INTERVAL = 200n * MS;
const MAX_INTERVAL = 60n * SECOND;
const GRACE = 5n * SECOND;
const MAX_TOTAL = 120n * SECOND;
const MAX_DURATION_SECONDS = 9223372036; // int64 nanoseconds

export const UNSUPPORTED = 'not supported in this environment (ICMP needs raw sockets, which AWS Lambda does not provide)';

/** Go duration literal ("1s", "500ms") or plain seconds ("1", "0.5"), never negative. */
export function parsePingDuration(s: string): bigint | string {
  const d = parseGoDuration(s);
  if (typeof d === 'bigint') return d < 0n ? `negative duration ${goQuote(s)} not allowed` : d;
  const f = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : /^[+-]?(inf|infinity|nan)$/i.test(s) ? NaN : undefined;
  if (f === undefined) {
    return `invalid duration ${goQuote(s)}: must be a Go duration (e.g. "1s", "500ms") or seconds (e.g. "1", "0.5")`;
  }
  if (!Number.isFinite(f) || f > MAX_DURATION_SECONDS) return `invalid duration ${goQuote(s)}: must be a finite positive number`;
  if (f < 0) return `negative duration ${goQuote(s)} not allowed`;
  return BigInt(Math.trunc(f * 1e9));
}

const clamp = <T extends number | bigint>(v: T, lo: T, hi: T): T => (v < lo ? lo : v > hi ? hi : v);

export interface IpLiteral {
  v4: boolean;
  bytes: number[]; // 4 or 16
}

/** Go net.ParseIP semantics (no leading zeros in IPv4; IPv4-mapped IPv6 counts as IPv4). */
export function parseIpLiteral(s: string): IpLiteral | null {
  const v4 = parseV4(s);
  if (v4) return { v4: true, bytes: v4 };
  const v6 = parseV6(s);
  if (!v6) return null;
  const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? { v4: true, bytes: v6.slice(12) } : { v4: false, bytes: v6 };
}

function parseV4(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0') || Number(p) > 255) return null;
    out.push(Number(p));
  }
  return out;
}

function parseV6(s: string): number[] | null {
  const dbl = s.indexOf('::');
  if (dbl !== s.lastIndexOf('::')) return null;
  const parse = (part: string, allowV4Tail: boolean): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const groups = part.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (allowV4Tail && i === groups.length - 1 && g.includes('.')) {
        const v4 = parseV4(g);
        if (!v4) return null;
        out.push(...v4);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(g)) {
        const v = parseInt(g, 16);
        out.push(v >> 8, v & 0xff);
      } else return null;
    }
    return out;
  };
  if (dbl < 0) {
    const all = parse(s, true);
    return all && all.length === 16 ? all : null;
  }
  const head = parse(s.slice(0, dbl), false);
  const tail = parse(s.slice(dbl + 2), true);
  if (!head || !tail || head.length + tail.length > 14) return null;
  return [...head, ...new Array(16 - head.length - tail.length).fill(0), ...tail];
}

/** Go's net.IP.String() for the literal. */
export function ipString(ip: IpLiteral): string {
  if (ip.v4) return ip.bytes.join('.');
  return formatIPv6(ip.bytes);
}

export const ping: Builtin = async (ctx, args) => {
  const fs = new FlagSet('ping');
  const help = fs.bool('help', 'h', 'print usage and exit 0');
  const count = fs.int('count', 'c', 4, `number of ICMP packets to send (${MIN_COUNT}–${MAX_COUNT})`);
  const waitStr = fs.string('wait', 'W', '1s', 'time to wait for each reply (100ms–30s)');
  const intervalStr = fs.string('interval', 'i', '1s', 'interval between packets (200ms–1m0s)');
  fs.bool('quiet', 'q', 'quiet output: suppress per-packet lines');
  const v4 = fs.bool('ipv4', '4', 'use IPv4');
  const v6 = fs.bool('ipv6', '6', 'use IPv6');
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  const err = async (msg: string) => {
    await ctx.stderr.write(`ping: ${msg}\n`);
    return 1;
  };
  if (help.value) {
    await ctx.stdout.write(
      'Usage: ping [OPTION]... HOST\nSend ICMP echo requests to HOST and report statistics.\n\nOptions:\n' +
        fs.usage() +
        '\nNote: the following flags are not supported for safety and will be rejected:\n' +
        '  -f (flood), -b (broadcast), -s (packet size), -I (interface), -p (pattern), -R (record route)\n' +
        `Note: in this environment ping always fails after validation: ${UNSUPPORTED}.\n`,
    );
    return 0;
  }
  if (r.args.length === 0) return err("missing host operand\nTry 'ping --help' for more information.");
  if (r.args.length > 1) return err("too many arguments\nTry 'ping --help' for more information.");
  const host = r.args[0];

  const wait = parsePingDuration(waitStr.value);
  if (typeof wait === 'string') return err(`invalid argument ${goQuote(waitStr.value)} for "-W, --wait" flag: ${wait}`);
  const interval = parsePingDuration(intervalStr.value);
  if (typeof interval === 'string') return err(`invalid argument ${goQuote(intervalStr.value)} for "-i, --interval" flag: ${interval}`);

  const warn = (m: string) => ctx.stderr.write(`ping: warning: ${m}\n`);
  const c = clamp(count.value, MIN_COUNT, MAX_COUNT);
  if (c !== count.value) await warn(`-c ${count.big} out of range [${MIN_COUNT}-${MAX_COUNT}]; clamped to ${c}`);
  const w = clamp(wait, MIN_WAIT, MAX_WAIT);
  const d = formatGoDuration;
  if (w !== wait) await warn(`-W ${d(wait)} out of range [${d(MIN_WAIT)}-${d(MAX_WAIT)}]; clamped to ${d(w)}`);
  const iv = clamp(interval, MIN_INTERVAL, MAX_INTERVAL);
  if (iv !== interval) await warn(`-i ${d(interval)} out of range [${d(MIN_INTERVAL)}-${d(MAX_INTERVAL)}]; clamped to ${d(iv)}`);
  if (BigInt(c - 1) * iv + w + GRACE > MAX_TOTAL) await warn(`total run time capped at ${MAX_TOTAL / SECOND}s; some probes may not complete`);

  if (v4.value && v6.value) return err('-4 and -6 are mutually exclusive');
  const zone = host.indexOf('%');
  const ip = parseIpLiteral(zone >= 0 ? host.slice(0, zone) : host);
  if (ip) {
    if ((v4.value && !ip.v4) || (v6.value && ip.v4)) return err(`no ${v6.value ? 'ip6' : 'ip4'} address for host ${goQuote(host)}`);
    if (ip.bytes.every((b) => b === 0)) return err(`unspecified destination not allowed: ${ipString(ip)}`);
    if (ip.v4 ? ip.bytes[0] >= 224 && ip.bytes[0] <= 239 : ip.bytes[0] === 0xff) return err(`multicast destination not allowed: ${ipString(ip)}`);
    // A last octet of 255 is a limited or directed broadcast on every /8–/24 network.
    if (ip.v4 && ip.bytes[3] === 255) return err(`broadcast destination not allowed: ${ipString(ip)}`);
  }
  return err(`${host}: ${UNSUPPORTED}`);
};
