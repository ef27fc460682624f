/**
 * Runs rshell scenario YAML files (specs/rshell.md §6) against this implementation:
 * a fresh temp dir per scenario with its setup files, allowed paths resolved against it,
 * the tri-state allow-all default, interpreter_env as the environment, empty stdin,
 * cwd = temp dir, and expectations compared with `*_contains` > `stdout_unordered` > exact.
 * Windows overrides and `envs` (bash-only) are ignored.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { createRunner, type RunResult } from '../../src/rshell/index.js';

export interface SetupFile {
  path: string;
  content?: string;
  chmod?: number | string;
  symlink?: string;
  mod_time?: string;
}

export interface ScenarioSpec {
  description?: string;
  containerized?: boolean;
  setup?: { files?: SetupFile[] };
  input: {
    script: string;
    allowed_paths?: string[];
    allowed_commands?: string[];
    allow_all_commands?: boolean;
    interpreter_env?: Record<string, string>;
  };
  expect: {
    stdout?: string | null;
    stderr?: string | null;
    stdout_unordered?: string | null;
    stdout_contains?: string[];
    stderr_contains?: string[];
    exit_code?: number;
  };
}

export interface Scenario {
  /** Path relative to the scenario root, with `/` separators. */
  rel: string;
  /** Top-level group: `shell` or `cmd`. */
  group: string;
  /** The folder holding the file, relative to the root. */
  folder: string;
  spec: ScenarioSpec;
}

export interface ScenarioResult {
  scenario: Scenario;
  passed: boolean;
  /** Why it failed (expected vs actual), when it did. */
  reasons: string[];
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** CLI arg, else RSHELL_SCENARIOS, else ../shared/rshell-scenarios beside the repo. */
export function scenarioRoot(arg?: string): string {
  return arg ?? process.env.RSHELL_SCENARIOS ?? join(repoRoot, '..', 'shared', 'rshell-scenarios');
}

async function walk(dir: string, out: string[]): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.name.endsWith('.yaml') || e.name.endsWith('.yml')) out.push(p);
  }
}

export async function loadScenarios(root: string): Promise<Scenario[]> {
  const files: string[] = [];
  await walk(root, files);
  files.sort();
  const out: Scenario[] = [];
  for (const f of files) {
    const rel = relative(root, f).split(sep).join('/');
    const spec = parseYaml(await readFile(f, 'utf8')) as ScenarioSpec;
    const parts = rel.split('/');
    out.push({ rel, group: parts.length > 1 ? parts[0]! : '.', folder: parts.slice(0, -1).join('/'), spec });
  }
  return out;
}

/** chmod values are octal in the files (YAML 1.2 reads `0644` as decimal 644). */
function octal(v: number | string): number {
  return parseInt(String(v), 8);
}

async function materialise(dir: string, files: SetupFile[]): Promise<void> {
  for (const f of files) {
    const p = join(dir, f.path);
    await mkdir(dirname(p), { recursive: true });
    if (f.symlink !== undefined) await symlink(f.symlink, p);
    else await writeFile(p, f.content ?? '', { mode: 0o644 });
  }
  // Modes and times after every file exists (a 0555 dir must still receive its files).
  for (const f of files) {
    const p = join(dir, f.path);
    if (f.mod_time !== undefined) {
      const t = new Date(f.mod_time);
      try {
        await utimes(p, t, t);
      } catch {
        // dangling symlink: nothing to time-stamp
      }
    }
  }
  for (const f of files) if (f.chmod !== undefined && f.symlink === undefined) await chmod(join(dir, f.path), octal(f.chmod));
}

function resolveAllowedPaths(dir: string, paths: string[] | undefined): string[] | undefined {
  if (paths === undefined || paths === null) return undefined;
  const out: string[] = [];
  for (const p of paths) {
    const v = p.replaceAll('$DIR', dir);
    if (isAbsolute(v)) {
      if (existsSync(v)) out.push(v);
    } else out.push(join(dir, v));
  }
  return out;
}

function lines(s: string): string[] {
  return s.split('\n').sort();
}

