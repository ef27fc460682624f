/**
 * Public API of the TypeScript rshell: `createRunner(options).run(script)`.
 *
 * Each `run` is independent (fresh variables, one clock, own deadline). A run never throws
 * for anything a script does: parse errors come back as outcome 'fatal' with `error`
 * "failed to parse command: L:C: msg" (the PAR turns them into an action error), validator
 * rejections as exit status 2, cancellation/limits as their outcome, bugs as 'fatal' with
 * "rshell: internal panic: …" on stderr.
 */
import { resolve as resolvePath } from 'node:path';
import { fromUtf16 } from './bytes.js';
import type { RshellHooks, RunOutcome } from './hooks.js';
import { createSandbox, createTrustedProc } from './sandbox/index.js';
import { parse, ParseError } from './syntax/parser.js';
import { validate } from './validate.js';
import { execute } from './interp/execute.js';
import type { File } from './syntax/ast.js';
import { WarningSink } from './interp/warnings.js';

export const RSHELL_VERSION = '0.0.10-ts';

export { parse, ParseError } from './syntax/parser.js';
export { validate } from './validate.js';
export type { RshellHooks, RunOutcome, RunStartInfo, RunEndInfo, CommandStartInfo } from './hooks.js';

export interface RunnerOptions {
  /** Directories scripts may read; undefined or [] ⇒ all file access denied. */
  allowedPaths?: string[];
  /** `rshell:<name>` entries; undefined ⇒ no command allowed (unless allowAllCommands). */
  allowedCommands?: string[];
  /** Internal/test switch: every builtin allowed. */
  allowAllCommands?: boolean;
  /** Initial variables (nothing of process.env is ever visible). */
  env?: Record<string, string>;
  /** Working directory, made absolute against process.cwd() (default: the first allowed path, else "/"). */
  dir?: string;
  /** Per-run deadline. */
  timeoutMs?: number;
  /** External cancellation for every run of this runner. */
  signal?: AbortSignal;
  /** Bytes the script's commands read as stdin (default: none). */
  stdin?: Uint8Array;
  hooks?: RshellHooks<any>;
  /** Trusted proc root for ps/uname/ss/ip (default "/proc"). */
  procPath?: string;
  /** Container mode: prefix for host-absolute symlink targets. */
  hostPrefix?: string;
  /**
   * Bytes of stdout and of stderr each kept in the result: only the first this many are held
   * in memory (default: all, up to the 10 MiB caps). Every byte still counts toward the caps
   * (stdout past 10 MiB is still output_limit), and `stdoutLength`/`stderrLength` report the
   * whole length. For a caller that sends only the start of the output: ten concurrent runs
   * each holding 20 MiB nobody reads is what pushes a 512 MB Lambda toward its limit.
   */
  retainOutputBytes?: number;
}

export interface RunResult {
  /**
   * The script's status. For 'timeout'/'canceled' it is 124 (rshell's CLI convention); for
   * 'output_limit' the status when the cap was hit; for a parse error 2; for a panic 1.
   */
  exitCode: number;
  /** The first `retainOutputBytes` bytes of stdout, or all of it. */
  stdout: Buffer;
  stderr: Buffer;
  /** Bytes the script wrote to stdout within its cap; above stdout.length when retainOutputBytes cut it. */
  stdoutLength: number;
  /** Bytes the script wrote to stderr within its cap (excess past 10 MiB is dropped uncounted, as before). */
  stderrLength: number;
  outcome: RunOutcome;
  /** Sandbox warnings (skipped allowed paths) and builtin warnings (ctx.warn), capped (interp/warnings.ts). */
  warnings: string[];
  /** Parse error text or fatal reason, when outcome is not a plain exit. */
  error?: string;
}

export interface Runner {
  run(script: string | Uint8Array): Promise<RunResult>;
  /** Sandbox warnings from construction (skipped allowed paths). */
  readonly warnings: readonly string[];
}

const NAMESPACE = 'rshell';

