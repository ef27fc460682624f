/**
 * Paths the sandbox refuses whatever the allowed roots say, even when `/` is allowed.
 *
 * The Lambda's credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
 * the Datadog API key) live in process environments, readable as `/proc/<pid>/environ` of
 * every process, and in process memory (`mem`, `maps` + `map_files`, open fds). Those kernel
 * views are the targets here. Rules are matched against the path relative to each mount of
 * the pseudo-filesystem (procfs, devtmpfs, sysfs), so a second proc mount or the host's proc
 * under the container host prefix is covered too; the sandbox checks both the lexical path
 * and the fully resolved path, so no symlink spelling gets around a rule. On top of the path
 * rules, any entry *on a procfs* (by device) named like a per-process secret (environ, mem,
 * fd, ...) or self/thread-self is refused, so a bind mount of /proc/<pid> somewhere else
 * does not expose it either. (Bind-mounting a single proc file under another name is an
 * operator decision outside what a path-based check can see.)
 */
import { lstatSync, readFileSync, statfsSync } from 'node:fs';
import { componentsBelow, join } from './paths.js';

export type DenyArea = 'proc' | 'dev' | 'sys';

export interface DenyRule {
  area: DenyArea;
  /** Segments below the mount: '*' = any one segment; a trailing '**' = this and everything below. */
  pattern: string[];
  /** Paths (below the mount) the rule lets through. */
  except?: string[][];
  why: string;
}

/**
 * Per-process entries (also under `task/<tid>/`). `cmdline` is denied here even though the
 * trusted proc reader gives it to `ps`: scripts have no need to read it as a file, and other
 * processes' command lines may carry secrets.
 */
const PER_PROCESS: Array<[string, string]> = [
  ['environ', 'environment variables: the Lambda credentials'],
  ['mem', 'process memory'],
  ['fd', 'open file descriptors: magic links to files, sockets and memfds'],
  ['fdinfo', 'open file descriptor details'],
  ['map_files', 'magic links to mapped memory'],
  ['maps', 'memory layout'],
  ['smaps', 'memory layout'],
  ['smaps_rollup', 'memory layout'],
  ['numa_maps', 'memory layout'],
  ['pagemap', 'physical page map'],
  ['auxv', 'auxiliary vector (addresses)'],
  ['cmdline', 'command lines may carry secrets'],
  ['syscall', 'current syscall arguments'],
  ['stack', 'kernel stack'],
  ['root', 'magic link to the process root'],
  ['cwd', 'magic link to the working directory'],
  ['exe', 'magic link to the executable'],
  ['ns', 'namespace handles'],
  ['attr', 'security attributes'],
];

export const DENY_RULES: readonly DenyRule[] = [
  { area: 'proc', pattern: ['self', '**'], why: 'magic link to the reading process' },
  { area: 'proc', pattern: ['thread-self', '**'], why: 'magic link to the reading thread' },
  ...PER_PROCESS.flatMap(([name, why]): DenyRule[] => [
    { area: 'proc', pattern: ['*', name, '**'], why },
    { area: 'proc', pattern: ['*', 'task', '*', name, '**'], why },
  ]),
  { area: 'proc', pattern: ['kcore', '**'], why: 'kernel memory' },
  { area: 'proc', pattern: ['kmsg', '**'], why: 'kernel log' },
  { area: 'proc', pattern: ['kallsyms', '**'], why: 'kernel addresses' },
  { area: 'proc', pattern: ['keys', '**'], why: 'kernel keyrings' },
  { area: 'proc', pattern: ['key-users', '**'], why: 'kernel keyrings' },
  { area: 'proc', pattern: ['kpagecount', '**'], why: 'physical pages' },
  { area: 'proc', pattern: ['kpageflags', '**'], why: 'physical pages' },
  { area: 'proc', pattern: ['kpagecgroup', '**'], why: 'physical pages' },
  { area: 'proc', pattern: ['sysrq-trigger', '**'], why: 'kernel control' },
  {
    area: 'dev',
    pattern: ['*', '**'],
    except: [['null']],
    why: 'devices (zero, random, stdin, fd, shm, pts, ...): only /dev/null is readable',
  },
  { area: 'sys', pattern: ['firmware', '**'], why: 'firmware tables and variables' },
  { area: 'sys', pattern: ['kernel', 'security', '**'], why: 'LSM state' },
  { area: 'sys', pattern: ['kernel', 'debug', '**'], why: 'debugfs' },
  { area: 'sys', pattern: ['kernel', 'tracing', '**'], why: 'trace buffers' },
  { area: 'sys', pattern: ['fs', 'bpf', '**'], why: 'pinned BPF objects' },
];

