/**
 * ps [-e|-A] [-f] [-p PIDLIST] — process status from the trusted proc reader (<pid>/stat,
 * <pid>/status, <pid>/cmdline, stat, uptime). Default selection is the current session:
 * the ancestors of this process plus processes sharing its session id.
 */
import type { Builtin, CallContext } from '../types.js';
import { FlagSet, failFlags } from '../flags.js';
import { SandboxError } from '../../sandbox/types.js';
import { fields } from './proctext.js';

/** USER_HZ: clock ticks per second in /proc (100 on every mainstream Linux build). */
const CLK_TCK = 100;
const MAX_PROCESSES = 10_000;
const MAX_CMD_LEN = 4096;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface ProcInfo {
  pid: number;
  ppid: number;
  sid: number;
  tty: string;
  /** utime + stime, in ticks. */
  cpuTicks: number;
  /** Start, in ticks after boot. */
  startTicks: number;
  uid: string;
  cmd: string;
}

/** Parses `<pid>/stat`; the comm field may hold spaces and parentheses. */
export function parseStat(pid: number, text: string): Omit<ProcInfo, 'uid' | 'cmd'> & { comm: string } {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close <= open) throw new Error(`malformed stat for pid ${pid}`);
  const rest = fields(text.slice(close + 1));
  if (rest.length < 20) throw new Error(`short stat for pid ${pid}`);
  const n = (i: number) => Number(rest[i]) || 0;
  return {
    pid,
    comm: text.slice(open + 1, close),
    ppid: n(1),
    sid: n(3),
    tty: ttyName(n(4)),
    cpuTicks: n(11) + n(12),
    startTicks: n(19),
  };
}

/** Decodes stat's tty_nr (major in bits 8–15, minor in 0–7 and 20–31). */
export function ttyName(nr: number): string {
  if (nr === 0) return '?';
  const major = (nr >> 8) & 0xff;
  const minor = (nr & 0xff) | ((nr >>> 20) << 8);
  if (major === 4) return minor < 64 ? `tty${minor}` : `ttyS${minor - 64}`;
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  return '?';
}

export function parsePidList(s: string): number[] | string {
  if (s.split(',').some((seg) => seg.trim() === '')) return `invalid PID list: ${s}`;
  const out: number[] = [];
  for (const f of s.replaceAll(',', ' ').split(' ')) {
    const t = f.trim();
    if (t === '') continue;
    const pid = /^[+-]?[0-9]+$/.test(t) ? Number(t) : NaN;
    if (!(pid > 0) || !Number.isSafeInteger(pid)) return `invalid PID: ${t}`;
    if (!out.includes(pid)) out.push(pid);
  }
  if (out.length === 0) return `invalid PID: ${s}`;
  return out;
}

async function readText(ctx: CallContext, rel: string): Promise<string | null> {
  try {
    return (await ctx.proc.readFile(rel)).toString('latin1');
  } catch (e) {
    if (e instanceof SandboxError) return null;
    throw e;
  }
}

async function readProc(ctx: CallContext, pid: number): Promise<ProcInfo | null> {
  const stat = await readText(ctx, `${pid}/stat`);
  if (stat === null) return null;
  let s: ReturnType<typeof parseStat>;
  try {
    s = parseStat(pid, stat.trim());
  } catch {
    return null; // a process that vanished mid-read or a malformed line: skip it
  }
  const status = (await readText(ctx, `${pid}/status`)) ?? '';
  const uidLine = status.split('\n').find((l) => l.startsWith('Uid:'));
  const uid = uidLine ? (fields(uidLine)[1] ?? '?') : '?';
  const raw = (await readText(ctx, `${pid}/cmdline`)) ?? '';
  let cmd = raw.replaceAll('\0', ' ').replace(/ +$/, '');
  if (cmd.length > MAX_CMD_LEN) cmd = cmd.slice(0, MAX_CMD_LEN);
  const { comm: _comm, ...rest } = s;
  return { ...rest, uid, cmd: cmd === '' ? `[${s.comm}]` : cmd };
}

async function readAll(ctx: CallContext): Promise<ProcInfo[]> {
  const out: ProcInfo[] = [];
  for (const pid of await ctx.proc.pids()) {
    ctx.checkCanceled();
    if (out.length >= MAX_PROCESSES) break;
    const p = await readProc(ctx, pid);
    if (p) out.push(p);
  }
  return out;
}

async function readSession(ctx: CallContext, self: number): Promise<ProcInfo[]> {
  const all = await readAll(ctx);
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const ancestors = new Set<number>();
  for (let cur = self; cur > 1 && !ancestors.has(cur); ) {
    ancestors.add(cur);
    const p = byPid.get(cur);
    if (!p) break;
    cur = p.ppid;
  }
  const sid = byPid.get(self)?.sid ?? 0;
  return all.filter((p) => ancestors.has(p.pid) || (sid !== 0 && p.sid === sid));
}

