/**
 * Benchmark variant (not product code): rshell's span points (src/rshell/hooks.ts) emitted
 * through dd-trace, with the operations, resources and tags of src/tracing/rshell-spans.ts,
 * so that the dd-trace handler variant creates the same spans per task as this runner.
 */
import type ddtrace from 'dd-trace';
import type { RshellHooks } from '../../src/rshell/index.js';

type DdSpan = ReturnType<typeof ddtrace.startSpan>;

export function ddtraceRshellHooks(tracer: typeof ddtrace, parent: DdSpan, detailed: boolean): RshellHooks<DdSpan> {
  const start = (name: string, resource: string, childOf: DdSpan, tags: Record<string, string | number | boolean>): DdSpan =>
    tracer.startSpan(name, { childOf, tags: { 'service.name': 'rshell', 'resource.name': resource, ...tags } });
  const runHooks: RshellHooks<DdSpan> = {
    runStart: (info) => start('run', 'run', parent, { 'rshell.version': info.version }),
    runEnd: (s, info) => {
      s.addTags({
        'rshell.run.outcome': info.outcome,
        'rshell.run.exit_code': info.exitCode,
        'rshell.run.commands.total': info.commands.total,
        'rshell.run.commands.dispatched': info.commands.dispatched,
        'rshell.run.commands.unallowed': info.commands.unallowed,
        'rshell.run.commands.unknown': info.commands.unknown,
      });
      s.finish();
    },
  };
  if (!detailed) return runHooks;
  return {
    ...runHooks,
    commandStart: (info, p) => {
      const tags: Record<string, string | number | boolean> = {
        'rshell.command.name': info.name,
        'rshell.command.argc': info.argc,
        'rshell.command.is_allowed': info.isAllowed,
        'rshell.command.is_known': info.isKnown,
        'rshell.command.has_stdin_pipe': info.hasStdinPipe,
        'rshell.command.has_output_redirect': info.hasOutputRedirect,
      };
      if (info.flags.length > 0) tags['rshell.command.flags'] = info.flags.join(',');
      return start('command', info.name, p, tags);
    },
    commandEnd: (s, info) => s.setTag('rshell.command.exit_code', info.exitCode).finish(),
    pipelineStart: (info, p) => start('control_flow', 'pipeline', p, { 'rshell.pipeline.stage_count': info.stageCount }),
    pipelineEnd: (s, info) => s.setTag('rshell.pipeline.exit_code', info.exitCode).finish(),
    ifStart: (info, p) => start('control_flow', 'if', p, { 'rshell.if.branch_count': info.branchCount }),
    ifEnd: (s, info) => s.setTag('rshell.if.branch_taken', info.branchTaken).finish(),
    forStart: (info, p) => start('control_flow', 'for', p, { 'rshell.for.variable_name': info.variableName }),
    forEnd: (s, info) => s.addTags({ 'rshell.for.iteration_count': info.iterationCount, 'rshell.for.broke_early': info.brokeEarly }).finish(),
    forIterationStart: (info, p) => start('control_flow', 'for.iteration', p, { 'rshell.for.iteration.index': info.index }),
    forIterationEnd: (s) => s.finish(),
  };
}
