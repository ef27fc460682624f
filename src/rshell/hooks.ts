/**
 * Observation hooks, placed exactly where rshell opens spans (specs/rshell.md §5). The
 * interpreter knows nothing of tracing: each `*Start` returns an opaque token that the
 * interpreter threads through nested execution and passes back as `parent` to inner starts
 * and to the matching `*End`. Hooks must be cheap; the interpreter swallows hook exceptions.
 */

export type RunOutcome = 'success' | 'output_limit' | 'timeout' | 'canceled' | 'fatal';

export interface RunStartInfo {
  version: string;
}

export interface RunEndInfo {
  exitCode: number;
  outcome: RunOutcome;
  commands: { total: number; dispatched: number; unallowed: number; unknown: number };
}

export interface CommandStartInfo {
  /** argv[0] after expansion (a bstr). */
  name: string;
  /** Number of arguments excluding argv[0]. */
  argc: number;
  /** Flag names only (`-x`, `--long`), values stripped, stops at `--`; never argument values. */
  flags: string[];
  isAllowed: boolean;
  /** In the builtin registry. */
  isKnown: boolean;
  /** stdin differs from the run's stdin (pipe, `<`, heredoc). */
  hasStdinPipe: boolean;
  /** stdout differs from the run's stdout (pipe or redirect). */
  hasOutputRedirect: boolean;
}

export interface RshellHooks<T = unknown> {
  runStart?(info: RunStartInfo): T;
  runEnd?(token: T, info: RunEndInfo): void;
  commandStart?(info: CommandStartInfo, parent: T): T;
  commandEnd?(token: T, info: { exitCode: number }): void;
  pipelineStart?(info: { stageCount: number }, parent: T): T;
  pipelineEnd?(token: T, info: { exitCode: number }): void;
  /** branchCount = if + elifs + else. */
  ifStart?(info: { branchCount: number }, parent: T): T;
  /** branchTaken: 0-based index; -1 = else; -2 = none. */
  ifEnd?(token: T, info: { branchTaken: number }): void;
  forStart?(info: { variableName: string }, parent: T): T;
  forEnd?(token: T, info: { iterationCount: number; brokeEarly: boolean }): void;
  forIterationStart?(info: { index: number }, parent: T): T;
  forIterationEnd?(token: T): void;
}
