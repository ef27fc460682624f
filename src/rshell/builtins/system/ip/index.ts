/**
 * ip [-o|--oneline] [--brief] [-4|-6] OBJECT [COMMAND [ARGS]] — read-only views: addr and
 * link (node:os interfaces), route show/get (trusted <proc>/net/route). Write verbs,
 * netns and batch/force/netns flags are refused, as in rshell.
 */
import type { Builtin, CallContext } from '../../types.js';
import { FlagSet, failFlags, goQuote } from '../../flags.js';
import { SandboxError } from '../../../sandbox/types.js';
import { addrLine, flagsText, linkLine, listLinks, stateText, type InterfaceSource, type Link } from './links.js';
import { bestRoute, formatGet, formatRoute, isReject, parseIPv4, readRoutes } from './route.js';

interface Display {
  oneline: boolean;
  brief: boolean;
  v4: boolean;
  v6: boolean;
}

const WRITE_VERBS = new Set(['add', 'append', 'replace', 'del', 'delete', 'flush', 'set', 'change']);
const ROUTE_WRITES = new Set(['add', 'del', 'delete', 'change', 'replace', 'flush', 'save', 'restore']);

class IpError extends Error {}

/** Builds the ip builtin; `source` lets tests supply interfaces. */
export function makeIp(source?: InterfaceSource): Builtin {
  return async (ctx, args) => {
    const fs = new FlagSet('ip');
    const help = fs.bool('help', 'h', 'print usage and exit');
    const oneline = fs.bool('oneline', 'o', 'output each record on a single line');
    const brief = fs.bool('brief', '', 'print brief information in tabular format');
    const v4 = fs.bool('ipv4', '4', 'show only IPv4 addresses');
    const v6 = fs.bool('ipv6', '6', 'show only IPv6 addresses');
    const r = fs.parse(args);
    if (!r.ok) return failFlags(ctx, r.error);
    if (help.value) {
      await ctx.stdout.write(
        'Usage: ip [GLOBAL-OPTIONS] OBJECT [COMMAND [ARGUMENTS]]\n' +
          'Show network interface and routing information.\n\n' +
          'Supported objects:\n' +
          '  addr [show] [dev IFNAME]  Show IP addresses\n' +
          '  link [show] [dev IFNAME]  Show link-layer information\n' +
          '  route [show|list]         Show the IPv4 routing table\n' +
          '  route get ADDRESS         Show the route to ADDRESS\n\n' +
          'Global options:\n' +
          fs.usage() +
          "\nNote: -b/-B/-batch, -force, -n/--netns and 'ip netns' are blocked for safety.\n",
      );
      return 0;
    }
    // Both -4 and -6 together filter nothing, like iproute2.
    const both = v4.value && v6.value;
    const d: Display = { oneline: oneline.value, brief: brief.value, v4: v4.value && !both, v6: v6.value && !both };
    if (r.args.length === 0) {
      await ctx.stderr.write("ip: object required\nTry 'ip --help' for more information.\n");
      return 1;
    }
    const [object, ...rest] = r.args;
    try {
      switch (object) {
        case 'addr':
        case 'address':
          return await showLinks(ctx, d, 'addr', rest, source);
        case 'link':
          return await showLinks(ctx, d, 'link', rest, source);
        case 'route':
          return await route(ctx, d, rest);
        case 'netns':
          throw new IpError("'netns' subcommand is blocked (shell escape vector via 'ip netns exec')");
        default:
          throw new IpError(`object ${goQuote(object)} is not supported\nSupported objects: addr, link, route`);
      }
    } catch (e) {
      if (!(e instanceof IpError)) throw e;
      await ctx.stderr.write(`ip: ${e.message}\n`);
      return 1;
    }
  };
}

/** `[show|list|lst] [dev IFNAME]`; returns the device filter ('' for all). */
function parseShow(object: string, args: string[]): string {
  let a = args;
  if (a.length > 0) {
    if (a[0] === 'show' || a[0] === 'list' || a[0] === 'lst') a = a.slice(1);
    else if (WRITE_VERBS.has(a[0])) {
      throw new IpError(`'ip ${object} ${a[0]}' is not supported (write operations are blocked for safety)`);
    }
  }
  let dev = '';
  while (a.length > 0) {
    if (a[0] !== 'dev') throw new IpError(`unknown token ${goQuote(a[0])} after 'ip ${object} show'`);
    if (a.length < 2) throw new IpError("'dev' requires an interface name argument");
    dev = a[1];
    a = a.slice(2);
  }
  return dev;
}

