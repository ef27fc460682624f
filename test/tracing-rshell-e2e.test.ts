/** End to end: a real rshell run with the span adapter, flushed to the local intake. */
import { describe, expect, it } from 'vitest';
import { BUILTINS } from '../src/rshell/builtins/registry.js';
import type { Builtin } from '../src/rshell/builtins/types.js';
import { createRunner } from '../src/rshell/index.js';
import { createTracer } from '../src/tracing/create-tracer.js';
import { rshellHooks } from '../src/tracing/index.js';
import { formatTraceTree } from '../src/tracing/local-intake.js';
import { event, failureOf, rshellTask, wiredHandler } from './faults-helpers.js';
import { context, useLocalIntake } from './helpers/stack.js';

const intake = useLocalIntake();

describe('rshell spans end to end', () => {
  it('traces a script under action.run with service rshell, and keeps arguments out', async () => {
    const tracer = createTracer({ intakeUrl: intake.url });
    const script =
      'for f in a b; do if true; then echo $f | cat; fi; done\n' +
      'secret-cmd --token=abc123 hunter2\n' +
      'echo done > /dev/null\n';
    const result = await tracer.withSpan('action.run', { resource: 'com.datadoghq.remoteaction.rshell.runCommand' }, () =>
      tracer.withService('rshell', () =>
        createRunner({ allowedCommands: ['rshell:echo', 'rshell:cat', 'rshell:true'], hooks: rshellHooks(tracer) }).run(script),
      ),
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout.toString()).toBe('a\nb\n');
    expect(result.outcome).toBe('success');

    const report = await tracer.flush({ deadline: Date.now() + 10_000 });
    expect(report).toMatchObject({ sent: 17, dropped: 0, requests: 1 });
    const traces = intake.traces();
    expect(traces).toHaveLength(1);
    const tree = formatTraceTree(traces[0]).replace(/ \d+\.\d{3} ms/g, '').split('\n').slice(1).join('\n');
    expect(tree).toBe(
      [
        '  action.run com.datadoghq.remoteaction.rshell.runCommand [private-action-runner]',
        '    run run [rshell]',
        '      control_flow for [rshell]',
        '        control_flow for.iteration [rshell]',
        '          control_flow if [rshell]',
        '            command true [rshell]',
        '            control_flow pipeline [rshell]',
        '              command echo [rshell]',
        '              command cat [rshell]',
        '        control_flow for.iteration [rshell]',
        '          control_flow if [rshell]',
        '            command true [rshell]',
        '            control_flow pipeline [rshell]',
        '              command echo [rshell]',
        '              command cat [rshell]',
        '      command secret-cmd [rshell]',
        '      command echo [rshell]',
      ].join('\n'),
    );

    const spans = intake.spans();
    const run = spans.find((s) => s.name === 'run')!;
    expect(run.meta['rshell.run.outcome']).toBe('success');
    expect(run.error).toBe(0);
    expect(run.metrics).toMatchObject({
      _top_level: 1,
      'rshell.run.exit_code': 0,
      'rshell.run.commands.total': 8,
      'rshell.run.commands.unallowed': 1,
    });
    const blocked = spans.find((s) => s.resource === 'secret-cmd')!;
    expect(blocked.meta).toMatchObject({ 'rshell.command.is_allowed': 'false', 'rshell.command.flags': '--token' });
    expect(blocked.metrics).toMatchObject({ 'rshell.command.argc': 2, 'rshell.command.exit_code': 127 });
    const piped = spans.filter((s) => s.resource === 'cat');
    expect(piped.map((s) => s.meta['rshell.command.has_stdin_pipe'])).toEqual(['true', 'true']);
    const redirected = spans.filter((s) => s.resource === 'echo').map((s) => s.meta['rshell.command.has_output_redirect']);
    expect(redirected).toEqual(['true', 'true', 'true']);

    const body = intake.requests().map((r) => r.body.toString()).join('');
    for (const secret of ['abc123', 'hunter2', 'secret-cmd --token', '$f', 'done']) expect(body).not.toContain(secret);
  });

  it('nests under an explicit parent without any active context, and detailed: false keeps only the run span', async () => {
    const tracer = createTracer({ intakeUrl: intake.url });
    const script = 'for f in a b; do echo $f | cat; done\necho x > /dev/null\nnope';
    const action = tracer.startSpan('action.run', { resource: 'com.datadoghq.remoteaction.rshell.runCommand' });
    const detailed = await createRunner({ allowedCommands: ['rshell:echo', 'rshell:cat'], hooks: rshellHooks(tracer, { parent: action }) }).run(script);
    const lean = await createRunner({ allowedCommands: ['rshell:echo', 'rshell:cat'], hooks: rshellHooks(tracer, { parent: action, detailed: false }) }).run(script);
    action.finish();
    expect(tracer.activeSpan()).toBeUndefined();
    expect([detailed.exitCode, lean.exitCode]).toEqual([127, 127]);
    expect(lean.stdout.toString()).toBe(detailed.stdout.toString());

    expect(await tracer.flush({ deadline: Date.now() + 10_000 })).toMatchObject({ sent: 14, dropped: 0 });
    const spans = intake.spans();
    const runs = spans.filter((s) => s.name === 'run');
    expect(runs).toHaveLength(2);
    for (const run of runs) {
      expect(run.parent_id).toBe(action.spanId);
      expect(run.service).toBe('rshell');
      expect(run.metrics).toMatchObject({ 'rshell.run.exit_code': 127, 'rshell.run.commands.total': 6, 'rshell.run.commands.unallowed': 1 });
    }
    // Detailed: for, 2 iterations, 2 pipelines, 4 piped commands, echo, nope = 11 under its run.
    const [full, leanRun] = runs;
    const under = (id: bigint): number => {
      const kids = spans.filter((s) => s.parent_id === id);
      return kids.length + kids.reduce((n, k) => n + under(k.span_id), 0);
    };
    expect(under(full.span_id)).toBe(11);
    expect(under(leanRun.span_id)).toBe(0);
  });
  it('a builtin that throws ends the run as fatal: exit 1, the panic on stderr, only error.type on the run span', async () => {
    // A bug in a builtin, simulated: the interpreter must turn it into a clean run result.
    const builtins = BUILTINS as Map<string, Builtin>;
    builtins.set('boom', async () => {
      throw new Error('bug in a builtin: token=abc123');
    });
    try {
      const tracer = createTracer({ intakeUrl: intake.url });
      const action = tracer.startSpan('action.run');
      const hooks = rshellHooks(tracer, { parent: action });
      const r = await createRunner({ allowedCommands: ['rshell:echo', 'rshell:boom'], hooks }).run('echo before\nboom\necho after');
      action.finish();
      expect([r.exitCode, r.outcome, r.stdout.toString(), r.stderr.toString()]).toEqual([
        1,
        'fatal',
        'before\n',
        'rshell: internal panic: bug in a builtin: token=abc123\n',
      ]);
      expect(r.error).toBe('internal error: bug in a builtin: token=abc123');
      await tracer.flush({ deadline: Date.now() + 10_000 });
      const spans = intake.spans();
      const run = spans.find((s) => s.name === 'run')!;
      expect([run.error, run.meta['error.type'], run.meta['rshell.run.outcome']]).toEqual([1, 'fatal', 'fatal']);
      // The command span is finished too (exit code 1), and the message is in no span.
      expect(spans.filter((s) => s.name === 'command').map((s) => [s.resource, s.metrics['rshell.command.exit_code']])).toEqual([
        ['echo', 0],
        ['boom', 1],
      ]);
      expect(intake.requests().map((q) => q.body.toString()).join('')).not.toContain('abc123');

      // Through the executor: a failed task (not retried) whose details say what broke, and
      // an action.run span with the error's type only.
      const { handler, publisher } = wiredHandler({ DD_API_KEY: 'k', DD_TRACE_INTAKE_URL: intake.url });
      const res = await handler(event([rshellTask('boom', { allowedCommands: ['rshell:boom'] })]), context());
      expect(res.batchItemFailures).toEqual([]);
      expect(failureOf(publisher.items[0]?.update)).toEqual({ error_code: 'ACTION_ERROR', error_details: 'rshell: internal error: bug in a builtin: token=abc123' });
      const actionRun = intake.spans().filter((s) => s.name === 'action.run').at(-1)!;
      expect([actionRun.error, actionRun.meta['error.type']]).toEqual([1, 'InternalError']);
      expect(intake.requests().map((q) => q.body.toString()).join('')).not.toContain('abc123');
    } finally {
      builtins.delete('boom');
    }
  });
});