/** Compares a run with the expectations; returns the failure reasons (empty = pass). */
export function check(spec: ScenarioSpec, r: RunResult): string[] {
  const reasons: string[] = [];
  const e = spec.expect ?? {};
  const stdout = r.stdout.toString('utf8');
  const stderr = r.stderr.toString('utf8');
  if (r.outcome !== 'success') reasons.push(`outcome ${r.outcome}${r.error ? ` (${r.error})` : ''}`);
  if (e.stdout_contains?.length) {
    for (const s of e.stdout_contains) if (!stdout.includes(s)) reasons.push(`stdout lacks ${JSON.stringify(s)}; got ${JSON.stringify(stdout)}`);
  } else if (e.stdout_unordered !== undefined && e.stdout_unordered !== null) {
    if (lines(stdout).join('\n') !== lines(e.stdout_unordered).join('\n')) {
      reasons.push(`stdout (unordered) expected ${JSON.stringify(e.stdout_unordered)}, got ${JSON.stringify(stdout)}`);
    }
  } else if (!Buffer.from(e.stdout ?? '', 'utf8').equals(r.stdout)) {
    reasons.push(`stdout expected ${JSON.stringify(e.stdout ?? '')}, got ${JSON.stringify(stdout)}`);
  }
  if (e.stderr_contains?.length) {
    for (const s of e.stderr_contains) if (!stderr.includes(s)) reasons.push(`stderr lacks ${JSON.stringify(s)}; got ${JSON.stringify(stderr)}`);
  } else if (!Buffer.from(e.stderr ?? '', 'utf8').equals(r.stderr)) {
    reasons.push(`stderr expected ${JSON.stringify(e.stderr ?? '')}, got ${JSON.stringify(stderr)}`);
  }
  const code = e.exit_code ?? 0;
  if (r.exitCode !== code) reasons.push(`exit code expected ${code}, got ${r.exitCode}`);
  return reasons;
}

/** Per-scenario safety net only: no scenario expects a timeout. */
const SCENARIO_TIMEOUT_MS = 20_000;

export async function runScenario(sc: Scenario): Promise<ScenarioResult> {
  const base = await realpath(tmpdir());
  const dir = await mkdtemp(join(base, 'rshell-scn-'));
  try {
    const spec = sc.spec;
    await materialise(dir, spec.setup?.files ?? []);
    const input = spec.input;
    const commands = input.allowed_commands ?? [];
    const allowAll = input.allow_all_commands ?? commands.length === 0;
    let result: RunResult;
    try {
      const runner = createRunner({
        allowedPaths: resolveAllowedPaths(dir, input.allowed_paths),
        allowedCommands: commands.length ? commands : undefined,
        allowAllCommands: allowAll,
        env: input.interpreter_env ?? undefined,
        dir,
        timeoutMs: SCENARIO_TIMEOUT_MS,
        hostPrefix: spec.containerized ? join(dir, 'host') : undefined,
      });
      result = await runner.run(input.script ?? '');
    } catch (e) {
      return { scenario: sc, passed: false, reasons: [`threw: ${e instanceof Error ? e.stack : String(e)}`] };
    }
    const reasons = check(spec, result);
    return { scenario: sc, passed: reasons.length === 0, reasons };
  } finally {
    await removeTree(dir);
  }
}

async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch {
    // read-only directories inside: make them writable and retry
    await chmodTree(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

async function chmodTree(dir: string): Promise<void> {
  await chmod(dir, 0o755).catch(() => {});
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await chmodTree(join(dir, e.name));
}

export interface ConformanceReport {
  results: ScenarioResult[];
  passed: number;
  failed: number;
  /** Passes per top-level group (`shell`, `cmd`). */
  passedByGroup: Record<string, number>;
  totalByGroup: Record<string, number>;
}

/** Runs scenarios with a small pool (runs are mostly I/O-bound awaits). */
export async function runConformance(root: string, concurrency = 8): Promise<ConformanceReport> {
  const scenarios = await loadScenarios(root);
  const results: ScenarioResult[] = new Array(scenarios.length);
  let next = 0;
  const worker = async () => {
    while (next < scenarios.length) {
      const i = next++;
      results[i] = await runScenario(scenarios[i]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const passedByGroup: Record<string, number> = {};
  const totalByGroup: Record<string, number> = {};
  let passed = 0;
  for (const r of results) {
    const g = r.scenario.group;
    totalByGroup[g] = (totalByGroup[g] ?? 0) + 1;
    passedByGroup[g] ??= 0;
    if (r.passed) {
      passed++;
      passedByGroup[g]++;
    }
  }
  return { results, passed, failed: results.length - passed, passedByGroup, totalByGroup };
}

/** Human-readable failures grouped by folder, then the summary line. */
export function formatReport(rep: ConformanceReport, verbose = true): string {
  const byFolder = new Map<string, ScenarioResult[]>();
  for (const r of rep.results) {
    if (r.passed) continue;
    const list = byFolder.get(r.scenario.folder) ?? [];
    list.push(r);
    byFolder.set(r.scenario.folder, list);
  }
  const out: string[] = [];
  for (const [folder, list] of [...byFolder].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.push(`${folder}: ${list.length} failed`);
    for (const r of list) {
      out.push(`  ${r.scenario.rel}`);
      if (verbose) for (const reason of r.reasons) out.push(`    ${reason.length > 400 ? reason.slice(0, 400) + '…' : reason}`);
    }
  }
  for (const g of Object.keys(rep.totalByGroup).sort()) out.push(`${g}: ${rep.passedByGroup[g]}/${rep.totalByGroup[g]} passed`);
  out.push(`${rep.passed} passed, ${rep.failed} failed`);
  return out.join('\n');
}