/** Parses the allow-list like rshell's AllowedCommands option; throws on a bad entry. */
export function parseAllowedCommands(entries: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const entry of entries) {
    if (entry === '') throw new Error('AllowedCommands: empty command entry');
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`AllowedCommands: entry ${JSON.stringify(entry)} must be namespaced as ${NAMESPACE}:<name>`);
    if (entry.indexOf(':', colon + 1) >= 0) throw new Error(`AllowedCommands: entry ${JSON.stringify(entry)} has more than one colon`);
    const ns = entry.slice(0, colon);
    const name = entry.slice(colon + 1);
    if (ns !== NAMESPACE) throw new Error(`AllowedCommands: entry ${JSON.stringify(entry)} has unknown namespace ${JSON.stringify(ns)}`);
    if (name === '') throw new Error(`AllowedCommands: entry ${JSON.stringify(entry)} has an empty command name`);
    names.add(fromUtf16(name));
  }
  return names;
}

export function createRunner(opts: RunnerOptions = {}): Runner {
  const allowed = parseAllowedCommands(opts.allowedCommands ?? []);
  const sandbox = createSandbox({
    allowedPaths: opts.allowedPaths?.map(fromUtf16),
    hostPrefix: opts.hostPrefix === undefined ? undefined : fromUtf16(opts.hostPrefix),
  });
  const procPath = opts.procPath ?? '/proc';
  const proc = createTrustedProc(procPath);
  const dir = opts.dir !== undefined ? fromUtf16(resolvePath(opts.dir)) : (sandbox.roots[0] ?? '/');
  const baseVars: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env ?? {})) baseVars[fromUtf16(k)] = fromUtf16(v);
  baseVars.PWD = dir;
  baseVars.IFS = ' \t\n';
  baseVars.OPTIND = '1';
  if (opts.allowedPaths !== undefined) baseVars.ALLOWED_PATHS = sandbox.roots.join(':');
  const stdin = opts.stdin ?? new Uint8Array(0);
  const warnings = [...sandbox.warnings];
  const retain = opts.retainOutputBytes;
  if (retain !== undefined && !(Number.isInteger(retain) && retain >= 0)) throw new Error(`retainOutputBytes: ${retain} is not a byte count`);
  /** A run that ended before executing: its only output is the message on stderr. */
  const early = (exitCode: number, stderr: string, error: string, runWarnings: WarningSink): RunResult => {
    const bytes = Buffer.from(stderr, 'latin1');
    return { exitCode, stdout: Buffer.alloc(0), stderr: bytes.subarray(0, retain), stdoutLength: 0, stderrLength: bytes.length, outcome: 'fatal', warnings: runWarnings.list, error };
  };

  async function run(script: string | Uint8Array): Promise<RunResult> {
    const runWarnings = new WarningSink(warnings);
    const src = typeof script === 'string' ? fromUtf16(script) : Buffer.from(script.buffer, script.byteOffset, script.byteLength).toString('latin1');
    let file: File;
    try {
      file = parse(src);
    } catch (e) {
      const text = e instanceof ParseError ? e.toString() : e instanceof Error ? e.message : String(e);
      const error = `failed to parse command: ${text}`;
      return early(2, error + '\n', error, runWarnings);
    }
    let rejection: string | null;
    try {
      rejection = validate(file);
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      const error = `internal error: ${text}`;
      return early(1, `rshell: internal panic: ${text}\n`, error, runWarnings);
    }
    const deadline = opts.timeoutMs !== undefined ? Date.now() + opts.timeoutMs : Infinity;
    const r = await execute(file, {
      settings: {
        fs: sandbox.fs,
        proc,
        procPath,
        dir,
        allowAll: opts.allowAllCommands === true,
        allowed,
        hooks: opts.hooks,
        deadline,
        signal: opts.signal,
        warnings: runWarnings,
        source: src,
        retainOutputBytes: retain,
      },
      vars: baseVars,
      stdin,
      version: RSHELL_VERSION,
      rejection,
    });
    return { ...r, warnings: runWarnings.list };
  }

  return { run, warnings };
}
