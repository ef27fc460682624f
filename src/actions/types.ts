/** The action contract: an FQN and an async function of the task's context to its outputs. */
import type { Span, SpanBudget, Tracer } from '../tracing/index.js';
import type { Task } from '../tasks/envelope.js';

export interface OperatorPolicy {
  /** RSHELL_ALLOWED_COMMANDS (default ["rshell:*"]). */
  allowedCommands: readonly string[];
  /** RSHELL_ALLOWED_PATHS (default ["/"]). */
  allowedPaths: readonly string[];
  /** RSHELL_DETAILED_TELEMETRY (default true): command and control-flow spans, not just `run`. */
  detailedTelemetry?: boolean;
  /**
   * RSHELL_MAX_SPANS_PER_INVOCATION (default 20,000): command and control-flow spans shared by
   * the tasks of one invocation; later ones are not recorded (the run span always is).
   */
  maxSpansPerInvocation?: number;
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
  /** What is left of this invocation's detail spans (OperatorPolicy.maxSpansPerInvocation). */
  spanBudget?: SpanBudget;
}

export interface Action {
  fqn: string;
  run(ctx: ActionContext): Promise<Record<string, unknown>>;
}
