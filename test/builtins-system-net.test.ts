import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { makeIp } from '../src/rshell/builtins/system/ip/index.js';
import { ss, ipv6Hex } from '../src/rshell/builtins/system/ss.js';
import { ping, parsePingDuration, parseIpLiteral, ipString, UNSUPPORTED } from '../src/rshell/builtins/system/ping.js';
import type { Builtin } from '../src/rshell/builtins/types.js';
import { fakeProc, run } from './builtins-files-harness.js';

const ifaces = () =>
  ({
    lo: [
      { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' },
      { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', mac: '00:00:00:00:00:00', internal: true, cidr: '::1/128', scopeid: 0 },
    ],
    eth0: [
      { address: '10.1.2.3', netmask: '255.255.255.0', family: 'IPv4', mac: '02:aa:bb:cc:dd:ee', internal: false, cidr: '10.1.2.3/24' },
      { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:aa:bb:cc:dd:ee', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
    ],
  }) as unknown as NodeJS.Dict<os.NetworkInterfaceInfo[]>;

const ROUTE =
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' +
  'eth0\t00000000\t0102010A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n' +
  'eth0\t0002010A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n' +
  'eth0\t0000000A\t00000000\t0201\t0\t0\t0\t000000FF\t0\t0\t0\n';

const proc = fakeProc({ 'net/route': ROUTE });
const ip = makeIp(ifaces);
const exec = (b: Builtin, name: string, args: string[]) => run(b, name, args, { dir: '/', proc });

describe('ip', () => {
  it('shows addresses in full, -4, oneline and brief forms', async () => {
    expect((await exec(ip, 'ip', ['addr'])).stdout).toBe(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 state UNKNOWN group default qlen 1000\n' +
        '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n' +
        '    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n' +
        '    inet6 ::1/128 scope host\n       valid_lft forever preferred_lft forever\n' +
        '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP group default qlen 1000\n' +
        '    link/ether 02:aa:bb:cc:dd:ee brd ff:ff:ff:ff:ff:ff\n' +
        '    inet 10.1.2.3/24 brd 10.1.2.255 scope global eth0\n       valid_lft forever preferred_lft forever\n' +
        '    inet6 fe80::1/64 scope link\n       valid_lft forever preferred_lft forever\n',
    );
    expect((await exec(ip, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout).toBe(
      '2: eth0    inet 10.1.2.3/24 brd 10.1.2.255 scope global eth0\\       valid_lft forever preferred_lft forever\n',
    );
    expect((await exec(ip, 'ip', ['--brief', 'address'])).stdout).toBe(
      'lo               UNKNOWN       127.0.0.1/8 ::1/128\neth0             UP            10.1.2.3/24 fe80::1/64\n',
    );
    expect((await exec(ip, 'ip', ['-o', 'link', 'show', 'dev', 'lo'])).stdout).toBe(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n',
    );
  });

  it('shows routes and resolves route get by longest prefix', async () => {
    expect(await exec(ip, 'ip', ['route'])).toMatchObject({
      stdout: 'default via 10.1.2.1 dev eth0 metric 100\n10.1.2.0/24 dev eth0\nunreachable 10.0.0.0/8\n',
      code: 0,
    });
    expect((await exec(ip, 'ip', ['route', 'get', '10.1.2.9'])).stdout).toBe('10.1.2.9 dev eth0\n');
    expect((await exec(ip, 'ip', ['route', 'get', '8.8.8.8'])).stdout).toBe('8.8.8.8 via 10.1.2.1 dev eth0 metric 100\n');
    expect(await exec(ip, 'ip', ['route', 'get', '10.9.9.9'])).toMatchObject({ stderr: 'ip: route get: network unreachable\n', code: 1 });
  });

  it('refuses writes, netns, unknown objects and tokens with rshell wording', async () => {
    const cases: [string[], string, number][] = [
      [[], "ip: object required\nTry 'ip --help' for more information.\n", 1],
      [['addr', 'flush', 'dev', 'lo'], "ip: 'ip addr flush' is not supported (write operations are blocked for safety)\n", 1],
      [['link', 'set', 'lo', 'up'], "ip: 'ip link set' is not supported (write operations are blocked for safety)\n", 1],
      [['addr', 'show', 'type', 'x'], "ip: unknown token \"type\" after 'ip addr show'\n", 1],
      [['addr', 'show', 'dev', 'nope0'], 'ip: cannot find device "nope0"\n', 1],
      [['netns', 'exec', 'x', 'sh'], "ip: 'netns' subcommand is blocked (shell escape vector via 'ip netns exec')\n", 1],
      [['foobar'], 'ip: object "foobar" is not supported\nSupported objects: addr, link, route\n', 1],
      [['route', 'del', '10.0.0.0/8'], 'ip: route: del: write operations are not permitted\n', 1],
      [['route', 'GET'], 'Command "GET" is unknown, try "ip route help".\n', 255],
      [['-o', 'route', 'show'], 'ip: route: -o/--oneline and --brief flags are not supported for route output\n', 1],
      [['route', 'get'], 'ip: route get: missing address argument\n', 1],
      [['route', 'get', '8.8.8.8', 'from', 'x'], 'ip: route get: unsupported argument "from"\n', 1],
      [['route', 'get', '192.168.010.1'], 'ip: route get: invalid address "192.168.010.1"\n', 1],
      [['-b', 'f', 'addr'], "ip: unknown shorthand flag: 'b' in -b\n", 1],
      [['--force', 'addr'], 'ip: unknown flag: --force\n', 1],
    ];
    for (const [args, stderr, code] of cases) {
      const r = await exec(ip, 'ip', args);
      expect({ args, stderr: r.stderr, code: r.code, stdout: r.stdout }).toEqual({ args, stderr, code, stdout: '' });
    }
  });

  it('lists this host interfaces by default (loopback present)', async () => {
    const r = await exec(makeIp(), 'ip', ['-4', 'addr']);
    expect(r.stdout).toContain('inet 127.0.0.1/8 scope host lo');
  });
});

describe('ss', () => {
  const tcp =
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1234 1 0\n' +
    '   1: 0100007F:1F90 0100007F:C350 01 00000002:00000001 02:000003E8 00000000  1000        0 5678 1 0\n';
  const tcp6 =
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
    '   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1\n';
  const udp = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n';
  const unix = 'Num       RefCount Protocol Flags    Type St Inode Path\n0000: 00000002 00000000 00010000 0001 01 321 /run/x.sock\n';
  const p = fakeProc({ 'net/tcp': tcp, 'net/tcp6': tcp6, 'net/udp': udp, 'net/udp6': udp, 'net/unix': unix });
  const runSs = (args: string[]) => run(ss, 'ss', args, { dir: '/', proc: p });
  const head = 'Netid  State       Recv-Q  Send-Q  Local Address:Port           Peer Address:Port           ';

  it('decodes proc socket tables', async () => {
    expect(ipv6Hex('00000000000000000000000001000000')).toBe('::1');
    expect((await runSs(['-tn'])).stdout).toBe(`${head}\ntcp    ESTAB            1       2  127.0.0.1:8080               127.0.0.1:50000             \n`);
    expect((await runSs(['-tlH', '-e'])).stdout).toBe(
      'tcp    LISTEN           0       0  127.0.0.1:8080               0.0.0.0:*                     uid:1000 inode:1234\n' +
        'tcp    LISTEN           0       0  [::1]:22                     [::]:*                        uid:0 inode:99\n',
    );
    expect((await runSs(['-xl', '-H'])).stdout).toBe('u_str  LISTEN           0       0  /run/x.sock 321              * 0                         \n');
    expect((await runSs(['-t', '-o', '-H'])).stdout).toContain('timer:(keepalive,10sec)');
  });

  it('prints a summary and rejects dangerous flags', async () => {
    expect((await runSs(['-s'])).stdout).toBe('Total: 4\nTCP:   3 (ipv4: 2, ipv6: 1)\nUDP:   0 (ipv4: 0, ipv6: 0)\nUnix:  1\n');
    expect(await runSs(['-F', '/dev/null'])).toMatchObject({ stderr: "ss: unknown shorthand flag: 'F' in -F\n", code: 1 });
    expect(await runSs(['-p'])).toMatchObject({ stderr: "ss: unknown shorthand flag: 'p' in -p\n", code: 1 });
    expect((await runSs(['-h'])).stdout.startsWith('Usage: ss')).toBe(true);
  });

  it('fails cleanly when a proc table is unreadable', async () => {
    const r = await run(ss, 'ss', ['-t'], { dir: '/', proc: fakeProc({}) });
    expect(r).toMatchObject({ stdout: '', stderr: 'ss: open /proc/net/tcp: no such file or directory\n', code: 1 });
  });
});

describe('ping', () => {
  const runPing = (args: string[]) => run(ping, 'ping', args, { dir: '/' });

  it('parses durations and literals like Go', () => {
    expect(parsePingDuration('500ms')).toBe(500_000_000n);
    expect(parsePingDuration('0.5')).toBe(500_000_000n);
    expect(parsePingDuration('-1s')).toBe('negative duration "-1s" not allowed');
    expect(parseIpLiteral('192.168.010.1')).toBeNull();
    expect(ipString(parseIpLiteral('::ffff:1.2.3.4')!)).toBe('1.2.3.4');
    expect(ipString(parseIpLiteral('2001:db8:0:0:0:0:0:1')!)).toBe('2001:db8::1');
  });

  it('validates and warns exactly, then fails without raw sockets', async () => {
    const cases: [string[], string][] = [
      [['-c', '1', '255.255.255.255'], 'ping: broadcast destination not allowed: 255.255.255.255\n'],
      [['-c', '1', '10.0.1.255'], 'ping: broadcast destination not allowed: 10.0.1.255\n'],
      [['-c', '1', '-W', '100ms', '::'], 'ping: unspecified destination not allowed: ::\n'],
      [['-6', '-c', '1', '-W', '100ms', '192.0.2.1'], 'ping: no ip6 address for host "192.0.2.1"\n'],
      [['-4', '-6', 'localhost'], 'ping: -4 and -6 are mutually exclusive\n'],
      [['-b', 'x'], "ping: unknown shorthand flag: 'b' in -b\n"],
      [['-s', '1000', 'x'], "ping: unknown shorthand flag: 's' in -s\n"],
      [['a', 'b'], "ping: too many arguments\nTry 'ping --help' for more information.\n"],
      [['--no-such-flag', 'x'], 'ping: unknown flag: --no-such-flag\n'],
      [['-i', '-1s', 'x'], 'ping: invalid argument "-1s" for "-i, --interval" flag: negative duration "-1s" not allowed\n'],
      [['-c', '100', 'h.invalid'], `ping: warning: -c 100 out of range [1-20]; clamped to 20\nping: h.invalid: ${UNSUPPORTED}\n`],
      [['-c', '1', '-i', '10ms', 'h'], `ping: warning: -i 10ms out of range [200ms-1m0s]; clamped to 200ms\nping: h: ${UNSUPPORTED}\n`],
      [['-c', '1', '-W', '60s', 'h'], `ping: warning: -W 1m0s out of range [100ms-30s]; clamped to 30s\nping: h: ${UNSUPPORTED}\n`],
      [
        ['-c', '20', '-i', '60s', '-W', '30s', 'h'],
        `ping: warning: total run time capped at 120s; some probes may not complete\nping: h: ${UNSUPPORTED}\n`,
      ],
      [['-c', '1', '-W', '0.5', '127.0.0.1'], `ping: 127.0.0.1: ${UNSUPPORTED}\n`],
    ];
    for (const [args, stderr] of cases) {
      const r = await runPing(args);
      expect({ args, stderr: r.stderr, code: r.code, stdout: r.stdout }).toEqual({ args, stderr, code: 1, stdout: '' });
    }
    const h = await runPing(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout.startsWith('Usage: ping')).toBe(true);
  });
});
