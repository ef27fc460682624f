/** The action contract: an FQN and an async function of the task's context to its outputs. */
import type { Span, Tracer } from '../tracing/index.js';
import type { Task } from '../tasks/envelope.js';

export interface OperatorPolicy {
  /** RSHELL_ALLOWED_COMMANDS (default ["rshell:*"]). */
  allowedCommands: readonly string[];
  /** RSHELL_ALLOWED_PATHS (default ["/"]). */
  allowedPaths: readonly string[];
  /** RSHELL_DETAILED_TELEMETRY (default true): command and control-flow spans, not just `run`. */
  detailedTelemetry?: boolean;
}

export interface ActionContext {
  task: Task;
  /** Epoch ms by which the action must have returned. */
  deadline: number;
  /** Aborted at the deadline. */
  signal: AbortSignal;
  tracer: Tracer;
  /** The task's action.run span. */
  span: Span;
  policy: OperatorPolicy;
}

export interface Action {
  fqn: string;
  run(ctx: ActionContext): Promise<Record<string, unknown>>;
}