async function showLinks(ctx: CallContext, d: Display, object: 'addr' | 'link', args: string[], source?: InterfaceSource): Promise<number> {
  const dev = parseShow(object, args);
  let links = listLinks(source);
  if (dev !== '') {
    links = links.filter((l) => l.name === dev);
    if (links.length === 0) throw new IpError(`cannot find device ${goQuote(dev)}`);
  }
  let out = '';
  for (const l of links) out += object === 'addr' ? addrText(l, d) : linkText(l, d);
  await ctx.stdout.write(out);
  return 0;
}

function addrText(l: Link, d: Display): string {
  const addrs = l.addrs.filter((a) => !(d.v4 && !a.v4) && !(d.v6 && a.v4));
  if (d.brief) {
    const list = addrs.map((a) => ' ' + a.cidr).join('');
    return `${l.name.padEnd(16)} ${stateText(l).padEnd(13)}${list}\n`;
  }
  const lft = '       valid_lft forever preferred_lft forever';
  if (d.oneline) return addrs.map((a) => `${l.index}: ${l.name}${addrLine(l, a)}\\${lft}\n`).join('');
  let s = `${l.index}: ${l.name}: ${flagsText(l)} mtu ${l.mtu} state ${stateText(l)} group default qlen 1000\n${linkLine(l)}\n`;
  for (const a of addrs) s += `${addrLine(l, a)}\n${lft}\n`;
  return s;
}

function linkText(l: Link, d: Display): string {
  if (d.brief) return `${l.name.padEnd(16)} ${stateText(l).padEnd(13)} ${l.mac} ${flagsText(l)}\n`;
  const head = `${l.index}: ${l.name}: ${flagsText(l)} mtu ${l.mtu} state ${stateText(l)} mode DEFAULT group default qlen 1000`;
  return d.oneline ? `${head}\\${linkLine(l)}\n` : `${head}\n${linkLine(l)}\n`;
}

async function route(ctx: CallContext, d: Display, args: string[]): Promise<number> {
  if (d.v6) throw new IpError('route: IPv6 routing not supported');
  const sub = args[0] ?? 'show';
  if (ROUTE_WRITES.has(sub)) throw new IpError(`route: ${sub}: write operations are not permitted`);
  if (sub !== 'show' && sub !== 'list' && sub !== 'get') {
    // iproute2's own wording and status for an unknown route command.
    await ctx.stderr.write(`Command ${goQuote(sub)} is unknown, try "ip route help".\n`);
    return 255;
  }
  if (d.oneline || d.brief) throw new IpError('route: -o/--oneline and --brief flags are not supported for route output');
  if (sub !== 'get') {
    if (args.length > 1) throw new IpError(`route ${sub}: unsupported argument ${goQuote(args[1])}`);
    const routes = await withRoutes(ctx, 'route');
    await ctx.stdout.write(routes.map((r) => formatRoute(r) + '\n').join(''));
    return 0;
  }
  if (args.length < 2) throw new IpError('route get: missing address argument');
  if (args.length > 2) throw new IpError(`route get: unsupported argument ${goQuote(args[2])}`);
  const addr = parseIPv4(args[1]);
  if (addr === null) throw new IpError(`route get: invalid address ${goQuote(args[1])}`);
  const best = bestRoute(await withRoutes(ctx, 'route get'), addr);
  if (!best || isReject(best)) throw new IpError('route get: network unreachable');
  await ctx.stdout.write(formatGet(args[1], best) + '\n');
  return 0;
}

async function withRoutes(ctx: CallContext, what: string) {
  try {
    return await readRoutes(ctx.proc);
  } catch (e) {
    if (e instanceof SandboxError) throw new IpError(`${what}: ${e.posixMessage}`);
    throw e;
  }
}

export const ip: Builtin = makeIp();