/** Boot time (epoch seconds) and uptime (seconds), for STIME and C; null when unreadable. */
async function clocks(ctx: CallContext): Promise<{ btime: number; uptime: number } | null> {
  const stat = await readText(ctx, 'stat');
  const up = await readText(ctx, 'uptime');
  const line = stat?.split('\n').find((l) => l.startsWith('btime '));
  if (!line || !up) return null;
  return { btime: Number(fields(line)[1]), uptime: Number(fields(up)[0]) };
}

const pad2 = (n: number) => String(n).padStart(2, '0');

function cpuTime(ticks: number): string {
  const s = Math.floor(ticks / CLK_TCK);
  return `${pad2(Math.floor(s / 3600))}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
}

function startTime(p: ProcInfo, c: { btime: number } | null, now: Date): string {
  if (!c) return '?';
  const t = new Date((c.btime + Math.floor(p.startTicks / CLK_TCK)) * 1000);
  if (t.getFullYear() === now.getFullYear() && t.getMonth() === now.getMonth() && t.getDate() === now.getDate()) {
    return `${pad2(t.getHours())}:${pad2(t.getMinutes())}`;
  }
  return `${MONTHS[t.getMonth()]}${pad2(t.getDate())}`;
}

/** procps "C": integer CPU percentage over the process lifetime, at most 99. */
function cpuPercent(p: ProcInfo, c: { uptime: number } | null): number {
  if (!c) return 0;
  const elapsed = c.uptime - p.startTicks / CLK_TCK;
  if (elapsed <= 0) return 0;
  return Math.min(99, Math.floor((p.cpuTicks / CLK_TCK / elapsed) * 100));
}

export const ps: Builtin = async (ctx, args) => {
  const fs = new FlagSet('ps');
  const all = fs.bool('all', 'e', 'select all processes');
  const allA = fs.bool('All', 'A', 'select all processes (same as -e)');
  const full = fs.bool('full', 'f', 'full-format listing');
  const pid = fs.string('pid', 'p', '', 'select by PIDLIST (comma or space separated)');
  const help = fs.bool('help', '', 'print usage and exit');
  const r = fs.parse(args);
  if (!r.ok) return failFlags(ctx, r.error);
  if (help.value) {
    await ctx.stdout.write('Usage: ps [-e|-A] [-f] [-p PIDLIST]\nReport process status.\n\n' + fs.usage());
    return 0;
  }
  // Positionals are more PIDs (GNU ps accepts `ps -p 1 2` and `ps 1 2`).
  let list = pid.value;
  for (const a of r.args) list = list !== '' ? `${list} ${a}` : a;
  let pids: number[] = [];
  if (pid.changed || r.args.length > 0) {
    const parsed = parsePidList(list);
    if (typeof parsed === 'string') {
      await ctx.stderr.write(`ps: ${parsed}\n`);
      return 1;
    }
    pids = parsed;
  }
  let procs: ProcInfo[];
  try {
    if (all.value || allA.value) procs = await readAll(ctx);
    else if (pids.length > 0) {
      procs = [];
      for (const p of pids) {
        const info = await readProc(ctx, p);
        if (info) procs.push(info);
      }
    } else procs = await readSession(ctx, process.pid);
  } catch (e) {
    if (!(e instanceof SandboxError)) throw e;
    await ctx.stderr.write(`ps: cannot read process list: ${e.posixMessage}\n`);
    return 1;
  }
  const c = full.value ? await clocks(ctx) : null;
  let out = '';
  if (full.value) {
    out += `${'UID'.padEnd(12)} ${'PID'.padStart(6)} ${'PPID'.padStart(6)} ${'C'.padStart(2)} ${'STIME'.padEnd(5)} ${'TTY'.padEnd(12)} ${'TIME'.padStart(8)} CMD\n`;
    for (const p of procs) {
      out +=
        `${p.uid.padEnd(12)} ${String(p.pid).padStart(6)} ${String(p.ppid).padStart(6)} ${String(cpuPercent(p, c)).padStart(2)} ` +
        `${startTime(p, c, ctx.now).padEnd(5)} ${p.tty.padEnd(12)} ${cpuTime(p.cpuTicks).padStart(8)} ${p.cmd}\n`;
    }
  } else {
    out += `${'PID'.padStart(6)} ${'TTY'.padEnd(12)} ${'TIME'.padStart(8)} CMD\n`;
    for (const p of procs) out += `${String(p.pid).padStart(6)} ${p.tty.padEnd(12)} ${cpuTime(p.cpuTicks).padStart(8)} ${p.cmd}\n`;
  }
  await ctx.stdout.write(out);
  // GNU ps exits 1 when -p selects nothing (the liveness-check idiom).
  return pids.length > 0 && !(all.value || allA.value) && procs.length === 0 ? 1 : 0;
};
