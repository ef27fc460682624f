/**
 * com.datadoghq.remoteaction.rshell.runCommand: runs `inputs.command` in rshell with the
 * effective allow-lists, under service `rshell` so the interpreter's spans nest under the
 * task's action.run span. A non-zero exit status is an output; parse errors, timeouts,
 * the output cap and internal failures are action errors.
 */
import { createRunner } from '../../rshell/index.js';
import { rshellHooks } from '../../tracing/rshell-spans.js';
import { TaskError, TaskTimeoutError } from '../../tasks/errors.js';
import type { Action, ActionContext } from '../types.js';
import { effectiveCommands, effectivePaths } from './policy.js';

export const RSHELL_BUNDLE = 'com.datadoghq.remoteaction.rshell';

const PARSE_ERROR_PREFIX = 'failed to parse command:';

export interface RunCommandOutputs extends Record<string, unknown> {
  exitCode: number;
  stdout: string;
  stderr: string;
  sandboxWarnings: string[];
}

export const runCommand: Action = {
  fqn: `${RSHELL_BUNDLE}.runCommand`,
  async run(ctx: ActionContext): Promise<RunCommandOutputs> {
    const { command, apmSamplingPriority } = ctx.task.inputs;
    if (typeof command !== 'string' || command.length === 0) {
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
      hooks: ctx.tracer.enabled ? rshellHooks(ctx.tracer) : undefined,
    });
    const res = await ctx.tracer.withService('rshell', () => runner.run(command));

    switch (res.outcome) {
      case 'success':
        return {
          exitCode: res.exitCode,
          stdout: res.stdout.toString('utf8'),
          stderr: res.stderr.toString('utf8'),
          sandboxWarnings: res.warnings,
        };
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