function matches(pattern: string[], segs: string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p === '**') return true;
    if (i >= segs.length) return false;
    if (p !== '*' && p !== segs[i]) return false;
  }
  return segs.length === pattern.length;
}

function sameSegments(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The rule that denies `segs` (path below a mount of `area`), if any. Loops, not find/some
 * callbacks: this runs for every path checked, and V8 compiled such closures again after
 * every major GC.
 */
export function matchDenyRule(area: DenyArea, segs: string[], rules: readonly DenyRule[] = DENY_RULES): DenyRule | undefined {
  for (const r of rules) {
    if (r.area !== area || !matches(r.pattern, segs)) continue;
    if (r.except !== undefined && excepted(r.except, segs)) continue;
    return r;
  }
  return undefined;
}

function excepted(except: readonly (readonly string[])[], segs: readonly string[]): boolean {
  for (const e of except) if (sameSegments(e, segs)) return true;
  return false;
}

const FSTYPE_AREA: Record<string, DenyArea> = { proc: 'proc', devtmpfs: 'dev', sysfs: 'sys' };

/** statfs f_type of procfs (PROC_SUPER_MAGIC). */
const PROC_SUPER_MAGIC = 0x9fa0;

/** Names refused on any procfs, wherever it is mounted: the per-process entries and self links. */
const PROC_SECRET_NAMES = new Map<string, DenyRule>();
for (const r of DENY_RULES) {
  const [first, second, third] = r.pattern;
  if (r.area !== 'proc') continue;
  if (r.pattern.length === 3 && first === '*' && third === '**') PROC_SECRET_NAMES.set(second, r);
  if (r.pattern.length === 2 && (first === 'self' || first === 'thread-self')) PROC_SECRET_NAMES.set(first, r);
}

/** The device of `mount` if it really is a procfs (a plain directory named proc is not). */
function procDevice(mount: string): bigint | undefined {
  try {
    if (statfsSync(mount).type !== PROC_SUPER_MAGIC) return undefined;
    return lstatSync(mount, { bigint: true }).dev;
  } catch {
    return undefined;
  }
}

/** Decodes the octal escapes (\040 etc.) of /proc/self/mounts fields. */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

let mountCache: Array<[string, DenyArea]> | undefined;

/** Mount points of procfs/devtmpfs/sysfs in this process's mount namespace (read once). */
function pseudoMounts(): Array<[string, DenyArea]> {
  if (mountCache) return mountCache;
  const found: Array<[string, DenyArea]> = [];
  try {
    const text = readFileSync('/proc/self/mounts').toString('latin1');
    for (const line of text.split('\n')) {
      const [, mountPoint, fsType] = line.split(' ');
      const area = fsType ? FSTYPE_AREA[fsType] : undefined;
      if (area && mountPoint) found.push([unescapeMountField(mountPoint), area]);
    }
  } catch {
    // No readable mount table (not Linux, or proc not mounted): the fixed locations below still apply.
  }
  mountCache = found;
  return found;
}

/** Checks absolute, clean bstr paths against the deny rules. */
export class DenyList {
  private readonly mounts: Array<[string, DenyArea]>;

  constructor(hostPrefix?: string, rules: readonly DenyRule[] = DENY_RULES) {
    this.rules = rules;
    const fixed: Array<[string, DenyArea]> = [
      ['/proc', 'proc'],
      ['/dev', 'dev'],
      ['/sys', 'sys'],
    ];
    if (hostPrefix) for (const [m, a] of fixed.slice()) fixed.push([join(hostPrefix, m), a]);
    const seen = new Set<string>();
    this.mounts = [...fixed, ...pseudoMounts()].filter(([m, a]) => {
      const key = `${a}\0${m}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  private readonly rules: readonly DenyRule[];
  private procDevs?: Set<bigint>;

  /** Devices of every procfs mount (looked up on first use). */
  private procDevices(): Set<bigint> {
    if (!this.procDevs) {
      this.procDevs = new Set();
      for (const [m, area] of this.mounts) {
        const dev = area === 'proc' ? procDevice(m) : undefined;
        if (dev !== undefined) this.procDevs.add(dev);
      }
    }
    return this.procDevs;
  }

  /** The rule denying a directory entry `name` that lives on device `dev`, if any. */
  checkEntry(name: string, dev: bigint): DenyRule | undefined {
    const rule = PROC_SECRET_NAMES.get(name);
    return rule && this.procDevices().has(dev) ? rule : undefined;
  }

  /** The rule denying `absPath`, if any. */
  check(absPath: string): DenyRule | undefined {
    for (const [mount, area] of this.mounts) {
      const segs = componentsBelow(mount, absPath);
      if (segs === null) continue;
      const rule = matchDenyRule(area, segs, this.rules);
      if (rule) return rule;
    }
    return undefined;
  }
}
