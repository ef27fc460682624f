/**
 * com.datadoghq.remoteaction.rshell.runCommand: runs `inputs.command` in rshell with the
 * effective allow-lists, under service `rshell` so the interpreter's spans nest under the
 * task's action.run span. A non-zero exit status is an output; parse errors, timeouts,
 * the output cap and internal failures are action errors.
 */
import { createRunner } from '../../rshell/index.js';
import { rshellHooks } from '../../tracing/rshell-spans.js';
import { TaskError, TaskTimeoutError } from '../../tasks/errors.js';
import { MAX_RESULT_BYTES } from '../../tasks/results.js';
import type { Action, ActionContext } from '../types.js';
import { effectiveCommands, effectivePaths } from './policy.js';

export const RSHELL_BUNDLE = 'com.datadoghq.remoteaction.rshell';

const PARSE_ERROR_PREFIX = 'failed to parse command:';

export interface RunCommandOutputs extends Record<string, unknown> {
  exitCode: number;
  stdout: string;
  stderr: string;
  sandboxWarnings: string[];
  /** Set when a stream was longer than a result can carry and was cut. */
  truncated?: boolean;
}

export const runCommand: Action = {
  fqn: `${RSHELL_BUNDLE}.runCommand`,
  async run(ctx: ActionContext): Promise<RunCommandOutputs> {
    const { command, apmSamplingPriority } = ctx.task.inputs;
    if (command !== undefined && typeof command !== 'string') {
      // Present but not text (a number, an argv list): "command is required" sent senders
      // looking for a missing field.
      const got = command === null ? 'null' : Array.isArray(command) ? 'array' : typeof command;
      throw new TaskError('ACTION_ERROR', `command must be a string, got ${got}`, 'InvalidInput');
    }
    if (command === undefined || command.length === 0) {
      throw new TaskError('ACTION_ERROR', 'command is required', 'InvalidInput');
    }
    if (apmSamplingPriority !== undefined) {
      if (typeof apmSamplingPriority !== 'number' || !Number.isInteger(apmSamplingPriority)) {
        throw new TaskError('ACTION_ERROR', 'apmSamplingPriority must be an integer', 'InvalidInput');
      }
      ctx.tracer.setSamplingPriority(ctx.span, apmSamplingPriority);
    }

    const runner = createRunner({
      allowedCommands: effectiveCommands(ctx.task.allowedCommands, ctx.policy.allowedCommands),
      allowedPaths: effectivePaths(ctx.task.allowedPaths, ctx.policy.allowedPaths),
      env: {},
      timeoutMs: Math.max(0, ctx.deadline - Date.now()),
      signal: ctx.signal,
      // Spans nest under the task's action.run span, on service rshell (specs/rshell.md §5).
      // None under a trace that will not be sent (its priority is final here): as in the PAR,
      // a dropped trace costs nothing more.
      hooks: ctx.tracer.sendsUnder(ctx.span) ? rshellHooks(ctx.tracer, { parent: ctx.span, detailed: ctx.policy.detailedTelemetry ?? true, budget: ctx.spanBudget }) : undefined,
      // Only what a result can carry (clip). Kept whole, each run's stdout and stderr (10 MiB
      // each, outside the process's memory budget) took ten such tasks on a 512 MB function
      // to 428–454 MiB peak RSS, against 151–178 MiB keeping this much.
      retainOutputBytes: MAX_RESULT_BYTES,
    });
    const res = await runner.run(command);

    switch (res.outcome) {
      case 'success': {
        const stdout = clip(res.stdout, res.stdoutLength);
        const stderr = clip(res.stderr, res.stderrLength);
        const outputs: RunCommandOutputs = { exitCode: res.exitCode, stdout: stdout.text, stderr: stderr.text, sandboxWarnings: res.warnings };
        if (stdout.cut || stderr.cut) outputs.truncated = true;
        return outputs;
      }
      case 'timeout':
      case 'canceled':
        throw new TaskTimeoutError();
      case 'output_limit':
        throw new TaskError(
          'ACTION_ERROR',
          'stdout limit exceeded: script produced more than 10 MiB of output',
          'OutputLimitExceeded',
        );
      default: {
        const reason = res.error ?? 'internal error';
        // rshell reports a script it cannot parse as "failed to parse command: L:C: msg".
        if (reason.startsWith(PARSE_ERROR_PREFIX)) throw new TaskError('ACTION_ERROR', reason, 'ParseError');
        throw new TaskError('ACTION_ERROR', `rshell: ${reason}`, 'InternalError');
      }
    }
  },
};

/**
 * A result is one SQS message (256 KiB), so no more of a stream than that can ever be sent.
 * Cutting here, rather than only when the result is encoded, keeps a batch of ten tasks that
 * each fill stderr (10 MiB) from holding ~200 MB of strings until the batch is published.
 * A character split at the cut is dropped again when the result is encoded to fit. `length`
 * is the stream's whole length: the runner already kept no more than MAX_RESULT_BYTES of it.
 */
function clip(b: Buffer, length: number): { text: string; cut: boolean } {
  return { text: b.subarray(0, MAX_RESULT_BYTES).toString('utf8'), cut: length > MAX_RESULT_BYTES };
}
